"""Evolution past one process: a ProcessPoolExecutor and a Dask LocalCluster give the same
result, bit for bit, as the in-process run."""
import concurrent.futures as cf
import logging
import multiprocessing

import numpy as np
import pytest

import glia


def _arrays(net):
    d = net._get_arrays()
    return {k: np.asarray(d[k]) for k in ("threshold", "leak", "resting", "src", "dst", "weight")}


def assert_same_result(r1, r2):
    assert r1.histories() == r2.histories()
    assert r1.lineage == r2.lineage
    assert r1.best_metrics == r2.best_metrics
    for a, b in ((r1.best_genome, r2.best_genome), (r1.best_network, r2.best_network)):
        assert a.neuron_ids == b.neuron_ids
        da, db = _arrays(a), _arrays(b)
        for k in da:
            assert np.array_equal(da[k], db[k]), k


@pytest.fixture(scope="module")
def setup():
    train, val = glia.datasets.three_class(n_per_class=12).split(0.75, seed=0)
    cfg = glia.create_config(lr=0.05, batch_size=4, warmup_ticks=20, decision_window=50)
    evo_cfg = glia.EvolutionConfig(population=6, generations=3, elite=2, parents_pool=3,
                                   train_epochs=1, sigma_w=0.5, sigma_thr=0.5, seed=11)
    evo = glia.Evolution(glia.datasets.three_class_network(), train, val, cfg, evo_cfg)
    return evo, evo.run(verbose=False, num_threads=2)


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_process_pool_matches_in_process(setup, method, monkeypatch):
    import glia.evolution as ev
    sent = []
    close = ev._ExecutorScorer.close
    monkeypatch.setattr(ev._ExecutorScorer, "close", lambda self: (sent.append(self.data_sent), close(self)))
    evo, local = setup
    ctx = multiprocessing.get_context(method)
    with cf.ProcessPoolExecutor(2, mp_context=ctx) as ex:
        remote = evo.run(verbose=False, executor=ex)
        assert_same_result(local, remote)
        assert sent[-1] == 0   # local workers read the data from a file, once each
        # a second run reuses the data the workers already hold
        assert_same_result(local, evo.run(verbose=False, executor=ex))
        assert sent[-1] == 0


def test_darwinian_hebbian_on_a_thread_pool(setup):
    evo, _ = setup
    cfg = evo.config.copy()
    cfg.lamarckian = False
    cfg.trainer = "hebbian"
    e2 = glia.Evolution(evo.base_network, evo._train_eps, evo._val_eps, evo.train_config, cfg)
    with cf.ThreadPoolExecutor(2) as ex:
        assert_same_result(e2.run(verbose=False), e2.run(verbose=False, executor=ex))


def test_executor_errors_propagate(setup):
    evo, _ = setup
    with cf.ThreadPoolExecutor(1) as ex:
        with pytest.raises(RuntimeError, match="boom"):
            evo.run(verbose=False, executor=ex,
                    on_generation=lambda g, n, m: (_ for _ in ()).throw(RuntimeError("boom")))
    with pytest.raises(TypeError, match="executor"):
        evo.run(verbose=False, executor=object())


def test_dask_local_cluster_matches_in_process(setup):
    import distributed
    evo, local = setup
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  host="127.0.0.1", dashboard_address=None,
                                  silence_logs=logging.ERROR) as cluster, \
            distributed.Client(cluster) as client:
        remote = evo.run(verbose=False, executor=client)
        assert_same_result(local, remote)


def test_worker_without_the_data_file_asks_for_the_bytes(setup):
    import pickle
    import zlib
    import glia.evolution as ev
    evo, local = setup
    task = evo._make_task(evo.config)
    genome = evo.base_network
    token = "test-token-" + str(id(task))
    assert ev._remote_score(token, ("file", "/nonexistent/glia.pkl.z"), genome.copy(), 1) == ev._NEED_DATA
    blob = zlib.compress(pickle.dumps(task))
    out = ev._remote_score(token, blob, genome.copy(), 1)
    assert isinstance(out[0], glia.Network) and 0.0 <= out[1] <= 1.0
    again = ev._remote_score(token, None, genome.copy(), 1)   # now cached on this "worker"
    assert again[1:] == out[1:]
    ev._WORKER_CACHE.pop(token, None)

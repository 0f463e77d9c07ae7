"""Evolution past one process: a ProcessPoolExecutor and a Dask LocalCluster give the same
result, bit for bit, as the in-process run."""
import _thread
import concurrent.futures as cf
import logging
import multiprocessing
import threading
import time

import pytest

import glia
from conftest import assert_same_evolution, evolution_run


@pytest.fixture(scope="module")
def setup():
    return evolution_run(population=6, generations=3, elite=2, parents_pool=3,
                         train_epochs=1, sigma_w=0.5, sigma_thr=0.5, seed=11)


def _recording_submit(ex, calls):
    submit = ex.submit
    ex.submit = lambda fn, *args, **kw: (calls.append(args), submit(fn, *args, **kw))[1]


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_process_pool_matches_in_process(setup, method):
    from glia.evolution._scoring import _Data
    evo, local = setup
    ctx = multiprocessing.get_context(method)
    calls = []
    with evo.process_pool(2, mp_context=ctx) as ex:
        _recording_submit(ex, calls)
        remote = evo.run(verbose=False, executor=ex)
        assert_same_evolution(local, remote)
        # a second run reuses the data the workers already hold
        assert_same_evolution(local, evo.run(verbose=False, executor=ex))
    P, G = evo.config.population, evo.config.generations
    assert len(calls) == 2 * P * G
    # the data reached the workers through the pool's initializer: no task carries them
    assert not any(isinstance(a, _Data) for args in calls for a in args)
    # any other process pool gets the data with every task, and the same result
    calls.clear()
    with cf.ProcessPoolExecutor(2, mp_context=ctx) as ex:
        _recording_submit(ex, calls)
        assert_same_evolution(local, evo.run(verbose=False, executor=ex))
    assert len(calls) == P * G and all(isinstance(args[0], _Data) for args in calls)


def test_process_pool_of_another_evolution_is_refused(setup):
    evo, _ = setup
    other = glia.Evolution(evo.base_network, evo._train_eps, evo._val_eps, evo.train_config,
                           evo.config)
    ctx = multiprocessing.get_context("fork")
    with other.process_pool(1, mp_context=ctx) as ex:
        import glia.evolution._executors as ex_mod
        fut = ex.submit(ex_mod._score_installed, evo._token, evo._settings(evo.config),
                        evo.base_network, 1)
        with pytest.raises(RuntimeError, match="holds no data of this Evolution"):
            fut.result()
        # run() sees that the pool holds another evolution's data and sends them along
        assert_same_evolution(evo.run(verbose=False), evo.run(verbose=False, executor=ex))
    with pytest.raises(TypeError, match="initializer"):
        evo.process_pool(1, initializer=print)


def test_ctrl_c_on_a_process_pool_stops_the_run_and_keeps_the_pool(setup):
    evo, _ = setup
    long = glia.Evolution(evo.base_network, evo._train_eps, evo._val_eps, evo.train_config,
                          glia.EvolutionConfig(population=6, generations=100000, train_epochs=5,
                                               seed=3))
    with long.process_pool(2, mp_context=multiprocessing.get_context("fork")) as ex:
        timer = threading.Timer(0.5, _thread.interrupt_main)
        t0 = time.perf_counter()
        timer.start()
        try:
            with pytest.raises(KeyboardInterrupt):
                long.run(verbose=False, executor=ex)
        finally:
            timer.cancel()
        assert time.perf_counter() - t0 < 5.0
        assert long.result is not None
        # the pool and its workers' data serve the next run
        long.config.generations = 2
        assert_same_evolution(long.run(verbose=False), long.run(verbose=False, executor=ex))


def test_darwinian_hebbian_on_a_thread_pool(setup):
    evo, _ = setup
    cfg = evo.config.copy()
    cfg.lamarckian = False
    cfg.trainer = "hebbian"
    e2 = glia.Evolution(evo.base_network, evo._train_eps, evo._val_eps, evo.train_config, cfg)
    with cf.ThreadPoolExecutor(2) as ex:
        assert_same_evolution(e2.run(verbose=False), e2.run(verbose=False, executor=ex))


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
        assert_same_evolution(local, remote)

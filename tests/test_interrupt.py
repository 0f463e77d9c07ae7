"""Ctrl-C at random moments: KeyboardInterrupt (``_thread.interrupt_main`` from a timer)
during training, evaluation and runs always propagates, leaves the network valid (all
values finite, save -> load gives the same text) and the next call works."""
import _thread
import random
import threading
import time

import numpy as np
import pytest

import glia

TRIALS = 20
MAX_DELAY = 0.25          # seconds; every call below runs far longer than this


@pytest.fixture(scope="module")
def task():
    net = glia.Network.from_string(
        "NEWNET S=8 H=400 O=4\nSEED 1\nTHRESHOLDS S 100 H 2 O 2\nW_SCALE 4\n")
    rng = np.random.default_rng(1)
    X = ((rng.random((64, 50, 8)) < 0.2) * 200).astype(np.float32)
    train = glia.Dataset.from_arrays(X, rng.integers(0, 4, 64))
    Xe = ((rng.random((3000, 50, 8)) < 0.2) * 200).astype(np.float32)
    evaluation = glia.Dataset.from_arrays(Xe, rng.integers(0, 4, 3000))   # ~2 s to evaluate
    drive = ((rng.random((300000, 8)) < 0.2) * 200).astype(np.float32)    # ~4 s to run
    return net, train, evaluation, drive


def check_network(net, tmp_path):
    """Valid, finite, and save -> load round-trips to the same text."""
    net.validate()
    ids, values, thr, leak = net.get_state()
    assert np.isfinite(values).all() and np.isfinite(thr).all() and np.isfinite(leak).all()
    assert np.isfinite(net.weights).all()
    path = tmp_path / "after_interrupt.net"
    net.save(path)
    text = net.to_string()
    assert glia.Network.from_file(path, verbose=False).to_string() == text
    assert path.read_text() == text


def interrupt(call, delay):
    """Runs ``call`` with a Ctrl-C due after ``delay`` s; returns the seconds until the
    KeyboardInterrupt arrived. Fails if the call returns or raises anything else (after
    absorbing the pending interrupt, so that it cannot hit a later test)."""
    timer = threading.Timer(delay, _thread.interrupt_main)
    t0 = time.perf_counter()
    try:
        timer.start()
        call()
    except KeyboardInterrupt:
        took = time.perf_counter() - t0
        timer.join()
        return took
    except BaseException as e:
        outcome = f"raised {e!r}"
    else:
        outcome = "returned"
    timer.cancel()
    try:
        timer.join()
        time.sleep(0.05)       # a fired interrupt is delivered here
    except KeyboardInterrupt:
        pass
    pytest.fail(f"the call {outcome} instead of being interrupted (delay {delay:.3f} s)")


def _trials(name, make_call, after, tmp_path):
    rng = random.Random(f"interrupt-{name}")
    late = []
    for k in range(TRIALS):
        delay = rng.uniform(0.0, MAX_DELAY)
        took = interrupt(make_call(), delay)
        late.append(took - delay)
        after(k)
    # Ctrl-C is honoured within about the engine's 100 ms polling interval
    assert max(late) < 1.0, late
    return late


def test_interrupt_network_run(task, tmp_path):
    net, _, _, drive = task
    net = net.copy()
    records = ["counts", "raster", "events", None]

    def make():
        k = len(seen)
        seen.append(k)
        rec = records[k % len(records)]
        X = drive if rec in ("counts", None) else drive[:200000]
        return lambda: net.run(X, record=rec, trace=["O0"] if rec is None else None)

    def after(k):
        check_network(net, tmp_path)
        assert net.run(drive[:50], record="counts").shape == (net.num_neurons,)

    seen = []
    _trials("run", make, after, tmp_path)


def test_interrupt_step(task, tmp_path):
    net = task[0].copy()

    def after(k):
        check_network(net, tmp_path)
        net.step(3)

    _trials("step", lambda: (lambda: net.step(10**9)), after, tmp_path)


@pytest.mark.parametrize("method", ["gradient", "hebbian", "surrogate"])
def test_interrupt_trainer_train(task, tmp_path, method):
    net, train, _, _ = task
    net = net.copy()
    tr = glia.Trainer(net, glia.create_config(lr=0.01, warmup_ticks=5, batch_size=8),
                      method=method)

    def after(k):
        check_network(net, tmp_path)
        assert len(tr.train(train, epochs=1, verbose=False)["accuracy"]) >= 1

    _trials(f"train-{method}", lambda: (lambda: tr.train(train, epochs=10**6, verbose=False)),
            after, tmp_path)


def test_interrupt_train_fast(task, tmp_path):
    net, train, _, _ = task
    net = net.copy()
    tr = glia.Trainer(net, glia.create_config(lr=0.01, warmup_ticks=5, batch_size=8))
    n_threads = iter([1, 2] * TRIALS)

    def after(k):
        check_network(net, tmp_path)
        tr.train_fast(train, epochs=1, num_threads=2)

    _trials("train_fast",
            lambda: (lambda nt=next(n_threads): tr.train_fast(train, epochs=10**6, num_threads=nt)),
            after, tmp_path)


def test_interrupt_evaluate_dataset(task, tmp_path):
    net, train, evaluation, _ = task
    net = net.copy()
    before = net.to_string()
    tr = glia.Trainer(net, glia.create_config(warmup_ticks=5))
    expect = tr.evaluate_dataset(train, num_threads=1)

    def after(k):
        check_network(net, tmp_path)
        assert net.to_string() == before                   # evaluation changes nothing
        r = tr.evaluate_dataset(train, num_threads=2)
        assert r["margins"].tobytes() == expect["margins"].tobytes()

    def make():
        nt = 1 + len(calls) % 2
        calls.append(nt)
        if len(calls) % 3 == 0:
            return lambda: glia.evaluate_dataset(net, evaluation, num_threads=nt)
        return lambda: tr.evaluate_dataset(evaluation, num_threads=nt)

    calls = []
    _trials("evaluate", make, after, tmp_path)


def test_interrupt_score_population(task, tmp_path):
    net, train, evaluation, _ = task
    nets = [net.copy() for _ in range(4)]
    texts = [n.to_string() for n in nets]
    cfg = glia.create_config(lr=0.01, warmup_ticks=5, batch_size=8)
    expect = glia.score_population(nets, train[:8], cfg, train_epochs=1, num_threads=1)

    def make():
        k = len(calls)
        calls.append(k)
        if k % 2:
            return lambda: glia.score_population(nets, evaluation, cfg, num_threads=2)
        return lambda: glia.score_population(nets, train, cfg, train_epochs=10**6, num_threads=1 + k % 4 // 2)

    def after(k):
        for n, t in zip(nets, texts):
            check_network(n, tmp_path)
            assert n.to_string() == t                       # the networks given never change
        again = glia.score_population(nets, train[:8], cfg, train_epochs=1, num_threads=2)
        assert [np.asarray(a).tobytes() for a in again] == [np.asarray(a).tobytes() for a in expect]

    calls = []
    _trials("score_population", make, after, tmp_path)


def test_interrupt_evolution(task, tmp_path):
    net, train, _, _ = task
    path = tmp_path / "seed.net"
    net.save(path)
    text = path.read_text()
    cfg = glia.create_config(lr=0.01, warmup_ticks=5, batch_size=8)

    def make():
        evo = glia.Evolution(str(path), train, train[:16], cfg,
                             glia.create_evo_config(population=4, generations=10**6))
        return lambda: evo.run(verbose=False, num_threads=1 + len(calls.append(0) or calls) % 2)

    def after(k):
        assert path.read_text() == text                     # the base file is untouched
        check_network(glia.Network.from_file(path, verbose=False), tmp_path)
        r = glia.Evolution(str(path), train[:8], train[:8], cfg,
                           glia.create_evo_config(population=2, generations=1)).run(verbose=False)
        check_network(r.best_genome, tmp_path)

    calls = []
    _trials("evolution", make, after, tmp_path)

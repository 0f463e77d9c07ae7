"""Concurrency stress: many Python threads on separate networks give exactly the results of
their single-threaded twins; threads fighting over one instance get RuntimeError, never a
crash or a corrupted network. Bounded: a fixed number of iterations, a few seconds."""
import threading
import time

import numpy as np
import pytest

import glia
from conftest import small_task

N_THREADS = 8
ITERATIONS = 25


def _task(seed):
    return small_task(seed, 10, 12, 25)


def _workload(k, net, data, drive, n_threads):
    """Steps, runs, trains and scores one network; returns everything it observed."""
    cfg = glia.create_config(lr=0.05, optimizer="adam", batch_size=4, warmup_ticks=5)
    tr = glia.Trainer(net, cfg)
    out = []
    for it in range(ITERATIONS):
        net.reset()
        net.inject_array(drive[it % len(drive)])
        net.step(3)
        out.append(net.values.tobytes())
        out.append(net.run(drive, record="counts").tobytes())
        tr.train_fast(data, epochs=1, num_threads=n_threads)
        r = tr.evaluate_dataset(data, num_threads=n_threads)
        out.append((r["accuracy"], r["margins"].tobytes(), r["rates"].tobytes()))
        out.append(glia.evaluate_dataset(net, data, cfg, num_threads=n_threads)["margins"].tobytes())
        scores = glia.score_population([net, net.copy()], data, cfg, train_epochs=1,
                                       num_threads=n_threads)
        out.append(tuple(np.asarray(a).tobytes() for a in scores))
    out.append(net.to_string())
    return out


def test_threads_on_separate_networks_equal_their_single_threaded_twins():
    tasks = [_task(100 + k) for k in range(N_THREADS)]
    # the twins: one after another, one OpenMP thread each
    expect = [_workload(k, net.copy(), data, drive, 1) for k, (net, data, drive) in enumerate(tasks)]
    results = [None] * N_THREADS
    errors = []
    barrier = threading.Barrier(N_THREADS)

    def work(k):
        net, data, drive = tasks[k]
        try:
            barrier.wait()
            results[k] = _workload(k, net, data, drive, 1 + k % 2)   # half of them on 2 threads
        except BaseException as e:  # pragma: no cover - reported below
            errors.append((k, repr(e)))

    ts = [threading.Thread(target=work, args=(k,)) for k in range(N_THREADS)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(120)
    assert not errors
    for k in range(N_THREADS):
        assert results[k] == expect[k], f"thread {k} differs from its single-threaded twin"
        tasks[k][0].validate()


def _hammer(calls, keep_going):
    """Runs the calls in turn while ``keep_going(done, busy)``; counts the RuntimeErrors of a
    busy instance and the calls that ran, and keeps any other exception."""
    done, busy, other, i = 0, 0, [], 0
    while keep_going(done, busy):
        try:
            calls[i % len(calls)]()
            done += 1
        except RuntimeError as e:
            if "in use by another thread" not in str(e):
                other.append(repr(e))
            busy += 1
        except BaseException as e:  # pragma: no cover - reported by the test
            other.append(repr(e))
        i += 1
        if len(other) > 5:
            break
    return done, busy, other


def test_two_threads_hammering_one_instance(tmp_path):
    net, data, drive = _task(7)
    long_drive = np.tile(drive, (4000, 1))              # 100000 steps: long enough to collide
    tr = glia.Trainer(net, glia.create_config(lr=0.01, warmup_ticks=5))
    path = tmp_path / "shared.net"
    net.save(path)
    a_calls = [lambda: net.run(long_drive, record="counts"),
               lambda: tr.train_fast(data, epochs=2, num_threads=1),
               lambda: net.step(50000)]
    b_calls = [lambda: net.step(1), lambda: net.inject("S0", 1.0), lambda: net.get_state(),
               lambda: net.run(drive[:2]), lambda: net.set_weights(["S0"], ["O0"], [0.5]),
               lambda: net.save(path), lambda: net.to_string(), lambda: net.reset(),
               lambda: net.validate(), lambda: net.copy(), lambda: net.edges(),
               lambda: tr.evaluate_dataset(data, num_threads=1),
               lambda: time.sleep(0.002)]       # lets the long calls in now and then
    res = {}
    start = threading.Barrier(2)
    a_running = threading.Event()
    a_running.set()

    def a():   # long calls (GIL released inside) until 60 of them ran
        start.wait()
        try:
            res["a"] = _hammer(a_calls, lambda done, busy: done < 60 and busy < 100000)
        finally:
            a_running.clear()

    def b():   # short calls as fast as possible while A works
        start.wait()
        res["b"] = _hammer(b_calls, lambda done, busy: a_running.is_set())

    ts = [threading.Thread(target=a), threading.Thread(target=b)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(120)
    (a_done, a_busy, a_other), (b_done, b_busy, b_other) = res["a"], res["b"]
    assert a_other == [] and b_other == [], (a_other, b_other)
    assert a_done == 60 and b_done > 0
    # both sides collided: a long call found the instance busy, and so did a short one
    assert a_busy > 0 and b_busy > 0, (a_busy, b_busy)
    net.validate()
    assert np.isfinite(net.values).all() and np.isfinite(net.edge_weights).all()
    glia.Network.from_file(path, verbose=False).validate()   # the last save is a whole file
    text = net.to_string()
    assert glia.Network.from_string(text).to_string() == text
    net.step(3)                                         # still usable
    tr.evaluate_dataset(data, num_threads=1)


def test_many_threads_saving_and_loading_one_path(tmp_path):
    """Saves from 4 threads and loads from 4 more on one path: every load sees a whole file."""
    nets = [_task(200 + k)[0] for k in range(4)]
    texts = {n.to_string() for n in nets}
    path = tmp_path / "model.net"
    nets[0].save(path)
    bad, errors = [], []

    def save(net):
        for _ in range(100):
            net.save(path)

    def load():
        for _ in range(100):
            try:
                t = glia.Network.from_file(path, verbose=False).to_string()
            except BaseException as e:  # pragma: no cover - reported below
                errors.append(repr(e))
                continue
            if t not in texts:
                bad.append(t)

    ts = [threading.Thread(target=save, args=(n,)) for n in nets] + \
         [threading.Thread(target=load) for _ in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(120)
    assert errors == [] and bad == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.net"]   # no temporary files


@pytest.mark.parametrize("n_threads", [1, 2])
def test_parallel_evaluation_under_thread_churn(n_threads):
    """Evaluation from 8 threads, each with its own OpenMP team, repeated: always identical."""
    net, data, _ = _task(3)
    ref = glia.evaluate_dataset(net, data, num_threads=1)
    copies = [net.copy() for _ in range(N_THREADS)]
    out = [[] for _ in range(N_THREADS)]

    def work(k):
        for _ in range(10):
            r = glia.evaluate_dataset(copies[k], data, num_threads=n_threads)
            out[k].append((r["accuracy"], r["margins"].tobytes(), r["rates"].tobytes()))

    ts = [threading.Thread(target=work, args=(k,)) for k in range(N_THREADS)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(120)
    want = (ref["accuracy"], ref["margins"].tobytes(), ref["rates"].tobytes())
    assert all(len(o) == 10 and all(x == want for x in o) for o in out)

"""Thread safety that does not lean on the GIL (docs/threads.md).

Run on both builds: the normal one, and free-threaded CPython with PYTHON_GIL=0
(tools/ci_freethreaded.sh), where these threads really run at the same time. Eight threads make
thousands of mixed calls on shared and separate objects: a shared Network or Trainer busy in
another thread raises RuntimeError, never crashes or corrupts; shared InputSequences take
every edit (none lost); separate objects give exactly their single-threaded twins' results.
"""
import os
import signal
import subprocess
import sys
import sysconfig
import threading
import time

import numpy as np
import pytest

import glia
from conftest import small_task
from glia import _core

N_THREADS = 8
# mixed calls per thread on the shared objects: 2000 by default (a few seconds);
# tools/ci_freethreaded.sh sets GLIA_STRESS_CALLS=10000
CALLS = int(os.environ.get("GLIA_STRESS_CALLS", "2000"))


def _task(seed):
    return small_task(seed, 6, 6, 12)


CFG = dict(lr=0.05, optimizer="adam", batch_size=3, warmup_ticks=2)


def _own_work(net, data, drive, n):
    """What a thread does to its own objects: n rounds of small mixed calls; the record of
    everything observed (compared with the same work done on one thread)."""
    tr = glia.Trainer(net, glia.create_config(**CFG))
    seq = glia.InputSequence()
    out = []
    for i in range(n):
        k = i % 10
        if k == 0:
            net.reset()
            net.inject_array(drive[i % len(drive)])
        elif k in (1, 2, 3):
            net.step()
            out.append(net.values.tobytes())
        elif k == 4:
            out.append(net.run(drive, record="counts").tobytes())
        elif k == 5:
            seq.add_event(i, "S0", float(i % 7 + 1))
            out.append(seq.version)
        elif k == 6 and i % 100 == 6:
            out.append(tuple(tr.train_batch(data, num_threads=1).values()))
        elif k == 7 and i % 100 == 7:
            r = tr.evaluate_dataset(data, num_threads=1)
            out.append((r["accuracy"], r["rates"].tobytes()))
        elif k == 8:
            out.append(net.get_firing_neurons())
        else:
            out.append(len(net) + seq.num_events)
    out.append(net.to_string())
    out.append(seq.get_events()[0].tobytes())
    return out


def _shared_call(i, me, net, tr, data, seq, drive):
    """One call on the objects every thread shares; returns 1 for an edit of ``seq``."""
    k = i % 12
    if k == 0:
        net.step()
    elif k == 1:
        net.inject("S1", 1.0)
    elif k == 2:
        net.get_state()
    elif k == 3:
        net.run(drive[:3], record="counts")
    elif k == 4:
        net.set_weights(["S0"], ["O0"], [float(me)])
    elif k == 5:
        repr(net)
        net.neuron_ids
    elif k == 6 and i % 120 == 6:
        tr.evaluate_dataset(data, num_threads=1)
    elif k == 7 and i % 120 == 7:
        tr.history
    elif k == 8:
        seq.add_event(me * CALLS + i, "S2", 5.0)    # a tick of its own: never replaces another
        return 1
    elif k == 9:
        seq.get_events()
        seq.to_array(["S2"], length=4)
    elif k == 10:
        net.copy().validate()
    else:
        net.edges()
    return 0


def test_eight_threads_mixed_calls_on_shared_and_separate_objects():
    tasks = [_task(10 + k) for k in range(N_THREADS)]
    own_calls = max(CALLS // 4, 100)
    expect = [_own_work(net.copy(), data, drive, own_calls) for net, data, drive in tasks]
    snet, sdata, sdrive = _task(99)
    str_ = glia.Trainer(snet, glia.create_config(**CFG))
    seq = glia.InputSequence()
    edits_before = _core._input_edit_count()
    results = [None] * N_THREADS
    counts = [None] * N_THREADS
    errors = []
    barrier = threading.Barrier(N_THREADS)

    def work(me):
        net, data, drive = tasks[me]
        done = busy = edits = 0
        try:
            barrier.wait()
            for i in range(CALLS):
                try:
                    edits += _shared_call(i, me, snet, str_, sdata, seq, sdrive)
                    done += 1
                except RuntimeError as e:
                    if "in use by another thread" not in str(e):
                        raise
                    busy += 1
            results[me] = _own_work(net, data, drive, own_calls)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append((me, repr(e)))
        counts[me] = (done, busy, edits)

    ts = [threading.Thread(target=work, args=(k,)) for k in range(N_THREADS)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(300)
    assert not errors, errors
    for k in range(N_THREADS):
        assert results[k] == expect[k], f"thread {k} differs from its single-threaded twin"
        tasks[k][0].validate()
    # the shared sequence took every edit, and the global edit count saw each one once
    n_edits = sum(c[2] for c in counts)
    assert n_edits == N_THREADS * len(range(8, CALLS, 12))
    assert seq.num_events == n_edits and seq.version == n_edits
    own_seq_edits = N_THREADS * len(range(5, own_calls, 10))         # the threads' own sequences
    assert _core._input_edit_count() - edits_before == n_edits + own_seq_edits
    # the shared network and trainer are whole and usable
    snet.validate()
    assert np.isfinite(snet.values).all() and np.isfinite(snet.edge_weights).all()
    text = snet.to_string()
    assert glia.Network.from_string(text).to_string() == text
    str_.evaluate_dataset(sdata, num_threads=1)
    assert all(c[0] > 0 for c in counts)


def _steps_lasting(net, seconds):
    """Steps that take ``net`` about ``seconds`` (measured on a copy)."""
    probe = net.copy()
    t0 = time.perf_counter()
    probe.step(20000)
    return int(20000 / max(time.perf_counter() - t0, 1e-6) * seconds)


def test_a_busy_network_refuses_every_call_from_another_thread():
    """While one thread is inside a long call on a network, every call of another thread on
    that network raises RuntimeError, every time, and the long call finishes unharmed."""
    net, data, drive = _task(3)
    n = _steps_lasting(net, 3.0)
    t = threading.Thread(target=net.step, args=(n,))
    t.start()
    deadline = time.perf_counter() + 30
    while True:              # wait until the other thread holds the network
        try:
            net.num_neurons
        except RuntimeError:
            break
        assert time.perf_counter() < deadline and t.is_alive()
    try:
        calls = [lambda: net.step(), lambda: net.step(10**6), lambda: net.run(drive),
                 lambda: net.inject("S0", 1.0), lambda: net.values, lambda: net.neuron_ids,
                 lambda: net.num_neurons, lambda: len(net), lambda: repr(net),
                 lambda: net.copy(), lambda: net.to_string(), lambda: net.get_state(),
                 lambda: net.set_weights(["S0"], ["O0"], [1.0]), lambda: net.add_neuron("H99"),
                 lambda: net.get_neuron("S0"), lambda: net.reset(), lambda: net.validate(),
                 lambda: glia.evaluate_dataset(net, data, num_threads=1),
                 lambda: glia.Trainer(net).evaluate_dataset(data)]
        for _ in range(20):
            for call in calls:
                with pytest.raises(RuntimeError, match="in use by another thread"):
                    call()
        assert t.is_alive(), "the long call ended before every refusal was checked"
    finally:
        t.join(60)
    net.validate()
    assert "H99" not in net.neuron_ids
    net.step(2)


def test_a_busy_trainer_refuses_another_thread_but_not_its_own_callback():
    net, data, _ = _task(4)
    tr = glia.Trainer(net, glia.create_config(**CFG))
    inside, release = threading.Event(), threading.Event()
    seen = []

    def on_epoch(epoch, acc, margin):
        seen.append(tr.evaluate_dataset(data, num_threads=1)["accuracy"])   # its own thread
        seen.append(len(tr.history["accuracy"]))
        inside.set()
        assert release.wait(30)

    t = threading.Thread(target=tr.train, args=(data, 1), kwargs=dict(on_epoch=on_epoch, verbose=False))
    t.start()
    try:
        assert inside.wait(30)
        calls = [lambda: tr.train(data, 1, verbose=False), lambda: tr.train_fast(data, 1),
                 lambda: tr.train_batch(data), lambda: tr.evaluate_dataset(data),
                 lambda: tr.evaluate(data.episodes[0]), lambda: tr.history,
                 lambda: tr.revert_checkpoint(), lambda: tr.set_seed(3),
                 lambda: setattr(tr, "config", glia.create_config(**CFG))]
        for _ in range(20):
            for call in calls:
                with pytest.raises(RuntimeError, match="Trainer is in use by another thread"):
                    call()
    finally:
        release.set()
        t.join(60)
    assert seen[1] == 1 and 0.0 <= seen[0] <= 1.0
    assert len(tr.history["accuracy"]) == 1


def test_a_busy_evolution_refuses_another_thread_and_its_own_callback():
    """run() on an Evolution that is running raises RuntimeError: from another thread every
    time, and from the run's own callback (a nested run would replace ``result`` under the
    outer one); the run that holds it finishes with exactly an undisturbed run's result."""
    net, data, _ = _task(6)
    cfg, evo_cfg = glia.create_config(**CFG), glia.create_evo_config(population=3, generations=2,
                                                                      train_epochs=1)
    evo = glia.Evolution(net, data, data, cfg, evo_cfg)
    inside, release = threading.Event(), threading.Event()
    nested, runs = [], []

    def on_generation(gen, genome, metrics):
        if gen == 0:
            try:
                evo.run(verbose=False, num_threads=1)
            except RuntimeError as e:
                nested.append(str(e))
            finally:
                inside.set()
            assert release.wait(30)

    t = threading.Thread(target=lambda: runs.append(evo.run(on_generation, verbose=False,
                                                            num_threads=1)))
    t.start()
    try:
        assert inside.wait(30)
        for _ in range(20):
            with pytest.raises(RuntimeError, match="Evolution is in use by another thread"):
                evo.run(verbose=False, num_threads=1)
        assert t.is_alive()
    finally:
        release.set()
        t.join(60)
    assert len(runs) == 1 and len(nested) == 1 and "in use by a call under way" in nested[0]
    alone = glia.Evolution(net, data, data, cfg, evo_cfg).run(verbose=False, num_threads=1)
    assert runs[0].best_fitness_hist == alone.best_fitness_hist
    assert runs[0].lineage == alone.lineage and evo.result is runs[0]
    assert evo.run(verbose=False, num_threads=2).lineage == alone.lineage    # free again


def test_a_signal_handler_cannot_use_the_network_its_call_holds():
    """Python code that runs inside a long call (a signal handler, run by the call's Ctrl-C
    hook) gets RuntimeError from the network that call holds, and the call goes on."""
    net, _, _ = _task(5)
    n = _steps_lasting(net, 1.0)
    errors = []

    def handler(signum, frame):
        try:
            net.step()
        except RuntimeError as e:
            errors.append(str(e))

    stop = threading.Event()
    main = threading.main_thread().ident

    def poke():
        while not stop.wait(0.05):
            signal.pthread_kill(main, signal.SIGUSR1)

    old = signal.signal(signal.SIGUSR1, handler)
    sender = threading.Thread(target=poke)
    sender.start()
    try:
        net.step(n)
    finally:
        stop.set()
        sender.join()
        signal.signal(signal.SIGUSR1, old)
    assert errors and all("call under way in this thread" in e for e in errors)
    net.step()


def test_the_build_and_the_gil():
    """The extension says whether it was built free-threaded, and on such a build importing
    glia leaves the GIL off (the extension declares itself free-threading compatible)."""
    ft = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    assert _core.FREE_THREADED_BUILD is ft
    assert glia.build_info()["free_threaded_build"] is ft
    if not ft:
        assert _core.gil_enabled() is True
        return
    env = {k: v for k, v in os.environ.items() if k != "PYTHON_GIL"}
    r = subprocess.run([sys.executable, "-c", "import sys, glia; import glia.training, glia.evolution;"
                        "print(sys._is_gil_enabled(), glia._core.gil_enabled())"],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["False", "False"]
    assert "GIL" not in r.stderr


def test_shared_method_objects_are_immortal_on_free_threaded_313():
    """On free-threaded CPython 3.13 the extension's types and their method descriptors,
    touched by every thread on every call, are immortal (no shared reference count to
    contend on); objects made later (a network) are not. Elsewhere nothing is changed."""
    ft313 = bool(sysconfig.get_config_var("Py_GIL_DISABLED")) and sys.version_info[:2] == (3, 13)
    shared = [glia.Network, glia.Network.__dict__["step"], glia.Network.__dict__["run"],
              glia.Network.__dict__["num_neurons"], glia.InputSequence.__dict__["add_event"],
              _core.effective_n_threads]
    assert [_core._immortal(o) for o in shared] == [ft313] * len(shared)
    net = glia.Network()
    assert _core._immortal(net) is False
    before = sys.getrefcount(net)
    step = net.step
    assert sys.getrefcount(net) == before + 1   # the bound method holds a real reference
    del step
    assert sys.getrefcount(net) == before


def test_networks_made_one_after_the_other_share_no_cache_line():
    # every call writes the object's header and busy flag; two networks made back to back
    # by one thread must not put those on one 64-byte line (docs/threads.md)
    import sys
    # the written fields end within the first 80 bytes; 128 more bytes keep the next
    # object's header two lines away
    assert sys.getsizeof(glia.Network()) >= 80 + 128

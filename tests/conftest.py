"""Shared fixtures and helpers: small hand-built networks, the suite's own workloads and
reference model, a counting Python thread and a Ctrl-C check. Nothing outside the
repository is needed."""
import _thread
import threading
import time

import numpy as np
import pytest

import glia

import _reference
import _workloads


# The fixtures that give tests the suite's own workloads and reference model; a test that
# uses one of them carries the marker "workloads" (``-m workloads`` selects them all).
WORKLOAD_FIXTURES = ("workloads", "reference", "cls3")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "workloads: uses the suite's own workloads or NumPy reference model "
        "(tests/_workloads.py, tests/_reference.py); set from the fixtures it uses")


def pytest_collection_modifyitems(items):
    for item in items:
        if any(f in WORKLOAD_FIXTURES for f in getattr(item, "fixturenames", ())):
            item.add_marker("workloads")


@pytest.fixture(scope="session")
def workloads(tmp_path_factory):
    """The folder of the suite's workloads (net_small/medium, drives, cls3; see
    tests/_workloads.py), written once per session."""
    return _workloads.write_all(tmp_path_factory.mktemp("workloads"))


@pytest.fixture(scope="session")
def reference():
    """The NumPy reference model of DESIGN.md section 2 (tests/_reference.py)."""
    return _reference


@pytest.fixture
def cls3(workloads):
    """A function returning a fresh (network, dataset) of the 3-class workload: 60
    episodes of 70 ticks, the first 40 for training and the other 20 held out."""
    return lambda: _workloads.load_cls3(workloads)


@pytest.fixture
def any_size():
    """Every network is stepped by a team, whatever its size (the engine's cut-off set to 0)."""
    from glia._core import _set_parallel_step_min_work
    old = _set_parallel_step_min_work(0)
    yield
    _set_parallel_step_min_work(old)


def small_task(seed, hidden, episodes, ticks):
    """A small random network (3 sensory, ``hidden`` hidden, 2 outputs), a labelled data set
    of ``episodes`` x ``ticks`` for it, and one episode's input array."""
    rng = np.random.default_rng(seed)
    net = glia.Network.from_string(
        f"NEWNET S=3 H={hidden} O=2\nSEED {seed}\nTHRESHOLDS S 100 H 1 O 1\nW_SCALE 3\n")
    X = ((rng.random((episodes, ticks, 3)) < 0.3) * 200).astype(np.float32)
    y = rng.integers(0, 2, episodes)
    return net, glia.Dataset.from_arrays(X, y), X[0]


class Counter(threading.Thread):
    """A Python thread that counts as fast as it can until stopped (``stop = True``)."""

    def __init__(self):
        super().__init__(daemon=True)
        self.count = 0
        self.stop = False

    def run(self):
        while not self.stop:
            self.count += 1


def assert_ctrl_c_stops(call, after=0.3, within=1.5):
    """Ctrl-C (KeyboardInterrupt in the main thread) ``after`` seconds into ``call()``
    stops it with KeyboardInterrupt within ``within`` seconds of the call's start."""
    timer = threading.Timer(after, _thread.interrupt_main)
    timer.start()
    t0 = time.perf_counter()
    try:
        with pytest.raises(KeyboardInterrupt):
            call()
    finally:
        timer.cancel()
        timer.join()
    assert time.perf_counter() - t0 < within


def assert_python_runs_beside(work):
    """``work(n)`` runs n units of work in one GIL-free call: one call of at least about
    0.5 s (whatever the machine's speed) lets a counting Python thread run beside it."""
    t0 = time.perf_counter()
    work(1)
    units = max(2, int(0.5 / max(time.perf_counter() - t0, 1e-3)) + 1)
    c = Counter()
    c.start()
    t0 = time.perf_counter()
    work(units)
    dt = time.perf_counter() - t0
    c.stop = True
    c.join()
    assert dt > 0.2 and c.count > 100_000


def python_rates(call, settle=0.1, idle=0.2):
    """(idle rate, rate during ``call()``) of a counting Python thread, in counts per
    second, and call's result: the rate beside a call that releases the GIL stays near
    the idle rate."""
    c = Counter()
    c.start()
    time.sleep(settle)
    c0, t0 = c.count, time.perf_counter()
    time.sleep(idle)
    idle_rate = (c.count - c0) / (time.perf_counter() - t0)
    c1, t1 = c.count, time.perf_counter()
    result = call()
    dt = time.perf_counter() - t1
    c.stop = True
    c.join()
    assert dt > 0.05, "the call was too short to measure"
    return idle_rate, (c.count - c1) / dt, result


def _evolution_arrays(net):
    d = net._get_arrays()
    return {k: np.asarray(d[k]) for k in ("threshold", "leak", "resting", "src", "dst", "weight")}


def assert_same_evolution(r1, r2):
    """Two EvolutionResults are the same: histories, lineage, best metrics, and the best
    genome and network bit for bit."""
    assert r1.histories() == r2.histories()
    assert r1.lineage == r2.lineage
    assert r1.best_metrics == r2.best_metrics
    for a, b in ((r1.best_genome, r2.best_genome), (r1.best_network, r2.best_network)):
        assert a.neuron_ids == b.neuron_ids
        da, db = _evolution_arrays(a), _evolution_arrays(b)
        for k in da:
            assert np.array_equal(da[k], db[k]), k


def evolution_run(**evo_fields):
    """(Evolution, its in-process result on two threads) on a small three-class task
    (36 episodes split 3:1, lr 0.05, batches of 4); ``evo_fields`` set the EvolutionConfig."""
    train, val = glia.datasets.three_class(n_per_class=12).split(0.75, seed=0)
    cfg = glia.create_config(lr=0.05, batch_size=4, warmup_ticks=20, decision_window=50)
    evo = glia.Evolution(glia.datasets.three_class_network(), train, val, cfg,
                         glia.EvolutionConfig(**evo_fields))
    return evo, evo.run(verbose=False, num_threads=2)


def endless_calls(tr, train):
    """Calls of a trainer that would run for hours on ``train``, by name: train,
    train_fast, evaluate_dataset and (the surrogate trainer's) gradients, the last two
    repeated without allocating between calls."""
    big = train + train + train + train
    big = big + big

    def repeat(fn, *args):
        for _ in range(10**6):
            fn(*args)

    return {"train": lambda: tr.train(train, epochs=10**6, verbose=False),
            "train_fast": lambda: tr.train_fast(train, epochs=10**6),
            "evaluate_dataset": lambda: repeat(tr.evaluate_dataset, big),
            "gradients": lambda: repeat(tr.gradients, train)}


CHAIN = """
NEURON S0 0.5 1 0
NEURON H0 0.5 1 0
NEURON H1 0.5 1 0
NEURON O0 0.5 1 0
CONNECTION S0 H0 1
CONNECTION H0 H1 1
CONNECTION H1 O0 1
"""


@pytest.fixture
def chain():
    """S0 -> H0 -> H1 -> O0, each edge strong enough to make its target fire."""
    return glia.Network.from_string(CHAIN)


def random_net(n_s, n_h, n_o, p, seed, dyadic=True):
    """A random network (weights multiples of 1/64 so float order cannot matter)."""
    rng = np.random.default_rng(seed)
    lines = []
    ids = [f"S{i}" for i in range(n_s)] + [f"H{i}" for i in range(n_h)] + [f"O{i}" for i in range(n_o)]
    for nid in ids:
        thr = 100 if nid[0] == "S" else float(rng.integers(20, 60))
        leak = 1 if nid[0] == "S" else float(rng.choice([0, 0.5, 0.75, 0.875, 1]))
        lines.append(f"NEURON {nid} {thr} {leak} 0")
    for a in ids:
        for b in ids:
            if a != b and b[0] != "S" and rng.random() < p:
                w = np.round(rng.normal(10, 15) * 64) / 64
                lines.append(f"CONNECTION {a} {b} {w}")
    return glia.Network.from_string("\n".join(lines))

"""Shared fixtures and helpers: small hand-built networks, the shared benchmark workloads,
a counting Python thread and a Ctrl-C check."""
import _thread
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import glia

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("GLIA_SHARED", ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def workloads(tmp_path_factory):
    """The shared workloads (net_small/medium, drives, cls3), generated once."""
    out = tmp_path_factory.mktemp("workloads")
    gen = SHARED / "bench" / "gen_workloads.py"
    subprocess.run([sys.executable, str(gen), str(out), "--only", "small,medium,cls3,drive"],
                   check=True, stdout=subprocess.DEVNULL)
    return out


@pytest.fixture(scope="session")
def golden():
    """The reference NumPy model of the neuron model (shared/bench/golden.py)."""
    sys.path.insert(0, str(SHARED / "bench"))
    try:
        import golden as g
    finally:
        sys.path.pop(0)
    return g


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

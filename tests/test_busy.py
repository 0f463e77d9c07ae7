"""A busy machine is the normal case (DESIGN §5): glia's waiting threads sleep after a short
spin whatever OpenMP's wait policy, and calls stay on one thread while parallel runs do not
pay. Speed itself is measured in benchmarks/bench_busy.py."""
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import glia
from glia._core import _set_adaptive_threads, _threads_info

ROOT = Path(__file__).resolve().parent.parent


def _parallel_call():
    """A call that runs on two of glia's threads: 120 episodes evaluated side by side."""
    data = glia.datasets.three_class()
    net = glia.datasets.three_class_network()
    return glia.Trainer(net).evaluate_dataset(data, n_threads=2)


def _workers_asleep(timeout=10.0):
    """Waits until every worker of this thread sleeps (the spin is 100 us); True if so."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = _threads_info()
        if info["workers"] > 0 and info["sleeping"] == info["workers"]:
            return True
        time.sleep(0.002)
    return False


def _worker_states():
    """The scheduler states (R running, S sleeping...) of this process's glia-worker threads."""
    states = []
    for task in Path("/proc/self/task").iterdir():
        try:
            if (task / "comm").read_text().strip() == "glia-worker":
                states.append((task / "stat").read_text().rsplit(")", 1)[1].split()[0])
        except OSError:
            pass
    return states


def test_defaults_reported():
    info = glia.build_info()["threads"]
    assert info["spin_us"] == 100.0
    assert set(info) >= {"adaptive", "parallel_runs", "declined_runs", "serial_for_ms",
                         "workers", "sleeping"}
    text = __import__("io").StringIO()
    glia.show_config(file=text)
    assert "glia's own workers: spin 100 us, then sleep" in text.getvalue()


def test_idle_workers_sleep():
    before = _threads_info()["parallel_runs"]
    _parallel_call()
    assert _threads_info()["parallel_runs"] == before + 1  # adaptation is off in the tests
    assert _workers_asleep()
    if Path("/proc/self/task").is_dir():  # the kernel agrees: blocked, not spinning
        states = _worker_states()
        assert states and all(s == "S" for s in states)


PROBE = """
import time, glia
from glia._core import _threads_info
data = glia.datasets.three_class()
net = glia.datasets.three_class_network()
glia.Trainer(net).evaluate_dataset(data, n_threads=2)
info = _threads_info()
deadline = time.monotonic() + 10
while info["sleeping"] < info["workers"] and time.monotonic() < deadline:
    time.sleep(0.002)
    info = _threads_info()
print(info["adaptive"], info["workers"] >= 1, info["sleeping"] == info["workers"])
"""


def test_openmp_wait_policy_does_not_apply():
    # an OpenMP runtime told to spin for ever: glia's workers still sleep, and adaptation is
    # on by default (it is off only inside this test suite)
    env = dict(os.environ, OMP_WAIT_POLICY="ACTIVE", GOMP_SPINCOUNT="infinite",
               PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=ROOT, capture_output=True,
                         text=True, check=True, timeout=120)
    assert out.stdout.split() == ["True", "True", "True"]


POPULATION_PROBE = """
import os, time, glia
data = glia.datasets.three_class()
net = glia.datasets.three_class_network()
glia.score_population([net.copy() for _ in range(16)], data, n_threads=2)
main = str(os.getpid())

def others():  # (tid, state) of every thread but this one and glia's workers
    out = []
    for task in os.listdir("/proc/self/task"):
        d = "/proc/self/task/" + task
        if task != main and open(d + "/comm").read().strip() != "glia-worker":
            out.append((task, open(d + "/stat").read().rsplit(")", 1)[1].split()[0]))
    return out
deadline = time.monotonic() + 10
while any(s != "S" for _, s in others()) and time.monotonic() < deadline:
    time.sleep(0.005)
print(len(others()) >= 1, all(s == "S" for _, s in others()))
"""


def test_population_loop_threads_sleep():
    # the population's loop is a prange: its OpenMP team waits as the OpenMP runtime's
    # wait policy says, by default a short spin and then asleep, not spinning between calls
    if not Path("/proc/self/task").is_dir():
        return
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    env["PYTHONPATH"] = str(ROOT)
    out = subprocess.run([sys.executable, "-c", POPULATION_PROBE], env=env, cwd=ROOT,
                         capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.split() == ["True", "True"]


def test_adaptive_calls_give_the_same_results():
    data = glia.datasets.three_class()
    net = glia.datasets.three_class_network()
    pop = [net.copy() for _ in range(8)]
    ref = glia.score_population(pop, data, num_threads=1)
    old = _set_adaptive_threads(True)
    try:
        before = _threads_info()
        got = glia.score_population(pop, data, num_threads=2)
        after = _threads_info()
    finally:
        _set_adaptive_threads(old)
    # the population's loop (a prange) ran on two threads, or on one because recent
    # parallel runs did not pay: either way counted once, with the same scores
    ran = (after["parallel_runs"] - before["parallel_runs"]) + (
        after["declined_runs"] - before["declined_runs"])
    assert ran == 1
    for a, b in zip(ref, got):
        np.testing.assert_array_equal(a, b)

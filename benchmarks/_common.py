"""Shared helpers for glia's benchmark scripts (bench_sim, bench_train, bench_evolve, ...).

Every script follows the same conventions:

- ``parser = make_parser(__doc__)``; ``--quick`` runs a short version (CI smoke test),
  ``--repeats N`` overrides the number of timed repeats, ``--no-json`` skips the JSON file;
- workloads come from ``/work/shared/bench/gen_workloads.py`` (``../shared/bench`` relative to
  the repository root, or ``$GLIA_SHARED/bench``), generated once into a cache folder;
- ``measure(fn)`` times a callable (median/min/max over repeats after warm-up);
- results are printed with ``print_table`` and written by ``write_json(name, payload)`` to
  ``benchmarks/results/<name>.json`` (git-ignored) together with ``machine_info()``.

Benchmarks never fail on a missed target: they report it.

Example::

    from _common import make_parser, measure, workload_path, print_table, write_json
    args = make_parser("my benchmark").parse_args()
    net = glia.Network.from_file(workload_path("net_medium.net"), verbose=False)
    t = measure(lambda: net.run(X, record="counts", reset=True), repeats=args.repeats)
    print_table([{"case": "run", "median_ms": t["median"] * 1e3}], title="my benchmark")
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
# bench_threads.py --python-threads writes results/<name>.json by build (GIL on / off);
# make_readme_table.py --free-threaded reads both
PYTHON_THREADS_JSON = {"gil": "threads_python_gil", "nogil": "threads_python_nogil"}
# the shared workloads are cached here (git-ignored with results/); override with GLIA_BENCH_CACHE
CACHE_DIR = Path(os.environ.get("GLIA_BENCH_CACHE", RESULTS_DIR / "workloads"))

if str(REPO_ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(REPO_ROOT))


# ---------------------------------------------------------------------------- command line
def make_parser(description: str, *, default_repeats: int = 5) -> argparse.ArgumentParser:
    """An ArgumentParser with the options every benchmark shares."""
    p = argparse.ArgumentParser(description=description,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="a short run (fewer repeats, smaller workloads) for smoke tests")
    p.add_argument("--repeats", type=int, default=None,
                   help=f"timed repeats per case (default {default_repeats}, 2 with --quick)")
    p.add_argument("--no-json", action="store_true", help="do not write results/<name>.json")
    p.set_defaults(default_repeats=default_repeats)
    return p


def repeats_of(args, quick_repeats: int = 2) -> int:
    """The repeat count the command line asks for."""
    if args.repeats is not None:
        return max(1, args.repeats)
    return quick_repeats if args.quick else args.default_repeats


def start(description: str, parser: argparse.ArgumentParser | None = None, *,
          default_repeats: int = 5) -> tuple[argparse.Namespace, int, dict]:
    """The start of a benchmark's main: ``(args, repeats, machine info)`` from the command
    line (``parser``, else :func:`make_parser`'s), the machine line printed."""
    args = (parser or make_parser(description, default_repeats=default_repeats)).parse_args()
    info = machine_info()
    print_machine(info)
    return args, repeats_of(args), info


# ---------------------------------------------------------------------------- machine
def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo (Linux), else platform.processor()."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith(("model name", "hardware", "cpu model")):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def usable_cores() -> int:
    """Cores this process may run on (affinity / cgroup aware where possible)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def machine_info() -> dict:
    """CPU, cores, OS and the versions of Python, NumPy and glia."""
    import numpy as np
    info = {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": usable_cores(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    try:
        import glia
        info["glia"] = glia.__version__
        try:
            b = glia.build_info()
            info["glia_openmp"] = b.get("openmp")
            info["glia_compiler"] = b.get("compiler")
            info["glia_threads"] = b.get("num_threads")
        except Exception:  # build_info is optional for the benchmarks
            pass
    except ImportError:
        info["glia"] = None
    try:
        rev = subprocess.run(["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=5)
        if rev.returncode == 0:
            info["git"] = rev.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return info


def print_machine(info: dict | None = None) -> None:
    info = info or machine_info()
    print(f"# {info['cpu']} | {info['usable_cores']}/{info['cores']} cores | Python {info['python']}"
          f" | NumPy {info['numpy']} | glia {info.get('glia')} ({info.get('git', '?')})")


# ---------------------------------------------------------------------------- workloads
def shared_dir() -> Path:
    """The shared folder: $GLIA_SHARED, else ../shared next to the repository."""
    env = os.environ.get("GLIA_SHARED")
    return Path(env) if env else (REPO_ROOT.parent / "shared")


def workloads_dir(only: str = "small,medium,large,cls3,drive") -> Path:
    """The folder with the generated workloads, generating them on first use.

    The cache is keyed by the generator's content: a changed gen_workloads.py regenerates.
    ``only`` limits what is generated (the generator's ``--only``); what is already there
    is kept.
    """
    gen = shared_dir() / "bench" / "gen_workloads.py"
    if not gen.is_file():
        raise FileNotFoundError(
            f"workload generator not found at {gen}; set GLIA_SHARED to the shared folder")
    digest = hashlib.sha256(gen.read_bytes()).hexdigest()[:12]
    out = CACHE_DIR / digest
    stamp = out / ".generated"
    have = set(stamp.read_text().split(",")) if stamp.is_file() else set()
    want = set(only.split(","))
    missing = want - have
    if missing:
        out.mkdir(parents=True, exist_ok=True)
        part = ",".join(sorted(missing))
        print(f"# generating workloads ({part}) into {out} ...", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, str(gen), str(out), "--only", part], check=True,
                       stdout=subprocess.DEVNULL)
        stamp.write_text(",".join(sorted(have | want)))
    return out


_WORKLOAD_PART = {"net_small": "small", "net_medium": "medium", "net_large": "large",
                  "drive": "drive", "cls3": "cls3"}


def workload_path(filename: str) -> Path:
    """Path of one workload file (``net_medium.net``, ``drive_s32.seq``, ``cls3/ep00.seq``,
    ``cls3_dataset.tsv``...), generating only the part it belongs to if needed."""
    stem = Path(filename).name.split(".")[0]
    if stem.startswith("drive"):
        part = "drive"
    elif stem.startswith("cls3") or filename.startswith("cls3"):
        part = "cls3"
    else:
        part = _WORKLOAD_PART.get(stem, "small,medium,large,cls3,drive")
    p = workloads_dir(part) / filename
    if not p.exists():
        raise FileNotFoundError(f"no workload named {filename!r} (looked in {p.parent})")
    return p


# net_large_sparse: net_large with its hidden and output thresholds x 1.45, so that about 1%
# of its neurons fire per step under drive_s64 (net_large itself: about 9%): biological
# rates, where the per-neuron work (update, spike scan) weighs as much as the per-event work.
SPARSE_THRESHOLD_SCALE = 1.45


def load_net(name: str):
    """A workload network by name (``"net_medium"``, or ``"net_large_sparse"``, see
    SPARSE_THRESHOLD_SCALE) as a glia.Network."""
    import glia
    if name == "net_large_sparse":
        net = load_net("net_large")
        ids, _, thr, leak = net.get_state()
        thr = thr.copy()
        thr[net.num_sensory:] *= SPARSE_THRESHOLD_SCALE
        net.set_state(ids, thr, leak)
        return net
    return glia.Network.from_file(str(workload_path(name + ".net")), verbose=False)


def drive_array(net, seq_name: str, length: int = 1000):
    """A drive sequence as a (length, n_sensory) float32 array for ``net.run``."""
    import glia
    seq = glia.InputSequence.from_file(str(workload_path(seq_name)))
    return seq.to_array(net.sensory_ids, length=length)


# ---------------------------------------------------------------------------- peers' venvs
def venvs_dir() -> Path:
    """Where the peers' virtual environments live: $GLIA_BENCH_VENVS, else ../venvs next
    to the repository (as for shared_dir)."""
    env = os.environ.get("GLIA_BENCH_VENVS")
    return Path(env) if env else (REPO_ROOT.parent / "venvs")


def venv_python(venv: Path, requirements: list[str], *, create: bool = True,
                probe: str | None = None) -> str | None:
    """The interpreter of the virtual environment ``venv`` that has ``requirements``
    (pip requirement strings), made with ``python -m venv`` and ``pip install`` when it is
    missing and ``create`` is true; None when it is missing and may not be made. ``probe``
    is a module the environment must import (default: none checked); a venv that exists
    but fails the probe is completed with ``pip install``. A peer library is never a
    dependency of glia: it lives only there."""
    venv = Path(venv)
    py = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")

    def usable() -> bool:
        if not py.exists():
            return False
        if probe is None:
            return True
        return subprocess.run([str(py), "-c", f"import {probe}"],
                              capture_output=True).returncode == 0

    if usable():
        return str(py)
    if not create:
        return None
    print(f"# creating {venv} with {' '.join(requirements)} ...", file=sys.stderr, flush=True)
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(py), "-m", "pip", "install", "-q", *requirements], check=True)
    return str(py) if usable() else None


# ---------------------------------------------------------------------------- timing
def measure(fn, repeats: int = 5, warmup: int = 1, number: int | None = None,
            min_time: float = 0.05) -> dict:
    """Times ``fn()``: seconds per call as median, min, max (and mean) over ``repeats``.

    Each repeat calls ``fn`` ``number`` times (default: calibrated so that one repeat takes
    at least ``min_time`` seconds, for calls too short to time one by one). ``warmup`` calls
    come first and are not timed.
    """
    for _ in range(warmup):
        fn()
    if number is None:
        number = 1
        while True:
            t0 = time.perf_counter()
            for _ in range(number):
                fn()
            dt = time.perf_counter() - t0
            if dt >= min_time or number >= 1 << 30:
                break
            number = max(number * 2, int(number * min_time / max(dt, 1e-9) * 1.2))
    times = []
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t0) / number)
    return {"median": statistics.median(times), "min": min(times), "max": max(times),
            "mean": statistics.fmean(times), "repeats": len(times), "number": number,
            "times": times}


def alternate(fns: dict, repeats: int, number: int | None = None, min_rounds: int = 7) -> dict:
    """``{key: (median, min)}`` seconds per call of each fn, measured round by round in
    turn (so slow phases of the machine hit every fn alike). Each sample calls the fn
    ``number`` times, by default as often as fills 0.1 s."""
    times = {k: [] for k in fns}
    for _ in range(max(min_rounds, repeats)):
        for k, fn in fns.items():
            times[k].append(measure(fn, repeats=1, number=number, min_time=0.1, warmup=0)["median"])
    return {k: (float(statistics.median(v)), min(v)) for k, v in times.items()}


def speedup(fn1, fn2, repeats: int, number: int | None = None) -> dict:
    """fn1 (one thread) against fn2 (two), after one warm-up call, alternated round by
    round (see ``alternate``): medians and best times in ms, their ratios, and the load
    other processes put on the machine meanwhile."""
    fn1()
    with foreign_load({}) as load:
        r = alternate({1: fn1, 2: fn2}, repeats, number)
    (m1, b1), (m2, b2) = r[1], r[2]
    return {"ms_1_thread": m1 * 1e3, "ms_2_threads": m2 * 1e3, "speedup": m1 / m2,
            "speedup_best": b1 / b2, "foreign_cores": load.get("foreign_cores")}


@contextmanager
def busy_python_thread():
    """Runs a pure-Python busy loop (``while not stop: x += 1``) in another thread for the
    duration of the ``with`` block: it competes for the GIL all the time."""
    stop = False

    def spin():
        x = 0
        while not stop:
            x += 1

    t = threading.Thread(target=spin, daemon=True)
    t.start()
    time.sleep(0.01)  # let it start spinning
    try:
        yield
    finally:
        stop = True
        t.join()


def run_in_threads(work, objs) -> None:
    """Calls ``work(o)`` for every ``o`` of ``objs``, each on its own Python thread, and
    waits for all of them."""
    ts = [threading.Thread(target=work, args=(o,)) for o in objs]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


class OwnedThreads:
    """Python threads that each own what they work on: thread i makes ``make(i)`` itself,
    then runs ``work`` on it whenever ``__call__`` asks, all threads at once; a call returns
    when every thread is done. On free-threaded CPython an object's reference count is cheap
    only for the thread that made it (biased reference counting): objects made by the main
    thread and used by another pay an atomic operation on every reference, so each thread
    makes its own, as a program that uses threads would. With ``pin``, thread i first binds
    itself to the i-th core this process may use (``os.sched_setaffinity`` of that thread
    alone), which leaves out the kernel's placement of threads woken together. Use as a
    context manager."""

    def __init__(self, make, work, n: int, pin: bool = False):
        self._work = work
        self._cores = sorted(os.sched_getaffinity(0)) if pin else []
        self._go = threading.Barrier(n + 1)
        self._done = threading.Barrier(n + 1)
        self._stop = False
        self._errors: list[BaseException] = []
        self._results: list = [None] * n
        self._threads = [threading.Thread(target=self._run, args=(make, i), daemon=True)
                         for i in range(n)]
        for t in self._threads:
            t.start()
        self._done.wait()  # every thread has made its object

    def _run(self, make, i):
        try:
            if self._cores:
                os.sched_setaffinity(0, {self._cores[i % len(self._cores)]})
            obj = make(i)
        except BaseException as e:  # reported by the next call
            self._errors.append(e)
            obj = None
        self._done.wait()
        while True:
            self._go.wait()
            if self._stop:
                return
            try:
                if obj is not None:
                    self._results[i] = self._work(obj)
            except BaseException as e:
                self._errors.append(e)
            self._done.wait()

    def __call__(self) -> list:
        """Runs ``work`` in every thread at once; returns what each call returned, in
        thread order."""
        self._go.wait()
        self._done.wait()
        if self._errors:
            raise RuntimeError("a worker thread failed") from self._errors[0]
        return list(self._results)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._stop = True
        self._go.wait()
        for t in self._threads:
            t.join()
        return False


def _system_busy_seconds() -> float | None:
    """CPU seconds all processes spent busy since boot (Linux /proc/stat), or None."""
    try:
        with open("/proc/stat") as f:
            parts = f.readline().split()[1:]
        v = [int(x) for x in parts]
        idle = v[3] + (v[4] if len(v) > 4 else 0)
        return (sum(v[:8]) - idle) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


@contextmanager
def foreign_load(result: dict):
    """Measures how many cores *other* processes kept busy during the block (Linux), into
    ``result["foreign_cores"]``: parallel speedups are only meaningful when it is near 0.
    Also records ``result["own_cores"]`` (this process's CPU time / wall time)."""
    b0, c0, t0 = _system_busy_seconds(), time.process_time(), time.perf_counter()
    try:
        yield result
    finally:
        b1, c1, t1 = _system_busy_seconds(), time.process_time(), time.perf_counter()
        wall = max(t1 - t0, 1e-9)
        result["own_cores"] = (c1 - c0) / wall
        result["foreign_cores"] = (None if b0 is None or b1 is None
                                   else max(0.0, (b1 - b0) - (c1 - c0)) / wall)


def calls_until(unit, objs, deadline: float) -> tuple[int, float]:
    """Calls ``unit(objs[k % len(objs)])`` for k = 0, 1, ... until ``time.perf_counter()``
    passes ``deadline``; returns (calls made, seconds they took)."""
    t0 = time.perf_counter()
    k, n = 0, len(objs)
    while True:
        unit(objs[k % n])
        k += 1
        t = time.perf_counter()
        if t >= deadline:
            return k, t - t0


def throughput_speedup(unit, make, n: int = 2, *, rounds: int = 7, seconds: float = 0.25,
                       pin: bool = False) -> dict:
    """Calls per second of ``unit(obj)``: one thread taking n objects in turn (objects it
    made, ``make(i)``) against n threads each on its own object (OwnedThreads, each thread
    making its own), in windows of ``seconds`` alternated round by round. A window counts
    every thread's calls until the same deadline and sums the threads' rates, so a thread
    whose core runs slower for a while costs only its own share; a round of fixed work would
    instead end with the slowest thread. ``speedup`` is the median over rounds of (n threads'
    rate / one thread's rate), with its quartiles; ``foreign_cores`` as in ``foreign_load``."""
    objs = [make(i) for i in range(n)]
    box = {"deadline": 0.0}
    one_rate, many_rate = [], []
    with OwnedThreads(make, lambda obj: calls_until(unit, [obj], box["deadline"]), n,
                      pin=pin) as many:
        def window_one():
            k, s = calls_until(unit, objs, time.perf_counter() + seconds)
            return k / s

        def window_many():
            box["deadline"] = time.perf_counter() + seconds
            return sum(k / s for k, s in many())

        window_one(), window_many()  # warm-up
        with foreign_load({}) as load:
            for _ in range(rounds):
                one_rate.append(window_one())
                many_rate.append(window_many())
    ratios = [b / a for a, b in zip(one_rate, many_rate)]
    q1, _, q3 = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else ratios * 3
    return {"per_s_1_thread": float(statistics.median(one_rate)),
            "per_s_2_threads": float(statistics.median(many_rate)),
            "speedup": float(statistics.median(ratios)), "speedup_q1": q1, "speedup_q3": q3,
            "rounds": rounds, "window_s": seconds, "foreign_cores": load.get("foreign_cores")}


# ---------------------------------------------------------------------------- output
def format_number(v, digits: int = 3) -> str:
    """A table cell: thousands separators for large numbers, ``digits`` significant
    digits for small ones, "–" for a missing value or NaN."""
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        if v != v:
            return "–"
        if v == float("inf"):
            return "∞"
        a = abs(v)
        if a >= 1e4:
            return f"{v:,.0f}"
        if a >= 100:
            return f"{v:.0f}"
        if a >= 10:
            return f"{v:.1f}"
        return f"{v:.{digits}g}"
    return str(v)


def print_table(rows: list[dict], columns: list[str] | None = None, title: str | None = None,
                file=None) -> None:
    """Prints dict rows as an aligned text table (numbers right-aligned, thousands
    separators); ``columns`` picks and orders the keys (default: the first row's)."""
    out = file or sys.stdout
    if not rows:
        return
    columns = columns or list(rows[0].keys())
    cells = [[format_number(r.get(c)) for c in columns] for r in rows]
    width = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    numeric = [all(isinstance(r.get(c), (int, float)) or r.get(c) is None for r in rows)
               for c in columns]
    if title:
        print(f"\n{title}", file=out)
    print("  ".join(c.rjust(w) if n else c.ljust(w) for c, w, n in zip(columns, width, numeric)),
          file=out)
    print("  ".join("-" * w for w in width), file=out)
    for row in cells:
        print("  ".join(v.rjust(w) if n else v.ljust(w) for v, w, n in zip(row, width, numeric)),
              file=out)


def write_json(name: str, payload: dict, machine: dict | None = None) -> Path:
    """Writes ``{"benchmark": name, "machine": ..., **payload}`` to results/<name>.json."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    doc = {"benchmark": name, "machine": machine or machine_info(), **payload}
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(doc, indent=2, default=float) + "\n")
    os.replace(tmp, path)
    return path


def target(value: float, limit: float, higher_is_better: bool = True) -> str:
    """'ok' or 'MISS' for a figure against its target (reported, never asserted)."""
    ok = value >= limit if higher_is_better else value <= limit
    return "ok" if ok else "MISS"


def cls3_configs() -> dict:
    """The training configs used on the shared 3-class workload, by trainer: the data
    sets' three-class configs with its timing (70-tick episodes: 20 warm-up ticks and a
    50-tick decision window)."""
    import glia
    D = glia.datasets
    timing = dict(warmup_ticks=20, decision_window=50)
    return {"gradient": dict(D.THREE_CLASS_GRADIENT_CONFIG, **timing),
            "hebbian": dict(D.THREE_CLASS_HEBBIAN_CONFIG, **timing)}


def cls3():
    """(network, dataset) of the shared 3-class workload (cls3_baseline.net and the 60
    episodes listed in cls3_dataset.tsv)."""
    import glia
    tsv = workload_path("cls3_dataset.tsv")
    paths, targets = [], []
    for line in tsv.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            p, t = line.split("\t")
            paths.append(str(tsv.parent / p))
            targets.append(t.strip())
    net = glia.Network.from_file(str(workload_path("cls3_baseline.net")), verbose=False)
    return net, glia.Dataset.from_files(paths, targets)

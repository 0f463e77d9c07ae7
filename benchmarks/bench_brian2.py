"""glia against Brian2 on the same discrete-time network (DESIGN §2).

The Brian2 model (one ``NeuronGroup`` + one ``Synapses``, ``dt`` = one step, float32):

- variables ``v``, ``I`` and per-neuron constants ``thr``, ``leak``, ``rest``; ``v`` starts at
  ``rest``, ``I`` at 0;
- slot ``start``: the sensory subgroup adds the drive, ``I += drive(t, i)`` (a ``TimedArray``
  holding the same (T, n_sensory) array that ``glia.Network.run`` gets);
- slot ``groups`` (``run_regularly``): ``v = clip(leak*v + I, 0, inf); I = 0``;
- slot ``thresholds``: ``v > thr``; slot ``resets``: ``v = rest``;
- slot ``synapses``: ``on_pre='I_post += w'`` with Brian2's delay 0. The accumulator was
  cleared in ``groups`` earlier in the same step, so what a spike adds here is first read by
  the *next* step's update: exactly glia's one-step delay. (With ``delay = dt`` Brian2
  delivers in the next step's ``synapses`` slot, after that step's update, so the spike
  would act two steps after it was emitted; the check below shows that variant differing.)
- a ``SpikeMonitor(record=False)`` counts spikes (glia's side runs ``record="counts"``).

First the spike counts of every neuron are compared on net_small, a hand-built chain (with
inhibition, leaks, non-zero resting values), net_medium and net_large (full run), for both
Brian2 targets; then both are timed on net_medium and net_large with the shared drive, 1000
steps, beside ``glia.Network.run`` in the same process. Brian2 is timed two ways after a
warm-up run (Cython compilation excluded): a whole ``Network.run`` call, and its steady rate
(the time Brian2's own profiler reports inside its code objects for the 1000 steps: the
per-run set-up left out), the figure the ratios use.

Brian2's fastest mode, its C++ standalone device (``set_device("cpp_standalone")``, OpenMP
with ``devices.cpp_standalone.openmp_threads`` = 1 and 2), runs the same model: a child
process builds one project per network and thread count and runs it once (its spike counts
are checked against glia's); the parent then times the compiled binary round by round
beside glia, reporting its steady loop time (what the binary writes to
``results/last_run_info.txt``, i.e. ``device._last_run_time``) and its whole-call time
(process start, loading the arrays, the loop, writing the results). glia runs at 1 and 2
threads (``run(n_threads=...)``: two threads inside each step above the cut-off). The
networks: net_medium, net_large and net_large_sparse (net_large at ~1% firing per step).

Brian2 2.9 does not import with NumPy >= 2.4 (``ndarray.ptp`` is gone; fixed upstream in
brian2 PR #1705). If ``import brian2`` fails and ``$GLIA_BRIAN2_PYTHON`` names another
interpreter (e.g. a venv with ``numpy<2.4`` and brian2 that can import this checkout),
the script re-runs itself there; otherwise it reports Brian2 as unavailable.

    python benchmarks/bench_brian2.py [--quick] [--repeats N] [--no-json]
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from _common import (REPO_ROOT, drive_array, foreign_load, load_net, machine_info, make_parser, measure,
                     print_machine, print_table, repeats_of, target, write_json)

import glia

T = 1000
T_SHORT = 10
# glia / Brian2, steps/s: (figure, glia threads, Brian2 runs compared, minimum)
TARGETS = [
    ("net_medium", 1, "standalone, 1 thread", 2.0),
    ("net_large", 1, "standalone, 1 thread", 2.0),
    ("net_large", 2, "standalone, best thread count", 3.5),
    ("net_large", 2, "cython runtime", 4.0),
]
STANDALONE_THREADS = (1, 2)
REFERENCE = {  # measured elsewhere with Brian2 2.5 (steps/s)
    ("net_medium", "cython"): 22_300, ("net_large", "cython"): 1_355, ("net_medium", "numpy"): 2_670,
}


def _import_brian2():
    try:
        import brian2  # noqa: F401
        return brian2, None
    except Exception as e:  # ImportError, or brian2 failing against this NumPy
        return None, f"{type(e).__name__}: {e}"


def _reexec_elsewhere(reason: str) -> None:
    py = os.environ.get("GLIA_BRIAN2_PYTHON")
    if not py or os.environ.get("_GLIA_BRIAN2_REEXEC"):
        return
    print(f"# brian2 unavailable here ({reason}); re-running under {py}", file=sys.stderr, flush=True)
    env = dict(os.environ, _GLIA_BRIAN2_REEXEC="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    sys.stdout.flush()
    os.execve(py, [py, os.path.abspath(__file__)] + sys.argv[1:], env)


# ---------------------------------------------------------------------------- the model
def chain_network():
    """A hand-built network: a chain S0 -> A0 -> ... -> A5 -> O0 with leaks < 1, non-zero
    resting values, an inhibitory side branch, a recurrent pair and a convergent output."""
    net = glia.Network()
    net.add_neuron("S0", 100.0, 1.0, 0.0)
    net.add_neuron("S1", 100.0, 1.0, 0.0)
    for k in range(6):
        net.add_neuron(f"A{k}", 40.0 + 5 * k, 0.75 + 0.04 * k, 2.0 * (k % 3))
    net.add_neuron("B0", 30.0, 0.5, 5.0)        # inhibitory interneuron
    net.add_neuron("R0", 50.0, 0.875, 0.0)      # recurrent pair R0 <-> R1
    net.add_neuron("R1", 50.0, 0.875, 10.0)
    net.add_neuron("O0", 60.0, 0.9375, 0.0)
    net.add_neuron("O1", 20.0, 1.0, 0.0)
    src, dst, w = [], [], []

    def edge(a, b, x):
        ids = net.neuron_ids
        src.append(ids.index(a)); dst.append(ids.index(b)); w.append(x)

    edge("S0", "A0", 120.0)
    for k in range(5):
        edge(f"A{k}", f"A{k + 1}", 50.0 + 3 * k)
    edge("A5", "O0", 70.0)
    edge("S1", "B0", 35.0)
    edge("B0", "A2", -30.0)
    edge("B0", "O1", -12.5)
    edge("A1", "R0", 55.0)
    edge("R0", "R1", 60.0)
    edge("R1", "R0", 45.5)
    edge("R1", "O1", 7.25)
    edge("A3", "O1", 9.0)
    edge("S1", "O1", 6.0)
    net.set_edges(np.array(src), np.array(dst), np.array(w, np.float32))
    return net


def chain_drive(T_: int = T) -> np.ndarray:
    rng = np.random.default_rng(7)
    X = np.zeros((T_, 2), np.float32)
    X[::3, 0] = 150.0
    X[:, 1] = (rng.random(T_) < 0.3) * 80.0
    return X


class Brian2Model:
    """The network of ``net`` as a Brian2 ``Network`` on one codegen target."""

    def __init__(self, b2, net, X, codegen_target: str, delay_steps: int = 0,
                 standalone: bool = False):
        self.b2 = b2
        b2.prefs.codegen.target = codegen_target
        b2.prefs.core.default_float_dtype = np.float32
        dt = 1 * b2.ms
        d = net._get_arrays()
        n, ns = net.num_neurons, net.num_sensory
        G = b2.NeuronGroup(n, """v : 1
                                 I : 1
                                 thr : 1 (constant)
                                 leak : 1 (constant)
                                 rest : 1 (constant)""",
                           threshold="v > thr", reset="v = rest", dt=dt)
        G.thr = d["threshold"]
        G.leak = d["leak"]
        G.rest = d["resting"]
        G.v = d["resting"]
        G.I = 0
        G.run_regularly("v = clip(leak*v + I, 0, inf)\nI = 0", when="groups", dt=dt)
        self.drive = b2.TimedArray(np.ascontiguousarray(X, np.float32), dt=dt)
        if ns:
            G[:ns].run_regularly("I += drive(t, i)", when="start", dt=dt)
        src, dst, w = net.edges()
        S = b2.Synapses(G, G, "w : 1 (constant)", on_pre="I_post += w", dt=dt)
        S.connect(i=src, j=dst)
        S.w = w
        if delay_steps:
            S.delay = delay_steps * dt
        self.mon = b2.SpikeMonitor(G, record=False)
        self.net = b2.Network(G, S, self.mon)
        if not standalone:
            self.net.store()
        self.target = codegen_target
        self.dt = dt

    def run(self, steps: int = T) -> float:
        """Restores the initial state, runs ``steps`` steps; returns the seconds the run took."""
        self.b2.prefs.codegen.target = self.target
        self.net.restore()
        t0 = time.perf_counter()
        self.net.run(steps * self.dt, namespace={"drive": self.drive})
        return time.perf_counter() - t0

    def run_profiled(self, steps: int = T) -> float:
        """Runs ``steps`` steps with Brian2's profiler; returns the seconds spent inside its
        code objects (the simulation itself, without the per-run set-up)."""
        self.b2.prefs.codegen.target = self.target
        self.net.restore()
        self.net.run(steps * self.dt, namespace={"drive": self.drive}, profile=True)
        return float(sum(float(t) for _, t in self.net.profiling_info))

    def counts(self) -> np.ndarray:
        return np.asarray(self.mon.count[:], dtype=np.int64)


# ---------------------------------------------------------------------------- standalone
def standalone_worker(spec_path: str) -> None:
    """Child process: the C++ standalone project of one network for one thread count, built
    and run once; writes the build time and the spike counts as JSON."""
    import brian2 as b2
    spec = json.loads(Path(spec_path).read_text())
    b2.prefs.logging.console_log_level = "ERROR"
    net = glia.Network.from_file(spec["net"], verbose=False)
    X = np.load(spec["drive"])
    b2.set_device("cpp_standalone", directory=spec["workdir"], build_on_run=False)
    b2.prefs.devices.cpp_standalone.openmp_threads = int(spec["threads"])
    m = Brian2Model(b2, net, X, "cython", standalone=True)
    m.net.run(X.shape[0] * m.dt, namespace={"drive": m.drive})
    t0 = time.perf_counter()
    b2.device.build(directory=spec["workdir"], compile=True, run=True, with_output=False)
    build_s = time.perf_counter() - t0
    Path(spec["out"]).write_text(json.dumps({
        "build_and_first_run_s": build_s, "counts": m.counts().tolist(),
        "loop_s": float(b2.device._last_run_time)}))


class Standalone:
    """A built standalone project: ``run()`` executes its binary and returns (loop seconds
    from last_run_info.txt, whole-call seconds)."""

    def __init__(self, name: str, net, X, threads: int, tmp: Path):
        self.threads = threads
        self.workdir = tmp / f"{name}_t{threads}"
        net_path, drive_path = tmp / f"{name}.net", tmp / f"{name}.npy"
        if not net_path.exists():
            net.save(str(net_path))
            np.save(drive_path, X)
        spec = {"net": str(net_path), "drive": str(drive_path), "workdir": str(self.workdir),
                "threads": threads, "out": str(tmp / f"{name}_t{threads}.json")}
        spec_path = tmp / f"{name}_t{threads}.spec.json"
        spec_path.write_text(json.dumps(spec))
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
        subprocess.run([sys.executable, os.path.abspath(__file__), "--standalone-worker",
                        str(spec_path)], check=True, env=env)
        res = json.loads(Path(spec["out"]).read_text())
        self.build_s = res["build_and_first_run_s"]
        self.counts = np.asarray(res["counts"], dtype=np.int64)
        self.results = self.workdir / "results"

    def run(self) -> tuple[float, float]:
        t0 = time.perf_counter()
        subprocess.run(["./main", "--results_dir", str(self.results) + os.sep], cwd=self.workdir,
                       check=True, stdout=subprocess.DEVNULL)
        call = time.perf_counter() - t0
        loop = float((self.results / "last_run_info.txt").read_text().split()[0])
        return loop, call


# ---------------------------------------------------------------------------- check
def check_equivalence(b2, cases, targets) -> list[dict]:
    rows = []
    for case, net, X in cases:
        ref = net.run(X, record="counts", reset=True)
        for tgt, delay in targets:
            m = Brian2Model(b2, net, X, tgt, delay_steps=delay)
            m.run(X.shape[0])
            c = m.counts()
            rows.append({"case": case, "brian2_target": tgt,
                         "delivery": "delay 0 (used)" if delay == 0 else f"delay {delay} dt",
                         "neurons": net.num_neurons, "steps": X.shape[0],
                         "glia_spikes": int(ref.sum()), "brian2_spikes": int(c.sum()),
                         "neurons_differing": int((c != ref).sum()),
                         "identical": bool(np.array_equal(c, ref))})
    return rows


# ---------------------------------------------------------------------------- timing
def bench(b2, workloads, repeats: int, brian2_targets, tmp: Path) -> list[dict]:
    """glia (1 and 2 threads), each Brian2 runtime target and the standalone binaries (1 and
    2 threads) on each workload, interleaved round by round so that load from other
    processes hits all of them alike."""
    rows = []
    for name, seq in workloads:
        net = load_net(name)
        X = drive_array(net, seq, length=T)
        ref = net.run(X, record="counts", reset=True, n_threads=1)
        models = {}
        for tgt in brian2_targets:
            t0 = time.perf_counter()
            models[tgt] = Brian2Model(b2, net, X, tgt)
            models[tgt].run(T)    # warm-up: code generation and (Cython) compilation
            models[tgt].build_s = time.perf_counter() - t0
        sa = {nt: Standalone(name, net, X, nt, tmp) for nt in STANDALONE_THREADS}
        glia_t = {1: [], 2: []}
        full = {k: [] for k in models}
        short = {k: [] for k in models}
        sa_loop = {k: [] for k in sa}
        sa_call = {k: [] for k in sa}
        for m in sa.values():
            m.run()               # warm-up: the binary and its arrays into the page cache
        with foreign_load({}) as load:
            for _ in range(repeats):
                for nt in glia_t:
                    glia_t[nt].append(measure(
                        lambda: net.run(X, record="counts", reset=True, n_threads=nt),
                        repeats=1, min_time=0.2)["median"])
                for k, m in models.items():
                    full[k].append(m.run(T))
                    short[k].append(m.run_profiled(T))
                for k, m in sa.items():
                    loop, call = m.run()
                    sa_loop[k].append(loop)
                    sa_call[k].append(call)
        base = {"network": name, "neurons": net.num_neurons, "synapses": net.num_connections,
                "spikes_per_step": float(ref.sum()) / T, "foreign_cores": load.get("foreign_cores")}
        for nt, ts in glia_t.items():
            g = float(np.median(ts))
            rows.append({**base, "simulator": f"glia, {nt} thread{'s' if nt > 1 else ''}",
                         "threads_used": net.step_threads(nt), "steps_per_s": T / g,
                         "steps_per_s_min": T / max(ts), "steps_per_s_max": T / min(ts),
                         "run_call_steps_per_s": T / g, "run_call_s": g, "repeats": repeats,
                         "identical": True})
        for k, m in models.items():
            steady = [max(s_, 1e-9) / T for s_ in short[k]]
            med = float(np.median(steady))
            rows.append({**base, "simulator": f"brian2 {k} runtime", "steps_per_s": 1.0 / med,
                         "steps_per_s_min": 1.0 / max(steady), "steps_per_s_max": 1.0 / min(steady),
                         "run_call_steps_per_s": T / float(np.median(full[k])),
                         "run_call_s": float(np.median(full[k])),
                         "setup_s": float(np.median(full[k])) - float(np.median(short[k])),
                         "build_s": m.build_s, "identical": bool(np.array_equal(m.counts(), ref)),
                         "repeats": repeats, "reference_steps_per_s": REFERENCE.get((name, k))})
        for k, m in sa.items():
            loop = float(np.median(sa_loop[k]))
            rows.append({**base, "simulator": f"brian2 standalone, {k} thread{'s' if k > 1 else ''}",
                         "threads_used": k, "steps_per_s": T / loop,
                         "steps_per_s_min": T / max(sa_loop[k]), "steps_per_s_max": T / min(sa_loop[k]),
                         "run_call_steps_per_s": T / float(np.median(sa_call[k])),
                         "run_call_s": float(np.median(sa_call[k])), "build_s": m.build_s,
                         "identical": bool(np.array_equal(m.counts, ref)), "repeats": repeats})
        del models, sa
    for r in rows:
        g = next(x for x in rows if x["network"] == r["network"] and x["simulator"] == "glia, 1 thread")
        r["glia_1_thread_speedup"] = g["steps_per_s"] / r["steps_per_s"]
    return rows


def ratio_checks(rows: list[dict], workloads) -> list[dict]:
    """The targets: glia at 1 or 2 threads against the Brian2 runs named."""
    out = []
    names = {n for n, _ in workloads}
    for name, nt, what, limit in TARGETS:
        if name not in names:
            continue
        mine = [r for r in rows if r["network"] == name]
        g = next(r for r in mine if r["simulator"].startswith(f"glia, {nt} thread"))
        if what == "standalone, 1 thread":
            other = next(r for r in mine if r["simulator"] == "brian2 standalone, 1 thread")
        elif what == "standalone, best thread count":
            other = max((r for r in mine if r["simulator"].startswith("brian2 standalone")),
                        key=lambda r: r["steps_per_s"])
        else:
            other = next(r for r in mine if r["simulator"] == "brian2 cython runtime")
        ratio = g["steps_per_s"] / other["steps_per_s"]
        out.append({"figure": f"{name}: {g['simulator']} / {other['simulator']} (steady)",
                    "measured": ratio, "target": f">= {limit:g}", "status": target(ratio, limit)})
    return out


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--standalone-worker":
        standalone_worker(sys.argv[2])
        return
    p = make_parser(__doc__, default_repeats=3)
    args = p.parse_args()
    repeats = repeats_of(args, quick_repeats=1)
    b2, why = _import_brian2()
    if b2 is None:
        _reexec_elsewhere(why)
    info = machine_info()
    print_machine(info)
    if b2 is None:
        print(f"\nBrian2 unavailable: {why}\n(Brian2 lives in its own virtual environment: "
              f"python -m venv /tmp/b2venv && /tmp/b2venv/bin/pip install brian2 'numpy<2.4', then "
              f"GLIA_BRIAN2_PYTHON=/tmp/b2venv/bin/python)")
        if not args.no_json:
            write_json("bench_brian2", {"quick": args.quick, "skipped": why}, machine=info)
        return
    b2.prefs.logging.console_log_level = "ERROR"
    b2.BrianLogger.suppress_name("brian2.codegen.generators.base")
    info["brian2"] = b2.__version__
    info["brian2_numpy"] = np.__version__
    print(f"# Brian2 {b2.__version__}, float32, dt = 1 step; runtime targets single-threaded, "
          f"C++ standalone at {' and '.join(map(str, STANDALONE_THREADS))} OpenMP threads")

    small = load_net("net_small")
    medium = load_net("net_medium")
    cases = [("net_small", small, drive_array(small, "drive_s2.seq", T)),
             ("chain", chain_network(), chain_drive()),
             ("net_medium", medium, drive_array(medium, "drive_s32.seq", T))]
    if not args.quick:
        large = load_net("net_large")
        cases.append(("net_large", large, drive_array(large, "drive_s64.seq", T)))
    check = check_equivalence(b2, cases, [("numpy", 0), ("cython", 0)])
    if not args.quick:
        check += check_equivalence(b2, cases[:2], [("numpy", 1)])
    print_table(check, ["case", "brian2_target", "delivery", "neurons", "steps", "glia_spikes",
                        "brian2_spikes", "neurons_differing", "identical"],
                title="spike counts per neuron: glia vs Brian2")
    same = all(r["identical"] for r in check if r["delivery"].startswith("delay 0"))
    print(f"equivalence (delay 0 model, every case and target): {'IDENTICAL' if same else 'DIFFERENT'}")

    workloads = [("net_medium", "drive_s32.seq")]
    if not args.quick:
        workloads += [("net_large", "drive_s64.seq"), ("net_large_sparse", "drive_s64.seq")]
    with tempfile.TemporaryDirectory(prefix="glia_brian2_") as tmp:
        rows = bench(b2, workloads, repeats, ("numpy", "cython"), Path(tmp))
    print_table(rows, ["network", "simulator", "spikes_per_step", "steps_per_s", "steps_per_s_min",
                       "steps_per_s_max", "run_call_steps_per_s", "glia_1_thread_speedup", "identical",
                       "foreign_cores"],
                title=f"{T} steps (Brian2 runtime: steady rate after warm-up, profiled; standalone: "
                      f"its loop time; run_call: the whole call, set-up and, standalone, the "
                      f"process); median of {repeats}")

    checks = ratio_checks(rows, workloads)
    timed_same = all(r["identical"] for r in rows)
    checks.append({"figure": "spike counts identical", "measured": float(same), "target": "1",
                   "status": "ok" if same else "MISS"})
    checks.append({"figure": "spike counts identical (timed runs, standalone included)",
                   "measured": float(timed_same), "target": "1",
                   "status": "ok" if timed_same else "MISS"})
    print_table(checks, title="targets")

    if not args.no_json:
        path = write_json("bench_brian2", {
            "quick": args.quick, "repeats": repeats, "steps": T, "brian2": b2.__version__,
            "equivalence": check, "identical": same, "throughput": rows, "targets": checks,
        }, machine=info)
        print(f"\nwrote {path}")


if __name__ == "__main__":
    main()

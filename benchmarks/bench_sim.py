"""Simulation speed of glia's engine on the shared workloads.

Measures, on net_small / net_medium / net_large driven by drive_s2 / s32 / s64 (1000 ticks):

- ``net.run(X, record="counts")`` and ``record="raster"``: steps/s, neuron updates/s and
  synaptic events/s (spikes x fan-out, counted from the raster and the out-degrees);
- the per-call cost of ``net.step()`` on net_small, alone and beside a busy Python thread
  (``while not stop: x += 1``), and of ``net.step(1000)``;
- two Python threads each running its own net_medium copy versus one thread running both;
- one network on 1 vs 2 threads inside each step (``n_threads=1`` / ``2``) on net_medium,
  net_large and net_large_sparse (net_large at ~1% of neurons firing per step), each at
  its default (the cut-off decides) and forced onto two threads (``_set_parallel_step_min_work(0)``,
  to show what the cut-off avoids), beside what the machine itself gives that loop: two
  processes each running its own copy on one thread at the same moment against one alone
  (``two_processes``: their summed throughput over one's, how much of a second core that
  loop can get on this machine, to compare with the team's speedup);
- model memory per synapse and per neuron (``net.memory_bytes``).

Prints a table, writes results/bench_sim.json. Targets are reported, never asserted.

    python benchmarks/bench_sim.py [--quick] [--repeats N] [--no-json]
"""
from __future__ import annotations

import multiprocessing
import statistics
import time

import numpy as np

from _common import (busy_python_thread, drive_array, foreign_load, load_net,
                    measure, print_table, run_in_threads, speedup, start, target, write_json)

from glia._core import PARALLEL_STEP_MIN_WORK, _set_parallel_step_min_work

WORKLOADS = [("net_small", "drive_s2.seq"), ("net_medium", "drive_s32.seq"),
             ("net_large", "drive_s64.seq"), ("net_large_sparse", "drive_s64.seq")]
INTRA = WORKLOADS[1:]
T = 1000

TARGETS = {
    "net_medium_steps_per_s": 100_000,
    "net_large_steps_per_s": 5_000,
    "step_ns": 150,
    "step_busy_ratio": 2.0,
    "two_thread_speedup": 1.8,
    "net_large_intra_step_speedup": 1.7,
    "net_medium_intra_step_ratio": 1.0,
    "bytes_per_synapse": 8,
    "bytes_per_neuron": 64,
}


def out_degree(net) -> np.ndarray:
    src, _, _ = net.edges()
    return np.bincount(src, minlength=net.num_neurons).astype(np.int64)


def bench_throughput(repeats: int) -> list[dict]:
    rows = []
    for name, seq in WORKLOADS:
        net = load_net(name)
        X = drive_array(net, seq, length=T)
        raster = net.run(X, record="raster", reset=True)
        spikes = raster.sum(axis=0).astype(np.int64)
        syn_events = int(spikes @ out_degree(net))
        for record in ("counts", "raster"):
            t = measure(lambda: net.run(X, record=record, reset=True, n_threads=1), repeats=repeats)
            sps = T / t["median"]
            rows.append({
                "network": name, "record": record, "neurons": net.num_neurons,
                "synapses": net.num_connections, "spikes_per_step": float(spikes.sum()) / T,
                "steps_per_s": sps, "neuron_updates_per_s": sps * net.num_neurons,
                "syn_events_per_s": syn_events / t["median"],
                "ms_per_run": t["median"] * 1e3, "ms_min": t["min"] * 1e3, "ms_max": t["max"] * 1e3,
            })
    return rows


def bench_intra_step(repeats: int) -> list[dict]:
    """One network, 1 vs 2 threads inside each step, alternated round by round."""
    rows = []
    for name, seq in INTRA:
        net = load_net(name)
        X = drive_array(net, seq, length=T)
        for forced in (False, True):
            old = _set_parallel_step_min_work(0) if forced else None
            try:
                used = net.step_threads(2)
                r = speedup(lambda: net.run(X, record="counts", reset=True, n_threads=1),
                            lambda: net.run(X, record="counts", reset=True, n_threads=2), repeats)
            finally:
                if forced:
                    _set_parallel_step_min_work(old)
            rows.append({"network": name, "neurons": net.num_neurons, "synapses": net.num_connections,
                         "work": net.num_neurons + net.num_connections,
                         "cut_off": "forced 0" if forced else f"{PARALLEL_STEP_MIN_WORK:,}",
                         "threads_used": used,
                         "steps_per_s_1": T / r["ms_1_thread"] * 1e3,
                         "steps_per_s_2": T / r["ms_2_threads"] * 1e3, **r})
    return rows


def _ceiling_worker(name, seq, rounds, barrier, wid, results):
    """A process of bench_two_processes: per round, worker 0 alone runs the one-thread
    loop three times, then both run it three times at once; the seconds go to `results`."""
    net = load_net(name)
    X = drive_array(net, seq, length=T)

    def three():
        t0 = time.perf_counter()
        for _ in range(3):
            net.run(X, record="counts", reset=True, n_threads=1)
        return time.perf_counter() - t0

    three()
    alone, together = [], []
    for _ in range(rounds):
        barrier.wait()
        if wid == 0:
            alone.append(three())
        barrier.wait()
        together.append(three())
    results.put((wid, alone, together))


def bench_two_processes(repeats: int) -> dict:
    """{network: summed throughput of two processes each running its own copy of the
    network's one-thread loop at once, over one process alone} (medians over rounds)."""
    ctx = multiprocessing.get_context("spawn")
    out = {}
    for name, seq in INTRA:
        barrier, results = ctx.Barrier(2), ctx.Queue()
        procs = [ctx.Process(target=_ceiling_worker, args=(name, seq, max(repeats, 3), barrier, w, results))
                 for w in range(2)]
        for pr in procs:
            pr.start()
        got = dict((w, (a, t)) for w, a, t in (results.get(timeout=600) for _ in procs))
        for pr in procs:
            pr.join()
        alone = statistics.median(got[0][0])
        together = statistics.median(max(a, b) for a, b in zip(got[0][1], got[1][1]))
        out[name] = 2 * alone / together
    return out


def bench_step_overhead(repeats: int, quick: bool) -> dict:
    net = load_net("net_small")
    step = net.step
    min_time = 0.05 if quick else 0.2
    solo = measure(step, repeats=repeats, min_time=min_time)
    with busy_python_thread():
        busy = measure(step, repeats=repeats, min_time=min_time)
    s1000 = measure(lambda: step(1000), repeats=repeats, min_time=min_time)
    with busy_python_thread():
        s1000_busy = measure(lambda: step(1000), repeats=repeats, min_time=min_time)
    return {
        "step_ns": solo["median"] * 1e9, "step_ns_min": solo["min"] * 1e9,
        "step_busy_ns": busy["median"] * 1e9,
        "step_busy_ratio": busy["median"] / solo["median"],
        "step1000_us": s1000["median"] * 1e6, "step1000_ns_per_step": s1000["median"] * 1e6,
        "step1000_busy_us": s1000_busy["median"] * 1e6,
    }


def bench_two_threads(repeats: int, quick: bool) -> dict:
    base = load_net("net_medium")
    X = drive_array(base, "drive_s32.seq", length=T)
    nets = [base.copy(), base.copy()]
    runs = 5 if quick else 20

    def work(net):
        for _ in range(runs):
            net.run(X, record="counts", reset=True)

    def one_thread():
        for net in nets:
            work(net)

    def two_threads():
        run_in_threads(work, nets)

    # alternate the two cases so that load from other processes hits both alike
    one_t, two_t, load = [], [], {}
    with foreign_load(load):
        for _ in range(max(3, repeats)):
            one_t.append(measure(one_thread, repeats=1, number=1, warmup=0)["median"])
            two_t.append(measure(two_threads, repeats=1, number=1, warmup=0)["median"])
    one_m, two_m = float(np.median(one_t)), float(np.median(two_t))
    return {"one_thread_s": one_m, "two_threads_s": two_m,
            "other_processes_cores": load["foreign_cores"],
            "two_thread_speedup": one_m / two_m,
            "two_thread_speedup_best": min(one_t) / min(two_t), "runs_per_thread": runs,
            "one_thread_times": one_t, "two_threads_times": two_t}


def bench_memory() -> list[dict]:
    rows = []
    for name, _ in WORKLOADS[:3]:
        net = load_net(name)
        b, e, n = net.memory_bytes, net.num_connections, net.num_neurons
        rows.append({
            "network": name, "neurons": n, "synapses": e, "bytes": b,
            "bytes_per_synapse": b / e if e else float("nan"),
            "bytes_per_neuron_beyond_8_per_synapse": (b - 8 * e) / n,
            "budget_bytes": 8 * e + 64 * n, "within_budget": b <= 8 * e + 64 * n,
        })
    # least-squares split of bytes into a*synapses + b*neurons over the three networks
    A = np.array([[r["synapses"], r["neurons"]] for r in rows], dtype=float)
    y = np.array([r["bytes"] for r in rows], dtype=float)
    (a, b_), *_ = np.linalg.lstsq(A, y, rcond=None)
    for r in rows:
        r["fit_bytes_per_synapse"] = float(a)
        r["fit_bytes_per_neuron"] = float(b_)
    return rows


def main():
    args, repeats, info = start(__doc__)

    thr = bench_throughput(repeats)
    print_table(thr, ["network", "record", "neurons", "synapses", "spikes_per_step", "steps_per_s",
                      "neuron_updates_per_s", "syn_events_per_s", "ms_per_run", "ms_min", "ms_max"],
                title=f"net.run over {T} steps (median of {repeats})")

    intra = bench_intra_step(repeats)
    ceiling = bench_two_processes(repeats)
    for r in intra:
        r["two_processes"] = ceiling[r["network"]]
    print_table(intra, ["network", "work", "cut_off", "threads_used", "steps_per_s_1", "steps_per_s_2",
                        "speedup", "speedup_best", "two_processes", "foreign_cores"],
                title="one network, 1 vs 2 threads inside each step (run(n_threads=...)); work = "
                      "neurons + edges; medians, alternated (two_processes: two processes each "
                      "running the one-thread loop at once, their summed throughput over one "
                      "alone: what the machine gives this loop; foreign_cores: CPU other processes used)")

    step = bench_step_overhead(repeats, args.quick)
    print_table([
        {"case": "net.step() on net_small", "ns_per_call": step["step_ns"]},
        {"case": "net.step() beside a busy Python thread", "ns_per_call": step["step_busy_ns"]},
        {"case": "net.step(1000) on net_small", "ns_per_call": step["step1000_us"] * 1e3},
        {"case": "net.step(1000) beside a busy Python thread", "ns_per_call": step["step1000_busy_us"] * 1e3},
    ], title="per-call overhead")

    two = bench_two_threads(repeats, args.quick)
    print_table([two], ["runs_per_thread", "one_thread_s", "two_threads_s", "two_thread_speedup",
                        "two_thread_speedup_best", "other_processes_cores"],
                title="two threads, each running its own net_medium copy "
                      "(other_processes_cores: CPU other processes used meanwhile; near 0 for a fair figure)")

    mem = bench_memory()
    print_table(mem, ["network", "neurons", "synapses", "bytes", "bytes_per_synapse",
                      "bytes_per_neuron_beyond_8_per_synapse", "within_budget"],
                title=f"model memory (fit over the three: {mem[0]['fit_bytes_per_synapse']:.2f} B/synapse"
                      f" + {mem[0]['fit_bytes_per_neuron']:.1f} B/neuron)")

    counts = {r["network"]: r["steps_per_s"] for r in thr if r["record"] == "counts"}
    intra_default = {r["network"]: r for r in intra if not r["cut_off"].startswith("forced")}
    worst_neuron_bytes = max(r["bytes_per_neuron_beyond_8_per_synapse"] for r in mem)
    checks = [
        ("net_medium steps/s (counts)", counts["net_medium"], TARGETS["net_medium_steps_per_s"], True),
        ("net_large steps/s (counts)", counts["net_large"], TARGETS["net_large_steps_per_s"], True),
        ("net.step() ns/call", step["step_ns"], TARGETS["step_ns"], False),
        ("busy-thread / solo step()", step["step_busy_ratio"], TARGETS["step_busy_ratio"], False),
        ("two-thread speedup (medians)", two["two_thread_speedup"], TARGETS["two_thread_speedup"], True),
        ("net_large: 2 threads in a step / 1", intra_default["net_large"]["speedup"],
         TARGETS["net_large_intra_step_speedup"], True),
        ("net_large_sparse: 2 threads in a step / 1", intra_default["net_large_sparse"]["speedup"],
         TARGETS["net_large_intra_step_speedup"], True),
        ("net_medium: run(n_threads=2) / run(n_threads=1)", intra_default["net_medium"]["speedup"],
         TARGETS["net_medium_intra_step_ratio"] * 0.97, True),
        ("two-thread speedup (best times)", two["two_thread_speedup_best"], TARGETS["two_thread_speedup"], True),
        ("bytes per neuron (beyond 8/synapse)", worst_neuron_bytes, TARGETS["bytes_per_neuron"], False),
        ("all networks within 8 B/syn + 64 B/neuron", float(all(r["within_budget"] for r in mem)), 1.0, True),
    ]
    print_table([{"figure": f, "measured": v, "target": (">= " if hi else "<= ") + f"{t:g}",
                  "status": target(v, t, hi)} for f, v, t, hi in checks], title="targets")

    if not args.no_json:
        path = write_json("bench_sim", {
            "quick": args.quick, "repeats": repeats, "steps": T, "throughput": thr,
            "step_overhead": step, "two_threads": two, "intra_step": intra,
            "parallel_step_min_work": PARALLEL_STEP_MIN_WORK, "memory": mem, "targets": TARGETS,
        }, machine=info)
        print(f"\nwrote {path}")


if __name__ == "__main__":
    main()

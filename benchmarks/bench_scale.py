"""How glia scales, and how close it runs to the machine's memory bandwidth.

- Networks from 10^3 to 10^5 neurons and 10^4 to 10^7 synapses, generated with NEWNET
  (32 sensory inputs, 10 outputs; S->H 0.1, H->O 0.05, H->H set for the synapse count;
  EXCIT_RATIO 0.5 and W_SCALE = c * sqrt(in-degree) so that a few % of the neurons fire per
  step under the drive, measured and printed): load (generation) time, steps/s and synaptic
  events/s of ``net.run(X, record="counts")`` with random sensory drive (p = 0.2, value 200),
  model memory per synapse and per neuron (``net.memory_bytes``) and the process's RSS
  growth; a least-squares fit of time per step against synaptic events and neurons shows
  whether cost grows linearly in events.
- Every size, plus net_large and net_large_sparse (net_large at ~1% of neurons firing per
  step), also on 2 threads inside each step (``run(n_threads=2)`` against ``n_threads=1``,
  alternated; the cut-off forced to 0 so that sizes below it show what it avoids).
- The largest network (10^5 neurons, 10^7 synapses) is also trained for a few epochs
  (``glia.Trainer``, rate-gradient, on a small random data set).
- Physical limit: memory bandwidth from a large NumPy copy, and the bytes net_large (and the
  10^7-synapse network) must move per step, as a fraction of what that bandwidth allows.

Prints tables, writes results/bench_scale.json. Targets are reported, never asserted.

    python benchmarks/bench_scale.py [--quick] [--repeats N] [--no-json]
"""
from __future__ import annotations

import ctypes
import gc
import time

import numpy as np

from _common import (drive_array, load_net, measure, print_table, speedup, start, target,
                    usable_cores, write_json)

import glia
from glia._core import PARALLEL_STEP_MIN_WORK, _set_parallel_step_min_work

N_SENSORY, N_OUT = 32, 10
P_SH, P_HO = 0.1, 0.05
T = 200
# (neurons, synapses)
SIZES = [(10**3, 10**4), (10**3, 10**5), (10**4, 10**5), (10**4, 10**6), (10**5, 10**6),
         (10**5, 10**7)]
QUICK_SIZES = SIZES[:4]
TARGETS = {"bytes_per_synapse": 8.0, "two_thread_speedup": 1.7}


def gain(in_degree: float) -> float:
    """c in W_SCALE = c * sqrt(in-degree): found by measuring the firing fraction."""
    return 9.0 if in_degree < 30 else 4.8


def newnet(n: int, m: int, seed: int = 1) -> str:
    h = n - N_SENSORY - N_OUT
    other = N_SENSORY * h * P_SH + h * N_OUT * P_HO
    p_hh = max(0.0, (m - other) / (h * (h - 1.0)))
    k = m / h
    return (f"NEWNET S={N_SENSORY} H={h} O={N_OUT}\n"
            f"DENSITY S->H {P_SH}\nDENSITY S->O 0\nDENSITY H->O {P_HO}\nDENSITY H->H {p_hh:.9g}\n"
            f"EXCIT_RATIO 0.5\nW_SCALE {gain(k) * np.sqrt(k):.6g}\nSEED {seed}\n")


def rss_bytes() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def _trim() -> None:
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except OSError:
        pass


def out_degree(net) -> np.ndarray:
    src, _, _ = net.edges()
    return np.bincount(src, minlength=net.num_neurons).astype(np.int64)


def drive(n_sensory: int, steps: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return ((rng.random((steps, n_sensory)) < 0.2) * np.float32(200.0)).astype(np.float32)


# ---------------------------------------------------------------------------- scale
def two_threads(net, X, repeats: int) -> dict:
    """run on 2 threads inside each step against 1 (the cut-off forced to 0)."""
    old = _set_parallel_step_min_work(0)
    try:
        r = speedup(lambda: net.run(X, record="counts", reset=True, n_threads=1),
                    lambda: net.run(X, record="counts", reset=True, n_threads=2), repeats)
    finally:
        _set_parallel_step_min_work(old)
    work = net.num_neurons + net.num_connections
    return {"above_cut_off": work >= PARALLEL_STEP_MIN_WORK,
            "steps_per_s_2_threads": X.shape[0] / r["ms_2_threads"] * 1e3,
            "speedup_2_threads": r["speedup"], "speedup_2_threads_best": r["speedup_best"],
            "foreign_cores": r["foreign_cores"]}


def bench_size(n: int, m: int, repeats: int, name: str | None = None) -> tuple[dict, object]:
    _trim()
    r0 = rss_bytes()
    t0 = time.perf_counter()
    if name is None:
        net = glia.Network.from_string(newnet(n, m))
        X = drive(net.num_sensory, T)
    else:
        net = load_net(name)
        X = drive_array(net, "drive_s64.seq", length=T)
    load_s = time.perf_counter() - t0
    _trim()
    rss_model = rss_bytes() - r0
    counts = net.run(X, record="counts", reset=True)
    events = int(counts @ out_degree(net))
    t = measure(lambda: net.run(X, record="counts", reset=True, n_threads=1), repeats=repeats,
                min_time=0.1)
    rss_run = rss_bytes() - r0
    sps = T / t["median"]
    e, nn = net.num_connections, net.num_neurons
    return {
        "network": name or f"{nn:.0e} / {e:.0e}".replace("e+0", "e"), "neurons": nn, "synapses": e,
        "load_s": load_s,
        "firing_pct_per_step": 100.0 * counts.sum() / (T * nn),
        "events_per_step": events / T, "steps_per_s": sps,
        "steps_per_s_min": T / t["max"], "steps_per_s_max": T / t["min"],
        "us_per_step": t["median"] / T * 1e6, "syn_events_per_s": events / t["median"],
        "ns_per_event": t["median"] / max(events, 1) * 1e9,
        "model_bytes": net.memory_bytes, "bytes_per_synapse": net.memory_bytes / e,
        "rss_model_mb": rss_model / 2**20, "rss_after_run_mb": rss_run / 2**20,
        "rss_bytes_per_synapse": rss_model / e, **two_threads(net, X, repeats),
    }, net


def fit_cost(rows: list[dict]) -> dict:
    """us/step = a * events/step + b * neurons, fitted on relative error (every size counts
    alike), with the worst relative error of the fit."""
    A = np.array([[r["events_per_step"], r["neurons"]] for r in rows], float)
    y = np.array([r["us_per_step"] for r in rows], float)
    (a, b), *_ = np.linalg.lstsq(A / y[:, None], np.ones_like(y), rcond=None)
    pred = A @ np.array([a, b])
    for r, p in zip(rows, pred):
        r["fit_us_per_step"] = float(p)
        r["fit_error_pct"] = float(100.0 * (r["us_per_step"] - p) / r["us_per_step"])
        r["ns_per_event_net"] = max(0.0, r["us_per_step"] - b * r["neurons"]) / r["events_per_step"] * 1e3
    return {"ns_per_event": a * 1e3, "ns_per_neuron": b * 1e3,
            "max_abs_error_pct": float(max(abs(r["fit_error_pct"]) for r in rows))}


def fit_memory(rows: list[dict]) -> dict:
    A = np.array([[r["synapses"], r["neurons"]] for r in rows], float)
    y = np.array([r["model_bytes"] for r in rows], float)
    (a, b), *_ = np.linalg.lstsq(A, y, rcond=None)
    return {"bytes_per_synapse": float(a), "bytes_per_neuron": float(b)}


def train_big(net, quick: bool) -> dict:
    """A few epochs of the rate-gradient trainer on a small random data set."""
    rng = np.random.default_rng(3)
    n_eps, ticks = 8, 40
    X = ((rng.random((n_eps, ticks, net.num_sensory)) < 0.2) * 200.0).astype(np.float32)
    y = rng.integers(0, N_OUT, n_eps)
    ds = glia.Dataset.from_arrays(X, y)
    cfg = glia.create_config(optimizer="adam", lr=0.01, batch_size=4, warmup_ticks=10,
                             decision_window=30)
    epochs = 2 if quick else 3
    _trim()
    r0 = rss_bytes()
    tr = glia.Trainer(net, cfg)
    m0 = net.num_connections
    w0 = float(np.abs(net.edges()[2]).sum())
    t0 = time.perf_counter()
    tr.train_fast(ds, epochs=epochs, num_threads=usable_cores())
    dt = time.perf_counter() - t0
    w1 = net.edges()[2]
    return {"neurons": net.num_neurons, "synapses_before": m0, "synapses_after": net.num_connections,
            "episodes": n_eps, "ticks": ticks, "epochs": epochs, "s_per_epoch": dt / epochs,
            "weights_changed": bool(float(np.abs(w1).sum()) != w0 or net.num_connections != m0),
            "weights_finite": bool(np.isfinite(w1).all()),
            "trainer_rss_mb": (rss_bytes() - r0) / 2**20,
            "accuracy": tr.history["accuracy"][-1]}


# ---------------------------------------------------------------------------- bandwidth
def bandwidth(nbytes: int, repeats: int) -> dict:
    """GB/s of np.copyto between two arrays of ``nbytes`` (read + write counted)."""
    a = np.ones(nbytes // 8)
    b = np.empty_like(a)
    t = measure(lambda: np.copyto(b, a), repeats=repeats, min_time=0.2)
    return {"bytes": nbytes, "copy_GBps": 2 * nbytes / t["median"] / 1e9,
            "copy_GBps_best": 2 * nbytes / t["min"] / 1e9}


def roofline(name: str, net, X, bw: float, repeats: int) -> dict:
    """Bytes a step must touch at least: per synaptic event the target index and weight
    (8 B; the accumulators it adds into are cache-resident), per fired neuron its two row
    offsets (16 B), per neuron value, input (read + write), threshold, leak, resting and the
    fired flag (29 B). Compared with ``bw`` (GB/s)."""
    T_ = X.shape[0]
    counts = net.run(X, record="counts", reset=True)
    ev = float(counts @ out_degree(net)) / T_
    fired = float(counts.sum()) / T_
    n = net.num_neurons
    t = measure(lambda: net.run(X, record="counts", reset=True, n_threads=1), repeats=repeats,
                min_time=0.2)
    sps = T_ / t["median"]
    per_step = 8 * ev + 16 * fired + 29 * n
    return {"network": name, "neurons": n, "synapses": net.num_connections,
            "csr_mb": net.num_connections * 8 / 2**20, "events_per_step": ev,
            "steps_per_s": sps, "syn_events_per_s": ev * sps, "bytes_per_step": per_step,
            "achieved_GBps": per_step * sps / 1e9, "fraction_of_bandwidth": per_step * sps / (bw * 1e9),
            "events_per_s_at_bandwidth": bw * 1e9 / 8,
            "events_fraction": ev * sps / (bw * 1e9 / 8)}


def main():
    args, repeats, info = start(__doc__, default_repeats=3)

    sizes = QUICK_SIZES if args.quick else SIZES
    rows, big = [], None
    for n, m in sizes:
        r, net = bench_size(n, m, repeats)
        rows.append(r)
        if (n, m) == SIZES[-1]:
            big = net
        else:
            del net
    cost = fit_cost(rows)
    mem = fit_memory(rows)
    extra = [bench_size(0, 0, repeats, name)[0] for name in ("net_large", "net_large_sparse")]
    print_table(rows, ["neurons", "synapses", "load_s", "firing_pct_per_step", "events_per_step",
                       "steps_per_s", "syn_events_per_s", "ns_per_event", "ns_per_event_net", "us_per_step",
                       "fit_us_per_step", "fit_error_pct"],
                title=f"scale: net.run over {T} steps (median of {repeats}); fit: "
                      f"{cost['ns_per_event']:.2f} ns/event + {cost['ns_per_neuron']:.2f} ns/neuron, "
                      f"worst error {cost['max_abs_error_pct']:.0f}%")
    print_table(extra, ["network", "neurons", "synapses", "firing_pct_per_step", "events_per_step",
                        "steps_per_s", "syn_events_per_s", "ns_per_event", "us_per_step"],
                title=f"net_large and net_large_sparse (drive_s64), {T} steps, one thread")
    print_table(rows + extra, ["network", "neurons", "synapses", "firing_pct_per_step", "above_cut_off",
                               "steps_per_s", "steps_per_s_2_threads", "speedup_2_threads",
                               "speedup_2_threads_best", "foreign_cores"],
                title=f"2 threads inside each step vs 1 (cut-off forced to 0; the default cut-off is "
                      f"{PARALLEL_STEP_MIN_WORK:,} neurons + edges); medians, alternated")
    print_table(rows, ["neurons", "synapses", "model_bytes", "bytes_per_synapse", "rss_model_mb",
                       "rss_bytes_per_synapse", "rss_after_run_mb"],
                title=f"memory (fit: {mem['bytes_per_synapse']:.2f} B/synapse + "
                      f"{mem['bytes_per_neuron']:.1f} B/neuron)")

    trained = None
    if big is not None:
        trained = train_big(big, args.quick)
        print_table([trained], title="the 10^5-neuron, 10^7-synapse network: rate-gradient training")

    bw_dram = bandwidth(512 * 2**20 if not args.quick else 128 * 2**20, repeats)
    bw_l3 = bandwidth(8 * 2**20, repeats)
    print_table([{"copy": f"{b['bytes'] / 2**20:.0f} MiB", **b} for b in (bw_dram, bw_l3)],
                ["copy", "copy_GBps", "copy_GBps_best"], title="memory bandwidth (np.copyto, read + write)")
    large = load_net("net_large")
    roof = [roofline("net_large", large, drive_array(large, "drive_s64.seq", 1000),
                     bw_dram["copy_GBps"], repeats)]
    del large
    if big is not None:
        roof.append(roofline("10^5 / 10^7", big, drive(big.num_sensory, T), bw_dram["copy_GBps"],
                             repeats))
    print_table(roof, ["network", "synapses", "csr_mb", "events_per_step", "steps_per_s",
                       "syn_events_per_s", "bytes_per_step", "achieved_GBps",
                       "fraction_of_bandwidth", "events_per_s_at_bandwidth", "events_fraction"],
                title=f"physical limit (DRAM copy bandwidth {bw_dram['copy_GBps']:.1f} GB/s)")

    checks = [{"figure": "model bytes per synapse (fit over the sizes)",
               "measured": mem["bytes_per_synapse"], "target": "<= 8",
               "status": target(mem["bytes_per_synapse"], 8.0 + 1e-3, False)},
              {"figure": "model bytes per synapse, 10^7-synapse network (all model memory)",
               "measured": rows[-1]["bytes_per_synapse"], "target": "(info)", "status": "-"},
              *({"figure": f"{r['network']}: 2 threads in a step / 1", "measured": r["speedup_2_threads"],
                 "target": f">= {TARGETS['two_thread_speedup']:g}",
                 "status": target(r["speedup_2_threads"], TARGETS["two_thread_speedup"])}
                for r in rows[-1:] + extra if r["synapses"] >= 10**6),
              {"figure": "cost ~ a*events + b*neurons: worst error of the fit (%)",
               "measured": cost["max_abs_error_pct"], "target": "(info)", "status": "-"}]
    if trained:
        ok = trained["weights_finite"] and trained["weights_changed"]
        checks.append({"figure": "10^5 / 10^7 network loads, steps and trains", "measured": float(ok),
                       "target": "1", "status": "ok" if ok else "MISS"})
    print_table(checks, title="targets")

    if not args.no_json:
        path = write_json("bench_scale", {
            "quick": args.quick, "repeats": repeats, "steps": T, "scale": rows, "cost_fit": cost,
            "net_large": extra, "parallel_step_min_work": PARALLEL_STEP_MIN_WORK,
            "memory_fit": mem, "train_big": trained, "bandwidth": {"dram": bw_dram, "l3": bw_l3},
            "roofline": roof, "targets": checks,
        }, machine=info)
        print(f"\nwrote {path}")


if __name__ == "__main__":
    main()

"""Python overhead: what a call into glia costs beyond its work.

- Per-call cost of ``step()``, ``inject()``, ``run()`` (1 and 100 steps) on tiny networks
  (net_small: 5 neurons, and a one-neuron network) next to a plain Python function call, a
  bound-method call and a builtin call; ``step(n)`` on both sides of ``GIL_RELEASE_WORK``
  (below it the call keeps the GIL, above it releases it).
- The fraction of a training epoch spent outside C++ on the shared 3-class workload: epoch
  wall time through ``train`` (a Python loop calling the engine once per epoch, with the
  learning-rate schedule and callback checks between epochs) against ``train_fast`` (all
  epochs in one engine call), both over many epochs; and ``train(epochs=1)`` called once
  per epoch (which also converts the data set on every call).

Prints tables, writes results/bench_overhead.json. Targets are reported, never asserted.

    python benchmarks/bench_overhead.py [--quick] [--repeats N] [--no-json]
"""
from __future__ import annotations

import numpy as np

from _common import (load_net, measure, print_table, start, target, write_json)

import glia
from bench_train import CLS3_GRADIENT, CLS3_HEBBIAN, cls3

TARGETS = {"outside_cpp_fraction": 0.01}


def _plain():
    return None


class _Obj:
    def method(self):
        return None


def bench_calls(repeats: int, min_time: float) -> list[dict]:
    small = load_net("net_small")
    one = glia.Network()
    one.add_neuron("S0", 100.0, 1.0, 0.0)
    o = _Obj()
    X1 = np.zeros((1, small.num_sensory), np.float32)
    X100 = np.zeros((100, small.num_sensory), np.float32)
    X100[::5, 0] = 200.0
    per_step = small.num_neurons + small.num_connections + 1
    keep = max(1, (glia.GIL_RELEASE_WORK - 1) // per_step)      # largest n that keeps the GIL
    release = keep + 1
    cases = [
        ("plain Python function call f()", _plain, 1),
        ("bound method call o.method()", o.method, 1),
        ("builtin call len(())", lambda: len(()), 1),
        ("net.step() on a 1-neuron network", one.step, 1),
        ("net.step() on net_small", small.step, 1),
        ("net.inject('S0', 1.0) on net_small", lambda: small.inject("S0", 1.0), 1),
        ("net.run(X[1 step]) on net_small", lambda: small.run(X1, record="counts"), 1),
        ("net.run(X[1 step], record='raster')", lambda: small.run(X1), 1),
        ("net.run(X[100 steps]) on net_small", lambda: small.run(X100, record="counts"), 100),
        (f"net.step({keep}) on net_small (keeps the GIL)", lambda: small.step(keep), keep),
        (f"net.step({release}) on net_small (releases the GIL)", lambda: small.step(release), release),
    ]
    rows = []
    for name, fn, steps in cases:
        t = measure(fn, repeats=repeats, min_time=min_time)
        rows.append({"call": name, "ns_per_call": t["median"] * 1e9,
                     "ns_per_call_min": t["min"] * 1e9, "ns_per_call_max": t["max"] * 1e9,
                     "steps": steps, "ns_per_step": t["median"] * 1e9 / steps,
                     "ns_per_step_min": t["min"] * 1e9 / steps, "ns_per_step_max": t["max"] * 1e9 / steps})
    base = rows[0]["ns_per_call"]
    for r in rows:
        r["x_plain_call"] = r["ns_per_call"] / base
    return rows


def bench_epoch_fraction(repeats: int, quick: bool) -> list[dict]:
    net0, ds = cls3()
    epochs = 50 if quick else 200
    rows = []
    for name, kind, cfg in (("rate-gradient", "gradient", CLS3_GRADIENT),
                            ("reward-modulated", "hebbian", CLS3_HEBBIAN)):
        tr = glia.Trainer(net0.copy(), glia.create_config(**cfg), method=kind)
        tr.train_fast(ds, epochs=5, num_threads=1)       # warm-up
        fast, loop, single = [], [], []
        for _ in range(max(3, repeats)):                  # alternate the three ways
            fast.append(measure(lambda: tr.train_fast(ds, epochs=epochs, num_threads=1),
                                repeats=1, number=1, warmup=0)["median"] / epochs)
            loop.append(measure(lambda: tr.train(ds, epochs=epochs, verbose=False, num_threads=1),
                                repeats=1, number=1, warmup=0)["median"] / epochs)
            single.append(measure(lambda: tr.train(ds, epochs=1, verbose=False, num_threads=1),
                                  repeats=1, min_time=0.05, warmup=0)["median"])
        f, l_, s = (float(np.median(v)) for v in (fast, loop, single))
        rows.append({"trainer": name, "epochs_per_call": epochs,
                     "train_fast_ms_per_epoch": f * 1e3, "train_ms_per_epoch": l_ * 1e3,
                     "train_1_epoch_calls_ms": s * 1e3,
                     "outside_cpp_fraction": max(0.0, (l_ - f) / l_),
                     "outside_cpp_us_per_epoch": (l_ - f) * 1e6,
                     "single_call_outside_fraction": max(0.0, (s - f) / s)})
    return rows


def main():
    args, repeats, info = start(__doc__)

    calls = bench_calls(repeats, 0.05 if args.quick else 0.2)
    print_table(calls, ["call", "ns_per_call", "ns_per_call_min", "ns_per_call_max", "x_plain_call", "ns_per_step"],
                title=f"per-call cost (median of {repeats}; GIL_RELEASE_WORK = {glia.GIL_RELEASE_WORK})")

    frac = bench_epoch_fraction(repeats, args.quick)
    print_table(frac, ["trainer", "epochs_per_call", "train_fast_ms_per_epoch", "train_ms_per_epoch",
                       "outside_cpp_us_per_epoch", "outside_cpp_fraction", "train_1_epoch_calls_ms",
                       "single_call_outside_fraction"],
                title="3-class workload, one thread: time per epoch outside the engine")

    checks = [{"figure": f"{r['trainer']}: fraction of a train() epoch outside C++",
               "measured": r["outside_cpp_fraction"], "target": "< 0.01",
               "status": target(r["outside_cpp_fraction"], TARGETS["outside_cpp_fraction"], False)}
              for r in frac]
    print_table(checks, title="targets")

    if not args.no_json:
        path = write_json("bench_overhead", {"quick": args.quick, "repeats": repeats,
                                             "calls": calls, "epoch_fraction": frac,
                                             "targets": checks}, machine=info)
        print(f"\nwrote {path}")


if __name__ == "__main__":
    main()

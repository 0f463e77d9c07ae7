"""Parallel calls on a busy machine: default threads against one thread, beside 0, 1 and 2
processes that keep a core busy each (DESIGN §5: a parallel call is never much slower than
the same call on one thread).

    python benchmarks/bench_busy.py [--quick] [--repeats N] [--burners 0,1,2] [--no-json]

For each load (0, 1, 2 burner processes: ``python -c "while True: pass"``), every case runs
with the default thread count and with ``n_threads=1``, alternated round by round (so a
slow phase of the machine hits both alike); the table shows the medians over rounds, their
ratio (default / one thread: above 1 the default is slower) and the target of at most 1.25.
It also shows how many of glia's parallel runs the calls made and how many they kept on one
thread because recent runs did not pay (``glia._core._threads_info()``, docs/threads.md).

Cases:
- ``quickstart train``: the README's quickstart training (digits, 30 epochs, Adam, batches of
  16, ``Trainer.train``): a parallel call per batch;
- ``evaluate_dataset``: the digits test set, one episode per item;
- ``run, team in a step``: 200 steps of a 10^4-neuron / 10^6-synapse network (bench_scale's
  generator), one team of threads stepping it with a barrier per step;
- ``score_population``: 16 three-class networks, each trained 2 epochs and scored.

Writes results/bench_busy.json. Other processes on the machine add to the burners: the
``foreign_cores`` column is the load measured meanwhile (burners included).
"""
from __future__ import annotations

import statistics
import subprocess
import sys
import time

import numpy as np

from _common import foreign_load, make_parser, print_table, start, write_json

import glia

try:
    from glia._core import _threads_info
except ImportError:  # a build from before glia's own worker threads (for comparison)
    def _threads_info():
        return {"parallel_runs": None, "declined_runs": None}

TARGET_RATIO = 1.25
BURNER = "while True: pass"


def start_burners(n: int) -> list[subprocess.Popen]:
    """n processes that each keep a core busy until stopped."""
    procs = [subprocess.Popen([sys.executable, "-c", BURNER]) for _ in range(n)]
    time.sleep(0.3)  # let them start spinning
    return procs


def stop_burners(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        p.kill()
    for p in procs:
        p.wait()


# ---------------------------------------------------------------------------- cases
def quickstart_case(epochs: int):
    train, _ = glia.datasets.digits()
    cfg = glia.create_config(optimizer="adam", lr=0.01, batch_size=16)

    def call(nt):
        trainer = glia.Trainer(glia.datasets.digits_network(), cfg)
        trainer.train(train, epochs=epochs, verbose=False, num_threads=nt)
    return f"quickstart train ({epochs} epochs)", call, 1


def evaluate_case():
    train, test = glia.datasets.digits()
    trainer = glia.Trainer(glia.datasets.digits_network(),
                           glia.create_config(optimizer="adam", lr=0.01, batch_size=16))
    trainer.train(train, epochs=2, verbose=False, num_threads=1)

    def call(nt):
        trainer.evaluate_dataset(test, num_threads=nt)
    return "evaluate_dataset (digits test)", call, 10


def team_case():
    from bench_scale import drive, newnet
    net = glia.Network.from_string(newnet(10**4, 10**6))
    X = drive(net.num_sensory, 200)

    def call(nt):
        net.run(X, record="counts", reset=True, n_threads=nt)
    return "run, team in a step (1e4 / 1e6)", call, 3


def population_case(size: int):
    data = glia.datasets.three_class()
    tr, val = data.split(0.7, seed=0)
    cfg = glia.create_config(**glia.datasets.THREE_CLASS_GRADIENT_CONFIG)
    base = glia.datasets.three_class_network()
    rng = np.random.default_rng(0)
    pop = []
    for _ in range(size):
        net = base.copy()
        f, t, w = net.get_weights()
        net.set_weights(f, t, (w + rng.normal(0, 0.1, len(w))).astype(np.float32))
        pop.append(net)

    def call(nt):
        glia.score_population(pop, val, cfg, train_epochs=2, train_data=tr, num_threads=nt)
    return f"score_population ({size} nets, 2 epochs)", call, 1


def time_pair(call, number: int, rounds: int) -> dict:
    """Default threads and one thread, alternated round by round: per-call seconds."""
    call(None), call(1)  # warm-up (caches, the workers)
    t = {"default": [], "one": []}
    info0 = _threads_info()
    with foreign_load({}) as load:
        for r in range(rounds):
            order = (("default", None), ("one", 1)) if r % 2 == 0 else (("one", 1), ("default", None))
            for key, nt in order:
                t0 = time.perf_counter()
                for _ in range(number):
                    call(nt)
                t[key].append((time.perf_counter() - t0) / number)
    info1 = _threads_info()
    d, o = statistics.median(t["default"]), statistics.median(t["one"])
    return {"ms_default": d * 1e3, "ms_1_thread": o * 1e3, "ratio": d / o,
            "ms_default_min": min(t["default"]) * 1e3, "ms_default_max": max(t["default"]) * 1e3,
            "ms_1_thread_min": min(t["one"]) * 1e3, "ms_1_thread_max": max(t["one"]) * 1e3,
            **{k: None if info0[k] is None else info1[k] - info0[k]
               for k in ("parallel_runs", "declined_runs")},
            "foreign_cores": load.get("foreign_cores"), "rounds": rounds,
            "times_default": t["default"], "times_1_thread": t["one"]}


def main() -> None:
    parser = make_parser(__doc__, default_repeats=7)
    parser.add_argument("--burners", default="0,1,2",
                        help="the burner counts to measure beside (default 0,1,2)")
    parser.add_argument("--cases", default="quickstart,evaluate,team,population",
                        help="comma-separated cases (default: all four)")
    args, repeats, info = start(__doc__, parser)
    loads = [int(x) for x in args.burners.split(",")]
    makers = {"quickstart": lambda: quickstart_case(5 if args.quick else 30),
              "evaluate": evaluate_case, "team": team_case,
              "population": lambda: population_case(8 if args.quick else 16)}
    wanted = [c.strip() for c in args.cases.split(",") if c.strip()]
    unknown = sorted(set(wanted) - set(makers))
    if unknown:
        raise SystemExit(f"--cases: unknown {', '.join(unknown)} (expected {', '.join(makers)})")
    cases = [makers[c]() for c in wanted]
    nt = glia.get_num_threads()
    print(f"# default threads: {nt}; target: default / one thread <= {TARGET_RATIO}")
    rows = []
    for burners in loads:
        procs = start_burners(burners)
        try:
            for name, call, number in cases:
                r = time_pair(call, number, repeats)
                row = {"case": name, "burners": burners,
                       "beside": f"{burners} burner{'s' if burners != 1 else ''}", **r}
                row["target"] = "ok" if r["ratio"] <= TARGET_RATIO else "MISS"
                rows.append(row)
                print(f"  {burners} burners | {name}: default {r['ms_default']:.1f} ms, one thread "
                      f"{r['ms_1_thread']:.1f} ms, ratio {r['ratio']:.2f} ({row['target']})",
                      flush=True)
        finally:
            stop_burners(procs)
    print_table(rows, ["case", "burners", "ms_1_thread", "ms_default", "ratio", "target",
                       "parallel_runs", "declined_runs", "foreign_cores"],
                title=f"default threads ({nt}) against one thread, beside CPU burners "
                      f"(medians of {repeats} alternated rounds)")
    if not args.no_json:
        path = write_json("bench_busy", {"default_threads": nt, "target_ratio": TARGET_RATIO,
                                         "repeats": repeats, "rows": rows}, info)
        print(f"\nwrote {path}")


if __name__ == "__main__":
    main()

"""Evolution speed: parallel population scoring, scaling to two threads and to Dask, GIL.

- The shared 3-class workload (cls3_baseline.net + the 60 episodes of cls3_dataset.tsv,
  used for training and for validation): population 8 x 3 generations x 2 training
  epochs, wall time with 1 and 2 threads (target: <= 25 ms with 2 threads).
- Population 16 x 5 generations x 2 epochs on the 3-class workload and on digits
  (``glia.datasets.digits()`` + ``digits_network()``, training on the training split,
  scoring on the test split): wall time with 1 and 2 threads (target: >= 1.8x), on
  ``Evolution.process_pool(2)`` (2 worker processes that receive the data as they start;
  their start-up not counted) and on a Dask LocalCluster (2 worker processes x 1 thread,
  loopback; cluster start-up not counted).
- GIL freedom: a counting Python thread's rate beside ``run(num_threads=1)``, against its
  rate with nothing else running (target: >= 90 %).

Every configuration's result is checked to be identical across thread counts and Dask.
Prints tables, writes results/bench_evolve.json. Targets are reported, never asserted.

    python benchmarks/bench_evolve.py [--quick] [--repeats N] [--no-json] [--no-dask]
"""
from __future__ import annotations

import logging
import threading
import time

from _common import (cls3, cls3_configs, foreign_load, make_parser, measure, print_table,
                    start, target, usable_cores, write_json)

import glia

D = glia.datasets

TARGETS = {"cls3_small_ms_2t": 25.0, "speedup_2t": 1.8, "gil_ratio": 0.90}

CLS3_CONFIG = cls3_configs()["gradient"]
DIGITS_CONFIG = dict(D.DIGITS_CONFIG)




def same(a, b) -> bool:
    return a.histories() == b.histories() and a.lineage == b.lineage


def timed_runs(evo, repeats: int, threads=(1, 2)) -> tuple[dict, dict]:
    """Median wall seconds of evo.run per thread count, and the results (checked equal)."""
    times, results = {}, {}
    for nt in threads:
        results[nt] = evo.run(verbose=False, num_threads=nt)
        times[nt] = measure(lambda: evo.run(verbose=False, num_threads=nt), repeats=repeats,
                            warmup=0, number=1)
    return times, results


def bench_small(repeats: int) -> list[dict]:
    net, ds = cls3()
    evo = glia.Evolution(net, ds, ds, glia.create_config(**CLS3_CONFIG),
                         glia.EvolutionConfig(population=8, generations=3, train_epochs=2))
    rows = []
    with foreign_load({}) as load:
        times, res = timed_runs(evo, max(repeats, 5))
    for nt in (1, 2):
        t = times[nt]
        rows.append({"case": "cls3 pop8 x 3 gen x 2 ep", "threads": nt, "ms": t["median"] * 1e3,
                     "ms_min": t["min"] * 1e3, "best_acc": res[nt].best_acc_hist[-1],
                     "identical": same(res[1], res[nt]),
                     "target": target(t["median"] * 1e3, TARGETS["cls3_small_ms_2t"], False)
                     if nt == 2 else ""})
    rows[-1]["foreign_cores"] = load.get("foreign_cores")
    return rows


def bench_scaling(repeats: int, quick: bool, use_dask: bool) -> list[dict]:
    cases = []
    net, ds = cls3()
    cases.append(("cls3", net, ds, ds, CLS3_CONFIG))
    try:
        train, test = D.digits()
        cases.append(("digits", D.digits_network(), train, test, DIGITS_CONFIG))
    except ImportError:
        print("# digits skipped (scikit-learn not installed)")
    evo_cfg = glia.EvolutionConfig(population=8 if quick else 16, generations=2 if quick else 5,
                                   train_epochs=1 if quick else 2)
    client = cluster = None
    if use_dask:
        try:
            import distributed
            cluster = distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                               host="127.0.0.1", dashboard_address=None,
                                               silence_logs=logging.ERROR)
            client = distributed.Client(cluster)
        except ImportError:
            print("# Dask skipped (distributed not installed)")
    rows = []
    try:
        for name, net, tr, va, cfg in cases:
            evo = glia.Evolution(net, tr, va, glia.create_config(**cfg), evo_cfg)
            reps = max(1, repeats // 2)
            with foreign_load({}) as load:
                times, res = timed_runs(evo, reps)
            t1, t2 = times[1]["median"], times[2]["median"]
            label = f"{name} pop{evo_cfg.population} x {evo_cfg.generations} gen x {evo_cfg.train_epochs} ep"
            rows.append({"case": label, "mode": "1 thread", "s": t1, "speedup": 1.0,
                         "best_acc": res[1].best_acc_hist[-1], "identical": True, "target": ""})
            rows.append({"case": label, "mode": "2 threads", "s": t2, "speedup": t1 / t2,
                         "best_acc": res[2].best_acc_hist[-1], "identical": same(res[1], res[2]),
                         "target": target(t1 / t2, TARGETS["speedup_2t"]),
                         "foreign_cores": load.get("foreign_cores")})
            with evo.process_pool(2) as pool:
                r = evo.run(verbose=False, executor=pool)     # warm: workers hold the data
                tp = measure(lambda: evo.run(verbose=False, executor=pool), repeats=reps,
                             warmup=0, number=1)["median"]
            rows.append({"case": label, "mode": "process_pool 2 procs", "s": tp,
                         "speedup": t1 / tp, "best_acc": r.best_acc_hist[-1],
                         "identical": same(res[1], r), "target": ""})
            if client is not None:
                r = evo.run(verbose=False, executor=client)   # warm: workers hold the data
                td = measure(lambda: evo.run(verbose=False, executor=client), repeats=reps,
                             warmup=0, number=1)["median"]
                rows.append({"case": label, "mode": "dask 2 procs", "s": td, "speedup": t1 / td,
                             "best_acc": r.best_acc_hist[-1], "identical": same(res[1], r),
                             "target": ""})
    finally:
        if client is not None:
            client.close()
            cluster.close()
    return rows


def counting_rate(seconds: float, during=None) -> float:
    """Increments per second of a pure-Python counting thread, while ``during()`` runs (or
    for ``seconds`` of idle time)."""
    count = [0]
    stop = threading.Event()

    def spin():
        c = 0
        while not stop.is_set():
            c += 1
            if c & 1023 == 0:
                count[0] = c
        count[0] = c

    th = threading.Thread(target=spin, daemon=True)
    th.start()
    time.sleep(0.05)
    c0, t0 = count[0], time.perf_counter()
    if during is None:
        time.sleep(seconds)
    else:
        during()
    c1, t1 = count[0], time.perf_counter()
    stop.set()
    th.join()
    return (c1 - c0) / (t1 - t0)


def bench_gil(quick: bool) -> list[dict]:
    net, ds = cls3()
    evo = glia.Evolution(net, ds, ds, glia.create_config(**CLS3_CONFIG),
                         glia.EvolutionConfig(population=8, generations=3 if quick else 8,
                                              train_epochs=4))
    t0 = time.perf_counter()
    evo.run(verbose=False, num_threads=1)
    dur = time.perf_counter() - t0
    idle = counting_rate(dur)
    busy = counting_rate(0, lambda: evo.run(verbose=False, num_threads=1))
    idle2 = counting_rate(dur)
    idle = max(idle, idle2)
    return [{"case": "counting thread beside run(num_threads=1)", "run_s": dur,
             "idle_per_s": idle, "beside_run_per_s": busy, "ratio": busy / idle,
             "target": target(busy / idle, TARGETS["gil_ratio"])}]


def main():
    p = make_parser(__doc__)
    p.add_argument("--no-dask", action="store_true", help="skip the Dask LocalCluster runs")
    args, repeats, info = start(__doc__, p)
    if usable_cores() < 2:
        print("# fewer than 2 usable cores: 2-thread figures are not meaningful")
    small = bench_small(repeats)
    print_table(small, ["case", "threads", "ms", "ms_min", "best_acc", "identical", "target"],
                title="Small evolution (shared 3-class workload; target <= 25 ms with 2 threads)")
    scaling = bench_scaling(repeats, args.quick, not args.no_dask)
    print_table(scaling, ["case", "mode", "s", "speedup", "best_acc", "identical", "target"],
                title="Population scaling (target >= 1.8x with 2 threads)")
    gil = bench_gil(args.quick)
    print_table(gil, title="GIL freedom (target >= 90 %)")
    if not args.no_json:
        path = write_json("bench_evolve", {
            "quick": args.quick, "repeats": repeats, "targets": TARGETS, "small": small,
            "scaling": scaling, "gil": gil,
            "configs": {"cls3": CLS3_CONFIG, "digits": DIGITS_CONFIG}}, info)
        print(f"\nwrote {path}")


if __name__ == "__main__":
    main()

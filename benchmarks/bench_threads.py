"""Threads: OpenMP speedups, Python threads, and what a compute call leaves to other threads.

- 1 vs 2 OpenMP threads (``num_threads``): ``evaluate_dataset`` (digits test set), a
  training epoch (digits, ``train_fast``) and ``glia.score_population`` (16 perturbed copies
  of the 3-class network) when present;
- two Python threads each running its own network (net_medium ``run``, the small-network
  ``step()`` loop, and a digits training epoch on separate trainers), each thread having
  made its own object, against one thread taking both objects in turn; beside them, the same
  for a loop of plain Python method calls: what the interpreter itself gives two threads
  here. Rates (calls per second, summed over the threads) in fixed-time windows alternated
  round by round (``throughput_speedup``): on this kind of host a core's speed varies by up
  to 1.7x from one 0.1-s stretch to the next, so a round of fixed work would end with the
  slower core. Every case runs twice: as the kernel places the two threads, then with each
  bound to a core of its own. On the normal build the ``step()`` loop keeps the GIL (tiny
  calls, see GIL_RELEASE_WORK), so two threads cannot beat one; on free-threaded CPython
  (``python3.13t``, GIL off) there is no GIL to keep and every case can scale;
- counting-thread progress: a Python thread doing ``x += 1`` in a loop; its rate while the
  main thread makes each compute call (one OpenMP thread, so a second core is free for it)
  divided by its rate while the main thread sleeps. Near 1 means the call released the GIL.

Prints tables, writes results/bench_threads.json (results/bench_threads_freethreaded.json on
a free-threaded build). Targets are reported, never asserted. ``--python-threads`` measures
the Python-threads table alone and writes results/threads_python_gil.json (a build with the
GIL on) or results/threads_python_nogil.json (free-threaded, GIL off): run it on both builds,
then ``make_readme_table.py --free-threaded`` fills the README's free-threaded table from them.

    python benchmarks/bench_threads.py [--quick] [--repeats N] [--no-json] [--python-threads]
"""
from __future__ import annotations

import os
import threading
import time

import numpy as np

from _common import (PYTHON_THREADS_JSON, drive_array, load_net, make_parser, print_table,
                     speedup, start, target, throughput_speedup, write_json)

import glia
from bench_train import CLS3_GRADIENT, DIGITS_BASE, cls3

D = glia.datasets
TARGETS = {"speedup": 1.7, "counter_ratio": 0.8, "free_threaded_speedup": 1.8}
BUILD = glia.build_info()
NO_GIL = BUILD["free_threaded_build"] and not BUILD["gil_enabled"]
PY_COLUMNS = ["case", "unit", "per_s_1_thread", "per_s_2_threads", "speedup", "speedup_q1", "speedup_q3",
              "foreign_cores"]


def bench_openmp(repeats: int, digits, quick: bool) -> list[dict]:
    train, test = digits
    rows = []
    tr = glia.Trainer(D.digits_network(), glia.create_config(**DIGITS_BASE))
    tr.evaluate_dataset(test)
    cases = [("evaluate_dataset, digits test", lambda n: tr.evaluate_dataset(test, num_threads=n), None),
             ("train_fast epoch, digits", lambda n: tr.train_fast(train, epochs=1, num_threads=n), None)]
    if hasattr(glia, "score_population"):
        net0, ds = cls3()
        rng = np.random.default_rng(0)
        pop = []
        for _ in range(16):
            net = net0.copy()
            f, t, w = net.get_weights()
            net.set_weights(f, t, w + rng.normal(0, 0.1, len(w)).astype(np.float32))
            pop.append(net)
        cfg = glia.create_config(**CLS3_GRADIENT)
        epochs = 2 if quick else 5
        cases.append((f"score_population, 16 nets x {epochs} epochs (3-class)",
                      lambda n: glia.score_population(pop, ds, cfg, train_epochs=epochs, num_threads=n),
                      1))
    for name, fn, number in cases:
        rows.append({"case": name,
                     **speedup(lambda: fn(1), lambda: fn(2), repeats, number)})
    return rows


class _Plain:
    """A plain Python object: its method call is the interpreter's own tiny call."""

    def m(self):
        return None


def bench_python_threads(repeats: int, digits, quick: bool) -> list[dict]:
    """Two Python threads, each on its own object (made by that thread: OwnedThreads),
    against the main thread taking both objects in turn: calls per second in fixed-time
    windows (``throughput_speedup``); the first row is the interpreter's own ceiling on this
    machine, a loop of plain Python method calls."""
    base = load_net("net_medium")
    X = drive_array(base, "drive_s32.seq", 1000)
    small = load_net("net_small")
    chunk = 1000  # tiny calls are counted in chunks: the clock is read once per chunk
    train, _ = digits

    def sim(net):
        net.run(X, record="counts", reset=True)

    def step_chunk(net):
        for _ in range(chunk):
            net.step()

    def plain_chunk(obj):
        for _ in range(chunk):
            obj.m()

    def trainer(seed):
        return glia.Trainer(D.digits_network(seed=seed), glia.create_config(**DIGITS_BASE))

    def fit(tr):
        tr.train_fast(train, epochs=1, num_threads=1)

    # a thread copies its own source: one network copied by two threads at once would be
    # one network used by two threads (RuntimeError)
    mediums, smalls = [base.copy() for _ in range(2)], [small.copy() for _ in range(2)]
    handed = [small.copy() for _ in range(2)]  # made here, used by the worker threads
    cases = (("plain Python method calls (the interpreter's ceiling)", "calls", chunk,
              plain_chunk, lambda i: _Plain()),
             ("net_medium run, 1000 steps", "runs", 1, sim, lambda i: mediums[i].copy()),
             ("net_small step() loop", "steps", chunk, step_chunk, lambda i: smalls[i].copy()),
             ("net_small step() loop, networks made by the main thread", "steps", chunk,
              step_chunk, lambda i: handed[i]),
             ("digits epoch (1 OpenMP thread each)", "epochs", 1, fit, trainer))
    pin = hasattr(os, "sched_setaffinity") and len(os.sched_getaffinity(0)) >= 2
    rows = []
    for pinned in (False, True) if pin else (False,):
        for name, what, per_call, work, make in cases:
            r = throughput_speedup(work, make, 2, rounds=max(7, repeats),
                                   seconds=0.1 if quick else 0.25, pin=pinned)
            r["per_s_1_thread"] *= per_call
            r["per_s_2_threads"] *= per_call
            rows.append({"case": name + (", threads pinned to a core each" if pinned else ""),
                         "unit": what + "/s", **r})
    return rows


def counter_rate(during, seconds: float) -> float:
    """Increments per second of a Python counting thread while ``during()`` runs in a loop
    in this thread for ``seconds`` (``during=None``: this thread sleeps)."""
    state = {"stop": False, "n": 0}

    def count():
        x = 0
        while not state["stop"]:
            x += 1
        state["n"] = x

    t = threading.Thread(target=count)
    t.start()
    time.sleep(0.02)
    t0 = time.perf_counter()
    if during is None:
        time.sleep(seconds)
    else:
        while time.perf_counter() - t0 < seconds:
            during()
    state["stop"] = True
    t.join()
    return state["n"] / (time.perf_counter() - t0 + 0.02)


def bench_counter(digits, quick: bool) -> list[dict]:
    secs = 0.3 if quick else 1.0
    train, test = digits
    medium = load_net("net_medium")
    X = drive_array(medium, "drive_s32.seq", 1000)
    small = load_net("net_small")
    tr = glia.Trainer(D.digits_network(), glia.create_config(**DIGITS_BASE))
    tr.evaluate_dataset(test)
    calls = [
        ("idle (main thread sleeps)", None),
        ("net_medium.run(1000 steps)", lambda: medium.run(X, record="counts", reset=True)),
        ("net_medium.step(1000)", lambda: medium.step(1000)),
        ("net_small.step() in a loop (keeps the GIL)", lambda: [small.step() for _ in range(1000)]),
        ("evaluate_dataset(digits test, 1 thread)", lambda: tr.evaluate_dataset(test, num_threads=1)),
        ("train_fast(digits, 1 epoch, 1 thread)", lambda: tr.train_fast(train, epochs=1, num_threads=1)),
        ("pure-Python loop (holds the GIL)", lambda: sum(i for i in range(100000))),
    ]
    idle = counter_rate(None, secs)
    rows = []
    for name, fn in calls:
        rate = idle if fn is None else counter_rate(fn, secs)
        rows.append({"beside": name, "counter_Mops_per_s": rate / 1e6, "ratio_to_idle": rate / idle})
    return rows


def _python_thread_target(row) -> dict:
    """The target of a Python-threads row: >= 1.8x without a GIL; with one, the cases that
    release it >= 1.7x and the step() loop (which keeps it) for information only; the
    plain-Python row is the interpreter's ceiling, for information."""
    keeps_gil = "step() loop" in row["case"]
    if "plain Python" in row["case"]:
        return {"target": "(info: the interpreter's ceiling)", "status": "-"}
    if NO_GIL:
        want = TARGETS["free_threaded_speedup"]
    elif keeps_gil:
        return {"target": "(info: keeps the GIL)", "status": "-"}
    else:
        want = TARGETS["speedup"]
    return {"target": f">= {want}", "status": target(row["speedup"], want)}


def main():
    parser = make_parser(__doc__)
    parser.add_argument("--python-threads", action="store_true",
                        help="only the table of Python threads on separate objects")
    args, repeats, info = start(__doc__, parser)
    info["free_threaded_build"] = BUILD["free_threaded_build"]
    info["gil_enabled"] = BUILD["gil_enabled"]
    print(f"build: {'free-threaded, GIL ' + ('on' if BUILD['gil_enabled'] else 'off') if BUILD['free_threaded_build'] else 'normal (GIL)'}")
    digits = D.digits()
    name = "bench_threads_freethreaded" if BUILD["free_threaded_build"] else "bench_threads"

    if args.python_threads:
        py = bench_python_threads(repeats, digits, args.quick)
        print_table(py, PY_COLUMNS,
                    title="two Python threads on separate objects vs one thread taking both in turn")
        checks = [{"figure": f"{r['case']}: speedup", "measured": r["speedup"], **_python_thread_target(r)}
                  for r in py]
        print_table(checks, title="targets")
        if not args.no_json:
            path = write_json(PYTHON_THREADS_JSON["nogil" if NO_GIL else "gil"],
                              {"quick": args.quick, "repeats": repeats, "python_threads": py,
                               "targets": checks}, machine=info)
            print(f"\nwrote {path}")
        return

    omp = bench_openmp(repeats, digits, args.quick)
    print_table(omp, ["case", "ms_1_thread", "ms_2_threads", "speedup", "speedup_best", "foreign_cores"],
                title="OpenMP: num_threads=1 vs 2 (alternated; medians)")
    py = bench_python_threads(repeats, digits, args.quick)
    print_table(py, PY_COLUMNS,
                title="two Python threads on separate objects vs one thread taking both in turn")
    cnt = bench_counter(digits, args.quick)
    print_table(cnt, title="a counting Python thread's progress beside each call")

    checks = [{"figure": f"{r['case']}: speedup", "measured": r["speedup"], "target": ">= 1.7",
               "status": target(r["speedup"], TARGETS["speedup"])} for r in omp]
    checks += [{"figure": f"{r['case']}: speedup", "measured": r["speedup"], **_python_thread_target(r)}
               for r in py]
    checks += [{"figure": f"counter beside {r['beside']}", "measured": r["ratio_to_idle"],
                "target": ">= 0.8" if "GIL)" not in r["beside"] else "(info)",
                "status": target(r["ratio_to_idle"], TARGETS["counter_ratio"]) if "GIL)" not in r["beside"] else "-"}
               for r in cnt[1:]]
    print_table(checks, title="targets")

    if not args.no_json:
        path = write_json(name, {"quick": args.quick, "repeats": repeats, "openmp": omp,
                                            "python_threads": py, "counter": cnt, "targets": checks},
                          machine=info)
        print(f"\nwrote {path}")


if __name__ == "__main__":
    main()

"""Runs every benchmark (``benchmarks/bench_*.py``) and combines their results.

    python benchmarks/run.py [--quick] [--only sim,train] [--skip brian2] [--repeats N] [--combine]
    python -m glia bench [--quick]

Each script runs in its own process (so one's memory and threads do not disturb the next),
its output is shown as it comes, and it writes ``results/<name>.json``. Then this script
writes ``results/all.json``: the machine (CPU model, cores), the versions (Python, NumPy,
glia and its compiler/OpenMP, Cython, Brian2), every benchmark's full results, and a flat
list ``figures`` with, for every timed figure, its median and the min-max over repeats.
``--quick`` is a short pass (about a minute, plus the one-time Brian2 Cython compilation).
A benchmark that fails is reported and the others still run; the exit status is then 1.
``--only`` / ``--skip`` keep the other benchmarks' results of the last all.json;
``--combine`` runs nothing and writes all.json from the ``results/bench_*.json`` on disk.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

from _common import REPO_ROOT, RESULTS_DIR, machine_info, print_machine  # noqa: E402

# the order they run in; any other bench_*.py found runs after these
ORDER = ["sim", "overhead", "train", "threads", "scale", "evolve", "brian2"]


def discover() -> list[str]:
    names = sorted(p.stem[len("bench_"):] for p in BENCH_DIR.glob("bench_*.py"))
    return [n for n in ORDER if n in names] + [n for n in names if n not in ORDER]


def versions(results: dict) -> dict:
    import numpy as np
    v = {"python": sys.version.split()[0], "numpy": np.__version__}
    try:
        import glia
        v["glia"] = glia.__version__
        b = glia.build_info()
        v.update({f"glia_{k}": b.get(k) for k in ("compiler", "openmp") if b.get(k) is not None})
    except Exception:
        pass
    try:
        import Cython
        v["cython"] = Cython.__version__
    except ImportError:
        pass
    b2 = results.get("bench_brian2", {})
    if b2.get("brian2"):
        v["brian2"] = b2["brian2"]
        v["brian2_numpy"] = b2.get("machine", {}).get("brian2_numpy")
    return v


# ---------------------------------------------------------------------------- figures
def _range_keys(key: str, row: dict):
    """The (min, max) keys that go with ``key`` in ``row``, if any: ``k_min``/``k_max``, or
    the unit prefix's (``ms_per_run`` -> ``ms_min``/``ms_max``)."""
    for lo, hi in ((f"{key}_min", f"{key}_max"),
                   (key.split("_")[0] + "_min", key.split("_")[0] + "_max")):
        if lo != key and lo in row and hi in row:
            return lo, hi
    return None


def _label(row: dict) -> str:
    parts = [str(row[k]) for k in ("network", "simulator", "record", "case", "call", "trainer",
                                   "config", "beside", "figure", "copy", "workload", "side")
             if isinstance(row.get(k), str)]
    if not parts and "neurons" in row and "synapses" in row:
        parts = [f"{row['neurons']} neurons / {row['synapses']} synapses"]
    return " | ".join(parts)


def extract_figures(name: str, doc, path: str = "") -> list[dict]:
    """Every numeric field that has a min/max companion (a timed figure), from every row."""
    out = []
    if isinstance(doc, dict):
        label = _label(doc)
        for k, v in doc.items():
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                rk = _range_keys(k, doc)
                if rk and not k.endswith(("_min", "_max")):
                    lo, hi = sorted((doc[rk[0]], doc[rk[1]]))
                    out.append({"benchmark": name, "section": path, "label": label,
                                "figure": k, "median": v, "min": lo, "max": hi})
            elif isinstance(v, (dict, list)) and k != "machine":
                out += extract_figures(name, v, f"{path}.{k}" if path else k)
    elif isinstance(doc, list):
        for item in doc:
            out += extract_figures(name, item, path)
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="a short pass of every benchmark")
    p.add_argument("--only", default="", help="comma-separated names to run (sim,train,...)")
    p.add_argument("--skip", default="", help="comma-separated names to leave out")
    p.add_argument("--repeats", type=int, default=None, help="passed on to every benchmark")
    p.add_argument("--timeout", type=float, default=None, help="seconds allowed per benchmark")
    p.add_argument("--combine", action="store_true",
                   help="run nothing: write all.json from the results/bench_*.json on disk")
    args = p.parse_args()

    names = discover()
    if args.only:
        want = {s.strip().removeprefix("bench_") for s in args.only.split(",") if s.strip()}
        names = [n for n in names if n in want]
    skip = {s.strip().removeprefix("bench_") for s in args.skip.split(",") if s.strip()}
    names = [n for n in names if n not in skip]

    info = machine_info()
    print_machine(info)
    out = RESULTS_DIR / "all.json"
    # a partial run (--only, --skip) keeps the other benchmarks' results of the last all.json
    previous = {}
    if (args.only or args.skip) and out.exists():
        previous = json.loads(out.read_text())
    if args.combine:
        names = []
    print(f"# benchmarks: {', '.join(names) or '(none: combining)'}{' (quick)' if args.quick else ''}",
          flush=True)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    results = dict(previous.get("benchmarks", {}))
    runs = [r for r in previous.get("runs", []) if r["benchmark"].removeprefix("bench_") not in names]
    failed = [f for f in previous.get("failed", []) if f.removeprefix("bench_") not in names]
    if args.combine:
        for jpath in sorted(RESULTS_DIR.glob("bench_*.json")):
            if jpath.stem.removeprefix("bench_") in discover():
                results[jpath.stem] = json.loads(jpath.read_text())
                runs.append({"benchmark": jpath.stem, "seconds": None, "status": 0})
    t_all = time.perf_counter()
    for n in names:
        script = BENCH_DIR / f"bench_{n}.py"
        cmd = [sys.executable, str(script)] + (["--quick"] if args.quick else [])
        if args.repeats is not None:
            cmd += ["--repeats", str(args.repeats)]
        print(f"\n{'=' * 100}\n== bench_{n}\n{'=' * 100}", flush=True)
        jpath = RESULTS_DIR / f"bench_{n}.json"
        before = jpath.stat().st_mtime if jpath.exists() else None
        t0 = time.perf_counter()
        try:
            rc = subprocess.run(cmd, cwd=str(REPO_ROOT), env=env, timeout=args.timeout).returncode
        except subprocess.TimeoutExpired:
            rc = "timeout"
        dt = time.perf_counter() - t0
        runs.append({"benchmark": f"bench_{n}", "seconds": dt, "status": rc})
        fresh = jpath.exists() and jpath.stat().st_mtime != before
        if rc != 0 or not fresh:
            failed.append(f"bench_{n}")
            print(f"!! bench_{n} failed ({'exit ' + str(rc) if rc != 0 else 'no results written'})",
                  flush=True)
        if fresh:
            results[f"bench_{n}"] = json.loads(jpath.read_text())

    figures = []
    for name, doc in results.items():
        figures += extract_figures(name, {k: v for k, v in doc.items() if k != "machine"})
    combined = {
        "machine": {k: info.get(k) for k in ("cpu", "cores", "usable_cores", "platform", "time", "git")},
        "versions": versions(results), "quick": args.quick, "runs": runs, "failed": failed,
        "total_seconds": time.perf_counter() - t_all, "figures": figures, "benchmarks": results,
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(combined, indent=1, default=float) + "\n")
    os.replace(tmp, out)
    print(f"\n{'=' * 100}")
    for r in runs:
        secs = "    (on disk)" if r["seconds"] is None else f"{r['seconds']:7.1f} s"
        print(f"  {r['benchmark']:<18} {secs}  {'ok' if r['status'] == 0 else r['status']}")
    print(f"wrote {out} ({len(figures)} figures, {combined['total_seconds']:.0f} s)")
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

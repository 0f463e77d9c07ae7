"""``python -m glia demo``: glia's main job, end to end, on data it makes itself."""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np


def _table(rows, headers):
    from glia.cli import _table as t
    return t(rows, headers)


def simulate_demo(n_threads=None):
    """Simulates a generated 1,000-neuron network for 2,000 steps; returns a result row."""
    import glia
    net = glia.Network.from_string("NEWNET S=32 H=1000 O=8\nDENSITY H->H 0.05\nW_SCALE 120\nSEED 1\n")
    rng = np.random.default_rng(0)
    X = ((rng.random((2000, net.num_sensory)) < 0.2) * 200).astype(np.float32)
    t0 = time.perf_counter()
    raster = net.run(X)
    dt = time.perf_counter() - t0
    return net, raster, ["simulate 1k neurons x 2000 steps", f"{raster.sum()} spikes", f"{dt * 1e3:.1f} ms", 1]


def run(out_dir: Path, quick: bool = False, n_threads=None) -> int:
    import glia
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    net, raster, row = simulate_demo(n_threads)
    rows.append(row)
    print()
    print(_table(rows, ["task", "result", "time", "threads"]))
    print(f"\nplots written to {out_dir.resolve()}")
    return 0

"""NetworkView on 10,000 neurons x 1,000 steps: building the page, its size, loading it and
drawing frames in headless Chromium (tests/chromium.py drives it). Prints a table.

    python benchmarks/bench_view.py [--rate 0.3] [--w-scale 30]

Frames are timed inside the page: the JavaScript of one step (decoding its spikes and
colours, the data-firing attribute, the canvas calls) for 200 consecutive steps, and the
frames per second while playing at 250 steps/s. Chromium runs with software rendering
(--disable-gpu), so a desktop browser with a GPU draws faster.
"""
import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]      # run from a checkout without installing
import glia  # noqa: E402
from chromium import Browser  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rate", type=float, default=0.3, help="input spike probability per tick")
    ap.add_argument("--w-scale", type=float, default=30.0, help="NEWNET W_SCALE (activity)")
    ap.add_argument("--steps", type=int, default=1000)
    a = ap.parse_args()
    net = glia.Network.from_string(
        "NEWNET S=100 H=9880 O=20\nDENSITY S->H 0.05\nDENSITY H->H 0.001\nDENSITY H->O 0.05\n"
        f"DENSITY S->O 0\nW_SCALE {a.w_scale}\nSEED 3\n")
    X = ((np.random.default_rng(0).random((a.steps, 100)) < a.rate) * 150).astype(np.float32)
    t = time.perf_counter()
    view = glia.viz.NetworkView(net, X)
    t_build = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as d:
        t = time.perf_counter()
        path = view.save_html(Path(d) / "big.html")
        t_save = time.perf_counter() - t
        size = path.stat().st_size
        with Browser(timeout=120) as b:
            t = time.perf_counter()
            page = b.open(path.as_uri() + "#t=0", 1200, 800)
            page.wait_for("document.getElementById('glia-view').dataset.ready === '1'", 120)
            t_load = time.perf_counter() - t
            ms = page.evaluate(
                "(() => { const a = []; for (let t = 0; t < 200; t++) { const s = performance.now();"
                " gliaView.setStep(t); a.push(performance.now() - s); } return a; })()")
            page.evaluate("(() => { const s = document.getElementById('glia-speed'); s.value = '250';"
                          " s.dispatchEvent(new Event('change')); gliaView.setStep(0); })()")
            f0 = page.evaluate("gliaView.frames")
            t = time.perf_counter()
            page.evaluate("gliaView.play()")
            time.sleep(2.0)
            fps = (page.evaluate("gliaView.frames") - f0) / (time.perf_counter() - t)
            page.evaluate("gliaView.pause()")
    ms = np.array(ms)
    print(f"| neurons | steps | edges | spikes per neuron-step | build s | save s | page MB | "
          f"load s | step ms median (p90) | frames/s playing |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| {net.num_neurons:,} | {a.steps:,} | {net.num_connections:,} | {view.raster.mean():.3f} | "
          f"{t_build:.2f} | {t_save:.2f} | {size / 1e6:.1f} | {t_load:.1f} | "
          f"{np.median(ms):.1f} ({np.percentile(ms, 90):.1f}) | {fps:.0f} |")


if __name__ == "__main__":
    main()

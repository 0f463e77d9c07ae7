"""``python -m glia demo``: glia's main job, end to end, on data it makes itself.

1. trains XOR to 4/4;
2. trains scikit-learn's digits (Poisson-encoded) to its target accuracy;
3. evolves a population of three-class networks, scored in parallel;
4. simulates a generated 1,000-neuron network;

then prints a table (task, result, time, threads) and writes plots into a folder.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from glia._util import text_table as _table

__all__ = ["run"]


def _say(msg):
    print(msg, flush=True)


def _xor(glia, D, viz, out, nt, quick):
    _say("[1/4] XOR with the rate-gradient trainer")
    x = D.xor()
    net = D.xor_network()
    tr = glia.Trainer(net, glia.create_config(**D.XOR_CONFIG))
    t0 = time.perf_counter()
    hist = tr.train(x, epochs=100, n_threads=nt)
    dt = time.perf_counter() - t0
    r = tr.evaluate_dataset(x)
    viz.plot_training_history(hist, save_path=out / "xor_training.png")
    viz.plot_network_graph(net, save_path=out / "xor_network.png")
    net.save(out / "xor_trained.net")
    return r["correct"] == 4, ["XOR (4 patterns)", f"{r['correct']}/4 correct", f"{dt:.2f} s", nt]


def _digits(glia, D, viz, out, nt, quick):
    _say("[2/4] scikit-learn digits (8x8, Poisson-encoded over 64 inputs)")
    try:
        train, test = D.digits()
    except ImportError as e:
        _say(f"      skipped: {e}")
        return False, ["digits", "needs scikit-learn", "-", nt]
    if quick:
        train = train[:400]
    net = D.digits_network()
    tr = glia.Trainer(net, glia.create_config(**D.DIGITS_CONFIG))
    epochs = 5 if quick else 30
    t0 = time.perf_counter()
    hist = tr.train(train, epochs=epochs, n_threads=nt, lr_schedule=None)
    dt = time.perf_counter() - t0
    r = tr.evaluate_dataset(test, n_threads=nt)
    target = 0.80 if quick else 0.92
    viz.plot_training_history(hist, save_path=out / "digits_training.png")
    viz.plot_confusion_matrix(test, r["predictions"], labels=[f"O{k}" for k in range(10)],
                              save_path=out / "digits_confusion.png")
    viz.plot_weight_distribution(net, save_path=out / "digits_weights.png")
    return r["accuracy"] >= target, [f"digits ({len(train)} train / {len(test)} test)",
                                     f"{100 * r['accuracy']:.1f}% test accuracy", f"{dt:.2f} s", nt]


def _evolution(glia, D, viz, out, nt, quick):
    _say("[3/4] evolution: a population of three-class networks, scored in parallel")
    data = D.three_class(n_per_class=30 if quick else 60, seed=1)
    train3, val3 = data.split(0.7, seed=0)
    evo = glia.Evolution(D.three_class_network(), train3, val3,
                         glia.create_config(**D.THREE_CLASS_GRADIENT_CONFIG),
                         glia.create_evo_config(population=8 if quick else 16,
                                                generations=3 if quick else 8,
                                                elite=2, train_epochs=2, sigma_w=0.1, seed=3))
    t0 = time.perf_counter()
    res = evo.run(n_threads=nt)
    dt = time.perf_counter() - t0
    viz.plot_evolution_result(res, save_path=out / "evolution.png")
    viz.plot_lineage(res.lineage, save_path=out / "lineage.png")
    res.best_genome.save(out / "evolved_best.net")
    return res.best_metrics.accuracy >= 0.9, [
        f"evolution ({evo.config.population} x {evo.config.generations} generations)",
        f"{100 * res.best_metrics.accuracy:.1f}% validation accuracy", f"{dt:.2f} s", nt]


def _simulation(glia, D, viz, out, nt, quick):
    _say("[4/4] simulation of a generated 1,000-neuron network")
    big = glia.Network.from_string("NEWNET S=32 H=1000 O=8\nDENSITY H->H 0.05\nW_SCALE 12\nSEED 1\n")
    rng = np.random.default_rng(0)
    T = 500 if quick else 5000
    X = ((rng.random((T, big.num_sensory)) < 0.2) * 200).astype(np.float32)
    t0 = time.perf_counter()
    raster = big.run(X)
    dt = time.perf_counter() - t0
    viz.plot_neuron_activity(raster[:300], neuron_ids=big.neuron_ids, save_path=out / "raster.png")
    return True, [f"simulate {big.num_neurons} neurons, {big.num_connections} edges",
                  f"{T / dt:,.0f} steps/s, {int(raster.sum()):,} spikes", f"{dt * 1e3:.0f} ms", 1]


def run(out_dir: Path = Path("glia_demo_output"), quick: bool = False, n_threads=None) -> int:
    """Runs the demo; returns 0 when every task reached its target, else 1."""
    import glia
    from glia import datasets as D
    from glia import viz

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    nt = glia.effective_n_threads(n_threads)
    rows, ok = [], True
    glia.show_config()
    print()
    for task in (_xor, _digits, _evolution, _simulation):
        reached, row = task(glia, D, viz, out, nt, quick)
        ok &= reached
        rows.append(row)

    print()
    print(_table(rows, ["task", "result", "time", "threads"]))
    print(f"\nplots and networks written to {out.resolve()}")
    if not ok:
        print("some task missed its target", flush=True)
    return 0 if ok else 1

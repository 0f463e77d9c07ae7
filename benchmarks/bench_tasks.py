"""The task suite: held-out accuracy of each trainer with its defaults on each task of
``glia.datasets.TASKS``, on networks from ``glia.networks.layered``.

For every (trainer, task): the task's splits (``glia.datasets.task``: 60 % train, 20 %
validation, 20 % test), a network from ``glia.networks.layered(**task.network,
seed=seed)``, the trainer with ``glia.create_config(**episode)`` (the
defaults plus the task's episode timing), ``EPOCHS`` epochs, then the test accuracy and
the training wall time. Trainers: ``Trainer`` (the default: rate gradient), ``RateGDTrainer``
(the same rule by its own name) and ``SurrogateTrainer``; the reward-modulated trainer
is ``Trainer(use_gradient=False)`` and reported too. Tasks a trainer cannot learn (timing
only, for a rate trainer) are printed and reported, marked "cannot".

Prints the table and writes results/bench_tasks.json. Targets are reported, never asserted.

    python benchmarks/bench_tasks.py [--quick] [--seeds N] [--no-json]
"""
from __future__ import annotations

import json
import time
import warnings

import numpy as np

from _common import make_parser, print_table, write_json

import glia

D = glia.datasets

#: Epochs per task (the same for every trainer).
EPOCHS = {"xor": 30, "three_class": 30, "digits": 10, "temporal_order": 30,
          "rate_intensity": 30, "delayed_recall": 30, "randman": 30}
#: Tasks whose classes differ only in spike timing: a rate trainer cannot learn them.
TIMING_ONLY = {"temporal_order", "randman"}
TRAINERS = {
    "Trainer": lambda net, cfg: glia.Trainer(net, cfg),
    "RateGDTrainer": lambda net, cfg: glia.RateGDTrainer(net, cfg),
    "SurrogateTrainer": lambda net, cfg: glia.SurrogateTrainer(net, cfg),
    "Hebbian": lambda net, cfg: glia.Trainer(net, cfg, use_gradient=False),
}


def run(trainer: str, name: str, seed: int = 0, epochs: int | None = None, **overrides) -> dict:
    """One (trainer, task) run: test and validation accuracy, seconds of training."""
    t = D.task(name, seed=seed)
    train, val, test = t.train, t.validation, t.test
    net = glia.networks.layered(**t.network, seed=seed)
    tr = TRAINERS[trainer](net, glia.create_config(**t.episode, **overrides))
    t0 = time.perf_counter()
    tr.train(train, epochs=EPOCHS[name] if epochs is None else epochs, verbose=False)
    secs = time.perf_counter() - t0
    te, va = tr.evaluate_dataset(test), tr.evaluate_dataset(val)
    return {"trainer": trainer, "task": name, "seed": seed, "test": te["accuracy"],
            "val": va["accuracy"], "test_ties": te["ties"], "seconds": secs}


def main():
    parser = make_parser(__doc__)
    parser.add_argument("--seeds", type=int, default=3, help="seeds per (trainer, task)")
    parser.add_argument("--trainers", default=",".join(TRAINERS))
    parser.add_argument("--tasks", default=",".join(D.TASKS))
    parser.add_argument("--config", default="{}",
                        help="JSON of create_config overrides (default: none, the defaults)")
    args = parser.parse_args()
    overrides = json.loads(args.config)
    seeds = 1 if args.quick else args.seeds
    warnings.simplefilter("ignore", RuntimeWarning)   # silent outputs show as ties
    rows, raw = [], []
    for name in args.tasks.split(","):
        for trainer in args.trainers.split(","):
            runs = [run(trainer, name, seed, **overrides) for seed in range(seeds)]
            raw += runs
            acc = [r["test"] for r in runs]
            cannot = trainer != "SurrogateTrainer" and name in TIMING_ONLY
            rows.append({"trainer": trainer, "task": name,
                         "test_mean": float(np.mean(acc)), "test_min": float(np.min(acc)),
                         "ties": float(np.mean([r["test_ties"] for r in runs])),
                         "seconds": float(np.mean([r["seconds"] for r in runs])),
                         "note": "cannot (timing only)" if cannot else ""})
            print(f"{trainer:16s} {name:15s} test {np.mean(acc):.3f} (min {np.min(acc):.3f}) "
                  f"{rows[-1]['seconds']:.2f}s {rows[-1]['note']}", flush=True)
    print_table(rows, ["trainer", "task", "test_mean", "test_min", "ties", "seconds", "note"],
                title=f"held-out (test) accuracy after training with defaults, {seeds} seed(s)")
    if not args.no_json:
        write_json("bench_tasks", {"rows": rows, "runs": raw, "epochs": EPOCHS,
                                   "config": overrides})


if __name__ == "__main__":
    main()

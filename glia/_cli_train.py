"""``glia train`` and ``glia evolve``: train or evolve a ``.net`` on a folder of ``.seq``
files, with JSON configs in glia's or GliaGL's layout."""
from __future__ import annotations

import json
import time
from pathlib import Path

from glia.config import TRAINERS


def _load_data(data_dir, pattern, val_fraction, seed):
    import glia
    ds = glia.load_dataset_from_directory(data_dir, pattern=pattern)
    if val_fraction <= 0:
        return ds, ds
    return ds.split(1.0 - val_fraction, seed=seed)


def _load_json(path):
    if path is None:
        return None
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"No such config file: '{path}'")
    try:
        return json.loads(p.read_text())
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}: not valid JSON ({e})") from None


def cmd_train(args) -> int:
    import glia
    net = glia.Network.from_file(args.net)
    cfg_doc = _load_json(args.config)
    cfg = glia.TrainingConfig.from_dict(cfg_doc) if cfg_doc else glia.TrainingConfig()
    train, val = _load_data(args.data_dir, args.pattern, args.val_fraction, args.seed)
    tr = glia.Trainer(net, cfg, method=args.trainer)
    t0 = time.perf_counter()
    tr.train(train, epochs=args.epochs, num_threads=args.threads, lr_schedule=args.lr_schedule)
    dt = time.perf_counter() - t0
    r = tr.evaluate_dataset(val, num_threads=args.threads)
    out = Path(args.out) if args.out else Path(args.net).with_name(Path(args.net).stem + "_trained.net")
    net.save(out)
    print(f"trained {args.epochs} epochs in {dt:.2f} s; validation accuracy "
          f"{100 * r['accuracy']:.1f}% ({r['correct']}/{r['total']}), margin {r['margin']:.3f}")
    print(f"saved {out}")
    if args.history:
        Path(args.history).write_text(json.dumps(tr.history, indent=2))
    return 0


def cmd_evolve(args) -> int:
    import glia
    train, val = _load_data(args.data_dir, args.pattern, args.val_fraction, args.seed)
    evo_doc = _load_json(args.config) or {}
    tc_doc = _load_json(args.train_config)
    tcfg = glia.TrainingConfig.from_dict(tc_doc) if tc_doc else glia.TrainingConfig()
    ecfg = glia.EvolutionConfig.from_dict(evo_doc) if evo_doc else glia.EvolutionConfig()
    evo = glia.Evolution(args.net, train, val, tcfg, ecfg)
    t0 = time.perf_counter()
    res = evo.run(num_threads=args.threads)
    dt = time.perf_counter() - t0
    out = Path(args.out) if args.out else Path(args.net).with_name(Path(args.net).stem + "_evolved.net")
    res.best_genome.save(out)
    m = res.best_metrics
    print(f"{res.generations} generations in {dt:.2f} s; best fitness {m.fitness:.4f}, "
          f"accuracy {100 * m.accuracy:.1f}%, margin {m.margin:.3f}, {m.edges} edges")
    print(f"saved {out}")
    if args.plot:
        glia.plot_evolution_result(res, save_path=args.plot)
        print(f"plot written to {args.plot}")
    return 0


def add_commands(sub, positive_int) -> None:
    def common(p):
        p.add_argument("net", help="the .net file to start from")
        p.add_argument("data_dir", help="folder of .seq files named class<k>_*.seq (target O<k>)")
        p.add_argument("--pattern", default="*.seq", help="file pattern (default: %(default)s)")
        p.add_argument("--val-fraction", type=float, default=0.25,
                       help="share held out for validation (default: %(default)s; 0: validate on the training set)")
        p.add_argument("--seed", type=int, default=0, help="seed of the train/validation split")
        p.add_argument("--threads", type=positive_int, default=None)
        p.add_argument("--out", default=None, help="where to save the resulting .net")

    t = sub.add_parser("train", help="train a .net on a folder of .seq files")
    common(t)
    t.add_argument("--config", default=None, help="TrainingConfig JSON (glia's or GliaGL's layout)")
    t.add_argument("--epochs", type=positive_int, default=10)
    t.add_argument("--trainer", choices=list(TRAINERS), default="gradient")
    t.add_argument("--lr-schedule", choices=["cosine", "step"], default=None)
    t.add_argument("--history", default=None, help="write the training history as JSON here")
    t.set_defaults(func=cmd_train)

    e = sub.add_parser("evolve", help="evolve a population from a .net on a folder of .seq files")
    common(e)
    e.add_argument("--config", default=None, help="EvolutionConfig JSON")
    e.add_argument("--train-config", default=None, help="TrainingConfig JSON for the inner trainer")
    e.add_argument("--plot", default=None, help="save the evolution plot (PNG) here")
    e.set_defaults(func=cmd_evolve)

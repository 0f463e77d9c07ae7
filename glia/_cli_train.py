"""``glia train`` and ``glia evolve``: train or evolve a ``.net`` on a folder of ``.seq``
files, with JSON configs in glia's or GliaGL's layout."""
from __future__ import annotations

import json
import time
from pathlib import Path

from glia.config import TRAINERS


def _load_data(args):
    """(train, validation) from the command's data_dir, --pattern, --labels,
    --val-fraction and --seed; every error names the option to change."""
    import glia
    from glia.data import read_labels_csv, target_from_name
    d = Path(args.data_dir)
    if not d.is_dir():
        raise FileNotFoundError(f"data_dir: no such folder: '{args.data_dir}'")
    labels = Path(args.labels) if args.labels else d / "labels.csv"
    if args.labels and not labels.is_file():
        raise FileNotFoundError(f"--labels: no such file: '{args.labels}'")
    if labels.is_file():
        table = read_labels_csv(labels)

        def target(name):
            t = table.get(name, table.get(Path(name).stem))
            if t is None:
                raise ValueError(f"{labels} has no row for '{name}' (--labels: a CSV of "
                                 "'file,label' rows)")
            return t
    else:
        def target(name):
            t = target_from_name(name)
            if t is None:
                raise ValueError(f"cannot infer the target of '{name}': name files like "
                                 "'class<k>_….seq' or give --labels (a CSV of 'file,label' rows; "
                                 "default: labels.csv in data_dir)")
            return t
    try:
        ds = glia.load_dataset_from_directory(d, pattern=args.pattern, target_mapping=target)
    except ValueError as e:
        if str(e).startswith("no files match"):
            raise ValueError(f"{e} (--pattern)") from None
        raise
    if args.val_fraction <= 0:
        return ds, ds
    return ds.split(1.0 - args.val_fraction, seed=args.seed)


def _load_json(path, option):
    if path is None:
        return None
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"{option}: no such config file: '{path}'")
    try:
        return json.loads(p.read_text())
    except json.JSONDecodeError as e:
        raise ValueError(f"{option} {path}: not valid JSON ({e})") from None


def _config(cls, doc, option, path):
    """A ``cls`` from a JSON document (glia's or GliaGL's layout, as ``cls.from_dict``);
    an error names the option and file it came from."""
    if doc is None:
        return cls()
    if not isinstance(doc, dict):
        raise TypeError(f"{option} {path}: expected a JSON object, got {type(doc).__name__}")
    where = f"{option} {path}"
    try:
        return cls._read(doc, where)
    except (TypeError, ValueError, KeyError) as e:
        msg = str(e.args[0] if isinstance(e, KeyError) and e.args else e)
        if msg.startswith(where):
            raise
        raise type(e)(f"{where}: {msg}") from None


def written(option, path, write):
    """Runs ``write()``; an OSError (a missing folder, no permission) names ``option``."""
    try:
        return write()
    except OSError as e:
        raise OSError(f"{option} {path}: cannot write ({e.strerror or e})") from None


def _fraction(text):
    import argparse
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1), got {text!r}") from None
    if not 0.0 <= v < 1.0:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1), got {v}")
    return v


def cmd_train(args) -> int:
    import glia
    net = glia.Network.from_file(args.net)
    cfg = _config(glia.TrainingConfig, _load_json(args.config, "--config"), "--config", args.config)
    train, val = _load_data(args)
    tr = glia.Trainer(net, cfg, method=args.trainer)
    t0 = time.perf_counter()
    tr.train(train, epochs=args.epochs, n_threads=args.threads, lr_schedule=args.lr_schedule)
    dt = time.perf_counter() - t0
    r = tr.evaluate_dataset(val, n_threads=args.threads)
    out = Path(args.out) if args.out else Path(args.net).with_name(Path(args.net).stem + "_trained.net")
    written("--out", out, lambda: net.save(out))
    print(f"trained {args.epochs} epochs in {dt:.2f} s; validation accuracy "
          f"{100 * r['accuracy']:.1f}% ({r['correct']}/{r['total']}), margin {r['margin']:.3f}")
    print(f"saved {out}")
    if args.history:
        written("--history", args.history,
                lambda: Path(args.history).write_text(json.dumps(tr.history, indent=2)))
    return 0


def cmd_evolve(args) -> int:
    import glia
    train, val = _load_data(args)
    tcfg = _config(glia.TrainingConfig, _load_json(args.train_config, "--train-config"),
                   "--train-config", args.train_config)
    ecfg = _config(glia.EvolutionConfig, _load_json(args.config, "--config"), "--config", args.config)
    evo = glia.Evolution(args.net, train, val, tcfg, ecfg)
    t0 = time.perf_counter()
    res = evo.run(n_threads=args.threads)
    dt = time.perf_counter() - t0
    out = Path(args.out) if args.out else Path(args.net).with_name(Path(args.net).stem + "_evolved.net")
    written("--out", out, lambda: res.best_genome.save(out))
    m = res.best_metrics
    print(f"{res.generations} generations in {dt:.2f} s; best fitness {m.fitness:.4f}, "
          f"accuracy {100 * m.accuracy:.1f}%, margin {m.margin:.3f}, {m.edges} edges")
    print(f"saved {out}")
    if args.plot:
        written("--plot", args.plot, lambda: glia.plot_evolution_result(res, save_path=args.plot))
        print(f"plot written to {args.plot}")
    return 0


def add_commands(sub, positive_int) -> None:
    def common(p):
        p.add_argument("net", help="the .net file to start from")
        p.add_argument("data_dir", help="folder of .seq files named class<k>_*.seq (target O<k>), "
                                        "or listed in --labels")
        p.add_argument("--pattern", default="*.seq", help="file pattern (default: %(default)s)")
        p.add_argument("--labels", default=None,
                       help="CSV of 'file,label' rows giving each file's target (an output id "
                            "such as O3, or a class index); default: labels.csv in data_dir")
        p.add_argument("--val-fraction", type=_fraction, default=0.25,
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

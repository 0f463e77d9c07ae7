"""glia's command line: ``glia demo``, ``glia info``, ``glia train``, ``glia evolve``, ``glia bench``.

Bad arguments print a usage message and exit with status 2, never a traceback.
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from glia._util import text_table as _table

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def cmd_info(args) -> int:
    from glia._info import show_config
    show_config()
    return 0


def cmd_demo(args) -> int:
    from glia import demo
    from glia._cli_train import written
    out = Path(args.out)
    written("--out", out, lambda: out.mkdir(parents=True, exist_ok=True))
    return demo.run(out_dir=out, quick=args.quick, n_threads=args.threads)


def cmd_bench(args) -> int:
    import runpy
    root = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"
    if not root.exists():
        print("glia bench: the benchmarks/ folder is not part of this installation; "
              "run it from a source checkout", file=sys.stderr)
        return 2
    sys.argv = [str(root)] + (["--quick"] if args.quick else [])
    runpy.run_path(str(root), run_name="__main__")
    return 0


def _positive_int(text):
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if v <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {v}")
    return v


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="glia", description="glia: fast spiking neural networks.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    d = sub.add_parser("demo", help="train XOR and digits, evolve a population, write plots")
    d.add_argument("--out", default="glia_demo_output", help="folder for plots (default: %(default)s)")
    d.add_argument("--quick", action="store_true", help="smaller sizes (a few seconds)")
    d.add_argument("--threads", type=_positive_int, default=None, help="threads to use (default: all)")
    d.set_defaults(func=cmd_demo)
    i = sub.add_parser("info", help="version, compiler, OpenMP and thread facts")
    i.set_defaults(func=cmd_info)
    b = sub.add_parser("bench", help="run the benchmark suite (from a source checkout)")
    b.add_argument("--quick", action="store_true")
    b.set_defaults(func=cmd_bench)
    try:
        from glia import _cli_train
        _cli_train.add_commands(sub, _positive_int)
    except ImportError:
        pass
    return p


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help(sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (OSError, ValueError, KeyError, TypeError) as e:
        msg = e.args[0] if isinstance(e, KeyError) and e.args else e
        print(f"glia {args.command}: error: {msg}", file=sys.stderr)
        return 1

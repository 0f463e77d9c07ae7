"""Prints the test requirements from pyproject.toml (the dependencies and the ``test`` extra),
one per line, leaving out those of the extras named by ``--without`` (e.g. ``notebooks``:
CI's free-threaded run installs everything but the Jupyter stack).

    python tools/test_requirements.py [--without EXTRA ...]
"""
import argparse
import tomllib
from pathlib import Path


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--without", nargs="*", default=[], metavar="EXTRA")
    args = parser.parse_args()
    project = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    unknown = [e for e in args.without if e not in extras]
    if unknown:
        parser.error(f"--without: no such extra {unknown} (extras: {sorted(extras)})")
    left_out = {r for e in args.without for r in extras[e]}
    for req in project["dependencies"] + extras["test"]:
        if req not in left_out:
            print(req)


if __name__ == "__main__":
    main()

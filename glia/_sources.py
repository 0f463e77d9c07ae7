"""Source lines of glia's Cython frames in tracebacks, from any working folder.

Cython names the file of a frame by its path relative to the folder the build ran in:
the package path, ``glia/_network.pxi``. Python's ``linecache`` (through which the
traceback module, pdb and IPython read source lines) is meant to find such a name on
``sys.path``, but for a frame of an extension module it first asks the module's loader,
gets no source (an extension module's loader has none) and gives up before searching
(CPython issue #76978, bpo-32797). So every Cython frame of a traceback showed no source
line (Jupyter: "Could not get source") unless Python ran in the folder the build ran in.
No Cython option names the sources otherwise (Cython 3 writes every path relative to the
build folder).

linecache's public answer for sources it cannot find on disk is
:func:`linecache.lazycache`: a loader that gives the text when a traceback first needs it.
:func:`register` gives it one for each of glia's Cython sources, under the name the frames
carry. Nothing is read until a traceback asks; names of other packages are untouched.
"""
from __future__ import annotations

import linecache
from pathlib import Path

_SUFFIXES = (".pyx", ".pxi", ".pxd")


class _SourceFile:
    """The loader linecache.lazycache asks for: ``get_source`` gives one file's text."""

    def __init__(self, path: Path):
        self.path = path

    def get_source(self, name: str) -> str | None:
        try:
            return self.path.read_text(encoding="utf-8")
        except OSError:
            return None


def register() -> None:
    """Registers glia's Cython sources (the ``.pyx``, ``.pxi`` and ``.pxd`` files next to
    this module) with linecache under the names Cython gives them (``glia/<file>``)."""
    here = Path(__file__).resolve().parent
    for path in sorted(here.iterdir()):
        if path.suffix in _SUFFIXES:
            name = f"{here.name}/{path.name}"
            linecache.lazycache(name, {"__name__": name, "__loader__": _SourceFile(path)})

"""Small helpers shared by the pure-Python modules."""
from __future__ import annotations

import sys


def progress_bar(**kwargs):
    """A tqdm progress bar (``tqdm.auto``: a widget in notebooks), imported on first use.

    Ctrl-C during that first import (it pulls in asyncio) would leave half-initialised
    modules in ``sys.modules``, and every later import of them would then fail with a
    NameError: an interrupted import removes what it added before the KeyboardInterrupt
    propagates, so the next call imports afresh."""
    before = set(sys.modules)
    try:
        from tqdm.auto import tqdm
    except BaseException:
        for name in set(sys.modules) - before:
            sys.modules.pop(name, None)
        raise
    return tqdm(**kwargs)

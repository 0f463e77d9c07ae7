"""Small helpers shared by the pure-Python modules."""
from __future__ import annotations

import _thread
import functools
import sys

from glia._core import _KeepInterrupts


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


def _redeliver_interrupts(unraisable):
    """sys.unraisablehook while a glia call runs: a KeyboardInterrupt that CPython had to
    swallow is delivered to the main thread again, then the previous hook reports it."""
    if unraisable.exc_type is not None and issubclass(unraisable.exc_type, KeyboardInterrupt):
        _thread.interrupt_main()
    (_KEEP.previous or sys.__unraisablehook__)(unraisable)


# the bookkeeping of which calls run is C code (_core._KeepInterrupts): a KeyboardInterrupt
# landing between a count and the block it guards would leave the hook installed
_KEEP = _KeepInterrupts(_redeliver_interrupts)


def keeps_interrupts(fn):
    """Decorator of glia's long calls: Ctrl-C is never lost while they run.

    Python runs a pending signal's handler in whatever Python code runs next, and that may
    be a garbage-collector callback (hypothesis registers one, for example) or a finalizer,
    which run at any allocation: there the KeyboardInterrupt is "unraisable", printed and
    dropped, and the call goes on as if Ctrl-C had never been pressed. While a decorated
    call runs, such a KeyboardInterrupt is delivered again (``_thread.interrupt_main``), so
    the call stops at its next check. The previous ``sys.unraisablehook`` still sees it."""
    @functools.wraps(fn)
    def call(*args, **kwargs):
        with _KEEP:
            return fn(*args, **kwargs)
    return call


def text_table(rows, headers) -> str:
    """``rows`` under ``headers`` as a plain-text table, columns padded to their widest
    cell (the command line's tables)."""
    cols = [headers] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cols) for i in range(len(headers))]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)), line]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in cols[1:]]
    return "\n".join(out)


def n_threads_alias(fn):
    """Decorator: the thread count of a call is ``n_threads`` (as everywhere in glia);
    ``num_threads=``, its earlier name in the trainers, evolution and score_population,
    is accepted as an alias. Giving both is a TypeError."""
    @functools.wraps(fn)
    def call(*args, **kwargs):
        if "num_threads" in kwargs:
            if "n_threads" in kwargs:
                raise TypeError(f"{fn.__name__}() got both n_threads and num_threads (the "
                                "same argument: num_threads is its earlier name)")
            kwargs["n_threads"] = kwargs.pop("num_threads")
        return fn(*args, **kwargs)
    return call

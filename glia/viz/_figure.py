"""Shared pieces of the plots: figures, Axes handling, saving, colours."""
from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, Optional, Union

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

PathLike = Union[str, "os.PathLike[str]"]
AxesArg = Union["Axes", Sequence["Axes"], None]

#: Resolution of saved files, in dots per inch.
DEFAULT_DPI = 120
#: Layouts accepted by :func:`plot_network_graph`.
LAYOUTS = ("layered", "spring", "circular", "shell", "kamada_kawai")
#: Above this many neurons, graphs are drawn without labels, arrows or weight labels.
LABEL_LIMIT = 300

_KIND_NAMES = ("sensory", "hidden", "output")
_KIND_COLORS = ("#8ecae6", "#9bd39b", "#f4a582")
_EXC = "#2a9d3a"
_INH = "#d62728"
_ZERO = "#8c8c8c"


# ---------------------------------------------------------------- figure plumbing
def _is_axes(obj: Any) -> bool:
    from matplotlib.axes import Axes
    return isinstance(obj, Axes)


def _root_figure(ax: "Axes") -> "Figure":
    try:
        return ax.get_figure(root=True)
    except TypeError:  # matplotlib < 3.10
        fig = ax.figure
        while hasattr(fig, "figure") and fig.figure is not fig:
            fig = fig.figure
        return fig


_FIGURE_CLASS = None


def _figure_class():
    """The class of glia's figures: a matplotlib Figure that displays itself once in
    Jupyter.

    Figures are made through pyplot (as pandas' and seaborn's are), so a notebook's inline
    backend shows every figure a cell makes at the end of the cell, also one assigned to a
    name, and ``plt.show()`` / ``plt.close(fig)`` work on them as on any pyplot figure. A
    figure that is also the cell's value would then be drawn twice (once as the value,
    once by the backend); so when the notebook renders a figure that has no window of its
    own (the inline and Agg backends), the figure leaves pyplot's list: it has been shown.
    ``_repr_png_`` renders it where no backend registered its display hooks."""
    global _FIGURE_CLASS
    if _FIGURE_CLASS is None:
        from matplotlib.figure import Figure

        class _GliaFigure(Figure):
            def _repr_mimebundle_(self, include=None, exclude=None):
                _release_if_windowless(self)
                return {}  # the formats themselves come from IPython's Figure formatters

            def _repr_png_(self):
                import io
                buf = io.BytesIO()
                self.savefig(buf, format="png", dpi=100, bbox_inches="tight")
                return buf.getvalue()

        _GliaFigure.__module__ = __name__
        _GliaFigure.__qualname__ = _GliaFigure.__name__
        _FIGURE_CLASS = _GliaFigure
    return _FIGURE_CLASS


def _release_if_windowless(fig: "Figure") -> None:
    """Takes ``fig`` off pyplot's list of open figures when its pyplot manager has no
    window (inline, Agg): rendering it was its showing."""
    import sys
    manager = getattr(fig.canvas, "manager", None)
    plt = sys.modules.get("matplotlib.pyplot")
    if manager is None or plt is None:
        return
    from matplotlib.backend_bases import FigureManagerBase
    if type(manager) is FigureManagerBase:
        plt.close(fig)


def __getattr__(name: str):
    if name == "_GliaFigure":  # lets pickle find the lazily created class
        return _figure_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _new_figure(figsize) -> "Figure":
    """A new figure made through pyplot (see :func:`_figure_class`)."""
    import matplotlib.pyplot as plt
    return plt.figure(figsize=figsize, layout="constrained", FigureClass=_figure_class())


def _axes(ax: AxesArg, n_panels: int, figsize, **gridspec):
    """``(figure, axes, compact)``: new axes, the given single Axes (``compact`` when
    the plot has several panels), or the given sequence of ``n_panels`` Axes."""
    if ax is None:
        fig = _new_figure(figsize)
        axes = fig.subplots(1, n_panels, squeeze=False, gridspec_kw=gridspec or None)[0]
        return fig, list(axes), False
    if _is_axes(ax):
        return _root_figure(ax), [ax], n_panels > 1
    try:
        seq = list(ax)
    except TypeError:
        raise TypeError(f"ax must be a matplotlib Axes or a sequence of Axes, got {type(ax).__name__}") from None
    if len(seq) != n_panels or not all(_is_axes(a) for a in seq):
        raise ValueError(f"ax must be one Axes or a sequence of {n_panels} Axes, got {len(seq)} items")
    return _root_figure(seq[0]), seq, False


def _first_axes(ax: AxesArg):
    """The Axes to use for a one-panel fallback (the first of a sequence)."""
    if ax is None or _is_axes(ax):
        return ax
    seq = list(ax)
    if not seq or not all(_is_axes(a) for a in seq):
        raise ValueError("ax must be one Axes or a sequence of Axes")
    return seq[0]


def _save_path(save_path, output_path):
    if save_path is not None and output_path is not None and save_path != output_path:
        raise ValueError("give save_path or output_path, not both")
    return save_path if save_path is not None else output_path


def _finish(fig: "Figure", save_path, dpi, show: bool) -> "Figure":
    if save_path is not None:
        fig.savefig(os.fspath(save_path), dpi=dpi, bbox_inches="tight")
    if show:
        import matplotlib.pyplot as plt
        plt.show()
    return fig


class FigureOptions(NamedTuple):
    """What every plot takes besides its data and ``ax``: where to save the figure, its
    size (None: the plot's own), the resolution of the saved file, whether to show it."""
    save_path: Optional[PathLike]
    figsize: Optional[tuple]
    dpi: float
    show: bool

    def axes(self, ax: AxesArg, n_panels: int, default_figsize, **gridspec):
        """:func:`_axes` with the given figsize, else ``default_figsize``."""
        return _axes(ax, n_panels, self.figsize or default_figsize, **gridspec)

    def finish(self, fig: "Figure") -> "Figure":
        return _finish(fig, self.save_path, self.dpi, self.show)


_P = inspect.Parameter
_COMMON_POSITIONAL = (_P("save_path", _P.POSITIONAL_OR_KEYWORD, default=None, annotation="Optional[PathLike]"),
                      _P("ax", _P.POSITIONAL_OR_KEYWORD, default=None, annotation="AxesArg"))
_COMMON_KEYWORDS = (_P("figsize", _P.KEYWORD_ONLY, default=None, annotation="Optional[tuple]"),
                    _P("dpi", _P.KEYWORD_ONLY, default=DEFAULT_DPI, annotation="float"),
                    _P("show", _P.KEYWORD_ONLY, default=False, annotation="bool"),
                    _P("output_path", _P.KEYWORD_ONLY, default=None, annotation="Optional[PathLike]"))


def plot_function(fn):
    """Gives a plot the keywords every plot takes. ``fn`` is written as ``fn(<data
    arguments>, *, ax, out, <its own keywords>)``; the public function takes ``<data
    arguments>, save_path=None, ax=None, *, <its own keywords>, figsize=None,
    dpi=DEFAULT_DPI, show=False, output_path=None`` (``output_path`` is GliaGL's name for
    ``save_path``), checks ``dpi`` and passes ``ax`` and ``out`` (:class:`FigureOptions`)."""
    params = list(inspect.signature(fn).parameters.values())
    data = [p for p in params if p.kind is _P.POSITIONAL_OR_KEYWORD]
    own = [p for p in params if p.kind is _P.KEYWORD_ONLY and p.name not in ("ax", "out")]
    public = inspect.signature(fn).replace(parameters=[*data, *_COMMON_POSITIONAL, *own, *_COMMON_KEYWORDS])

    @functools.wraps(fn)
    def plot(*args, **kwargs):
        a = public.bind(*args, **kwargs)
        a.apply_defaults()
        kw = a.arguments
        _check_dpi(kw["dpi"])
        out = FigureOptions(_save_path(kw.pop("save_path"), kw.pop("output_path")),
                            kw.pop("figsize"), kw.pop("dpi"), kw.pop("show"))
        return fn(**kw, out=out)

    plot.__signature__ = public
    return plot


def _note(ax: "Axes", text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="0.4")
    ax.set_xticks([])
    ax.set_yticks([])


def _check_dpi(dpi) -> None:
    if isinstance(dpi, bool) or not isinstance(dpi, (int, float, np.integer, np.floating)) or not dpi > 0:
        raise ValueError(f"dpi must be a positive number, got {dpi!r}")


def _natural_key(x):
    s = str(x)
    head = s.rstrip("0123456789")
    tail = s[len(head):]
    return (head, int(tail) if tail else -1, s)


def _series(values, name: str) -> np.ndarray:
    if values is None:
        return np.zeros(0)
    try:
        a = np.asarray(values, np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a list of numbers") from None
    if a.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {a.shape}")
    return a

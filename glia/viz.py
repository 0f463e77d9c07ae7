"""Plots of networks, weights, spike activity, training and evolution.

Every function returns a :class:`matplotlib.figure.Figure`. Pass ``ax=`` to draw into
an existing Axes (multi-panel plots also take a sequence of Axes, one per panel; a
single Axes gets the compact one-panel version), and ``save_path=`` to write the figure
to a file (PNG unless the extension says otherwise). Figures are created without
pyplot, so nothing is shown or kept alive behind your back: this works headless and in
Jupyter, where the returned figure displays as the cell's output. ``show=True`` creates
the figure through pyplot and calls ``plt.show()``, as a script with a window expects.

matplotlib is imported on first use, so ``import glia`` stays fast. The layouts other
than ``'layered'`` in :func:`plot_network_graph` need networkx.

The names and keywords follow GliaGL's ``glia.viz`` (``plot_network_graph``,
``plot_weight_distribution``, ``plot_training_history``, ``plot_neuron_activity``,
``plot_evolution_result``) and its documented shorthands (``plot_network``,
``plot_weights``, ``plot_activity_raster``, ``output_path=``).

Example::

    import glia, glia.viz as viz
    net = glia.Network.from_file("xor.net")
    viz.plot_network_graph(net, save_path="xor.png")
    viz.plot_neuron_activity(net, 50, input_pattern={"S0": 120.0}, save_path="raster.png")
"""
from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Optional, Union

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "plot_network_graph",
    "plot_weight_distribution",
    "plot_training_history",
    "plot_neuron_activity",
    "plot_confusion_matrix",
    "plot_evolution_result",
    "plot_lineage",
    "plot_network",
    "plot_weights",
    "plot_activity_raster",
    "LAYOUTS",
    "DEFAULT_DPI",
]

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
    """A Figure subclass that renders itself as PNG in Jupyter even when no pyplot
    backend has registered its display hooks (a registered hook still takes over)."""
    global _FIGURE_CLASS
    if _FIGURE_CLASS is None:
        from matplotlib.figure import Figure

        class _GliaFigure(Figure):
            def _repr_png_(self):
                import io
                buf = io.BytesIO()
                self.savefig(buf, format="png", dpi=100, bbox_inches="tight")
                return buf.getvalue()

        _GliaFigure.__module__ = __name__
        _GliaFigure.__qualname__ = _GliaFigure.__name__
        _FIGURE_CLASS = _GliaFigure
    return _FIGURE_CLASS


def __getattr__(name: str):
    if name == "_GliaFigure":  # lets pickle find the lazily created class
        return _figure_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _new_figure(figsize, show: bool) -> "Figure":
    if show:
        import matplotlib.pyplot as plt
        return plt.figure(figsize=figsize, layout="constrained")
    return _figure_class()(figsize=figsize, layout="constrained")


def _axes(ax: AxesArg, n_panels: int, figsize, show: bool, **gridspec):
    """``(figure, axes, compact)``: new axes, the given single Axes (``compact`` when
    the plot has several panels), or the given sequence of ``n_panels`` Axes."""
    if ax is None:
        fig = _new_figure(figsize, show)
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


def _note(ax: "Axes", text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="0.4")
    ax.set_xticks([])
    ax.set_yticks([])


def _check_dpi(dpi) -> None:
    if isinstance(dpi, bool) or not isinstance(dpi, (int, float, np.integer, np.floating)) or not dpi > 0:
        raise ValueError(f"dpi must be a positive number, got {dpi!r}")


# ---------------------------------------------------------------- network structure
def _network_arrays(network):
    """``(ids, kind, src, dst, w)`` with kind 0/1/2 = sensory/hidden/output."""
    if not hasattr(network, "neuron_ids"):
        raise TypeError(f"expected a glia.Network, got {type(network).__name__}")
    ids = list(network.neuron_ids)
    n = len(ids)
    pos = {nid: i for i, nid in enumerate(ids)}
    if hasattr(network, "edges"):
        src, dst, w = network.edges()
        src = np.asarray(src, np.int64)
        dst = np.asarray(dst, np.int64)
    else:
        f, t, w = network.get_weights()
        src = np.array([pos[x] for x in f], np.int64)
        dst = np.array([pos[x] for x in t], np.int64)
    w = np.asarray(w, np.float64)
    sensory = getattr(network, "sensory_ids", None)
    outputs = getattr(network, "output_ids", None)
    sensory = set(sensory) if sensory is not None else {x for x in ids if str(x).startswith("S")}
    outputs = set(outputs) if outputs is not None else {x for x in ids if str(x).startswith("O")}
    kind = np.ones(n, np.int8)
    for i, nid in enumerate(ids):
        if nid in sensory:
            kind[i] = 0
        elif nid in outputs:
            kind[i] = 2
    return ids, kind, src, dst, w


def _bfs_depth(n: int, seeds: np.ndarray, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Hop distance from the nearest seed along edges (-1 where unreachable)."""
    depth = np.full(n, -1, np.int64)
    if n == 0:
        return depth
    depth[seeds] = 0
    order = np.argsort(src, kind="stable")
    s, d = src[order], dst[order]
    indptr = np.searchsorted(s, np.arange(n + 1))
    frontier, level = seeds, 0
    while frontier.size:
        starts = indptr[frontier]
        counts = indptr[frontier + 1] - starts
        total = int(counts.sum())
        if total == 0:
            break
        offsets = np.repeat(starts - (np.cumsum(counts) - counts), counts) + np.arange(total)
        nb = np.unique(d[offsets])
        nb = nb[depth[nb] < 0]
        level += 1
        depth[nb] = level
        frontier = nb
    return depth


def _layered_positions(kind, src, dst) -> np.ndarray:
    """Columns: sensory, hidden (by hop distance from the sensory neurons), output."""
    n = kind.size
    depth = _bfs_depth(n, np.flatnonzero(kind == 0), src, dst)
    columns = []
    if (kind == 0).any():
        columns.append(np.flatnonzero(kind == 0))
    hidden = np.flatnonzero(kind == 1)
    if hidden.size:
        hd = np.maximum(depth[hidden], 1)
        for level in np.unique(hd):
            columns.append(hidden[hd == level])
    if (kind == 2).any():
        columns.append(np.flatnonzero(kind == 2))
    pos = np.zeros((n, 2))
    for c, members in enumerate(columns):
        m = members.size
        pos[members, 0] = c
        pos[members, 1] = 1.0 - (2.0 * np.arange(m) + 1.0) / m
    return pos


def _nx_positions(layout: str, ids, kind, src, dst, seed) -> np.ndarray:
    try:
        import networkx as nx
    except ImportError:
        raise ImportError(
            f"layout={layout!r} needs networkx (pip install networkx); "
            "layout='layered' works without it") from None
    g = nx.DiGraph()
    g.add_nodes_from(range(len(ids)))
    g.add_edges_from(zip(src.tolist(), dst.tolist()))
    if layout == "spring":
        k = 1.0 / np.sqrt(max(len(ids), 1)) * 2.0
        p = nx.spring_layout(g, k=k, iterations=100, seed=seed)
    elif layout == "circular":
        p = nx.circular_layout(g)
    elif layout == "shell":
        shells = [np.flatnonzero(kind == k).tolist() for k in range(3)]
        p = nx.shell_layout(g, nlist=[s for s in shells if s])
    else:
        p = nx.kamada_kawai_layout(g)
    pos = np.zeros((len(ids), 2))
    for i, xy in p.items():
        pos[i] = xy
    return pos


def plot_network_graph(
    network,
    layout: str = "layered",
    node_size: float = 300,
    show_weights: bool = True,
    save_path: Optional[PathLike] = None,
    ax: Optional["Axes"] = None,
    *,
    max_edges: int = 2000,
    seed: int = 0,
    figsize: Optional[tuple] = None,
    dpi: float = DEFAULT_DPI,
    show: bool = False,
    output_path: Optional[PathLike] = None,
) -> "Figure":
    """Draws the network as a directed graph.

    Nodes are coloured by kind (sensory, hidden, output) and labelled with their ids;
    edges are green when excitatory (w > 0), red when inhibitory (w < 0), grey when
    zero, with width growing with |w|. ``show_weights`` writes each weight on its edge
    (small graphs only).

    ``layout``: ``'layered'`` (default, needs nothing else) puts sensory neurons in the
    first column, hidden neurons in columns by hop distance from the sensory neurons,
    and outputs in the last column; ``'spring'`` (seeded by ``seed``), ``'circular'``,
    ``'shell'`` (one ring per kind) and ``'kamada_kawai'`` use networkx.

    Graphs with more than 300 neurons are drawn without labels or arrow heads, and at
    most ``max_edges`` edges are drawn: the strongest by |w| (the title says so).

    Example::

        fig = viz.plot_network_graph(net, layout="spring", node_size=800,
                                     save_path="network_graph.png")
    """
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; choose one of {', '.join(LAYOUTS)}")
    if isinstance(max_edges, bool) or not isinstance(max_edges, (int, np.integer)) or max_edges < 0:
        raise ValueError(f"max_edges must be an int >= 0, got {max_edges!r}")
    if not node_size > 0:
        raise ValueError(f"node_size must be positive, got {node_size!r}")
    _check_dpi(dpi)
    save_path = _save_path(save_path, output_path)
    ids, kind, src, dst, w = _network_arrays(network)
    n, m = len(ids), w.size
    pos = _layered_positions(kind, src, dst) if layout == "layered" else _nx_positions(layout, ids, kind, src, dst, seed)

    big = n > LABEL_LIMIT
    if figsize is None:
        figsize = (12, 8) if n > 12 else (9, 6)
    fig, (ax,), _ = _axes(ax, 1, figsize, show)

    # Edges: the strongest max_edges of them.
    keep = np.arange(m)
    if m > max_edges:
        keep = np.sort(np.argpartition(-np.abs(w), max_edges - 1)[:max_edges]) if max_edges else keep[:0]
    es, ed, ew = src[keep], dst[keep], w[keep]
    colors = np.where(ew > 0, _EXC, np.where(ew < 0, _INH, _ZERO))
    wmax = float(np.abs(ew).max()) if ew.size else 0.0
    widths = 0.6 + 2.4 * (np.abs(ew) / wmax if wmax > 0 else np.ones_like(ew))
    loop = es == ed
    node_s = float(node_size)
    if big:
        # Shrink the dots so a column (layered) or the whole cloud stays readable.
        crowd = np.bincount(np.unique(pos[:, 0], return_inverse=True)[1]).max() if layout == "layered" else np.sqrt(n)
        room = 72.0 * fig.get_size_inches()[1] * ax.get_position().height * 0.9 / crowd
        node_s = float(np.clip(room * room, 4.0, node_s))
    arrows = not big and int((~loop).sum()) <= 600

    if (~loop).any():
        a, b = es[~loop], ed[~loop]
        if arrows:
            from matplotlib.patches import FancyArrowPatch
            pairs = set(zip(a.tolist(), b.tolist()))
            shrink = np.sqrt(node_s) / 2.0 + 1.0
            for k, (i, j) in enumerate(zip(a.tolist(), b.tolist())):
                rad = 0.15 if (j, i) in pairs else 0.0
                ax.add_patch(FancyArrowPatch(
                    pos[i], pos[j], arrowstyle="-|>", mutation_scale=11,
                    connectionstyle=f"arc3,rad={rad}", shrinkA=shrink, shrinkB=shrink,
                    color=colors[~loop][k], linewidth=widths[~loop][k], alpha=0.75, zorder=1,
                    gid="edge"))
        else:
            from matplotlib.collections import LineCollection
            segs = np.stack([pos[a], pos[b]], axis=1)
            ax.add_collection(LineCollection(
                segs, colors=colors[~loop], linewidths=widths[~loop] * (0.5 if big else 1.0),
                alpha=0.5 if big else 0.75, zorder=1, gid="edges"))
    if loop.any() and not big:
        ax.scatter(pos[es[loop], 0], pos[es[loop], 1], s=node_s * 2.4, facecolors="none",
                   edgecolors=colors[loop], linewidths=widths[loop], zorder=2, gid="self_loops")

    node_colors = np.array(_KIND_COLORS)[kind] if n else []
    ax.scatter(pos[:, 0], pos[:, 1], s=node_s, c=node_colors, edgecolors="none" if big else "0.2",
               linewidths=0.8, zorder=3, gid="nodes")
    if not big:
        fs = 9 if n <= 30 else 7 if n <= 100 else 5
        for i, nid in enumerate(ids):
            ax.text(pos[i, 0], pos[i, 1], str(nid), ha="center", va="center", fontsize=fs,
                    fontweight="bold", zorder=4)
        if show_weights and 0 < es.size <= 150:
            pairs = set(zip(es.tolist(), ed.tolist()))
            for i, j, wt in zip(es.tolist(), ed.tolist(), ew.tolist()):
                if i == j:
                    x, y = pos[i, 0], pos[i, 1] + 0.06
                else:
                    (x0, y0), (x1, y1) = pos[i], pos[j]
                    rad = 0.15 if (j, i) in pairs else 0.0
                    x = (x0 + x1) / 2 + 0.5 * rad * (y1 - y0)
                    y = (y0 + y1) / 2 - 0.5 * rad * (x1 - x0)
                ax.text(x, y, f"{wt:.2f}", ha="center", va="center", fontsize=7, zorder=5,
                        bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.75))

    from matplotlib.lines import Line2D
    handles = [Line2D([], [], ls="", marker="o", ms=8, mfc=_KIND_COLORS[k], mec="0.2", label=_KIND_NAMES[k])
               for k in range(3) if (kind == k).any()]
    if (ew > 0).any():
        handles.append(Line2D([], [], color=_EXC, lw=2, label="excitatory"))
    if (ew < 0).any():
        handles.append(Line2D([], [], color=_INH, lw=2, label="inhibitory"))
    if handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    title = f"Network graph ({n} neurons, {m} connections"
    if es.size < m:
        title += f"; {es.size} strongest shown"
    ax.set_title(title + ")")
    if n:
        lo, hi = pos.min(axis=0), pos.max(axis=0)
        pad = np.maximum((hi - lo) * 0.08, 0.25)
        ax.set_xlim(lo[0] - pad[0], hi[0] + pad[0])
        ax.set_ylim(lo[1] - pad[1], hi[1] + pad[1])
    ax.set_axis_off()
    return _finish(fig, save_path, dpi, show)


# ---------------------------------------------------------------- weights
def _weights_of(network) -> np.ndarray:
    if hasattr(network, "get_weights"):
        w = np.asarray(network.get_weights()[2], np.float64)
    elif hasattr(network, "weights") and not isinstance(network, (np.ndarray, list, tuple)):
        w = np.asarray(network.weights, np.float64)
    else:
        try:
            w = np.asarray(network, np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"expected a glia.Network or an array of weights, got {type(network).__name__}") from None
    w = w.ravel()
    if not np.isfinite(w).all():
        raise ValueError("weights must be finite")
    return w


def plot_weight_distribution(
    network,
    bins: Union[int, Sequence[float]] = 50,
    save_path: Optional[PathLike] = None,
    ax: AxesArg = None,
    *,
    figsize: Optional[tuple] = None,
    dpi: float = DEFAULT_DPI,
    show: bool = False,
    output_path: Optional[PathLike] = None,
) -> "Figure":
    """Histogram of the synaptic weights, split into inhibitory / zero / excitatory, with
    mean, std, min and max; next to it, the number of edges of each sign.

    ``network`` is a Network or an array of weights. With a single ``ax`` only the
    histogram is drawn; pass two Axes for both panels.

    Example::

        fig = viz.plot_weight_distribution(net, bins=20, save_path="weights.png")
    """
    if isinstance(bins, (int, np.integer)) and not isinstance(bins, bool):
        if bins < 1:
            raise ValueError(f"bins must be >= 1, got {bins}")
    elif isinstance(bins, (str, bool)) or np.ndim(bins) != 1:
        raise ValueError(f"bins must be an int or a sequence of bin edges, got {bins!r}")
    _check_dpi(dpi)
    save_path = _save_path(save_path, output_path)
    w = _weights_of(network)
    fig, axes, compact = _axes(ax, 2, figsize or (12, 4), show, width_ratios=[2, 1])
    ah = axes[0]
    if w.size == 0:
        _note(ah, "no connections")
        ah.set_title("Weight distribution")
        if not compact:
            _note(axes[1], "no connections")
            axes[1].set_title("Connection types")
        return _finish(fig, save_path, dpi, show)

    edges = np.histogram_bin_edges(w, bins=bins)
    inh = np.histogram(w[w < 0], edges)[0]
    zero = np.histogram(w[w == 0], edges)[0]
    exc = np.histogram(w[w > 0], edges)[0]
    widths = np.diff(edges)
    bottom = np.zeros_like(inh)
    for counts, color, label in ((inh, _INH, "inhibitory"), (zero, _ZERO, "zero"), (exc, _EXC, "excitatory")):
        if counts.any():
            ah.bar(edges[:-1], counts, width=widths, bottom=bottom, align="edge", color=color,
                   alpha=0.8, edgecolor="0.2", linewidth=0.4, label=label)
            bottom = bottom + counts
    ah.axvline(0.0, color="0.3", linestyle="--", linewidth=1)
    ah.set_xlabel("Weight")
    ah.set_ylabel("Count")
    ah.set_title(f"Weight distribution ({w.size} connections)")
    ah.grid(True, alpha=0.3)
    ah.legend(fontsize=8, loc="upper right")
    ah.text(0.02, 0.98, f"mean {w.mean():.3g}\nstd  {w.std():.3g}\nmin  {w.min():.3g}\nmax  {w.max():.3g}",
            transform=ah.transAxes, va="top", ha="left", fontsize=8, fontfamily="monospace",
            bbox=dict(boxstyle="round", facecolor="white", alpha=0.8, edgecolor="0.7"))
    if not compact:
        ab = axes[1]
        counts = [int((w > 0).sum()), int((w < 0).sum()), int((w == 0).sum())]
        ab.bar(["excitatory", "inhibitory", "zero"], counts, color=[_EXC, _INH, _ZERO], alpha=0.8,
               edgecolor="0.2")
        ab.set_ylabel("Count")
        ab.set_title("Connection types")
        ab.grid(True, alpha=0.3, axis="y")
    return _finish(fig, save_path, dpi, show)


def plot_confusion_matrix(
    targets,
    predictions,
    labels: Optional[Sequence[str]] = None,
    save_path: Optional[PathLike] = None,
    ax: AxesArg = None,
    *,
    normalize: bool = False,
    figsize: Optional[tuple] = None,
    dpi: float = DEFAULT_DPI,
    show: bool = False,
    output_path: Optional[PathLike] = None,
) -> "Figure":
    """Confusion matrix of ``targets`` (rows) against ``predictions`` (columns), e.g. the
    data set's ``targets`` and ``Trainer.evaluate_dataset(...)["predictions"]``.
    Predictions outside ``labels`` (such as '' for no winner) count in a "none" column.

    Example::

        r = trainer.evaluate_dataset(test)
        fig = viz.plot_confusion_matrix(test.targets, r["predictions"])
    """
    _check_dpi(dpi)
    save_path = _save_path(save_path, output_path)
    t = [str(x) for x in targets]
    p = [str(x) for x in predictions]
    if len(t) != len(p):
        raise ValueError(f"targets and predictions must have equal length, got {len(t)} and {len(p)}")
    if labels is None:
        labels = sorted(set(t), key=_natural_key)
    labels = [str(x) for x in labels]
    pos = {k: i for i, k in enumerate(labels)}
    extra = any(x not in pos for x in p)
    cols = labels + (["none"] if extra else [])
    m = np.zeros((len(labels), len(cols)), dtype=np.int64)
    for a, b in zip(t, p):
        if a in pos:
            m[pos[a], pos.get(b, len(labels))] += 1
    fig, axes, _ = _axes(ax, 1, figsize or (1.0 + 0.6 * len(cols), 0.8 + 0.6 * len(labels)), show)
    a = axes[0]
    shown = m / np.maximum(1, m.sum(axis=1, keepdims=True)) if normalize else m
    im = a.imshow(shown, cmap="Blues", aspect="auto")
    a.set_xticks(range(len(cols)), cols)
    a.set_yticks(range(len(labels)), labels)
    a.set_xlabel("predicted")
    a.set_ylabel("target")
    acc = np.trace(m[:, : len(labels)]) / max(1, m.sum())
    a.set_title(f"Confusion matrix (accuracy {acc:.3f})")
    hi = shown.max() if shown.size else 0
    for i in range(shown.shape[0]):
        for j in range(shown.shape[1]):
            v = shown[i, j]
            a.text(j, i, f"{v:.2f}" if normalize else str(int(v)), ha="center", va="center", fontsize=8,
                   color="white" if hi and v > 0.6 * hi else "black")
    _root_figure(a).colorbar(im, ax=a, fraction=0.046, pad=0.04)
    return _finish(fig, save_path, dpi, show)


# ---------------------------------------------------------------- training history
_METRICS = ("accuracy", "margin", "loss")


def _history_dict(history) -> dict:
    if isinstance(history, Mapping):
        return dict(history)
    h = getattr(history, "history", None)
    if callable(h):
        h = h()
    if isinstance(h, Mapping):
        return dict(h)
    if hasattr(history, "epoch_accuracy") or hasattr(history, "epoch_margin"):
        return {k: getattr(history, a) for k, a in (("accuracy", "epoch_accuracy"), ("margin", "epoch_margin"),
                                                   ("loss", "epoch_loss")) if getattr(history, a, None) is not None}
    if hasattr(history, "get_epoch_acc_history"):
        out = {"accuracy": history.get_epoch_acc_history()}
        if hasattr(history, "get_epoch_margin_history"):
            out["margin"] = history.get_epoch_margin_history()
        return out
    raise TypeError("history must be a dict of per-epoch lists ('accuracy', 'margin', 'loss'), "
                    f"or a trainer with a .history, got {type(history).__name__}")


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


def plot_training_history(
    history,
    save_path: Optional[PathLike] = None,
    ax: AxesArg = None,
    *,
    figsize: Optional[tuple] = None,
    dpi: float = DEFAULT_DPI,
    show: bool = False,
    output_path: Optional[PathLike] = None,
) -> "Figure":
    """Accuracy, margin and loss per epoch, one panel each (missing or empty ones are
    left out), with ``val_accuracy`` / ``val_margin`` / ``val_loss`` dashed on the same
    panels when present and the final value marked.

    ``history`` is a dict of per-epoch lists (what ``Trainer.train`` returns), a trainer
    with a ``.history``, or an object with ``epoch_accuracy`` / ``epoch_margin`` lists.
    A single ``ax`` gets every metric as one line each.

    Example::

        history = trainer.train(dataset, epochs=30)
        fig = viz.plot_training_history(history, save_path="history.png")
    """
    _check_dpi(dpi)
    save_path = _save_path(save_path, output_path)
    h = _history_dict(history)
    data = {k: _series(h.get(k), k) for k in _METRICS}
    val = {k: _series(h.get("val_" + k), "val_" + k) for k in _METRICS}
    avail = [k for k in _METRICS if data[k].size or val[k].size]
    if not avail:
        fig, axes, _ = _axes(_first_axes(ax), 1, figsize or (6, 4), show)
        _note(axes[0], "no training history")
        return _finish(fig, save_path, dpi, show)
    fig, axes, compact = _axes(ax, len(avail), figsize or (5.5 * len(avail), 4), show)
    panels = [axes[0]] * len(avail) if compact else axes
    for a, k in zip(panels, avail):
        for vals, style, label in ((data[k], "-", k), (val[k], "--", "val " + k)):
            if not vals.size:
                continue
            a.plot(np.arange(1, vals.size + 1), vals, style, linewidth=2, label=label,
                   marker="o" if vals.size <= 30 else None, markersize=3)
        if not compact:
            final = data[k] if data[k].size else val[k]
            a.axhline(final[-1], color="0.5", linestyle=":", linewidth=1)
            a.text(0.02, 0.98, f"final {final[-1]:.4g}", transform=a.transAxes, va="top", fontsize=8,
                   bbox=dict(boxstyle="round", facecolor="white", alpha=0.8, edgecolor="0.7"))
            a.set_ylabel(k.capitalize())
            a.set_title(f"Training {k}")
            if k == "accuracy" and np.all((data[k] >= 0) & (data[k] <= 1)) and np.all((val[k] >= 0) & (val[k] <= 1)):
                a.set_ylim(-0.02, 1.02)
            if val[k].size:
                a.legend(fontsize=8, loc="lower right")
        a.set_xlabel("Epoch")
        a.grid(True, alpha=0.3)
        from matplotlib.ticker import MaxNLocator
        a.xaxis.set_major_locator(MaxNLocator(integer=True))
    if compact:
        axes[0].set_title("Training history")
        axes[0].legend(fontsize=8)
    return _finish(fig, save_path, dpi, show)


# ---------------------------------------------------------------- spike activity
def _simulate(network, steps: int, input_pattern) -> np.ndarray:
    """(steps, N) raster of a copy of ``network`` reset and driven by ``input_pattern``."""
    if input_pattern is not None and not isinstance(input_pattern, Mapping):
        raise TypeError(f"input_pattern must be a dict of neuron id -> amount, got {type(input_pattern).__name__}")
    pattern = dict(input_pattern or {})
    if not (hasattr(network, "run") and hasattr(network, "copy")):
        # A network without run(): step it in place, as GliaGL did.
        ids = list(network.neuron_ids)
        pos = {nid: i for i, nid in enumerate(ids)}
        raster = np.zeros((steps, len(ids)), bool)
        for t in range(steps):
            if pattern:
                network.inject_dict(pattern)
            network.step()
            for nid in network.get_firing_neurons():
                raster[t, pos[nid]] = True
        return raster
    sim = network.copy()
    sim.reset()
    sens = {nid: c for c, nid in enumerate(sim.sensory_ids)}
    x = np.zeros(len(sens), np.float32)
    extra = {}
    for nid, amount in pattern.items():
        if nid in sens:
            x[sens[nid]] += float(amount)
        else:
            extra[nid] = amount
    X = np.ascontiguousarray(np.broadcast_to(x, (steps, x.size)))
    if not extra:
        return np.asarray(sim.run(X))
    rows = [np.zeros((0, sim.num_neurons), bool)]
    for t in range(steps):
        sim.inject_dict(extra)
        rows.append(np.asarray(sim.run(X[t:t + 1])))
    return np.concatenate(rows)


def _check_steps(steps) -> int:
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)):
        raise TypeError(f"simulation_steps must be an int, got {type(steps).__name__}")
    if steps < 0:
        raise ValueError(f"simulation_steps must be >= 0, got {steps}")
    return int(steps)


def _events_input(events, neuron_ids):
    steps, neurons = (np.asarray(a) for a in events)
    if steps.ndim != 1 or neurons.shape != steps.shape:
        raise ValueError(f"spike events must be two 1-D arrays of equal length (steps, neurons), "
                         f"got shapes {steps.shape} and {neurons.shape}")
    if steps.size and (steps.dtype.kind not in "iu" or neurons.dtype.kind not in "iu"):
        raise ValueError("spike event arrays must hold integers")
    steps = steps.astype(np.int64)
    neurons = neurons.astype(np.int64)
    if steps.size and (steps.min() < 0 or neurons.min() < 0):
        raise ValueError("spike event steps and neuron indices must be >= 0")
    n = int(neurons.max()) + 1 if neurons.size else 0
    if neuron_ids is not None:
        if len(neuron_ids) < n:
            raise ValueError(f"neuron_ids has {len(neuron_ids)} labels but events refer to neuron {n - 1}")
        n = len(neuron_ids)
    T = int(steps.max()) + 1 if steps.size else 0
    return steps, neurons, T, n


def _draw_raster(axes, compact: bool, steps, rows, T: int, labels, title: str, figh: float) -> None:
    ar = axes[0]
    n = len(labels)
    pitch = 72.0 * figh * 0.7 / max(n, 1)
    s = float(np.clip(pitch * 0.8, 1.5, 14.0)) ** 2
    ar.scatter(steps, rows, marker="|", s=s, linewidths=1.5 if n <= 100 else 0.8, color="#1f3b73", gid="raster")
    ar.set_xlim(-0.5, max(T, 1) - 0.5)
    ar.set_ylim(max(n, 1) - 0.5, -0.5)
    from matplotlib.ticker import MaxNLocator
    ar.xaxis.set_major_locator(MaxNLocator(integer=True))
    ar.set_xlabel("Timestep")
    ar.set_ylabel("Neuron")
    ar.set_title(title)
    ar.grid(True, alpha=0.3, axis="x")
    if n <= 40:
        ar.set_yticks(range(n))
        ar.set_yticklabels([str(x) for x in labels], fontsize=8 if n > 20 else 9)
    if compact:
        return
    rates = np.bincount(rows, minlength=n)[:n] / max(T, 1)
    ab = axes[1]
    ab.barh(np.arange(n), rates, height=0.8, color="#4c78a8", gid="rates")
    ab.set_ylim(max(n, 1) - 0.5, -0.5)
    ab.set_xlabel("Rate (spikes/step)")
    ab.set_title("Firing rate")
    ab.tick_params(labelleft=False)
    ab.grid(True, alpha=0.3, axis="x")
    if n <= 40:
        ab.set_yticks(range(n))
    if rates.size and rates.max() > 0:
        ab.set_xlim(0, max(1.05 * rates.max(), 1e-3))


def plot_neuron_activity(
    network,
    simulation_steps: int = 100,
    input_pattern: Optional[Mapping[str, float]] = None,
    neuron_ids: Optional[Sequence[str]] = None,
    save_path: Optional[PathLike] = None,
    ax: AxesArg = None,
    *,
    figsize: Optional[tuple] = None,
    dpi: float = DEFAULT_DPI,
    show: bool = False,
    output_path: Optional[PathLike] = None,
) -> "Figure":
    """Spike raster (neurons down, timesteps across) and each neuron's firing rate.

    ``network`` is one of:

    - a Network: a copy of it is reset and run for ``simulation_steps`` steps, with the
      constant ``input_pattern`` ``{neuron_id: amount}`` injected before every step (the
      caller's network is left untouched); ``neuron_ids`` picks the neurons shown;
    - a (T, N) raster (``net.run(X)``): True / nonzero marks a spike; ``neuron_ids``
      labels its N columns;
    - a tuple ``(steps, neurons)`` of spike events (``net.run(X, record="events")``):
      ``neuron_ids`` labels the neuron indices; rates are spikes over the last event
      step + 1.

    Spike k of neuron row r at timestep t is plotted at (t, r), timesteps from 0. A
    single ``ax`` gets the raster alone; pass two Axes for raster and rates.

    Example::

        fig = viz.plot_neuron_activity(net, simulation_steps=100,
                                       input_pattern={"S0": 120.0, "S1": 100.0},
                                       save_path="neuron_activity.png")
        fig = viz.plot_neuron_activity(net.run(X), neuron_ids=net.neuron_ids)
    """
    _check_dpi(dpi)
    save_path = _save_path(save_path, output_path)
    if neuron_ids is not None:
        if isinstance(neuron_ids, (str, bytes)):
            neuron_ids = [neuron_ids]
        neuron_ids = list(neuron_ids)

    if hasattr(network, "neuron_ids") and (hasattr(network, "run") or hasattr(network, "step")):
        T = _check_steps(simulation_steps)
        raster = _simulate(network, T, input_pattern)
        ids = list(network.neuron_ids)
        if neuron_ids is not None:
            pos = {nid: i for i, nid in enumerate(ids)}
            missing = [x for x in neuron_ids if x not in pos]
            if missing:
                raise KeyError(f"unknown neuron id(s): {', '.join(map(str, missing))}")
            raster = raster[:, [pos[x] for x in neuron_ids]]
            ids = neuron_ids
        steps, rows = np.nonzero(raster)
        labels = ids
        title = f"Neuron activity ({T} steps)"
    elif isinstance(network, tuple) and len(network) == 2:
        steps, rows, T, n = _events_input(network, neuron_ids)
        labels = neuron_ids if neuron_ids is not None else list(range(n))
        title = f"Neuron activity ({steps.size} spikes)"
    else:
        try:
            raster = np.asarray(network)
        except (TypeError, ValueError):
            raise ValueError("expected a Network, a (T, N) spike raster or (steps, neurons) event arrays") from None
        if raster.ndim != 2:
            raise ValueError(f"a spike raster must be 2-D (timesteps, neurons), got shape {raster.shape}")
        if raster.dtype.kind not in "biuf":
            raise ValueError(f"a spike raster must be boolean or numeric, got dtype {raster.dtype}")
        if raster.dtype.kind == "f" and not np.isfinite(raster).all():
            raise ValueError("a spike raster must be finite")
        T, n = raster.shape
        if neuron_ids is not None and len(neuron_ids) != n:
            raise ValueError(f"neuron_ids has {len(neuron_ids)} labels for a raster of {n} neurons")
        steps, rows = np.nonzero(raster)
        labels = neuron_ids if neuron_ids is not None else list(range(n))
        title = f"Neuron activity ({T} steps)"

    if figsize is None:
        figsize = (13, float(np.clip(0.28 * len(labels) + 1.8, 3.0, 10.0)))
    fig, axes, compact = _axes(ax, 2, figsize, show, width_ratios=[5, 1])
    figh = fig.get_size_inches()[1] * (1.0 if ax is None else 0.6)
    _draw_raster(axes, compact, np.asarray(steps), np.asarray(rows, np.int64), T, labels, title, figh)
    return _finish(fig, save_path, dpi, show)


def _natural_key(x):
    s = str(x)
    head = s.rstrip("0123456789")
    tail = s[len(head):]
    return (head, int(tail) if tail else -1, s)


def plot_activity_raster(
    activity_log: Sequence[tuple],
    output_path: Optional[PathLike] = None,
    **kwargs,
) -> "Figure":
    """Raster of an activity log: a list of ``(timestep, [ids that fired])``, as
    collected with ``net.get_firing_neurons()`` after each step. Neurons are ordered as
    in ``neuron_ids=`` if given, else by id. Other keywords go to
    :func:`plot_neuron_activity`.

    Example::

        log = []
        for t in range(100):
            net.step()
            log.append((t, net.get_firing_neurons()))
        fig = viz.plot_activity_raster(log, "raster.png")
    """
    neuron_ids = kwargs.pop("neuron_ids", None)
    save_path = _save_path(kwargs.pop("save_path", None), output_path)
    steps, names = [], []
    try:
        for t, fired in activity_log:
            if isinstance(fired, (str, bytes)):
                fired = [fired]
            for nid in fired:
                steps.append(t)
                names.append(nid)
    except (TypeError, ValueError):
        raise ValueError("activity_log must be a list of (timestep, [neuron ids]) pairs") from None
    if neuron_ids is None:
        neuron_ids = sorted(set(names), key=_natural_key)
    else:
        neuron_ids = list(neuron_ids)
    pos = {nid: i for i, nid in enumerate(neuron_ids)}
    missing = sorted({x for x in names if x not in pos}, key=_natural_key)
    if missing:
        raise KeyError(f"activity_log names neuron(s) not in neuron_ids: {', '.join(map(str, missing))}")
    try:
        st = np.asarray(steps, np.int64)
    except (TypeError, ValueError):
        raise ValueError("activity_log timesteps must be integers") from None
    rows = np.array([pos[x] for x in names], np.int64)
    return plot_neuron_activity((st, rows), neuron_ids=neuron_ids, save_path=save_path, **kwargs)


# ---------------------------------------------------------------- evolution
_EVO_KEYS = ("best_fitness_hist", "best_acc_hist", "best_margin_hist", "mean_fitness_hist", "median_fitness_hist")


def plot_evolution_result(
    result,
    save_path: Optional[PathLike] = None,
    ax: AxesArg = None,
    *,
    figsize: Optional[tuple] = None,
    dpi: float = DEFAULT_DPI,
    show: bool = False,
    output_path: Optional[PathLike] = None,
) -> "Figure":
    """Best fitness (with mean and median when recorded), best accuracy and best
    margin per generation, one panel each.

    ``result`` is an ``EvolutionResult`` (attributes ``best_fitness_hist``,
    ``best_acc_hist``, ``best_margin_hist``, optionally ``mean_fitness_hist`` and
    ``median_fitness_hist``) or a dict with those keys. A single ``ax`` gets all the
    curves.

    Example::

        result = glia.Evolution("base.net", train, val, cfg, evo_cfg).run()
        fig = viz.plot_evolution_result(result, save_path="evolution.png")
    """
    _check_dpi(dpi)
    save_path = _save_path(save_path, output_path)
    get = result.get if isinstance(result, Mapping) else (lambda k, d=None: getattr(result, k, d))
    if all(get(k) is None for k in _EVO_KEYS[:3]):
        raise ValueError("result needs best_fitness_hist, best_acc_hist or best_margin_hist")
    h = {k: _series(get(k), k) for k in _EVO_KEYS}
    panels = [p for p in (("fitness", ("best_fitness_hist", "mean_fitness_hist", "median_fitness_hist")),
                          ("accuracy", ("best_acc_hist",)), ("margin", ("best_margin_hist",)))
              if any(h[k].size for k in p[1])]
    if not panels:
        fig, axes, _ = _axes(_first_axes(ax), 1, figsize or (6, 4), show)
        _note(axes[0], "no generations")
        return _finish(fig, save_path, dpi, show)
    fig, axes, compact = _axes(ax, len(panels), figsize or (5 * len(panels), 4), show)
    styles = {"best_fitness_hist": ("-", "#1f77b4", "best fitness"), "mean_fitness_hist": ("--", "#7f7f7f", "mean fitness"),
              "median_fitness_hist": (":", "#2f2f2f", "median fitness"), "best_acc_hist": ("-", "#2ca02c", "best accuracy"),
              "best_margin_hist": ("-", "#d62728", "best margin")}
    from matplotlib.ticker import MaxNLocator
    for i, (name, keys) in enumerate(panels):
        a = axes[0] if compact else axes[i]
        for k in keys:
            if h[k].size:
                ls, c, label = styles[k]
                a.plot(np.arange(h[k].size), h[k], ls, color=c, linewidth=2, label=label,
                       marker="o" if h[k].size <= 30 else None, markersize=3)
        a.set_xlabel("Generation")
        a.grid(True, alpha=0.3)
        a.xaxis.set_major_locator(MaxNLocator(integer=True))
        if not compact:
            a.set_ylabel(name.capitalize())
            a.set_title(f"Best {name} per generation")
            if name == "accuracy" and h["best_acc_hist"].size and np.all((h["best_acc_hist"] >= 0) & (h["best_acc_hist"] <= 1)):
                a.set_ylim(-0.02, 1.02)
            if len([k for k in keys if h[k].size]) > 1:
                a.legend(fontsize=8)
    if compact:
        axes[0].set_title("Evolution")
        axes[0].legend(fontsize=8)
    return _finish(fig, save_path, dpi, show)


def _lineage_nodes(lineage) -> list:
    if isinstance(lineage, (str, bytes, os.PathLike)):
        with open(lineage, encoding="utf-8") as f:
            lineage = json.load(f)
    if isinstance(lineage, Mapping):
        if "nodes" not in lineage:
            raise ValueError("a lineage dict must have a 'nodes' list")
        lineage = lineage["nodes"]
    if isinstance(lineage, (str, bytes)) or not isinstance(lineage, Sequence):
        raise TypeError(f"lineage must be a list of dicts or a JSON path, got {type(lineage).__name__}")
    nodes, seen = [], set()
    for k, d in enumerate(lineage):
        if not isinstance(d, Mapping):
            raise TypeError(f"lineage[{k}] must be a dict, got {type(d).__name__}")
        if "id" not in d:
            raise ValueError(f"lineage[{k}] has no 'id'")
        gen = d.get("generation", d.get("gen"))
        if gen is None:
            raise ValueError(f"lineage[{k}] has no 'generation'")
        nid = d["id"]
        if nid in seen:
            raise ValueError(f"duplicate id {nid!r} in lineage")
        seen.add(nid)
        parent = d.get("parent")
        if parent == -1:
            parent = None
        fit = d.get("fitness", d.get("fit"))
        acc = d.get("accuracy", d.get("acc"))
        nodes.append({"id": nid, "parent": parent, "generation": int(gen),
                      "fitness": float("nan") if fit is None else float(fit),
                      "accuracy": None if acc is None else float(acc)})
    return nodes


def plot_lineage(
    lineage,
    save_path: Optional[PathLike] = None,
    ax: Optional["Axes"] = None,
    *,
    cmap: str = "viridis",
    show_labels: Optional[bool] = None,
    figsize: Optional[tuple] = None,
    dpi: float = DEFAULT_DPI,
    show: bool = False,
    output_path: Optional[PathLike] = None,
) -> "Figure":
    """The evolution tree: one dot per individual at x = generation, y = rank within
    its generation by fitness (0 = fittest, at the top), coloured by fitness, with a
    line from each parent to its child. The ancestry of the fittest individual is
    drawn in bold red.

    ``lineage`` is a list of dicts ``{"id", "parent" (None or -1 for none),
    "generation", "fitness", "accuracy", ...}`` (``gen`` / ``acc`` also accepted), a
    dict with such a list under ``"nodes"``, or the path of a JSON file holding either.
    Ids are written next to the dots when there are at most 60 individuals (or as
    ``show_labels`` says).

    Example::

        fig = viz.plot_lineage("logs/evolve_lineage.json", save_path="evo_tree.png")
    """
    _check_dpi(dpi)
    save_path = _save_path(save_path, output_path)
    nodes = _lineage_nodes(lineage)
    gens = sorted({d["generation"] for d in nodes})
    by_gen = {g: [] for g in gens}
    for d in nodes:
        by_gen[d["generation"]].append(d)
    pos = {}
    for g in gens:
        members = sorted(by_gen[g], key=lambda d: (np.isnan(d["fitness"]), -np.nan_to_num(d["fitness"], nan=0.0), str(d["id"])))
        for r, d in enumerate(members):
            pos[d["id"]] = (g, r)
    width = max(len(v) for v in by_gen.values()) if by_gen else 1
    if figsize is None:
        figsize = (float(np.clip(0.9 * len(gens) + 3, 6, 16)), float(np.clip(0.35 * width + 2, 4, 12)))
    fig, (ax,), _ = _axes(ax, 1, figsize, show)
    if not nodes:
        _note(ax, "empty lineage")
        ax.set_title("Lineage")
        return _finish(fig, save_path, dpi, show)

    by_id = {d["id"]: d for d in nodes}
    segs = [(pos[d["parent"]], pos[d["id"]]) for d in nodes if d["parent"] in by_id]
    if segs:
        from matplotlib.collections import LineCollection
        ax.add_collection(LineCollection(segs, colors="0.6", linewidths=0.8, zorder=1, gid="lineage_edges"))

    fit = np.array([d["fitness"] for d in nodes])
    xy = np.array([pos[d["id"]] for d in nodes], float)
    finite = np.isfinite(fit)
    sc = ax.scatter(xy[finite, 0], xy[finite, 1], c=fit[finite], cmap=cmap, s=60, edgecolors="0.2",
                    linewidths=0.5, zorder=3, gid="lineage_nodes")
    if (~finite).any():
        ax.scatter(xy[~finite, 0], xy[~finite, 1], c="0.8", s=60, edgecolors="0.2", linewidths=0.5, zorder=3)
    if finite.any():
        fig.colorbar(sc, ax=ax, label="Fitness", shrink=0.8)

    # Ancestry of the fittest individual (the latest one on ties).
    if finite.any():
        best = max((d for d in nodes if np.isfinite(d["fitness"])), key=lambda d: (d["fitness"], d["generation"]))
    else:
        best = max(nodes, key=lambda d: d["generation"])
    path, cur, seen = [], best["id"], set()
    while cur in by_id and cur not in seen:
        seen.add(cur)
        path.append(cur)
        cur = by_id[cur]["parent"]
    path.reverse()
    px = [pos[i][0] for i in path]
    py = [pos[i][1] for i in path]
    ax.plot(px, py, "-", color="#d62728", linewidth=2.5, zorder=2, gid="best_path", label="best lineage")
    ax.scatter(px, py, s=130, facecolors="none", edgecolors="#d62728", linewidths=1.8, zorder=4, gid="best_nodes")

    if show_labels is None:
        show_labels = len(nodes) <= 60
    if show_labels:
        for d in nodes:
            x, y = pos[d["id"]]
            ax.annotate(str(d["id"]), (x, y), xytext=(5, 4), textcoords="offset points", fontsize=7, zorder=5)
    from matplotlib.ticker import MaxNLocator
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(gens[0] - 0.5, gens[-1] + 0.5)
    ax.set_ylim(width - 0.5, -0.5)
    ax.set_xlabel("Generation")
    ax.set_ylabel("Rank in generation (0 = fittest)")
    acc = f", accuracy {best['accuracy']:.3g}" if best["accuracy"] is not None else ""
    ax.set_title(f"Lineage: {len(nodes)} individuals, {len(gens)} generations; best id {best['id']} "
                 f"(fitness {best['fitness']:.4g}{acc})")
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(True, alpha=0.2)
    return _finish(fig, save_path, dpi, show)


# ---------------------------------------------------------------- GliaGL shorthands
def plot_network(network, output_path: Optional[PathLike] = None, **kwargs) -> "Figure":
    """Shorthand for :func:`plot_network_graph` (GliaGL's documented name).

    Example::

        fig = viz.plot_network(net, "network.png", figsize=(12, 8))
    """
    save_path = _save_path(kwargs.pop("save_path", None), output_path)
    return plot_network_graph(network, save_path=save_path, **kwargs)


def plot_weights(network, output_path: Optional[PathLike] = None, **kwargs) -> "Figure":
    """Shorthand for :func:`plot_weight_distribution` (GliaGL's documented name).

    Example::

        fig = viz.plot_weights(net, "weights.png")
    """
    save_path = _save_path(kwargs.pop("save_path", None), output_path)
    return plot_weight_distribution(network, save_path=save_path, **kwargs)

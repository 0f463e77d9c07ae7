"""Network structure, weights and confusion matrices."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Optional, Union

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

from glia.viz._figure import (AxesArg, FigureOptions, LAYOUTS, LABEL_LIMIT, _EXC, _INH, _ZERO,
                              _KIND_NAMES, _KIND_COLORS, _note, _root_figure, _natural_key,
                              _save_path, plot_function)


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


@plot_function
def plot_network_graph(
    network,
    layout: str = "layered",
    node_size: float = 300,
    show_weights: bool = True,
    *,
    ax: AxesArg,
    out: FigureOptions,
    max_edges: int = 2000,
    seed: int = 0,
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
    ids, kind, src, dst, w = _network_arrays(network)
    n, m = len(ids), w.size
    pos = _layered_positions(kind, src, dst) if layout == "layered" else _nx_positions(layout, ids, kind, src, dst, seed)

    big = n > LABEL_LIMIT
    figsize = out.figsize or ((12, 8) if n > 12 else (9, 6))
    fig, (ax,), _ = out.axes(ax, 1, figsize)

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

    _draw_edges(ax, pos, es, ed, colors, widths, node_s, big, arrows)
    _draw_nodes(ax, pos, ids, kind, node_s, big)
    if not big and show_weights and 0 < es.size <= 150:
        _draw_weight_labels(ax, pos, es, ed, ew)
    _legend_title_limits(ax, pos, kind, ew, n, m, es.size)
    return out.finish(fig)


def _draw_edges(ax, pos, es, ed, colors, widths, node_s, big, arrows):
    """The edges es -> ed: arrows (curved when both directions exist), or one line
    collection for large graphs; self-loops as rings around their node."""
    loop = es == ed
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


def _draw_nodes(ax, pos, ids, kind, node_s, big):
    """Nodes coloured by kind, labelled with their ids unless the graph is large."""
    n = len(ids)
    node_colors = np.array(_KIND_COLORS)[kind] if n else []
    ax.scatter(pos[:, 0], pos[:, 1], s=node_s, c=node_colors, edgecolors="none" if big else "0.2",
               linewidths=0.8, zorder=3, gid="nodes")
    if not big:
        fs = 9 if n <= 30 else 7 if n <= 100 else 5
        for i, nid in enumerate(ids):
            ax.text(pos[i, 0], pos[i, 1], str(nid), ha="center", va="center", fontsize=fs,
                    fontweight="bold", zorder=4)


def _draw_weight_labels(ax, pos, es, ed, ew):
    """Each edge's weight written at its middle (on the curve for two-way pairs)."""
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


def _legend_title_limits(ax, pos, kind, ew, n, m, shown):
    """The legend (kinds present, edge signs present), the title and padded limits."""
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
    if shown < m:
        title += f"; {shown} strongest shown"
    ax.set_title(title + ")")
    if n:
        lo, hi = pos.min(axis=0), pos.max(axis=0)
        pad = np.maximum((hi - lo) * 0.08, 0.25)
        ax.set_xlim(lo[0] - pad[0], hi[0] + pad[0])
        ax.set_ylim(lo[1] - pad[1], hi[1] + pad[1])
    ax.set_axis_off()


# ---------------------------------------------------------------- weights
def _weights_of(network) -> np.ndarray:
    if hasattr(network, "get_weights"):
        w = np.asarray(network.get_weights()[2], np.float64)
    elif hasattr(network, "weights") and not isinstance(network, (np.ndarray, list, tuple)):
        w = network.weights
        w = np.asarray(w["values"] if isinstance(w, dict) else w, np.float64)
    else:
        try:
            w = np.asarray(network, np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"expected a glia.Network or an array of weights, got {type(network).__name__}") from None
    w = w.ravel()
    if not np.isfinite(w).all():
        raise ValueError("weights must be finite")
    return w


@plot_function
def plot_weight_distribution(
    network,
    bins: Union[int, Sequence[float]] = 50,
    *,
    ax: AxesArg,
    out: FigureOptions,
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
    w = _weights_of(network)
    fig, axes, compact = out.axes(ax, 2, (12, 4), width_ratios=[2, 1])
    ah = axes[0]
    if w.size == 0:
        _note(ah, "no connections")
        ah.set_title("Weight distribution")
        if not compact:
            _note(axes[1], "no connections")
            axes[1].set_title("Connection types")
        return out.finish(fig)

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
    return out.finish(fig)


@plot_function
def plot_confusion_matrix(
    targets,
    predictions,
    labels: Optional[Sequence[str]] = None,
    *,
    ax: AxesArg,
    out: FigureOptions,
    normalize: bool = False,
    class_names: Optional[Mapping[str, str]] = None,
) -> "Figure":
    """Confusion matrix of ``targets`` (rows) against ``predictions`` (columns), e.g. a
    data set and ``Trainer.evaluate_dataset(...)["predictions"]``.

    ``targets`` is a :class:`~glia.Dataset` (its targets, and its ``class_names`` label
    the classes: the digits show 0-9) or a list of target ids. ``labels`` chooses and
    orders the target ids shown (default: those in ``targets``); ``class_names``
    ({target id: name}) overrides the data set's names. Predictions outside ``labels``
    (such as '' for no winner) count in a "none" column.

    Example::

        r = trainer.evaluate_dataset(test)
        fig = viz.plot_confusion_matrix(test, r["predictions"])
    """
    from glia.data import Dataset
    names = {}
    if isinstance(targets, Dataset):
        names, targets = dict(targets.class_names), targets.targets
    if class_names is not None:
        if not isinstance(class_names, Mapping):
            raise TypeError(f"class_names must be a dict {{target id: name}}, got {type(class_names).__name__}")
        names.update({str(k): str(v) for k, v in class_names.items()})
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
    fig, axes, _ = out.axes(ax, 1, (1.0 + 0.6 * len(cols), 0.8 + 0.6 * len(labels)))
    a = axes[0]
    shown = m / np.maximum(1, m.sum(axis=1, keepdims=True)) if normalize else m
    im = a.imshow(shown, cmap="Blues", aspect="auto")
    a.set_xticks(range(len(cols)), [names.get(c, c) for c in labels] + cols[len(labels):])
    a.set_yticks(range(len(labels)), [names.get(c, c) for c in labels])
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
    return out.finish(fig)


# ---------------------------------------------------------------- GliaGL's plot shorthands
def plot_network(network, output_path=None, **kwargs):
    """Shorthand for :func:`glia.viz.plot_network_graph` (GliaGL's documented name).

    Example::

        fig = glia.viz.plot_network(net, "network.png", figsize=(12, 8))
    """
    save_path = _save_path(kwargs.pop("save_path", None), output_path)
    return plot_network_graph(network, save_path=save_path, **kwargs)


def plot_weights(network, output_path=None, **kwargs):
    """Shorthand for :func:`glia.viz.plot_weight_distribution` (GliaGL's documented name).

    Example::

        fig = glia.viz.plot_weights(net, "weights.png")
    """
    save_path = _save_path(kwargs.pop("save_path", None), output_path)
    return plot_weight_distribution(network, save_path=save_path, **kwargs)

"""Evolution results and lineage trees."""
from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Optional

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

from glia.viz._figure import (AxesArg, FigureOptions, _first_axes, _note, _series,
                              plot_function)


# ---------------------------------------------------------------- evolution
_EVO_KEYS = ("best_fitness_hist", "best_acc_hist", "best_margin_hist", "mean_fitness_hist", "median_fitness_hist")


@plot_function
def plot_evolution_result(
    result,
    *,
    ax: AxesArg,
    out: FigureOptions,
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
    get = result.get if isinstance(result, Mapping) else (lambda k, d=None: getattr(result, k, d))
    if all(get(k) is None for k in _EVO_KEYS[:3]):
        raise ValueError("result needs best_fitness_hist, best_acc_hist or best_margin_hist")
    h = {k: _series(get(k), k) for k in _EVO_KEYS}
    panels = [p for p in (("fitness", ("best_fitness_hist", "mean_fitness_hist", "median_fitness_hist")),
                          ("accuracy", ("best_acc_hist",)), ("margin", ("best_margin_hist",)))
              if any(h[k].size for k in p[1])]
    if not panels:
        fig, axes, _ = out.axes(_first_axes(ax), 1, (6, 4))
        _note(axes[0], "no generations")
        return out.finish(fig)
    fig, axes, compact = out.axes(ax, len(panels), (5 * len(panels), 4))
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
    return out.finish(fig)


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


def _lineage_positions(nodes):
    """(generations, {id: (generation, rank by fitness)}, the largest generation's size)."""
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
    return gens, pos, width


def _best_ancestry(nodes, by_id, any_finite):
    """The fittest individual (the latest one on ties) and its ancestors' ids, oldest first."""
    if any_finite:
        best = max((d for d in nodes if np.isfinite(d["fitness"])), key=lambda d: (d["fitness"], d["generation"]))
    else:
        best = max(nodes, key=lambda d: d["generation"])
    path, cur, seen = [], best["id"], set()
    while cur in by_id and cur not in seen:
        seen.add(cur)
        path.append(cur)
        cur = by_id[cur]["parent"]
    path.reverse()
    return best, path


@plot_function
def plot_lineage(
    lineage,
    *,
    ax: AxesArg,
    out: FigureOptions,
    cmap: str = "viridis",
    show_labels: Optional[bool] = None,
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
    nodes = _lineage_nodes(lineage)
    gens, pos, width = _lineage_positions(nodes)
    figsize = out.figsize or (float(np.clip(0.9 * len(gens) + 3, 6, 16)), float(np.clip(0.35 * width + 2, 4, 12)))
    fig, (ax,), _ = out.axes(ax, 1, figsize)
    if not nodes:
        _note(ax, "empty lineage")
        ax.set_title("Lineage")
        return out.finish(fig)

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

    best, path = _best_ancestry(nodes, by_id, finite.any())
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
    return out.finish(fig)

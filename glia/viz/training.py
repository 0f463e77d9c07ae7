"""Training curves."""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

from glia.viz._figure import (AxesArg, FigureOptions, _first_axes, _note, _series,
                              plot_function)


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


@plot_function
def plot_training_history(
    history,
    *,
    ax: AxesArg,
    out: FigureOptions,
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
    h = _history_dict(history)
    data = {k: _series(h.get(k), k) for k in _METRICS}
    val = {k: _series(h.get("val_" + k), "val_" + k) for k in _METRICS}
    avail = [k for k in _METRICS if data[k].size or val[k].size]
    if not avail:
        fig, axes, _ = out.axes(_first_axes(ax), 1, (6, 4))
        _note(axes[0], "no training history")
        return out.finish(fig)
    fig, axes, compact = out.axes(ax, len(avail), (5.5 * len(avail), 4))
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
            if k == "accuracy" and all(np.all(np.isnan(v) | ((v >= 0) & (v <= 1))) for v in (data[k], val[k])):
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
    return out.finish(fig)

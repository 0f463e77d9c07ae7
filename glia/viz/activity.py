"""Spike activity: rasters of simulated or recorded runs."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Optional

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

from glia.viz._figure import (AxesArg, FigureOptions, PathLike, _natural_key, _save_path,
                              plot_function)


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


@plot_function
def plot_neuron_activity(
    network,
    simulation_steps: int = 100,
    input_pattern: Optional[Mapping[str, float]] = None,
    neuron_ids: Optional[Sequence[str]] = None,
    *,
    ax: AxesArg,
    out: FigureOptions,
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

    figsize = out.figsize or (13, float(np.clip(0.28 * len(labels) + 1.8, 3.0, 10.0)))
    fig, axes, compact = out.axes(ax, 2, figsize, width_ratios=[5, 1])
    figh = fig.get_size_inches()[1] * (1.0 if ax is None else 0.6)
    _draw_raster(axes, compact, np.asarray(steps), np.asarray(rows, np.int64), T, labels, title, figh)
    return out.finish(fig)


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

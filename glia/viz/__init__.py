"""Plots of networks, weights, spike activity, training and evolution.

Every function returns a :class:`matplotlib.figure.Figure`. Pass ``ax=`` to draw into
an existing Axes (multi-panel plots also take a sequence of Axes, one per panel; a
single Axes gets the compact one-panel version), and ``save_path=`` to write the figure
to a file (PNG unless the extension says otherwise). Figures are made through pyplot,
as pandas' and seaborn's are: in Jupyter a cell shows the figures it makes, also one
assigned to a name (``fig = viz.plot_training_history(h)``), once each; in a script
``plt.show()`` shows them and ``plt.close(fig)`` frees one; ``show=True`` calls
``plt.show()`` for you.

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

from glia.viz._figure import DEFAULT_DPI, LABEL_LIMIT, LAYOUTS, _EXC, _INH, _ZERO  # noqa: F401
from glia.viz._figure import __getattr__  # noqa: F401  (pickle finds the figure class)
from glia.viz.activity import plot_activity_raster, plot_neuron_activity
from glia.viz.evolution import plot_evolution_result, plot_lineage
from glia.viz.network import (plot_confusion_matrix, plot_network, plot_network_graph,
                               plot_weight_distribution, plot_weights)
from glia.viz.training import plot_training_history
from glia.viz.view import LiveView, NetworkView

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
    "NetworkView",
    "LiveView",
    "LAYOUTS",
    "DEFAULT_DPI",
]


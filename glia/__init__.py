"""glia: fast spiking neural networks for Python.

A C++17/OpenMP engine behind a Cython API that releases the GIL for real work. The
public names follow the GliaGL project's Python API, so GliaGL code runs unchanged.

Example::

    import glia, numpy as np
    net = glia.Network.from_file("xor.net")
    raster = net.run(np.zeros((100, net.num_sensory), np.float32))
"""
from glia._core import (
    GIL_RELEASE_WORK,
    InputSequence,
    Network,
    Neuron,
    effective_n_threads,
    get_num_threads,
    set_num_threads,
)
from glia.errors import FormatError, GliaError
from glia._info import build_info, show_config

__version__ = "0.1.0"

__all__ = [
    "Network", "Neuron", "InputSequence", "FormatError", "GliaError",
    "set_num_threads", "get_num_threads", "show_config", "build_info", "effective_n_threads", "GIL_RELEASE_WORK",
    "__version__",
]

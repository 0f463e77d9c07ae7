"""glia: fast spiking neural networks for Python.

A C++17/OpenMP engine behind a Cython API that releases the GIL for real work. The
public names follow the GliaGL project's Python API, so GliaGL code runs unchanged.

Example::

    import glia, numpy as np
    net = glia.Network.from_file("xor.net")
    raster = net.run(np.zeros((100, net.num_sensory), np.float32))
"""
import os as _os

try:
    from glia._core import (
        GIL_RELEASE_WORK,
        PARALLEL_STEP_MIN_WORK,
        InputSequence,
        Network,
        Neuron,
        RESET_MODES,
        effective_n_threads,
        get_num_threads,
        set_num_threads,
    )
except ModuleNotFoundError as _e:
    if _e.name != "glia._core":
        raise
    # a source folder without its compiled extension (e.g. a regular install run from the
    # clone's root, where ./glia shadows the installed package)
    raise ModuleNotFoundError(
        f"glia's compiled extension glia._core is not in {_os.path.dirname(__file__)}: this "
        "is a source folder that was never built. From a clone's root use an editable "
        "install (pip install -e .) or build in place (python setup.py build_ext --inplace); "
        "or run Python from another folder to use an installed glia.",
        name="glia._core") from None
from glia.errors import FormatError, GliaError
from glia._info import __version__, build_info, show_config
from glia.config import (EvolutionConfig, GradConfig, OutputDetectorConfig, TopologyPolicy,
                         TrainingConfig, create_config, create_evo_config)
from glia.data import (Dataset, EpisodeData, EpisodeEvents, EpisodeMetrics, create_sequence_from_array,
                       load_dataset_from_directory, load_sequence_file)
from glia.training import HebbianTrainer, RateGDTrainer, SurrogateTrainer, Trainer, evaluate_dataset
from glia.evolution import (EvoMetrics, Evolution, EvolutionResult, PopulationScores, load_lineage,
                            score_population)
from glia.snapshot import EdgeRecord, NetworkSnapshot, NeuronRecord
from glia import datasets, networks
from glia.nir import from_nir, to_nir
from glia import _sources

_sources.register()   # Cython frames show their source lines in tracebacks (see _sources)

__all__ = [
    "Network", "Neuron", "RESET_MODES", "InputSequence", "FormatError", "GliaError",
    "set_num_threads", "get_num_threads", "show_config", "build_info", "effective_n_threads", "GIL_RELEASE_WORK",
    "PARALLEL_STEP_MIN_WORK",
    "TrainingConfig", "GradConfig", "OutputDetectorConfig", "TopologyPolicy", "EvolutionConfig",
    "create_config", "create_evo_config", "Dataset", "EpisodeData", "EpisodeEvents", "EpisodeMetrics",
    "load_sequence_file", "create_sequence_from_array", "load_dataset_from_directory",
    "to_nir", "from_nir",
    "Trainer", "RateGDTrainer", "HebbianTrainer", "SurrogateTrainer", "evaluate_dataset", "datasets", "networks", "viz",
    "Evolution", "EvolutionResult", "EvoMetrics", "score_population", "PopulationScores", "load_lineage",
    "plot_evolution_result", "NetworkSnapshot", "NeuronRecord", "EdgeRecord", "info",
    "__version__",
]


def info() -> None:
    """Prints glia's version and build facts (GliaGL's ``glia.info()``; the full table:
    :func:`show_config`).

    Example::

        glia.info()
    """
    import importlib.util
    b = build_info()
    print(f"glia version {__version__}")
    print(f"C++ core available: True ({b.get('compiler', '?')}, OpenMP "
          f"{'yes' if b.get('openmp') else 'no'})")
    print(f"Visualization available: {importlib.util.find_spec('matplotlib') is not None}")


def __getattr__(name):
    # glia.viz and the plotting functions load matplotlib only when first used
    if name == "viz":
        import importlib
        return importlib.import_module("glia.viz")
    if name in ("plot_evolution_result", "plot_training_history", "plot_network_graph"):
        from glia import viz
        return getattr(viz, name)
    raise AttributeError(f"module 'glia' has no attribute {name!r}")

"""What the trainers (glia.training) and the evolutionary search (glia.evolution) share:
reading a data set argument, the outputs an evaluation decides between, the detector's
default output, and the busy guard of their public methods."""
from __future__ import annotations

import functools

import numpy as np

from glia._core import Network
from glia.config import TrainingConfig
from glia.data import Dataset, EpisodeData

#: How arrays become a data set (error hints)
FROM_ARRAYS = ("for arrays X (n_episodes, T, n_sensory) and labels y, pass "
               "glia.Dataset.from_arrays(X, y)")


def episodes_of(data) -> list:
    """The episodes of a data set argument: a Dataset, one EpisodeData or a list of them."""
    if isinstance(data, Dataset):
        return data.episodes
    if isinstance(data, EpisodeData):
        return [data]
    if isinstance(data, (list, tuple)):
        return list(data)
    hint = f"; {FROM_ARRAYS}" if isinstance(data, np.ndarray) or hasattr(data, "__array__") else ""
    raise TypeError(f"expected a glia.Dataset or a list of EpisodeData, got {type(data).__name__}{hint}")


def output_map(net: Network, episodes) -> dict:
    """{output id: position}: the O neurons, or (without any) the data set's targets."""
    outs = net.output_ids
    if not outs:
        outs = sorted({ep.target_id for ep in episodes if getattr(ep, "target_id", "")})
        ids = set(net.neuron_ids)
        missing = [t for t in outs if t not in ids]
        if missing:
            raise KeyError(f"targets {missing} name no neuron of the network")
        if not outs:
            raise ValueError("the network has no output neurons (ids starting with 'O') and "
                             "the data set names no targets")
    return {o: k for k, o in enumerate(outs)}


def exclusive(method):
    """Runs a Trainer (or Evolution) method inside the object's busy guard ``self._busy``:
    a call from another thread while one runs raises RuntimeError (a Trainer's own thread
    may re-enter, from a callback). The guard also covers the Python-level caches
    (resolved episodes, pushed config)."""
    @functools.wraps(method)
    def call(self, *args, **kwargs):
        with self._busy:
            return method(self, *args, **kwargs)
    return call


def default_index(config: TrainingConfig, outputs: dict | None) -> int:
    """The position among ``outputs`` of ``config.detector.default_id`` (-1: none, or no
    outputs known yet); KeyError when it is not an output."""
    d = config.detector.default_id
    if not d or outputs is None:
        return -1
    if d not in outputs:
        raise KeyError(f"detector.default_id {d!r} is not an output ({list(outputs)})")
    return outputs[d]

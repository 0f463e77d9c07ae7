"""Training and scoring a population: the data every individual reads (:class:`_Data`),
the run's settings (:class:`_Settings`), the one GIL-free engine call, and the public
:func:`score_population`."""
from __future__ import annotations

import threading
from typing import NamedTuple

import numpy as np

from glia._core import Network, _build, _score_networks, effective_n_threads
from glia.config import TrainingConfig, check_trainer
from glia._shared import default_index, episodes_of, output_map
from glia._util import keeps_interrupts, n_threads_alias


class _Settings(NamedTuple):
    """What one run changes: the inner trainer's config (a dict), its name (one of
    glia.config.TRAINERS) and the epochs of training before scoring. Small: it goes
    with every remote task."""
    config: dict
    trainer: str
    train_epochs: int


class _Data:
    """The episodes every individual is trained and scored on, and how they map to the
    network's outputs: moved to each worker once (picklable). The episodes resolved for
    the engine are built on first use in each process and kept on the object."""

    def __init__(self, train, val, net: Network, outputs: dict, default_index: int):
        self.train = list(train)
        self.val = list(val)
        self.target_index = dict(outputs)
        pos = {n: i for i, n in enumerate(net.neuron_ids)}
        self.outputs = [pos[o] for o in outputs]
        self.default_index = default_index
        self._built = {}
        self._lock = threading.Lock()

    def __getstate__(self):
        state = dict(self.__dict__)
        del state["_built"], state["_lock"]
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._built = {}
        self._lock = threading.Lock()

    def built(self, net: Network, train: bool):
        """The training (``train``) or validation episodes resolved on ``net``'s neurons
        (every individual has the same), built once."""
        with self._lock:
            eps = self._built.get(train)
            if eps is None:
                eps = _build(net, self.train if train else self.val, self.target_index, True)
                self._built[train] = eps
            return eps

    def score(self, nets: list, seeds: list, settings: _Settings, n_threads: int) -> dict:
        """Trains (in place) and scores ``nets`` in one GIL-free engine call."""
        val = self.built(nets[0], False)
        if settings.train_epochs > 0:
            train = self.built(nets[0], True)
        else:
            train = _build(nets[0], [], {})
        return _score_networks(nets, train, val, settings.config, self.outputs, settings.trainer,
                               settings.train_epochs, seeds, n_threads, self.default_index)


class PopulationScores(NamedTuple):
    """Per-network scores, by network index: ``accuracy`` and ``margin`` (float64) and
    ``edges`` (int64).

    Example::

        acc, margin, edges = glia.score_population(pop, val, cfg)
    """
    accuracy: np.ndarray
    margin: np.ndarray
    edges: np.ndarray


def _check_networks(networks) -> list:
    if isinstance(networks, Network):
        raise TypeError("networks must be a list of glia.Network objects, not one Network")
    nets = list(networks)
    for k, n in enumerate(nets):
        if not isinstance(n, Network):
            raise TypeError(f"networks[{k}] must be a glia.Network, got {type(n).__name__}")
    return nets


def _check_seeds(seeds, n: int, default: int) -> list:
    if seeds is None:
        return [default] * n
    seeds = [int(s) for s in seeds]
    if len(seeds) != n:
        raise ValueError(f"seeds has {len(seeds)} entries for {n} networks")
    return seeds


@n_threads_alias
@keeps_interrupts
def score_population(networks, dataset, config: TrainingConfig | None = None,
                     train_epochs: int = 0, n_threads: int | None = None, *,
                     train_data=None, trainer: str = "gradient", seeds=None,
                     return_networks: bool = False):
    """Scores a list of Networks on ``dataset`` in one parallel, GIL-free call (threads
    over networks, each network on one thread) and returns a :class:`PopulationScores`
    ``(accuracy, margin, edges)`` of NumPy arrays, by network index.

    With ``train_epochs`` > 0 each network is first trained that many epochs on
    ``train_data`` (default: ``dataset``) with ``trainer`` ('gradient', 'hebbian' or 'surrogate') —
    on a copy: the networks given are never changed. Network i's trainer uses seed
    ``seeds[i]`` (default: ``config.seed`` for all), so score i equals training
    ``net.copy()`` with ``glia.Trainer(.., config).train_fast`` and then
    ``evaluate_dataset``. ``return_networks=True`` returns ``(scores, trained_copies)``.

    All networks must have the same neurons in the same order (as mutated copies of one
    network do). Example, a hand-written evolutionary loop::

        pop = [base.copy() for _ in range(16)]
        for net in pop[1:]:
            f, t, w = net.get_weights()
            net.set_weights(f, t, w + rng.normal(0, 0.1, len(w)))
        acc, margin, edges = glia.score_population(pop, val, cfg)
    """
    nets = _check_networks(networks)
    if isinstance(train_epochs, bool) or not isinstance(train_epochs, (int, np.integer)):
        raise TypeError(f"train_epochs must be an int, got {type(train_epochs).__name__}")
    if train_epochs < 0:
        raise ValueError(f"train_epochs must be >= 0, got {train_epochs}")
    check_trainer(trainer, "trainer")
    cfg = TrainingConfig._from_arg(config, "config", copy=True)
    nt = effective_n_threads(n_threads)
    val_eps = episodes_of(dataset)
    if not val_eps:
        raise ValueError("the data set to score on is empty")
    train_eps = episodes_of(train_data) if train_data is not None else val_eps
    if train_epochs > 0 and not train_eps:
        raise ValueError("the training data set is empty")
    seeds = _check_seeds(seeds, len(nets), cfg.seed)
    if not nets:
        empty = PopulationScores(np.zeros(0), np.zeros(0), np.zeros(0, dtype=np.int64))
        return (empty, []) if return_networks else empty
    train_eps = train_eps if train_epochs > 0 else []
    outputs = output_map(nets[0], train_eps + val_eps)
    data = _Data(train_eps, val_eps, nets[0], outputs, default_index(cfg, outputs))
    settings = _Settings(cfg.to_dict(), trainer, int(train_epochs))
    data.built(nets[0], False)            # resolve (and check) before any copy
    if train_epochs > 0:
        data.built(nets[0], True)
    if train_epochs > 0 or return_networks or len({id(n) for n in nets}) < len(nets):
        nets = [n.copy() for n in nets]
    r = data.score(nets, seeds, settings, nt)
    scores = PopulationScores(r["accuracy"], r["margin"], r["edges"])
    return (scores, nets) if return_networks else scores

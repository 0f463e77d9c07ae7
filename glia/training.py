"""Trainers (GliaGL's names): ``glia.Trainer``, ``glia.RateGDTrainer``, ``glia.HebbianTrainer``;
and glia's own ``glia.SurrogateTrainer`` (surrogate-gradient back-propagation through time).

The engine trains in C++ with the GIL released; episodes of a batch run in parallel and
are combined in episode order, so results are bit-identical for any thread count.
"""
from __future__ import annotations

import logging
import math
import warnings
from typing import Callable, NamedTuple

import numpy as np

from glia._core import (InputSequence, Network, _Busy, _CoreTrainer, _input_edit_count,
                        effective_n_threads)
from glia._util import keeps_interrupts, n_threads_alias, progress_bar
from glia.config import TrainingConfig, check_trainer, trainer_of
from glia.data import EpisodeData, EpisodeEvents, EpisodeMetrics
from glia._shared import FROM_ARRAYS, default_index, episodes_of, exclusive, output_map

__all__ = ["Trainer", "RateGDTrainer", "HebbianTrainer", "SurrogateTrainer", "evaluate_dataset"]

log = logging.getLogger("glia")


_VAL_KEYS = ("val_accuracy", "val_margin", "val_loss")


def _mean_xent(rates: np.ndarray, targets: np.ndarray, temperature: float) -> float:
    """The mean over episodes of the softmax cross-entropy of the output rates / T, the
    engine's ``softmax_xent`` (the training loss) in float64."""
    if rates.shape[0] == 0 or rates.shape[1] == 0:
        return float("nan")
    z = rates.astype(np.float64) / (temperature if temperature > 0 else 1.0)
    z -= z.max(axis=1, keepdims=True)
    lse = np.log(np.exp(z).sum(axis=1))
    return float(np.mean(lse - z[np.arange(z.shape[0]), targets]))


def _lr_scale(schedule, epoch: int, epochs: int) -> float:
    if schedule is None:
        return 1.0
    if callable(schedule):
        return float(schedule(epoch, epochs))
    if schedule == "cosine":
        return 0.5 * (1.0 + math.cos(math.pi * epoch / max(1, epochs)))
    if schedule == "step":
        return 0.5 ** (epoch // max(1, epochs // 3))
    raise ValueError(f"lr_schedule must be 'cosine', 'step', None or a callable, got {schedule!r}")


class Trainer:
    """Trains a :class:`~glia.Network` on a :class:`~glia.Dataset`.

    ``method`` names the learning rule, one of :data:`glia.config.TRAINERS` (the same
    names as ``EvolutionConfig.trainer``):
    ``'gradient'`` (the default: the rate-gradient trainer, softmax cross-entropy over the
    outputs' rates, SGD/Adam/AdamW), ``'hebbian'`` (the reward-modulated eligibility-trace
    trainer, GliaGL's ``Trainer``) or ``'surrogate'`` (surrogate-gradient
    back-propagation through time; ``Trainer(net, cfg, method="surrogate")`` returns a
    :class:`SurrogateTrainer`). ``use_gradient`` is GliaGL's spelling of the first two
    (``True``: ``'gradient'``, ``False``: ``'hebbian'``), used when ``method`` is None.

    Example::

        net = glia.datasets.three_class_network()
        data = glia.datasets.three_class()
        train, val = data.split(0.75, seed=0)
        tr = glia.Trainer(net, glia.create_config(lr=0.05, optimizer="adam"))
        tr.train(train, epochs=20)
        print(tr.evaluate_dataset(val)["accuracy"])

    The network is trained in place. While a call runs the trainer and the network are
    busy: using either from another thread raises RuntimeError (one trainer per thread;
    separate trainers on separate networks run in parallel).
    """

    def __new__(cls, net=None, config=None, use_gradient=True, method=None):
        if cls is Trainer and method == "surrogate":
            cls = SurrogateTrainer
        return super().__new__(cls)

    def __init__(self, net: Network, config: TrainingConfig | None = None, use_gradient: bool = True,
                 method: str | None = None):
        if not isinstance(net, Network):
            raise TypeError(f"net must be a glia.Network, got {type(net).__name__}")
        method = trainer_of(use_gradient) if method is None else check_trainer(method, "method")
        self._busy = _Busy("Trainer", "make one Trainer per thread, each on its own network")
        self.net = net
        self.method = method
        self._config = TrainingConfig._from_arg(config, "config", copy=False)
        self._outputs: dict | None = None
        self._core = None
        self._built: _Resolved | None = None   # the last data set resolved
        self._pushed = None         # the (config fingerprint, default index) the engine has
        self._layout = None         # the network's layout_version the engine's indices match
        self._names = None          # (output ids, their str array) for predictions
        self._fired_at_start = False  # an output fired on the first train call's first batch
        self._probed = False          # the start check has run (once per trainer)
        self._val = {k: [] for k in _VAL_KEYS}   # validation metrics of the epochs trained
        self._val_at: list[int] = []             # with validation=, and their epoch indices

    # ---------------------------------------------------------------- configuration
    @property
    def config(self) -> TrainingConfig:
        """The training configuration (a :class:`~glia.TrainingConfig`)."""
        return self._config

    @config.setter
    @exclusive
    def config(self, cfg):
        self._config = TrainingConfig._from_arg(cfg, "config", copy=False)
        self._pushed = None             # the next call pushes it

    def _use(self, config, episodes):
        """Applies a per-call config and makes sure the engine trainer exists."""
        if config is not None:
            self._config = TrainingConfig._from_arg(config, "config", copy=False)
        if self._outputs is None:
            self._outputs = output_map(self.net, episodes)
        fp = self._config._fingerprint()
        idx = default_index(self._config, self._outputs)
        if self._core is None:
            self._core = _CoreTrainer(self.net, self.method, self._config.to_dict(),
                                      idx)
            self._core.set_outputs(self._output_indices())
        else:
            if (fp, idx) != self._pushed:
                self._core.set_config(self._config.to_dict(), idx)
            if self.net.layout_version != self._layout:
                # neurons were added or the network reloaded: indices may have moved (the
                # resolved episodes' key holds the layout too)
                self._core.set_outputs(self._output_indices())
        self._pushed = (fp, idx)
        self._layout = self.net.layout_version
        return self._core

    def _resolve(self, eps, require_target=True):
        """The engine's episodes for ``eps``, reused while the same episode objects come
        back in the same order, unchanged (repeated evaluation of one data set costs
        nothing). When no EpisodeData or InputSequence anywhere has changed since the
        episodes were resolved, their identities alone decide; otherwise each episode's
        target, array and sequence (and the sequence's version) are compared."""
        key = (tuple(map(id, eps)), require_target, self.net.layout_version)
        edits = _input_edit_count()
        b = self._built
        same = b is not None and b.key == key
        if same and b.edits == edits:
            return b.episodes
        marks = [_episode_mark(ep) for ep in eps]
        if same and _same_marks(b.marks, marks):
            self._built = b._replace(edits=edits)
            return b.episodes
        built = self._core.build(eps, self._outputs, require_target)
        self._built = _Resolved(key, built, marks, edits, list(eps))
        return built

    def _winner_names(self) -> np.ndarray:
        """The output ids as a str array, then '' (a winner of -1 picks it)."""
        ids = tuple(self._outputs)
        if self._names is None or self._names[0] != ids:
            self._names = (ids, np.array(list(ids) + [""], dtype=str))
        return self._names[1]

    def _output_indices(self):
        ids = self.net.neuron_ids
        pos = {n: i for i, n in enumerate(ids)}
        return [pos[o] for o in self._outputs]

    @property
    @exclusive
    def output_ids(self) -> list:
        """The outputs the trainer decides between, in order (known after the first call)."""
        return list(self._outputs) if self._outputs else self.net.output_ids

    @exclusive
    def set_seed(self, seed: int) -> None:
        """Sets the seed of every random stream (shuffling, jitter, growth)."""
        self._config.seed = seed
        if self._core is not None:
            self._core.set_seed(int(seed))

    reseed = set_seed  # GliaGL's name

    # ---------------------------------------------------------------- training
    @n_threads_alias
    @keeps_interrupts
    @exclusive
    def train(self, dataset, epochs: int = 10, config: TrainingConfig | None = None,
              on_epoch: Callable | None = None, verbose: bool = True,
              lr_schedule: str | Callable | None = None, n_threads: int | None = None,
              *, validation=None) -> dict:
        """Trains ``epochs`` epochs; returns the history dict (``accuracy``, ``margin``,
        ``loss``: one entry per epoch so far, measured on the training episodes).

        ``validation`` (a Dataset): after every epoch the network is evaluated on it
        (:meth:`evaluate_dataset`, the same numbers) and the history gains
        ``val_accuracy``, ``val_margin`` and ``val_loss`` (the training loss's softmax
        cross-entropy of the output rates); epochs trained without it hold NaN there.
        Without ``validation`` nothing is evaluated. For arrays ``X``, ``y`` pass
        ``glia.Dataset.from_arrays(X, y)`` as ``dataset``.

        Each epoch runs in C++ without the GIL (episodes of a batch in parallel on
        ``n_threads`` threads; a batch with fewer episodes than threads, such as
        ``batch_size=1``, runs them one after another, each stepped by all the threads
        when the network is above the cut-off: the same results on any thread count). Between epochs, with the GIL: the learning-rate schedule
        (``'cosine'``, ``'step'``, or ``f(epoch, epochs) -> scale``), the progress bar when
        ``verbose``, and ``on_epoch(epoch, accuracy, margin)``; an exception raised there
        stops training and propagates. Ctrl-C stops within ~100 ms, leaving the network as
        of the last finished batch.
        """
        epochs = _check_epochs(epochs)
        val_eps = None
        if validation is not None:
            val_eps = episodes_of(validation)
            if not val_eps:
                raise ValueError("the validation data set is empty")
            outs = self._outputs if self._outputs is not None else output_map(self.net, episodes_of(dataset))
            missing = sorted({getattr(ep, "target_id", "") for ep in val_eps} - set(outs))
            if missing:
                raise KeyError(f"validation: targets {missing} are not among the outputs {list(outs)}")
        core, built = self._training_data(dataset, config)
        nt = effective_n_threads(n_threads)
        self._check_outputs_fire(dataset, "start", nt)
        val = None
        if val_eps is not None:
            targets = np.array([self._outputs[ep.target_id] for ep in val_eps], dtype=np.intp)
            val = (core.build(val_eps, self._outputs, True), targets)
        bar = None
        if verbose:
            bar = progress_bar(total=epochs, desc="train", unit="epoch", leave=True, mininterval=0.5)
        try:
            for e in range(epochs):
                if lr_schedule is not None:
                    core.set_lr_scale(_lr_scale(lr_schedule, e, epochs))
                m = core.train_epoch(built, nt, e > 0)
                if val is not None:
                    v = self._validate(core, val, nt)
                if bar is not None:
                    bar.update(1)
                    post = dict(acc=f"{m['accuracy']:.3f}", margin=f"{m['margin']:.3f}",
                                loss=f"{m['loss']:.3f}")
                    if val is not None:
                        post["val_acc"] = f"{v['val_accuracy']:.3f}"
                    bar.set_postfix(post)
                if self._config.verbose and (e + 1) % max(1, self._config.log_every) == 0:
                    log.info("epoch %d/%d: accuracy %.4f, margin %.4f, loss %.4f%s",
                             e + 1, epochs, m["accuracy"], m["margin"], m["loss"],
                             "" if val is None else f", validation accuracy {v['val_accuracy']:.4f}")
                if on_epoch is not None:
                    on_epoch(e, m["accuracy"], m["margin"])
        finally:
            if bar is not None:
                bar.close()
            if lr_schedule is not None:
                core.set_lr_scale(1.0)
        if epochs:
            self._check_outputs_fire(dataset, "end", nt)
        return self.history

    @n_threads_alias
    @keeps_interrupts
    @exclusive
    def train_fast(self, dataset, epochs: int = 10, config: TrainingConfig | None = None,
                   n_threads: int | None = None) -> dict:
        """Trains ``epochs`` epochs in one GIL-free call (no progress bar or callbacks);
        Ctrl-C still stops it. Returns the history dict."""
        epochs = _check_epochs(epochs)
        core, built = self._training_data(dataset, config)
        nt = effective_n_threads(n_threads)
        self._check_outputs_fire(dataset, "start", nt)
        core.train(built, epochs, nt)
        if epochs:
            self._check_outputs_fire(dataset, "end", nt)
        return self.history

    def _validate(self, core, val, nt) -> dict:
        """Evaluates the validation episodes ``val`` (built, target positions) after an
        epoch and records the result against that epoch."""
        built, targets = val
        r = core.evaluate_dataset(built, nt)
        v = {"val_accuracy": r["accuracy"], "val_margin": r["margin"],
             "val_loss": _mean_xent(r["rates"], targets, self._config.grad.temperature)}
        for k in _VAL_KEYS:
            self._val[k].append(v[k])
        self._val_at.append(len(core.history()["accuracy"]) - 1)
        return v

    def _training_data(self, dataset, config, what="the training data set"):
        """The engine trainer and the resolved episodes of a non-empty data set
        (ValueError "<what> is empty")."""
        eps = episodes_of(dataset)
        if not eps:
            raise ValueError(f"{what} is empty")
        core = self._use(config, eps)
        return core, self._resolve(eps)

    @exclusive
    def train_epoch(self, dataset, epochs: int = 1, config: TrainingConfig | None = None) -> dict:
        """GliaGL's name: ``train(dataset, epochs, config, verbose=False)``."""
        return self.train(dataset, epochs, config=config, verbose=False)

    @n_threads_alias
    @keeps_interrupts
    @exclusive
    def train_batch(self, batch, config: TrainingConfig | None = None,
                    n_threads: int | None = None) -> dict:
        """One update from the episodes of ``batch`` (all of them, in order, as one batch).
        Returns that batch's metrics (accuracy, margin, loss, correct, total). Fewer
        episodes than threads run one after another, each stepped by all the threads when
        the network is above the cut-off (as :meth:`train`)."""
        core, built = self._training_data(batch, config, "the batch")
        return core.train_batch(built, effective_n_threads(n_threads))

    def _check_outputs_fire(self, dataset, when: str, n_threads: int) -> None:
        """Warns (``warnings.warn``, a RuntimeWarning) when outputs do not fire on the first
        batch of ``dataset`` (at most ``PROBE_EPISODES`` episodes, from the reset state):
        at the start of the trainer's first training call, naming those outputs and what
        likely keeps them silent; at the end of a call whose last epoch scored 0 (every
        episode a tie), when outputs fired at the start and every one fell silent. Runs on
        the training call's ``n_threads``. ``stacklevel`` points at the caller of train /
        train_fast (past their decorators: n_threads_alias, keeps_interrupts, exclusive)."""
        if when == "start" and self._probed:
            return   # once per trainer: a loop of train calls pays it once
        if when == "end":
            acc = list(self.history.get("accuracy", [])) or [1.0]
            if acc[-1] != 0.0:
                return   # an output decided something in the last epoch: not all silent
        eps = episodes_of(dataset)[:max(PROBE_EPISODES, self._config.batch_size)]
        if not eps:
            return
        if when == "start":
            self._probed = True
        core = self._core
        r = core.evaluate_dataset(core.build(eps, self._outputs, False), n_threads)
        fired = r["rates"].max(axis=0) > 0 if r["rates"].size else np.zeros(0, bool)
        names = list(self._outputs)
        if when == "start":
            self._fired_at_start = bool(fired.any())
        elif self._fired_at_start:
            if len(names) and not fired.any():
                warnings.warn(
                    f"every output ({', '.join(names)}) fell silent during training (no spike on "
                    f"the first {len(eps)} training episodes): each episode is now a tie, which "
                    "is never counted as correct. Likely cause: steps too large for the weights "
                    "(a smaller lr; with Adam keep grad.adam_unit='weights'), or a loss that "
                    "pushed every output down together; an output whose input stays below 0 "
                    "gets no surrogate gradient again under the model's floor (outputs without "
                    "it, net.set_features(ids, floor=False) as glia.networks.layered builds "
                    "them, keep one)", RuntimeWarning, stacklevel=6)
            return
        if when != "start":
            return
        silent = [o for o, f in zip(names, fired) if not f]
        if silent:
            warnings.warn(_silent_outputs_message(self.net, silent, eps), RuntimeWarning,
                          stacklevel=6)

    # ---------------------------------------------------------------- evaluation
    @n_threads_alias
    @keeps_interrupts
    @exclusive
    def evaluate(self, seq, config: TrainingConfig | None = None,
                 n_threads: int | None = None) -> EpisodeMetrics:
        """Runs one episode (an InputSequence, EpisodeData, EpisodeEvents or (T, n_sensory)
        array) from the reset state and returns its :class:`~glia.EpisodeMetrics`. Changes
        nothing. A
        network above the cut-off (``glia._core.PARALLEL_STEP_MIN_WORK``) is stepped by
        ``n_threads`` threads (default: glia's thread count; see docs/threads.md), with
        the result of one thread bit for bit."""
        if isinstance(seq, InputSequence):
            ep = EpisodeData(seq, "")
        elif isinstance(seq, EpisodeData):
            ep = seq
        elif isinstance(seq, EpisodeEvents):
            ep = EpisodeData(None, "", events=seq)
        else:
            ep = EpisodeData(None, "", array=np.asarray(seq, dtype=np.float32))
        core = self._use(config, [ep])
        winner, margin, rates, ticks = core.evaluate(core.build([ep], self._outputs, False),
                                                     effective_n_threads(n_threads))
        names = list(self._outputs)
        return EpisodeMetrics(names[winner] if winner >= 0 else "", margin,
                              dict(zip(names, rates)), ticks)

    @n_threads_alias
    @keeps_interrupts
    @exclusive
    def evaluate_dataset(self, dataset, config: TrainingConfig | None = None,
                         n_threads: int | None = None) -> dict:
        """Evaluates every episode in parallel (GIL released; with fewer episodes than
        threads, one after another, each stepped by all the threads when the network is
        above the cut-off: the same results on any thread count). Returns a dict: accuracy
        (correct / total), margin (mean), episodes, correct, total, ``ties`` (episodes with
        no winner: the top rate shared by two outputs or below ``detector.threshold``, as
        when every output is silent), ``silent`` (of those, episodes where no output fired
        at all), ``errors`` (a winner that is not the target: total - correct - ties), and
        NumPy arrays ``predictions`` (winner ids, '' for none), ``margins`` and ``rates``
        (episodes × outputs). A tie is no decision, never counted as correct; an
        evaluation whose every episode is a tie logs a warning."""
        eps = episodes_of(dataset)
        core = self._use(config, eps)
        r = core.evaluate_dataset(self._resolve(eps), effective_n_threads(n_threads))
        winners = r.pop("winners")
        r["predictions"] = self._winner_names()[winners]
        r["episodes"] = r["total"]
        _count_ties(r, winners)
        return r

    # ---------------------------------------------------------------- state
    @exclusive
    def revert_checkpoint(self) -> bool:
        """Restores the network as of the most recent checkpoint (the start of an epoch);
        False when there is none."""
        if self._core is None:
            return False
        return self._core.revert_checkpoint()

    @property
    @exclusive
    def history(self) -> dict:
        """``{'accuracy': [...], 'margin': [...], 'loss': [...]}``, one entry per epoch;
        after training with ``validation=``, also ``val_accuracy``, ``val_margin`` and
        ``val_loss`` (NaN for epochs trained without it)."""
        if self._core is None:
            return {"accuracy": [], "margin": [], "loss": []}
        h = self._core.history()
        if self._val_at:
            n = len(h["accuracy"])
            for k in _VAL_KEYS:
                col = [math.nan] * n
                for i, x in zip(self._val_at, self._val[k]):
                    if i < n:
                        col[i] = x
                h[k] = col
        return h

    @property
    def epoch_accuracy(self) -> list:
        """GliaGL's name for ``history["accuracy"]``."""
        return self.history["accuracy"]

    @property
    def epoch_margin(self) -> list:
        """GliaGL's name for ``history["margin"]``."""
        return self.history["margin"]

    def get_epoch_acc_history(self) -> list:
        """GliaGL's engine-trainer name for ``history["accuracy"]``."""
        return list(self.history["accuracy"])

    def get_epoch_margin_history(self) -> list:
        """GliaGL's engine-trainer name for ``history["margin"]``."""
        return list(self.history["margin"])

    def __repr__(self):
        kind = {"gradient": "rate-gradient", "hebbian": "reward-modulated",
                "surrogate": "surrogate-gradient"}[self.method]
        return f"<glia.Trainer ({kind}) on {self.net!r}, {len(self.history['accuracy'])} epochs done>"


class _Resolved(NamedTuple):
    """A data set's episodes as the engine has them, and what they were made from."""
    key: tuple           # episode ids, require_target, the network's layout_version
    episodes: object     # the engine's episodes
    marks: list          # _episode_mark of each episode
    edits: int           # _input_edit_count() when they were last known current
    keep: list           # the episode objects, kept alive so that their ids stay theirs


def _episode_mark(ep):
    """What must not change for a resolved episode to be reused: its target, and its array
    (or events) and sequence objects themselves (held, so that a new object cannot take a
    freed one's id) with the sequence's version."""
    seq = getattr(ep, "seq", None)
    arr = getattr(ep, "array", None)
    if arr is None:
        arr = getattr(ep, "events", None)   # read-only: the object itself decides
    if seq is None and isinstance(ep, InputSequence):
        seq = ep
    return (getattr(ep, "target_id", ""), arr, seq, None if seq is None else seq.version)


def _same_marks(old, new) -> bool:
    """Marks compared by identity for the objects (``==`` on arrays would compare
    elements)."""
    if len(old) != len(new):
        return False
    for (t0, a0, s0, v0), (t1, a1, s1, v1) in zip(old, new):
        if t0 != t1 or a0 is not a1 or s0 is not s1 or v0 != v1:
            return False
    return True


#: Episodes the silent-output check runs (at least a batch).
PROBE_EPISODES = 16


def _count_ties(r: dict, winners: np.ndarray) -> None:
    """Adds ``ties``, ``silent`` and ``errors`` to an evaluation dict (see
    Trainer.evaluate_dataset) and logs a warning when every episode was a tie."""
    rates = r["rates"]
    no_winner = winners < 0
    silent = (rates.max(axis=1) <= 0) if rates.shape[1] else np.ones(len(winners), bool)
    r["ties"] = int(no_winner.sum())
    r["silent"] = int((no_winner & silent).sum())
    r["errors"] = int(r["total"] - r["correct"] - r["ties"])
    if r["total"] and r["ties"] == r["total"]:
        log.warning("every one of the %d episodes is a tie (%d with no output firing): the "
                    "network decides nothing, so accuracy is %.2f; see Trainer.evaluate_dataset",
                    r["total"], r["silent"], r["accuracy"])


def _silent_outputs_message(net: Network, silent: list, eps) -> str:
    """Why outputs may not fire: per silent output its threshold, inbound edges and the
    input they carried on the probe episodes (when those are dense arrays)."""
    ids = net.neuron_ids
    pos = {n: i for i, n in enumerate(ids)}
    src, dst, w = net.edges()
    _, _, thr, _ = net.get_state()
    arrays = [ep.array for ep in eps if getattr(ep, "array", None) is not None]
    rate = None
    if arrays and net.num_sensory:
        probe = net.copy()
        rate = np.mean([probe.run(np.asarray(a, np.float32), reset=True, n_threads=1).mean(axis=0)
                        for a in arrays[:4]], axis=0)   # a diagnostic: one thread, no team
    parts = []
    for o in silent[:8]:
        i = pos[o]
        into = dst == i
        drive = ""
        if rate is not None:
            drive = f", mean input {float((w[into] * rate[src[into]]).sum()):.3g} per step"
        parts.append(f"{o} (threshold {thr[i]:.3g}, {int(into.sum())} inbound edges{drive})")
    more = f" and {len(silent) - 8} more" if len(silent) > 8 else ""
    return (f"outputs {', '.join(silent)} did not fire on the first {len(eps)} training "
            f"episodes: {'; '.join(parts)}{more}. Likely cause: thresholds too high for the "
            "input's scale (an output must cross its threshold to have a rate; the surrogate "
            "gradient also fades with the distance below the threshold), or too few spikes "
            "reaching the outputs. glia.networks.layered(..., input_rate=...) picks weights that "
            "make hidden and output neurons fire at a given input rate; outputs without the "
            "floor (net.set_features(ids, floor=False)) keep a gradient when pushed below 0")


def _check_epochs(epochs):
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)):
        hint = ""
        if isinstance(epochs, (np.ndarray, list, tuple)) or hasattr(epochs, "__array__"):
            hint = (f" (train's arguments are (dataset, epochs, ...): {FROM_ARRAYS}, "
                    "as in trainer.train(glia.Dataset.from_arrays(X, y), epochs=10))")
        raise TypeError(f"epochs must be an int, got {type(epochs).__name__}{hint}")
    if epochs < 0:
        raise ValueError(f"epochs must be >= 0, got {epochs}")
    return int(epochs)


class RateGDTrainer(Trainer):
    """The rate-gradient trainer (``Trainer(net, config, method="gradient")``).

    Example::

        tr = glia.RateGDTrainer(net, glia.create_config(optimizer="adamw", lr=0.01))
        tr.train(train, epochs=20)
    """

    def __init__(self, net: Network, config: TrainingConfig | None = None):
        super().__init__(net, config, method="gradient")


class HebbianTrainer(Trainer):
    """The reward-modulated eligibility-trace trainer (``Trainer(net, config,
    method="hebbian")``).

    Example::

        cfg = glia.create_config(**glia.datasets.THREE_CLASS_HEBBIAN_CONFIG)
        tr = glia.HebbianTrainer(glia.datasets.three_class_network(), cfg)
        tr.train(train, epochs=60, lr_schedule="cosine")
    """

    def __init__(self, net: Network, config: TrainingConfig | None = None):
        super().__init__(net, config, method="hebbian")


class SurrogateTrainer(Trainer):
    """Surrogate-gradient back-propagation through time on glia's own neuron model
    (``Trainer(net, config, method="surrogate")``); the same surface as :class:`Trainer`
    plus :meth:`gradients`.

    Per episode, from the reset state, the engine's step runs ``T = warmup_ticks +
    window`` steps (``window`` = ``decision_window``, or when it is 0 the rest of the
    episode's input after the warm-up); the loss is the softmax cross-entropy of the
    output spike counts in the window / (window × ``grad.temperature``). The backward
    pass is exact except for the spike's derivative, replaced by the fast sigmoid
    ``1 / (1 + k |v - threshold|)**2`` with ``k = grad.surrogate_slope``; the reset is
    detached. The README's "Surrogate-gradient trainer" section states the contract.
    Thresholds and leaks stay fixed; the weights are updated by the configured
    optimizer, as with the rate-gradient trainer.

    Example::

        train, test = glia.datasets.digits()
        net = glia.datasets.digits_network(n_hidden=64)
        tr = glia.SurrogateTrainer(net, glia.create_config(optimizer="adam", lr=0.01,
                                                           batch_size=16))
        tr.train(train, epochs=30)
        tr.evaluate_dataset(test)["accuracy"]
    """

    def __init__(self, net: Network, config: TrainingConfig | None = None, use_gradient: bool = True,
                 method: str = "surrogate"):
        if method != "surrogate":
            raise ValueError(f"SurrogateTrainer's method is 'surrogate', got {method!r}")
        super().__init__(net, config, method="surrogate")


    @n_threads_alias
    @keeps_interrupts
    @exclusive
    def gradients(self, data, config: TrainingConfig | None = None,
                  n_threads: int | None = None) -> np.ndarray:
        """The mean over the episodes of ``data`` of dL/dw, a float32 array aligned with
        ``net.get_weights()``' edge order. Changes nothing (no update, no shuffling, no
        timing jitter); the GIL is released and Ctrl-C stops it."""
        core, built = self._training_data(data, config, "the data set")
        return core.gradients(built, effective_n_threads(n_threads))

    @property
    @exclusive
    def scratch_bytes(self) -> int:
        """Bytes of the trainer's own buffers (per-thread episode state, gradient rows) as
        of its last batch."""
        return 0 if self._core is None else self._core.scratch_bytes


@n_threads_alias
@keeps_interrupts
def evaluate_dataset(net: Network, dataset, config: TrainingConfig | None = None,
                     n_threads: int | None = None) -> dict:
    """Evaluates a network on a data set in parallel without making a trainer; see
    :meth:`Trainer.evaluate_dataset`.

    Example::

        r = glia.evaluate_dataset(net, test, n_threads=2)
        print(r["accuracy"], r["predictions"][:5])
    """
    return Trainer(net, config).evaluate_dataset(dataset, n_threads=n_threads)

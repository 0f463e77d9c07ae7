"""Evolution (GliaGL's names): ``glia.Evolution``, ``glia.EvolutionResult``,
``glia.score_population``.

Lamarckian evolution of a base network: generation 0 is the base network plus mutated
copies; every generation each individual is trained ``train_epochs`` epochs on the
training set, scored on the validation set, ranked; the ``elite`` best carry over and the
rest of the population are mutated children of the ``parents_pool`` best.

The individuals of a generation are trained and scored in parallel in C++ (OpenMP over
individuals, the GIL released, each individual's trainer on one thread), or as one task
each on a ``concurrent.futures`` executor or a Dask cluster. Every random draw comes from
``stream_key(seed, generation, individual, purpose)`` and results are combined in
individual order, so a run (best genome, histories, lineage) is bit-identical for any
thread count, across runs, and between the in-process and the distributed paths.

Differences from GliaGL's engine: the best-fitness history is the best seen so far (it
never falls; GliaGL reported each generation's best, which could); ties rank by index;
the inner trainer is the one ``EvolutionConfig.trainer`` names (GliaGL always used its
reward-modulated trainer); ``on_generation`` and ``fitness_fn`` are honoured.
"""
from __future__ import annotations

import json
import logging
import math
import os
import pickle
import tempfile
import uuid
import zlib
from collections import OrderedDict
from concurrent.futures import BrokenExecutor
from typing import Callable, NamedTuple

import numpy as np

from glia._core import (
    PURPOSE_MUTATE,
    PURPOSE_TRAIN_SEED,
    Network,
    _build,
    _choose_parent,
    _evolution_key,
    _mutate,
    _rank,
    _score_networks,
    effective_n_threads,
)
from glia.config import TRAINERS, EvolutionConfig, TrainingConfig
from glia.training import Trainer, _episodes_of, _output_map
from glia._core import write_text_atomic
from glia._util import keeps_interrupts, progress_bar
from glia.snapshot import NetworkSnapshot

__all__ = ["Evolution", "EvolutionResult", "EvoMetrics", "PopulationScores", "score_population",
           "load_lineage"]

log = logging.getLogger("glia")


# ---------------------------------------------------------------- metrics and results
class EvoMetrics:
    """One individual's scores: ``fitness``, ``accuracy`` (alias ``acc``, GliaGL's name),
    ``margin`` (mean over the validation set) and ``edges``.

    Also readable as a mapping: ``m["accuracy"]``, ``m["acc"]``, ``dict(m)``.

    Example::

        def fitness_fn(metrics, base_edges):          # GliaGL's signature
            return metrics.accuracy - 0.1 * metrics.edges / base_edges
    """

    __slots__ = ("fitness", "accuracy", "margin", "edges")
    _KEYS = ("fitness", "accuracy", "margin", "edges")

    def __init__(self, fitness=float("nan"), accuracy=0.0, margin=0.0, edges=0):
        self.fitness = float(fitness)
        self.accuracy = float(accuracy)
        self.margin = float(margin)
        self.edges = int(edges)

    @property
    def acc(self) -> float:
        """GliaGL's name for :attr:`accuracy`."""
        return self.accuracy

    def keys(self):
        """The metric names (mapping protocol)."""
        return self._KEYS

    def __getitem__(self, key):
        if key == "acc":
            key = "accuracy"
        if key not in self._KEYS:
            raise KeyError(key)
        return getattr(self, key)

    def to_dict(self) -> dict:
        """The metrics as a plain dict."""
        return {k: getattr(self, k) for k in self._KEYS}

    def __eq__(self, other):
        return isinstance(other, EvoMetrics) and self.to_dict() == other.to_dict()

    def __reduce__(self):
        return (EvoMetrics, (self.fitness, self.accuracy, self.margin, self.edges))

    def __repr__(self):
        return (f"EvoMetrics(fitness={self.fitness:.6g}, accuracy={self.accuracy:.4f}, "
                f"margin={self.margin:.4f}, edges={self.edges})")


class EvolutionResult:
    """What :meth:`Evolution.run` returns.

    - ``best_genome``: the best individual ever seen, as a :class:`~glia.Network` (the
      genome *is* a network: save it, run it, train it). With ``lamarckian`` it holds the
      trained weights it was scored with; otherwise it is the inherited (untrained) genome
      and ``best_network`` is the trained copy that earned its score.
    - ``best_metrics`` (:class:`EvoMetrics`), ``best_fitness``, ``best_id`` (its lineage
      id), ``best_generation``.
    - per generation: ``best_fitness_hist`` (best so far: never falls), ``best_acc_hist``
      and ``best_margin_hist`` (of that best), ``mean_fitness_hist`` and
      ``median_fitness_hist`` (of the generation's population) and
      ``generation_best_fitness_hist`` (the generation's own best).
    - ``lineage``: one dict per individual of every generation: ``id``, ``parent`` (None in
      generation 0), ``generation``, ``fitness``, ``accuracy``, ``margin``, ``edges``,
      ``elite`` (carried over unchanged from the previous generation).
    - ``base_edges``: the base network's edge count (the sparsity normaliser).

    Example::

        result = evo.run()
        print(result.best_fitness, result.best_acc_hist)
        result.best_genome.save("best.net")
        result.save_lineage("lineage.json")
    """

    def __init__(self, base_edges: int = 1, config: dict | None = None):
        self.best_genome: Network | None = None
        self.best_network: Network | None = None
        self.best_metrics: EvoMetrics | None = None
        self.best_id: int | None = None
        self.best_generation: int | None = None
        self.best_fitness_hist: list = []
        self.best_acc_hist: list = []
        self.best_margin_hist: list = []
        self.mean_fitness_hist: list = []
        self.median_fitness_hist: list = []
        self.generation_best_fitness_hist: list = []
        self.lineage: list = []
        self.base_edges = int(base_edges)
        self.config = dict(config or {})

    @property
    def best_fitness(self) -> float:
        """The best fitness ever seen."""
        return self.best_metrics.fitness if self.best_metrics is not None else float("nan")

    @property
    def generations(self) -> int:
        """Generations completed."""
        return len(self.best_fitness_hist)

    def to_network(self) -> Network:
        """A copy of the best genome."""
        if self.best_genome is None:
            raise ValueError("the result holds no genome (no generation completed)")
        return self.best_genome.copy()

    def histories(self) -> dict:
        """Every per-generation history as a dict of lists."""
        return {k: list(getattr(self, k)) for k in (
            "best_fitness_hist", "best_acc_hist", "best_margin_hist", "mean_fitness_hist",
            "median_fitness_hist", "generation_best_fitness_hist")}

    def to_dict(self) -> dict:
        """Histories, best metrics, lineage and config as plain Python (JSON-ready)."""
        return {**self.histories(),
                "best_metrics": None if self.best_metrics is None else self.best_metrics.to_dict(),
                "best_id": self.best_id, "best_generation": self.best_generation,
                "base_edges": self.base_edges, "lineage": [dict(n) for n in self.lineage],
                "config": dict(self.config)}

    def save_lineage(self, path) -> None:
        """Writes the lineage as JSON (``{"nodes": [...], "base_edges": ..., "config":
        ...}``, read back by :func:`load_lineage` and ``glia.viz.plot_lineage``); the file
        is replaced atomically."""
        doc = {"nodes": self.lineage, "base_edges": self.base_edges, "config": self.config}
        _write_json_atomic(os.fspath(path), doc)

    def _repr_html_(self):
        if self.best_metrics is None:
            return "<p>EvolutionResult: no generation completed</p>"
        m = self.best_metrics
        rows = [("generations", self.generations), ("best fitness", f"{m.fitness:.4f}"),
                ("accuracy", f"{m.accuracy:.3f}"), ("margin", f"{m.margin:.3f}"),
                ("edges", f"{m.edges} (base {self.base_edges})"),
                ("best id / generation", f"{self.best_id} / {self.best_generation}"),
                ("individuals in lineage", len(self.lineage))]
        body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
        return f"<table><caption>glia.EvolutionResult</caption>{body}</table>"

    def __repr__(self):
        if self.best_metrics is None:
            return "<EvolutionResult: no generation completed>"
        m = self.best_metrics
        return (f"<EvolutionResult: {self.generations} generations, best fitness {m.fitness:.4f} "
                f"(accuracy {m.accuracy:.3f}, margin {m.margin:.3f}, {m.edges} edges; "
                f"id {self.best_id}, generation {self.best_generation})>")


def load_lineage(path) -> list:
    """The lineage written by ``EvolutionConfig.lineage_json`` /
    :meth:`EvolutionResult.save_lineage`: a list of dicts (``id``, ``parent``,
    ``generation``, ``fitness``, ``accuracy``, ``margin``, ``edges``, ``elite``).

    Example::

        glia.viz.plot_lineage(glia.load_lineage("lineage.json"))
    """
    with open(os.fspath(path), encoding="utf-8") as f:
        doc = json.load(f)
    nodes = doc["nodes"] if isinstance(doc, dict) else doc
    if not isinstance(nodes, list):
        raise ValueError(f"{path}: expected a JSON list of nodes or a dict with 'nodes'")
    return nodes


def _write_json_atomic(path: str, doc) -> None:
    write_text_atomic(path, json.dumps(doc, indent=1) + "\n")


# ---------------------------------------------------------------- shared helpers
def _check_train_config(config) -> TrainingConfig:
    return Trainer._check_config(config).copy()


def _check_evo_config(config) -> EvolutionConfig:
    if config is None:
        return EvolutionConfig()
    if isinstance(config, dict):
        return EvolutionConfig.from_dict(config)
    if not isinstance(config, EvolutionConfig):
        raise TypeError(f"evo_config must be a glia.EvolutionConfig, got {type(config).__name__}")
    config.validate()
    return config.copy()


def _default_index(config: TrainingConfig, outputs: dict) -> int:
    d = config.detector.default_id
    if not d:
        return -1
    if d not in outputs:
        raise KeyError(f"detector.default_id {d!r} is not an output ({list(outputs)})")
    return outputs[d]


def _output_indices(net: Network, outputs: dict) -> list:
    pos = {n: i for i, n in enumerate(net.neuron_ids)}
    return [pos[o] for o in outputs]


class _Task:
    """Everything an individual's training and scoring needs besides its genome and seed:
    shipped once per worker (picklable; the episodes are rebuilt on the worker)."""

    def __init__(self, train, val, config: dict, target_index: dict, outputs: list,
                 default_index: int, kind: int, train_epochs: int):
        self.train = list(train)
        self.val = list(val)
        self.config = config
        self.target_index = target_index
        self.outputs = outputs
        self.default_index = default_index
        self.kind = kind    # the trainer's position in TRAINERS
        self.train_epochs = train_epochs

    def build(self, net: Network):
        train = _build(net, self.train, self.target_index, True) if self.train_epochs > 0 else _build(net, [], {})
        val = _build(net, self.val, self.target_index, True)
        return train, val

    def score(self, nets: list, seeds: list, built, n_threads: int) -> dict:
        train, val = built
        return _score_networks(nets, train, val, self.config, self.outputs, self.kind,
                               self.train_epochs, seeds, n_threads, self.default_index)


# ---------------------------------------------------------------- remote execution
_NEED_DATA = "glia.evolution:need-data"
_WORKER_CACHE: OrderedDict = OrderedDict()   # token -> (task, built episodes), per process
_WORKER_CACHE_SIZE = 4


def _remote_score(token: str, task, genome: Network, seed: int):
    """One individual on a worker: train (in place: the genome arrived as a copy) and score
    on one thread.

    ``task`` is the _Task itself (Dask: scattered once to every worker), its compressed
    pickle (bytes), or ("file", path) naming that pickle in a file the driver wrote: a
    worker on the driver's machine reads it once, with nothing sent through the pipe. A
    worker that cannot read it answers _NEED_DATA and the driver resends with the bytes.
    The worker keeps the task and its resolved episodes under ``token``."""
    entry = _WORKER_CACHE.get(token)
    if entry is None:
        if isinstance(task, tuple):
            try:
                with open(task[1], "rb") as f:
                    task = f.read()
            except OSError:
                return _NEED_DATA
        if task is None:
            return _NEED_DATA
        if isinstance(task, bytes):
            task = pickle.loads(zlib.decompress(task))
        entry = (task, task.build(genome))
        _WORKER_CACHE[token] = entry
        while len(_WORKER_CACHE) > _WORKER_CACHE_SIZE:
            _WORKER_CACHE.popitem(last=False)
    else:
        _WORKER_CACHE.move_to_end(token)
    task, built = entry
    r = task.score([genome], [seed], built, 1)
    return genome, float(r["accuracy"][0]), float(r["margin"][0]), int(r["edges"][0])


def _is_dask_client(executor) -> bool:
    return (type(executor).__module__.split(".")[0] == "distributed"
            and hasattr(executor, "scatter") and hasattr(executor, "submit"))


class _LocalScorer:
    def __init__(self, task: _Task, base: Network, n_threads: int):
        self.task = task
        self.built = task.build(base)
        self.n_threads = n_threads

    def score(self, genomes, seeds):
        work = [g.copy() for g in genomes]
        r = self.task.score(work, seeds, self.built, self.n_threads)
        return work, r["accuracy"], r["margin"], r["edges"]

    def close(self):
        pass


class _ExecutorScorer:
    """One task per individual on a concurrent.futures Executor or a Dask Client."""

    def __init__(self, task: _Task, executor, token: str):
        if not (hasattr(executor, "submit")):
            raise TypeError("executor must be a concurrent.futures.Executor or a "
                            f"dask.distributed.Client, got {type(executor).__name__}")
        self.task = task
        self.executor = executor
        self.token = token
        self.dask = _is_dask_client(executor)
        self.data = executor.scatter(task, broadcast=True, hash=False) if self.dask else None
        # pickled once here; a worker unpickles (and resolves the episodes) once per run
        # (compressed: spike inputs are mostly zeros)
        self.blob = None if self.dask else zlib.compress(
            pickle.dumps(task, protocol=pickle.HIGHEST_PROTOCOL), 1)
        self.path = None
        if self.blob is not None:
            fd, self.path = tempfile.mkstemp(prefix="glia-evolution-", suffix=".pkl.z")
            with os.fdopen(fd, "wb") as f:
                f.write(self.blob)
        self.pending = []
        self.data_sent = 0   # tasks that carried the data bytes (concurrent.futures executors)

    def _submit(self, genome, seed, with_data):
        if self.dask:
            return self.executor.submit(_remote_score, self.token, self.data, genome, seed,
                                        pure=False)
        self.data_sent += with_data
        return self.executor.submit(_remote_score, self.token,
                                    self.blob if with_data else ("file", self.path), genome, seed)

    def score(self, genomes, seeds):
        n = len(genomes)
        # copies: a thread-based executor would otherwise train the genomes themselves
        genomes = [g.copy() for g in genomes]
        futures = [self._submit(g, s, False) for g, s in zip(genomes, seeds)]
        self.pending = list(futures)
        out = [None] * n
        try:
            for i in range(n):   # combined in individual order, whatever the completion order
                r = futures[i].result()
                if isinstance(r, str) and r == _NEED_DATA:
                    futures[i] = self._submit(genomes[i], seeds[i], True)
                    self.pending.append(futures[i])
                    r = futures[i].result()
                out[i] = r
        except BrokenExecutor as e:
            # a concurrent.futures pool cannot replace a dead worker: it is broken for good
            # (a Dask cluster reschedules the tasks of a dead worker and never gets here)
            raise type(e)(
                f"a worker process of the executor died (or could not start) while scoring "
                f"this generation's individuals: {e} The executor cannot be used again: "
                f"make a new executor and run again (the run is deterministic, so it gives "
                f"the same result; Evolution.result holds the generations completed).") from e
        self.pending = []
        work = [r[0] for r in out]
        acc = np.array([r[1] for r in out], dtype=np.float64)
        margin = np.array([r[2] for r in out], dtype=np.float64)
        edges = np.array([r[3] for r in out], dtype=np.int64)
        return work, acc, margin, edges

    def close(self):
        for f in self.pending:   # after an error or Ctrl-C: drop what has not run
            try:
                f.cancel()
            except Exception:
                pass
        self.pending = []
        if self.path is not None:
            try:
                os.unlink(self.path)
            except OSError:
                pass
            self.path = None
        if self.dask and self.data is not None:
            try:
                self.executor.cancel([self.data])
            except Exception:
                pass
            self.data = None


# ---------------------------------------------------------------- Evolution
class Evolution:
    """Evolves a base network (GliaGL's ``Evolution``).

    ``network`` is a ``.net`` path (GliaGL's ``network_path=`` keyword works too) or a
    :class:`~glia.Network` (copied: it is never changed). ``train_data`` and ``val_data``
    are :class:`~glia.Dataset` objects or lists of :class:`~glia.EpisodeData`;
    ``train_config`` configures the inner trainer (None: defaults) and ``evo_config`` the
    search (an :class:`~glia.EvolutionConfig`, a dict, or None for the defaults).

    Everything is checked here, before any work: a missing or malformed network file, an
    empty validation set (or an empty training set when ``train_epochs`` > 0), targets
    that name no output, bad configuration values.

    Example::

        train, val = glia.datasets.three_class().split(0.75, seed=0)
        evo = glia.Evolution(glia.datasets.three_class_network(), train, val,
                             glia.create_config(lr=0.05, batch_size=4),
                             glia.create_evo_config(population=8, generations=5))
        result = evo.run()
        best = result.best_genome          # a glia.Network
        glia.plot_evolution_result(result)
    """

    def __init__(self, network=None, train_data=None, val_data=None, train_config=None,
                 evo_config=None, *, network_path=None):
        if network_path is not None:
            if network is not None:
                raise TypeError("give the base network once: network or network_path")
            network = network_path
        if network is None:
            raise TypeError("Evolution needs a base network (a .net path or a glia.Network)")
        self._base, self._network_path = _load_base(network)
        self._train_config = _check_train_config(train_config)
        self._evo_config = _check_evo_config(evo_config)
        if train_data is None:
            train_data = []
        if val_data is None:
            raise TypeError("Evolution needs validation data (val_data)")
        self._train_eps = _episodes_of(train_data)
        self._val_eps = _episodes_of(val_data)
        if not self._val_eps:
            raise ValueError("the validation data set is empty: nothing to score individuals on")
        if not self._train_eps and self._evo_config.train_epochs > 0:
            raise ValueError(f"the training data set is empty but train_epochs is "
                             f"{self._evo_config.train_epochs} (use train_epochs=0 to evolve "
                             f"without training)")
        self._outputs = _output_map(self._base, self._train_eps + self._val_eps)
        self._default_index = _default_index(self._train_config, self._outputs)
        # resolve both sets now: unknown targets or neurons, bad shapes fail here
        self._task = self._make_task(self._evo_config)
        self._task.build(self._base)
        self.result: EvolutionResult | None = None
        self._token = uuid.uuid4().hex

    # ---------------------------------------------------------------- properties
    @property
    def config(self) -> EvolutionConfig:
        """The evolution configuration (GliaGL's name)."""
        return self._evo_config

    evo_config = config

    @property
    def train_config(self) -> TrainingConfig:
        """The inner trainer's configuration."""
        return self._train_config

    @property
    def base_network(self) -> Network:
        """A copy of the base network."""
        return self._base.copy()

    @property
    def base_edges(self) -> int:
        """The base network's edge count (the sparsity normaliser, at least 1)."""
        return max(1, self._base.num_connections)

    def _make_task(self, evo: EvolutionConfig) -> _Task:
        return _Task(self._train_eps if evo.train_epochs > 0 else [], self._val_eps,
                     self._train_config.to_dict(), dict(self._outputs),
                     _output_indices(self._base, self._outputs), self._default_index,
                     TRAINERS.index(evo.trainer), evo.train_epochs)

    # ---------------------------------------------------------------- the run
    @keeps_interrupts
    def run(self, on_generation: Callable | None = None, fitness_fn: Callable | None = None,
            verbose: bool = True, num_threads: int | None = None, executor=None) -> EvolutionResult:
        """Runs ``generations`` generations and returns an :class:`EvolutionResult`.

        Each generation's individuals are trained and scored in one GIL-free C++ call,
        in parallel on ``num_threads`` threads (one individual per thread at a time) —
        or, with ``executor`` (a ``concurrent.futures.Executor`` such as a
        ``ProcessPoolExecutor``, or a Dask ``distributed.Client``), as one task per
        individual on its workers; the data go to each worker once. The result is the
        same, bit for bit, whatever the thread count or executor.

        Then, with the GIL, in individual order:

        - ``fitness_fn(metrics, base_edges) -> float`` (GliaGL's signature), if given,
          replaces the default fitness ``w_acc*acc + w_margin*margin -
          w_sparsity*edges/base_edges``. It is called once per individual with an
          :class:`EvoMetrics` (``accuracy``/``acc``, ``margin``, ``edges`` and
          ``fitness``, the default fitness; also readable as a dict) and the base
          network's edge count.
        - ``on_generation(gen, best_genome, best_metrics)`` after each generation, with
          the best individual so far (a Network — do not modify it — and its
          :class:`EvoMetrics`).

        An exception in either stops the run and propagates; so does Ctrl-C
        (KeyboardInterrupt, within about 100 ms plus one batch). The base network is
        never changed; ``self.result`` holds the generations completed so far.
        ``verbose`` shows a progress bar (tqdm) with the best fitness.
        """
        if on_generation is not None and not callable(on_generation):
            raise TypeError("on_generation must be callable")
        if fitness_fn is not None and not callable(fitness_fn):
            raise TypeError("fitness_fn must be callable")
        evo = _check_evo_config(self._evo_config)
        task = self._make_task(evo)
        if executor is None:
            scorer = _LocalScorer(task, self._base, effective_n_threads(num_threads))
        else:
            # workers keep the data under this token: later runs need not send it again
            token = f"{self._token}:{evo.trainer}:{evo.train_epochs}"
            scorer = _ExecutorScorer(task, executor, token)
        try:
            return self._run(evo, scorer, on_generation, fitness_fn, verbose)
        finally:
            scorer.close()

    def _run(self, evo, scorer, on_generation, fitness_fn, verbose):
        P, G, E, R = evo.population, evo.generations, evo.elite, evo.parents_pool
        seed = evo.seed
        sig = (evo.sigma_w, evo.sigma_thr, evo.sigma_leak)
        base_edges = self.base_edges
        result = EvolutionResult(base_edges, evo.to_dict())
        self.result = result

        pop = []
        for i in range(P):
            g = self._base.copy()
            if i > 0:
                _mutate(g, *sig, _evolution_key(seed, 0, i, PURPOSE_MUTATE))
            pop.append(g)
        ids = list(range(P))
        parents = [None] * P
        elite = [False] * P
        next_id = P
        best_f = float("nan")

        bar = None
        if verbose:
            bar = progress_bar(total=G, desc="evolve", unit="gen", leave=True)
        try:
            for gen in range(G):
                seeds = [_evolution_key(seed, gen, i, PURPOSE_TRAIN_SEED) for i in range(P)]
                trained, acc, margin, edges = scorer.score(pop, seeds)
                fitness = self._fitness(evo, acc, margin, edges, base_edges, fitness_fn)
                genomes = trained if evo.lamarckian else pop
                for i in range(P):
                    result.lineage.append({
                        "id": ids[i], "parent": parents[i], "generation": gen,
                        "fitness": float(fitness[i]), "accuracy": float(acc[i]),
                        "margin": float(margin[i]), "edges": int(edges[i]), "elite": elite[i]})
                order = _rank(fitness)
                b = int(order[0])
                fb = float(fitness[b])
                if result.best_metrics is None or fb > best_f or (math.isnan(best_f) and not math.isnan(fb)):
                    best_f = fb
                    result.best_genome = genomes[b]
                    result.best_network = trained[b]
                    result.best_metrics = EvoMetrics(fb, acc[b], margin[b], edges[b])
                    result.best_id = ids[b]
                    result.best_generation = gen
                bm = result.best_metrics
                result.best_fitness_hist.append(bm.fitness)
                result.best_acc_hist.append(bm.accuracy)
                result.best_margin_hist.append(bm.margin)
                result.mean_fitness_hist.append(float(np.mean(fitness)))
                result.median_fitness_hist.append(float(np.median(fitness)))
                result.generation_best_fitness_hist.append(fb)
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(best=f"{bm.fitness:.4f}", acc=f"{bm.accuracy:.3f}")
                log.debug("generation %d/%d: best fitness %.6g (accuracy %.4f, margin %.4f), "
                          "mean %.6g", gen + 1, G, bm.fitness, bm.accuracy, bm.margin,
                          result.mean_fitness_hist[-1])
                if on_generation is not None:
                    on_generation(gen, result.best_genome, bm)
                if gen + 1 == G:
                    break
                # the next generation: elites, then mutated children of the best R
                new_pop, new_parents = [], []
                for k in range(E):
                    j = int(order[k])
                    new_pop.append(genomes[j])
                    new_parents.append(ids[j])
                for slot in range(E, P):
                    j = int(order[_choose_parent(seed, gen + 1, slot, R)])
                    child = genomes[j].copy()
                    _mutate(child, *sig, _evolution_key(seed, gen + 1, slot, PURPOSE_MUTATE))
                    new_pop.append(child)
                    new_parents.append(ids[j])
                pop = new_pop
                parents = new_parents
                elite = [k < E for k in range(P)]
                ids = list(range(next_id, next_id + P))
                next_id += P
        finally:
            if bar is not None:
                bar.close()
        if evo.lineage_json:
            result.save_lineage(evo.lineage_json)
        return result

    @staticmethod
    def _fitness(evo, acc, margin, edges, base_edges, fitness_fn):
        default = (evo.w_acc * acc + evo.w_margin * margin
                   - evo.w_sparsity * (edges.astype(np.float64) / base_edges))
        if fitness_fn is None:
            return default
        out = np.empty(len(acc), dtype=np.float64)
        for i in range(len(acc)):
            f = fitness_fn(EvoMetrics(default[i], acc[i], margin[i], edges[i]), base_edges)
            try:
                out[i] = float(f)
            except (TypeError, ValueError):
                raise TypeError(f"fitness_fn must return a real number, got {type(f).__name__} "
                                f"{f!r}") from None
        return out

    def plot_history(self, show: bool = True, save_path=None):
        """Plots the last run's histories (GliaGL's name; see :func:`glia.plot_evolution_result`)
        and returns the Figure. Raises ValueError before any run."""
        if self.result is None:
            raise ValueError("no run yet: call run() first")
        from glia.viz import plot_evolution_result
        return plot_evolution_result(self.result, save_path=save_path, show=show)

    # ---------------------------------------------------------------- helpers
    @staticmethod
    def load_best_genome(network, result) -> Network:
        """The best genome of ``result`` as a new Network (GliaGL's name). ``network`` is
        the base network (path or Network) the run started from: its neurons must be the
        genome's."""
        base, _ = _load_base(network)
        genome = result.best_genome if isinstance(result, EvolutionResult) else result
        if isinstance(genome, NetworkSnapshot):        # GliaGL's genome records
            genome.apply_to(base)
            return base
        if not isinstance(genome, Network):
            raise TypeError("result must be an EvolutionResult (or its best_genome Network), "
                            f"got {type(result).__name__}")
        if base.neuron_ids != genome.neuron_ids:
            raise ValueError("the genome's neurons differ from the base network's: it comes "
                             "from another network")
        return genome.copy()

    def __repr__(self):
        e = self._evo_config
        src = self._network_path or "<Network>"
        return (f"<Evolution of {src}: population {e.population}, generations {e.generations}, "
                f"{len(self._train_eps)} training / {len(self._val_eps)} validation episodes>")


def _load_base(network):
    if isinstance(network, Network):
        return network.copy(), None
    try:
        path = os.fspath(network)
    except TypeError:
        raise TypeError("network must be a .net path or a glia.Network, got "
                        f"{type(network).__name__}") from None
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    return Network.from_file(path, verbose=False), path


# ---------------------------------------------------------------- score_population
class PopulationScores(NamedTuple):
    """Per-network scores, by network index: ``accuracy`` and ``margin`` (float64) and
    ``edges`` (int64).

    Example::

        acc, margin, edges = glia.score_population(pop, val, cfg)
    """
    accuracy: np.ndarray
    margin: np.ndarray
    edges: np.ndarray


@keeps_interrupts
def score_population(networks, dataset, config: TrainingConfig | None = None,
                     train_epochs: int = 0, num_threads: int | None = None, *,
                     train_data=None, trainer: str = "gradient", seeds=None,
                     return_networks: bool = False):
    """Scores a list of Networks on ``dataset`` in one parallel, GIL-free call (OpenMP
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
    if isinstance(networks, Network):
        raise TypeError("networks must be a list of glia.Network objects, not one Network")
    nets = list(networks)
    for k, n in enumerate(nets):
        if not isinstance(n, Network):
            raise TypeError(f"networks[{k}] must be a glia.Network, got {type(n).__name__}")
    if isinstance(train_epochs, bool) or not isinstance(train_epochs, (int, np.integer)):
        raise TypeError(f"train_epochs must be an int, got {type(train_epochs).__name__}")
    if train_epochs < 0:
        raise ValueError(f"train_epochs must be >= 0, got {train_epochs}")
    if trainer not in TRAINERS:
        raise ValueError(f"trainer must be one of {', '.join(map(repr, TRAINERS))}, got {trainer!r}")
    cfg = _check_train_config(config)
    nt = effective_n_threads(num_threads)
    val_eps = _episodes_of(dataset)
    if not val_eps:
        raise ValueError("the data set to score on is empty")
    train_eps = _episodes_of(train_data) if train_data is not None else val_eps
    if train_epochs > 0 and not train_eps:
        raise ValueError("the training data set is empty")
    if seeds is None:
        seeds = [cfg.seed] * len(nets)
    else:
        seeds = [int(s) for s in seeds]
        if len(seeds) != len(nets):
            raise ValueError(f"seeds has {len(seeds)} entries for {len(nets)} networks")
    if not nets:
        empty = PopulationScores(np.zeros(0), np.zeros(0), np.zeros(0, dtype=np.int64))
        return (empty, []) if return_networks else empty
    outputs = _output_map(nets[0], (train_eps if train_epochs > 0 else []) + val_eps)
    task = _Task(train_eps if train_epochs > 0 else [], val_eps, cfg.to_dict(), dict(outputs),
                 _output_indices(nets[0], outputs), _default_index(cfg, outputs),
                 TRAINERS.index(trainer), int(train_epochs))
    built = task.build(nets[0])
    if train_epochs > 0 or return_networks or len({id(n) for n in nets}) < len(nets):
        nets = [n.copy() for n in nets]
    r = task.score(nets, seeds, built, nt)
    scores = PopulationScores(r["accuracy"], r["margin"], r["edges"])
    return (scores, nets) if return_networks else scores

"""The :class:`Evolution` search: construction (every check before any work) and the
generation loop (scoring, fitness, ranking, lineage, callbacks, breeding)."""
from __future__ import annotations

import logging
import math
import os
import uuid
from typing import Callable

import numpy as np

from glia._core import Network, _Busy, _breed, _rank, effective_n_threads
from glia.config import EvolutionConfig, TrainingConfig
from glia.evolution._executors import _DataPool, _ExecutorScorer, _LocalScorer
from glia.evolution._results import EvoMetrics, EvolutionResult
from glia.evolution._scoring import _Data, _Settings
from glia._shared import default_index, episodes_of, exclusive, output_map
from glia._util import keeps_interrupts, n_threads_alias, progress_bar
from glia.snapshot import NetworkSnapshot

log = logging.getLogger("glia")


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


def _first_generation(evo: EvolutionConfig, base: Network, n_threads: int):
    """Generation 0 and its trainer seeds: the base network (a copy) and population - 1
    mutated copies of it, bred from the base alone kept as the one elite."""
    children, _, seeds = _breed([base], [0], evo.population, 1, 1, evo.sigma_w, evo.sigma_thr,
                                evo.sigma_leak, evo.seed, 0, n_threads)
    return [base.copy()] + children, seeds


def _next_generation(evo: EvolutionConfig, genomes: list, order, generation: int, n_threads: int):
    """One engine call: (children, every slot's parent index, trainer seeds)."""
    return _breed(genomes, order, evo.population, evo.elite, evo.parents_pool, evo.sigma_w,
                  evo.sigma_thr, evo.sigma_leak, evo.seed, generation, n_threads)


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
        self._train_config = TrainingConfig._from_arg(train_config, "train_config", copy=True)
        self._evo_config = EvolutionConfig._from_arg(evo_config, "evo_config", copy=True)
        if train_data is None:
            train_data = []
        if val_data is None:
            raise TypeError("Evolution needs validation data (val_data)")
        self._train_eps = episodes_of(train_data)
        self._val_eps = episodes_of(val_data)
        if not self._val_eps:
            raise ValueError("the validation data set is empty: nothing to score individuals on")
        if not self._train_eps and self._evo_config.train_epochs > 0:
            raise ValueError(f"the training data set is empty but train_epochs is "
                             f"{self._evo_config.train_epochs} (use train_epochs=0 to evolve "
                             f"without training)")
        outputs = output_map(self._base, self._train_eps + self._val_eps)
        self._data = _Data(self._train_eps, self._val_eps, self._base, outputs,
                           default_index(self._train_config, outputs))
        # resolve the sets now: unknown targets or neurons, bad shapes fail here
        self._data.built(self._base, False)
        if self._evo_config.train_epochs > 0:
            self._data.built(self._base, True)
        self.result: EvolutionResult | None = None
        self._token = uuid.uuid4().hex
        # run() from a second thread, or from a callback of a run, raises RuntimeError
        self._busy = _Busy("Evolution", "make one Evolution per thread", False)

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

    def process_pool(self, max_workers: int | None = None, mp_context=None, **kwargs):
        """A ``concurrent.futures.ProcessPoolExecutor`` for :meth:`run`'s ``executor``
        whose worker processes receive this evolution's data once, as they start (its
        ``initializer``); each task then carries only a genome, its seed and the run's
        settings. ``max_workers``, ``mp_context`` and other keywords (e.g.
        ``max_tasks_per_child``) go to the ProcessPoolExecutor. Use it as a context
        manager, or call ``shutdown()``.

        Example::

            with evo.process_pool(4) as pool:
                result = evo.run(executor=pool)
        """
        if self._evo_config.train_epochs > 0:
            self._data.built(self._base, True)   # fail here, not in every worker
        return _DataPool(self._token, self._data, max_workers, mp_context, **kwargs)

    def _settings(self, evo: EvolutionConfig) -> _Settings:
        return _Settings(self._train_config.to_dict(), evo.trainer,
                         evo.train_epochs)

    # ---------------------------------------------------------------- the run
    @n_threads_alias
    @keeps_interrupts
    @exclusive
    def run(self, on_generation: Callable | None = None, fitness_fn: Callable | None = None,
            verbose: bool = True, n_threads: int | None = None, executor=None) -> EvolutionResult:
        """Runs ``generations`` generations and returns an :class:`EvolutionResult`.

        Each generation's individuals are trained and scored in one GIL-free C++ call,
        in parallel on ``n_threads`` threads (one individual per thread at a time) —
        or, with ``executor`` (a ``concurrent.futures.Executor``, best one made by
        :meth:`process_pool`, or a Dask ``distributed.Client``), as one task per
        individual on its workers: the data go to each worker once (a Dask client
        broadcasts them, a :meth:`process_pool` installs them as its workers start; any
        other executor gets them with every task). Breeding the next generation (parent
        choice, copies, mutation) is one GIL-free C++ call on ``n_threads`` threads.
        The result is the same, bit for bit, whatever the thread count or executor.

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

        One run at a time: ``run()`` on this Evolution from another thread while it runs
        (or from one of its own callbacks) raises RuntimeError.
        ``verbose`` shows a progress bar (tqdm) with the best fitness.
        """
        if on_generation is not None and not callable(on_generation):
            raise TypeError("on_generation must be callable")
        if fitness_fn is not None and not callable(fitness_fn):
            raise TypeError("fitness_fn must be callable")
        evo = EvolutionConfig._from_arg(self._evo_config, "evo_config", copy=True)
        settings = self._settings(evo)
        if evo.train_epochs > 0:
            self._data.built(self._base, True)
        nt = effective_n_threads(n_threads)
        if executor is None:
            scorer = _LocalScorer(self._data, settings, nt)
        else:
            scorer = _ExecutorScorer(self._data, settings, executor, self._token)
        try:
            return self._run(evo, scorer, nt, on_generation, fitness_fn, verbose)
        finally:
            scorer.close()

    def _run(self, evo, scorer, n_threads, on_generation, fitness_fn, verbose):
        P, G = evo.population, evo.generations
        result = EvolutionResult(self.base_edges, evo.to_dict())
        self.result = result
        pop, seeds = _first_generation(evo, self._base, n_threads)
        ids, parents, elite = list(range(P)), [None] * P, [False] * P
        bar = progress_bar(total=G, desc="evolve", unit="gen", leave=True) if verbose else None
        try:
            for gen in range(G):
                trained, acc, margin, edges = scorer.score(pop, seeds)
                fitness = self._fitness(evo, acc, margin, edges, fitness_fn)
                genomes = trained if evo.lamarckian else pop
                for i in range(P):
                    result.lineage.append({
                        "id": ids[i], "parent": parents[i], "generation": gen,
                        "fitness": float(fitness[i]), "accuracy": float(acc[i]),
                        "margin": float(margin[i]), "edges": int(edges[i]), "elite": elite[i]})
                order = _rank(fitness)
                self._record(result, gen, order, fitness, genomes, trained, acc, margin, edges, ids)
                bm = result.best_metrics
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
                # the next generation: elites, then mutated children of the best parents_pool
                children, src, seeds = _next_generation(evo, genomes, order, gen + 1, n_threads)
                pop = [genomes[j] for j in src[:evo.elite]] + children
                parents = [ids[j] for j in src]
                elite = [k < evo.elite for k in range(P)]
                ids = list(range((gen + 1) * P, (gen + 2) * P))
        finally:
            if bar is not None:
                bar.close()
        if evo.lineage_json:
            result.save_lineage(evo.lineage_json)
        return result

    @staticmethod
    def _record(result, gen, order, fitness, genomes, trained, acc, margin, edges, ids):
        """Keeps the best individual so far and appends the generation's histories."""
        b = int(order[0])
        fb = float(fitness[b])
        best_f = result.best_fitness
        if result.best_metrics is None or fb > best_f or (math.isnan(best_f) and not math.isnan(fb)):
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

    def _fitness(self, evo, acc, margin, edges, fitness_fn):
        base_edges = self.base_edges
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

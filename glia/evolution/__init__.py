"""Evolution (GliaGL's names): ``glia.Evolution``, ``glia.EvolutionResult``,
``glia.score_population``.

Lamarckian evolution of a base network: generation 0 is the base network plus mutated
copies; every generation each individual is trained ``train_epochs`` epochs on the
training set, scored on the validation set, ranked; the ``elite`` best carry over and the
rest of the population are mutated children of the ``parents_pool`` best.

The individuals of a generation are trained and scored in parallel in C++ (worker threads over
individuals, the GIL released, each individual's trainer on one thread), or as one task
each on a ``concurrent.futures`` executor or a Dask cluster (the data reach each worker
once: ``Evolution.process_pool``'s initializer, ``Client.scatter``). A generation is bred
(parent choice, copies, mutation) in one C++ call. Every random draw comes from
``stream_key(seed, generation, individual, purpose)`` and results are combined in
individual order, so a run (best genome, histories, lineage) is bit-identical for any
thread count, across runs, and between the in-process and the distributed paths.

Differences from GliaGL's engine: the best-fitness history is the best seen so far (it
never falls; GliaGL reported each generation's best, which could); ties rank by index;
the inner trainer is the one ``EvolutionConfig.trainer`` names (GliaGL always used its
reward-modulated trainer); ``on_generation`` and ``fitness_fn`` are honoured.

The modules: ``_results`` (what a run returns), ``_scoring`` (the data, one engine call,
``score_population``), ``_executors`` (in process, process pools, Dask), ``_run`` (the
``Evolution`` class and its generation loop).
"""
from glia.evolution._results import EvoMetrics, EvolutionResult, load_lineage
from glia.evolution._run import Evolution
from glia.evolution._scoring import PopulationScores, score_population

__all__ = ["Evolution", "EvolutionResult", "EvoMetrics", "PopulationScores", "score_population",
           "load_lineage"]

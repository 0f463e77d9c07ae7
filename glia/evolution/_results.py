"""What an evolution run returns: :class:`EvoMetrics`, :class:`EvolutionResult`, and the
lineage file (:func:`load_lineage`)."""
from __future__ import annotations

import json
import os

from glia._core import Network, write_text_atomic

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

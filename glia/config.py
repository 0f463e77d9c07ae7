"""Configuration objects for training and evolution.

The training settings are the engine's: every field's name, type, default, range, choices
and meaning come from its one table (``cpp/src/config_fields.cpp``), which also checks
every value. This module turns that table into plain dataclasses. GliaGL's names, file
layout and factory functions (``create_config``, ``create_evo_config``) live in
``glia._gliagl`` and are re-exported here, so code written for GliaGL runs unchanged.

Every assignment is checked at once: a value of the wrong type raises
:class:`ConfigTypeError` (both a TypeError and a ValueError), an out-of-range value a
ValueError naming the field; the object keeps its previous value. Rules between fields
(``reward_min <= reward_max``, ``elite <= population``) are checked on construction and by
``validate()``, which the trainers run before using a config.

>>> cfg = create_config(lr=0.05, optimizer="adam")
>>> cfg.grad.optimizer, cfg.lr, cfg.warmup_ticks
('adam', 0.05, 0)
>>> cfg.lrr = 0.1
Traceback (most recent call last):
    ...
AttributeError: TrainingConfig has no field 'lrr' (did you mean 'lr'?)
"""
from __future__ import annotations

from glia import _core
from glia._config_base import ConfigTypeError, Field, make_config

ConfigTypeError.__module__ = __name__  # part of this module's API

__all__ = ["ConfigTypeError", "OutputDetectorConfig", "GradConfig", "TopologyPolicy",
           "TrainingConfig", "EvolutionConfig", "create_config", "create_evo_config"]

#: The trainers, by name; a name's position is the engine's TrainerKind code.
TRAINERS = ("gradient", "hebbian", "surrogate")


def _engine_fields(group: str) -> dict[str, Field]:
    """The engine table's fields of ``group`` ('' for the top level)."""
    out = {}
    for name, kind, default, choices, doc in _core._train_config_fields():
        outer, _, leaf = name.rpartition(".")
        if outer == group:
            out[leaf] = Field(kind, default, doc, choices, name)
    return out


def _rule(lo, hi=float("inf"), lo_open=False, hi_open=False) -> tuple:
    return (lo, hi, lo_open, hi_open)


OutputDetectorConfig = make_config("OutputDetectorConfig", """How an episode's winning output is chosen.

    Each output's rate is its spike count over the decision window divided by the window's
    length (``'count'``: spikes per tick, in [0, 1]), or GliaGL's moving average over every
    step (``'ema'``, factor ``alpha``); the highest rate wins, unless none reaches
    ``threshold`` (then ``default_id``, or no winner).

    >>> det = OutputDetectorConfig(alpha=0.1, default_id="O0")
    >>> det.type, det.alpha, det.threshold
    ('count', 0.1, 0.01)
    """, {**_engine_fields("detector"),
          "default_id": Field("str", "", "output id chosen when abstaining ('' = none)")})

GradConfig = make_config("GradConfig", """The gradient trainers' loss and optimizer.

    ``optimizer`` is 'sgd' (with ``momentum``), 'adam' or 'adamw' (decoupled weight decay,
    ``TrainingConfig.weight_decay``).

    >>> g = GradConfig(optimizer="adam", adam_beta2=0.99)
    >>> g.optimizer, g.adam_beta1, g.adam_beta2, g.clip_grad_norm
    ('adam', 0.9, 0.99, 0.0)
    """, _engine_fields("grad"))


TopologyPolicy = make_config("TopologyPolicy", """Which edges structural plasticity may grow.

    glia never grows edges into sensory neurons nor self loops, so GliaGL's two switches for
    those exist only to be False; edges into outputs need ``allow_feedback_to_outputs``.

    >>> TopologyPolicy().allow_feedback_to_outputs
    False
    >>> TopologyPolicy(allow_self_loops=True)
    Traceback (most recent call last):
        ...
    ValueError: TopologyPolicy.allow_self_loops must be False, got True
    """, _engine_fields("topology"))


def _training_relations(self) -> None:
    problem = _core._train_config_relation_error(self.to_dict())
    if problem:
        raise ValueError(f"TrainingConfig: {problem}")


TrainingConfig = make_config("TrainingConfig", """Every setting of the trainers.

    Nested settings live in ``grad`` (GradConfig), ``detector`` (OutputDetectorConfig) and
    ``topology`` (TopologyPolicy). ``episode_ticks``, ``verbose`` and ``log_every`` are
    GliaGL's: the engine does not read them (``verbose`` and ``log_every`` make
    ``Trainer.train`` log through :mod:`logging`).

    >>> cfg = TrainingConfig(lr=0.02, batch_size=8)
    >>> cfg.grad.optimizer = "adamw"
    >>> cfg.warmup_ticks, cfg.decision_window, cfg.batch_size, cfg.grad.optimizer
    (0, 0, 8, 'adamw')
    >>> cfg
    TrainingConfig(lr=0.02, batch_size=8, grad=GradConfig(optimizer='adamw'))
    """, {**_engine_fields(""),
          "episode_ticks": Field("int", 200, "total ticks of an episode (GliaGL's; unused)",
                                  rule=_rule(1)),
          "verbose": Field("bool", False, "log progress (through logging)"),
          "log_every": Field("int", 1, "log every N epochs", rule=_rule(1)),
          "detector": Field(OutputDetectorConfig, None, "output detector"),
          "topology": Field(TopologyPolicy, None, "edge growth policy"),
          "grad": Field(GradConfig, None, "gradient trainer settings")},
    _training_relations)


def _evolution_relations(self) -> None:
    for name in ("elite", "parents_pool"):
        if getattr(self, name) > self.population:
            raise ValueError(f"EvolutionConfig.{name} ({getattr(self, name)}) must be <= "
                             f"EvolutionConfig.population ({self.population})")


_EVOLUTION_FIELDS = [  # name, kind, default, lower bound (None: none), meaning
    ("population", "int", 8, 1, "individuals per generation"),
    ("generations", "int", 10, 1, "number of generations"),
    ("elite", "int", 2, 0, "best individuals copied unchanged, <= population"),
    ("parents_pool", "int", 4, 1, "best individuals parents are drawn from, <= population"),
    ("train_epochs", "int", 3, 0, "training epochs per individual (0 = none)"),
    ("sigma_w", "float", 0.05, 0.0, "std of the Gaussian weight mutation"),
    ("sigma_thr", "float", 0.0, 0.0, "std of the threshold mutation"),
    ("sigma_leak", "float", 0.0, 0.0, "std of the leak mutation (leaks kept in [0, 1])"),
    ("w_acc", "float", 1.0, 0.0, "fitness weight of accuracy"),
    ("w_margin", "float", 0.5, 0.0, "fitness weight of the mean margin"),
    ("w_sparsity", "float", 0.0, 0.0, "fitness penalty per relative edge count"),
    ("seed", "seed", 123456, None, "random seed"),
    ("lamarckian", "bool", True, None, "keep trained weights in the genome"),
    ("lineage_json", "path", "", None, "write the lineage tree here ('' = no)"),
]
EvolutionConfig = make_config("EvolutionConfig", """Settings of the evolutionary search.

    Each generation keeps the ``elite`` best individuals and fills the rest with mutated
    copies of parents drawn from the best ``parents_pool``. Each individual is trained
    ``train_epochs`` epochs with ``trainer`` and scored as ``w_acc * accuracy + w_margin *
    margin - w_sparsity * edges / base_edges``; with ``lamarckian`` the trained weights are
    inherited.

    >>> evo = EvolutionConfig(population=16, elite=4)
    >>> evo.generations, evo.parents_pool, evo.sigma_w, evo.trainer
    (10, 4, 0.05, 'gradient')
    >>> EvolutionConfig(population=2, parents_pool=2, elite=3)
    Traceback (most recent call last):
        ...
    ValueError: EvolutionConfig.elite (3) must be <= EvolutionConfig.population (2)
    """, {**{n: Field(kind, default, doc, rule="seed" if kind == "seed" else
                       None if lo is None else _rule(lo))
             for n, kind, default, lo, doc in _EVOLUTION_FIELDS},
          "trainer": Field("choice", "gradient", "inner trainer", TRAINERS)},
    _evolution_relations)

from glia._gliagl import create_config, create_evo_config  # noqa: E402  (they build these)

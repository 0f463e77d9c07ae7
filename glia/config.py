"""Configuration objects for training and evolution.

The training settings are the engine's: every field's name, type, default, range, choices
and meaning come from its one table (``cpp/src/config_fields.cpp``), which also checks
every value. This module turns that table into plain dataclasses, and keeps GliaGL's
names: its factory functions (``create_config``, ``create_evo_config``), its shorthands
(a nested field given by its own name, ``create_config(optimizer="adam")``) and its
config-file layout (short keys such as ``warmup``, ``batch``, ``lambda``, with run
settings mixed in), so code written for GliaGL runs unchanged.

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

import inspect
from collections.abc import Mapping
from typing import Any

from glia import _core
from glia._config_base import ConfigTypeError, Field, field_paths, make_config

ConfigTypeError.__module__ = __name__  # part of this module's API

__all__ = ["ConfigTypeError", "OutputDetectorConfig", "GradConfig", "TopologyPolicy",
           "TrainingConfig", "EvolutionConfig", "create_config", "create_evo_config"]

#: The trainers, by name, as the engine's one trainer factory knows them (its TrainerKind
#: order): "gradient" (RateGDTrainer), "hebbian" (HebbianTrainer), "surrogate"
#: (SurrogateTrainer).
TRAINERS = _core.TRAINERS


def check_trainer(name, argname: str) -> str:
    """``name`` when it names a trainer (one of :data:`TRAINERS`), else ValueError naming
    the argument ``argname``."""
    if not isinstance(name, str) or name not in TRAINERS:
        raise ValueError(f"{argname} must be one of {', '.join(map(repr, TRAINERS))}, "
                         f"got {name!r}")
    return name


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
    _engine_config=True, _layout=classmethod(lambda cls, d: _read_gliagl_layout(cls, d)))


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
    _check_relations=_evolution_relations,
    _layout=classmethod(lambda cls, d: _read_gliagl_layout(cls, d)))


# ---------------------------------------------------------------- GliaGL's names
# GliaGL's short keys in its config files -> the field they set
TRAIN_ALIASES = {
    "warmup": "warmup_ticks", "window": "decision_window", "batch": "batch_size",
    "lambda": "elig_lambda", "margin": "margin_delta", "prune_eps": "prune_epsilon",
    "jitter_std": "weight_jitter_std", "gd_temperature": "grad.temperature",
    "default": "detector.default_id",
}
# Keys of GliaGL's files that describe the run (data, paths, epochs), not a config.
RUN_KEYS = frozenset({
    "net_path", "scenario", "baseline", "noise", "train", "hebbian", "epochs",
    "dataset", "metrics_json", "n_per_class", "save_net", "train_metrics_json",
    "data_root", "train_fraction", "max_class", "out_dir", "final_best_net",
})


def trainer_of(use_gradient) -> str:
    """The trainer named by GliaGL's ``use_gradient`` flag (``Trainer(net, config,
    use_gradient)``; its evolve files' ``"hebbian": true`` is ``use_gradient=False``)."""
    return "gradient" if use_gradient else "hebbian"


def _read_gliagl_layout(cls, d: Mapping) -> list:
    """(label, key, value) items of a dict: glia's own layout, or a GliaGL config file's
    (recognised by any of its own keys), whose aliases are translated and run keys skipped."""
    items = [(k, k, v) for k, v in d.items()]
    if not any(isinstance(k, str) and (k in TRAIN_ALIASES or k in RUN_KEYS) for k in d):
        return items
    train_names = set(field_paths(TrainingConfig)) | set(TRAIN_ALIASES)
    if cls is TrainingConfig:
        skip = RUN_KEYS | (set(EvolutionConfig._fields) - {"seed"})
        return [(k, TRAIN_ALIASES.get(k, k), v) for k, _, v in items if k not in skip]
    skip = (RUN_KEYS - {"hebbian"}) | (train_names - set(EvolutionConfig._fields))
    out = []
    for k, _, v in items:
        if k == "hebbian":  # GliaGL's evolve files: "hebbian": true selects that trainer
            out.append((k, "trainer", trainer_of(use_gradient=v not in (True, 1))))
        elif k not in skip:
            out.append((k, k, v))
    return out


def create_config(lr: float | None = None, batch_size: int = 1, warmup_ticks: int = 0,
                  decision_window: int = 0, optimizer: str = "sgd",
                  adam_beta1: float = 0.9, adam_beta2: float = 0.999,
                  adam_eps: float = 1e-8, **kwargs: Any) -> TrainingConfig:
    """Create a TrainingConfig, GliaGL style.

    The parameters are GliaGL's; their defaults are ``TrainingConfig()``'s (the README lists
    where those differ from GliaGL's). ``**kwargs`` may name any TrainingConfig field, any
    field of ``grad``, ``detector`` or ``topology`` by its own name (``temperature``,
    ``alpha``, ...), or give ``grad``/``detector``/``topology`` as a config or dict. An
    unknown name raises TypeError listing the valid names; a bad value ValueError naming
    the field.

    >>> cfg = create_config(lr=0.005, batch_size=16, optimizer="adamw",
    ...                     temperature=2.0, default_id="O0", reward_mode="binary")
    >>> cfg.lr, cfg.batch_size, cfg.warmup_ticks, cfg.grad.optimizer, cfg.grad.temperature
    (0.005, 16, 0, 'adamw', 2.0)
    >>> cfg.detector.default_id, cfg.reward_mode
    ('O0', 'binary')
    """
    named = {"lr": lr, "batch_size": batch_size, "warmup_ticks": warmup_ticks,
             "decision_window": decision_window, "optimizer": optimizer,
             "adam_beta1": adam_beta1, "adam_beta2": adam_beta2, "adam_eps": adam_eps}
    # a parameter left at its default gives way to the same field set through **kwargs
    items = [(k, v) for k, v in named.items() if v != _CREATE_CONFIG_DEFAULTS[k]]
    return TrainingConfig()._set_many(items + list(kwargs.items()), TypeError, "create_config()")


def create_evo_config(population: int = 10, generations: int = 20, elite: int = 2,
                      train_epochs: int = 5, **kwargs: Any) -> EvolutionConfig:
    """Create an EvolutionConfig, GliaGL style.

    The parameters and their defaults are GliaGL's (``EvolutionConfig()``'s are population
    8, generations 10, train_epochs 3). ``**kwargs`` may name any other field. As in GliaGL,
    ``parents_pool`` (default 4), when not given, and the default ``elite`` are clamped to a
    small population.

    >>> evo = create_evo_config(population=20, sigma_w=0.1, trainer="hebbian")
    >>> evo.population, evo.generations, evo.elite, evo.train_epochs, evo.sigma_w
    (20, 20, 2, 5, 0.1)
    >>> evo = create_evo_config(population=3)
    >>> evo.parents_pool, evo.elite
    (3, 2)
    """
    if isinstance(population, int) and not isinstance(population, bool) and population >= 1:
        if "parents_pool" not in kwargs:
            kwargs["parents_pool"] = min(EvolutionConfig().parents_pool, population)
        if elite == _CREATE_EVO_DEFAULTS["elite"]:
            elite = min(elite, population)
    named = {"population": population, "generations": generations, "elite": elite,
             "train_epochs": train_epochs}
    return EvolutionConfig()._set_many(list(named.items()) + list(kwargs.items()), TypeError,
                                       "create_evo_config()")


def _signature_defaults(fn) -> dict[str, Any]:
    """The defaults of ``fn``'s named parameters, read from its signature (written once)."""
    return {k: p.default for k, p in inspect.signature(fn).parameters.items()
            if p.default is not inspect.Parameter.empty}


# create_config's parameters are TrainingConfig fields at the table's defaults (a test checks)
_CREATE_CONFIG_DEFAULTS = _signature_defaults(create_config)
_CREATE_EVO_DEFAULTS = _signature_defaults(create_evo_config)

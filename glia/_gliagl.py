"""GliaGL's names for configuration: its factory functions, its shorthands (a nested field
given by its own name, ``create_config(optimizer="adam")``) and its config-file layout
(short keys such as ``warmup``, ``batch``, ``lambda``, with run settings mixed in)."""
from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from glia._config_base import did_you_mean
from glia.config import ConfigTypeError, EvolutionConfig, TrainingConfig

__all__ = ["create_config", "create_evo_config"]

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


def _paths(cls) -> dict[str, tuple[str, ...]]:
    """Every name a field may be given by: its own, and a nested field's when unique."""
    paths = {name: (name,) for name in cls._fields}
    seen: dict[str, list] = {}
    for outer, f in cls._fields.items():
        if isinstance(f.kind, type):
            for leaf in f.kind._fields:
                paths[f"{outer}.{leaf}"] = (outer, leaf)
                seen.setdefault(leaf, []).append((outer, leaf))
    for leaf, where in seen.items():
        if leaf not in paths and len(where) == 1:
            paths[leaf] = where[0]
    return paths


def _short_names(cls) -> list[str]:
    return sorted(k for k in _paths(cls) if "." not in k)


def read_layout(cls, d: Mapping) -> list:
    """(label, key, value) items of a dict: glia's own layout, or a GliaGL config file's
    (recognised by any of its own keys), whose aliases are translated and run keys skipped."""
    items = [(k, k, v) for k, v in d.items()]
    if not any(isinstance(k, str) and (k in TRAIN_ALIASES or k in RUN_KEYS) for k in d):
        return items
    train_names = set(_paths(TrainingConfig)) | set(TRAIN_ALIASES)
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


def resolve_names(cls, items: list, unknown_error: type, what: str) -> dict:
    """{field path: value} from (key, value) or (label, key, value) items; nested configs
    and dicts are spread into their fields. Two names for one field must agree; unknown
    names raise ``unknown_error`` listing the valid ones, with the closest match."""
    paths, out, labels, unknown = _paths(cls), {}, {}, []

    def put(path, label, value):
        if path in out and out[path] != value:
            raise ValueError(f"{labels[path]!r} and {label!r} both set {cls.__name__}."
                             f"{'.'.join(path)} ({out[path]!r} vs {value!r})")
        out[path], labels[path] = value, label

    for item in items:
        label, key, value = item if len(item) == 3 else (item[0], *item)
        f = cls._fields.get(key) if isinstance(key, str) else None
        if f is not None and isinstance(f.kind, type) and not isinstance(value, f.kind) \
                and hasattr(value, "to_dict"):
            raise ConfigTypeError(f"{cls.__name__}.{key} must be a {f.kind.__name__} or a "
                                  f"dict, got {type(value).__name__}")
        if f is not None and isinstance(f.kind, type) and (isinstance(value, Mapping)
                                                           or isinstance(value, f.kind)):
            for leaf, v in (value.to_dict() if isinstance(value, f.kind) else value).items():
                if leaf in f.kind._fields:
                    put((key, leaf), f"{key}.{leaf}", v)
                else:
                    unknown.append(f"{key}.{leaf}")
        elif isinstance(key, str) and key in paths:
            put(paths[key], label, value)
        else:
            unknown.append(key if isinstance(key, str) else repr(key))
    if unknown:
        valid = _short_names(cls)
        hints = []
        for name in unknown:
            outer, _, leaf = name.partition(".")
            sub = cls._fields.get(outer)
            pool = ([f"{outer}.{n}" for n in sub.kind._fields]
                    if leaf and sub is not None and isinstance(sub.kind, type) else valid)
            hints.append(f"{name!r}{did_you_mean(name, pool)}")
        noun = "parameter" if unknown_error is TypeError else "key"
        raise unknown_error(f"{what}: unknown {noun}{'s' if len(unknown) > 1 else ''} "
                            f"{', '.join(hints)}; valid names: {', '.join(valid)}")
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


# ---------------------------------------------------------------- GliaGL's plot shorthands
def plot_network(network, output_path=None, **kwargs):
    """Shorthand for :func:`glia.viz.plot_network_graph` (GliaGL's documented name).

    Example::

        fig = glia.viz.plot_network(net, "network.png", figsize=(12, 8))
    """
    from glia.viz._figure import _save_path
    from glia.viz.network import plot_network_graph
    save_path = _save_path(kwargs.pop("save_path", None), output_path)
    return plot_network_graph(network, save_path=save_path, **kwargs)


def plot_weights(network, output_path=None, **kwargs):
    """Shorthand for :func:`glia.viz.plot_weight_distribution` (GliaGL's documented name).

    Example::

        fig = glia.viz.plot_weights(net, "weights.png")
    """
    from glia.viz._figure import _save_path
    from glia.viz.network import plot_weight_distribution
    save_path = _save_path(kwargs.pop("save_path", None), output_path)
    return plot_weight_distribution(network, save_path=save_path, **kwargs)

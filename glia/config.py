"""Configuration objects for training and evolution.

Pure Python (standard library only): these classes hold settings, check them,
and convert them to and from dicts and JSON. The engine reads them field by
field; every name and default follows the GliaGL Python API, so code written
for GliaGL's ``TrainingConfig``, ``GradConfig``, ``OutputDetectorConfig``,
``EvolutionConfig``, ``create_config`` and ``create_evo_config`` runs unchanged.

Differences from GliaGL, all of them stricter:

* assigning an unknown attribute raises AttributeError (a typo never passes
  silently), and so does ``create_config(**kw)`` with an unknown name (TypeError);
* every assignment is checked at once: a value of the wrong type raises an
  error that is both a TypeError and a ValueError, an out-of-range value a
  ValueError naming the field; the object keeps its previous value;
* constraints between fields (``reward_min <= reward_max``,
  ``elite <= population``, ...) are checked by ``validate()``, which runs on
  construction, in ``create_config``/``create_evo_config``/``from_dict`` and
  before the trainers use a config.

>>> cfg = create_config(lr=0.05, optimizer="adam")
>>> cfg.grad.optimizer, cfg.lr, cfg.warmup_ticks
('adam', 0.05, 0)
>>> cfg.lrr = 0.1
Traceback (most recent call last):
    ...
AttributeError: TrainingConfig has no field 'lrr' (did you mean 'lr'?)
"""

from __future__ import annotations

import dataclasses
import difflib
import html
import json
import math
import numbers
import operator
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from glia._util import write_text_atomic

__all__ = [
    "ConfigTypeError",
    "OutputDetectorConfig",
    "GradConfig",
    "TopologyPolicy",
    "TrainingConfig",
    "EvolutionConfig",
    "create_config",
    "create_evo_config",
]

_INT32_MAX = 2**31 - 1

#: The trainers, by name; a name's position is the engine's TrainerKind code.
TRAINERS = ("gradient", "hebbian", "surrogate")
_UINT64_MAX = 2**64 - 1


class ConfigTypeError(TypeError, ValueError):
    """A configuration value of the wrong type.

    It is both a TypeError and a ValueError, so either ``except`` clause
    catches it.

    >>> try:
    ...     TrainingConfig(lr="fast")
    ... except ValueError as e:
    ...     print(e)
    TrainingConfig.lr must be a real number, got str 'fast'
    """


# --------------------------------------------------------------------------
# Per-field checks: each turns an accepted value into its canonical Python
# type (int, float, bool, str, nested config) or raises naming the field.
# --------------------------------------------------------------------------

def _is_bool(value: Any) -> bool:
    return isinstance(value, bool) or type(value).__name__ in ("bool_", "bool")


def _fmt_num(x: float) -> str:
    return repr(int(x)) if float(x).is_integer() and abs(x) < 1e15 else repr(x)


class _Check:
    def __call__(self, where: str, value: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    @staticmethod
    def _wrong_type(where: str, expected: str, value: Any) -> ConfigTypeError:
        return ConfigTypeError(
            f"{where} must be {expected}, got {type(value).__name__} {value!r}"
        )


class _Float(_Check):
    def __init__(self, lo=None, hi=None, lo_open=False, hi_open=False):
        self.lo, self.hi, self.lo_open, self.hi_open = lo, hi, lo_open, hi_open

    def describe(self) -> str:
        lo, hi = self.lo, self.hi
        if lo is not None and hi is not None:
            return (f"in {'(' if self.lo_open else '['}{_fmt_num(lo)}, "
                    f"{_fmt_num(hi)}{')' if self.hi_open else ']'}")
        if lo is not None:
            return f"{'>' if self.lo_open else '>='} {_fmt_num(lo)}"
        if hi is not None:
            return f"{'<' if self.hi_open else '<='} {_fmt_num(hi)}"
        return "finite"

    def __call__(self, where, value):
        if _is_bool(value) or not isinstance(value, numbers.Real):
            raise self._wrong_type(where, "a real number", value)
        v = float(value)
        if not math.isfinite(v):
            raise ValueError(f"{where} must be a finite number, got {v!r}")
        lo, hi = self.lo, self.hi
        if ((lo is not None and (v < lo or (self.lo_open and v == lo)))
                or (hi is not None and (v > hi or (self.hi_open and v == hi)))):
            raise ValueError(f"{where} must be {self.describe()}, got {v!r}")
        return v


class _Int(_Check):
    def __init__(self, lo=0, hi=_INT32_MAX):
        self.lo, self.hi = lo, hi

    def describe(self) -> str:
        if self.hi in (_INT32_MAX, _UINT64_MAX):
            return f"an integer >= {self.lo}"
        return f"an integer in [{self.lo}, {self.hi}]"

    def __call__(self, where, value):
        if _is_bool(value):
            raise self._wrong_type(where, "an integer", value)
        if isinstance(value, numbers.Integral):
            v = int(value)
        elif isinstance(value, numbers.Real) and float(value).is_integer():
            v = int(value)  # 8.0 from a JSON file written by another tool
        else:
            raise self._wrong_type(where, "an integer", value)
        if v < self.lo or v > self.hi:
            raise ValueError(f"{where} must be {self.describe()}, got {v!r}")
        return v


class _Bool(_Check):
    def describe(self) -> str:
        return "True or False"

    def __call__(self, where, value):
        if _is_bool(value):
            return bool(value)
        if isinstance(value, numbers.Integral) and int(value) in (0, 1):
            return bool(int(value))  # GliaGL's files and CLI wrote 0/1
        raise self._wrong_type(where, "True or False", value)


class _Choice(_Check):
    def __init__(self, *options: str):
        self.options = options

    def describe(self) -> str:
        return "one of " + ", ".join(repr(o) for o in self.options)

    def __call__(self, where, value):
        if not isinstance(value, str):
            raise self._wrong_type(where, self.describe(), value)
        v = str(value).strip().lower()
        if v not in self.options:
            raise ValueError(f"{where} must be {self.describe()}, got {value!r}")
        return v


class _Str(_Check):
    """A free string; None means ''. ``path=True`` also takes os.PathLike."""

    def __init__(self, path: bool = False):
        self.path = path

    def describe(self) -> str:
        return "a path string" if self.path else "a string"

    def __call__(self, where, value):
        if value is None:
            return ""
        if self.path and isinstance(value, os.PathLike):
            value = os.fspath(value)
        if not isinstance(value, str):
            raise self._wrong_type(where, self.describe(), value)
        return str(value)


class _Nested(_Check):
    def __init__(self, name: str):
        self.name = name  # class name, resolved at call time

    def describe(self) -> str:
        return f"a {self.name} or a dict of its fields"

    def __call__(self, where, value):
        cls = globals()[self.name]
        if isinstance(value, cls):
            return value.copy()
        if isinstance(value, Mapping):
            return cls.from_dict(value)
        raise self._wrong_type(where, self.describe(), value)


def _field(default: Any, check: _Check, doc: str) -> Any:
    meta = {"check": check, "doc": doc}
    if isinstance(default, type):
        return field(default_factory=default, metadata=meta)
    return field(default=default, metadata=meta)


def _config(cls):
    """Make ``cls`` a slotted dataclass and record its field checks."""
    cls = dataclass(slots=True, repr=False, eq=True)(cls)
    flds = dataclasses.fields(cls)
    cls._checks = {f.name: f.metadata["check"] for f in flds}
    cls._docs = {f.name: f.metadata["doc"] for f in flds}
    cls._nested = {f.name: globals()[f.metadata["check"].name]
                   for f in flds if isinstance(f.metadata["check"], _Nested)}
    cls._values = operator.attrgetter(*cls._checks) if len(cls._checks) > 1 else (
        lambda obj, _n=next(iter(cls._checks)): (getattr(obj, _n),))
    cls._nested_at = tuple(k for k, name in enumerate(cls._checks) if name in cls._nested)
    # Fields of nested configs that may be given by their own name
    # (create_config(optimizer="adam")); a name is routed only if unique.
    paths: dict[str, tuple[str, ...]] = {name: (name,) for name in cls._checks}
    seen: dict[str, list[tuple[str, str]]] = {}
    for outer, sub_cls in cls._nested.items():
        for sub in sub_cls._checks:
            seen.setdefault(sub, []).append((outer, sub))
    for sub, where in seen.items():
        if sub not in paths and len(where) == 1:
            paths[sub] = where[0]
    cls._paths = paths
    return cls


class _ConfigBase:
    """Behaviour shared by every configuration class."""

    __slots__ = ()

    # -- attribute access -------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        check = type(self)._checks.get(name)
        if check is None:
            raise AttributeError(self._unknown_attr_message(name))
        object.__setattr__(self, name, check(f"{type(self).__name__}.{name}", value))

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} fields cannot be deleted ({name!r})")

    @classmethod
    def _unknown_attr_message(cls, name: str) -> str:
        msg = f"{cls.__name__} has no field {name!r}"
        path = cls._paths.get(name)
        if path is not None and len(path) == 2:
            return msg + f" (it is a field of {cls.__name__}.{path[0]}: use .{path[0]}.{name})"
        close = difflib.get_close_matches(name, list(cls._checks), n=1)
        if close:
            return msg + f" (did you mean {close[0]!r}?)"
        return msg

    # -- checking ---------------------------------------------------------
    def validate(self):
        """Check every field and the constraints between fields.

        Raises ValueError (or ConfigTypeError, also a ValueError) naming the
        offending field. Returns ``self``, so calls can be chained.

        >>> cfg = TrainingConfig()
        >>> cfg.reward_min = 2.0
        >>> cfg.validate()
        Traceback (most recent call last):
            ...
        ValueError: TrainingConfig.reward_min (2.0) must be <= TrainingConfig.reward_max (1.0)
        """
        name = type(self).__name__
        for fname, check in type(self)._checks.items():
            value = getattr(self, fname)
            if isinstance(value, _ConfigBase):
                value.validate()
            else:
                check(f"{name}.{fname}", value)
        self._validate_relations()
        return self

    def _validate_relations(self) -> None:
        pass

    def __post_init__(self) -> None:
        self._validate_relations()

    def _fingerprint(self) -> tuple:
        """Every field's value as a (nested) tuple: a cheap "did anything change" test."""
        v = type(self)._values(self)
        if not type(self)._nested_at:
            return v
        v = list(v)
        for k in type(self)._nested_at:
            v[k] = v[k]._fingerprint()
        return tuple(v)

    # -- copying and conversion --------------------------------------------
    def copy(self):
        """Return an independent (deep) copy.

        >>> a = TrainingConfig()
        >>> b = a.copy(); b.grad.optimizer = "adam"
        >>> a.grad.optimizer
        'sgd'
        """
        new = object.__new__(type(self))
        for fname in type(self)._checks:
            value = getattr(self, fname)
            if isinstance(value, _ConfigBase):
                value = value.copy()
            object.__setattr__(new, fname, value)
        return new

    def __copy__(self):
        return self.copy()

    def __deepcopy__(self, memo):
        return self.copy()

    def to_dict(self) -> dict:
        """Return the fields as a plain dict (nested configs as nested dicts).

        >>> GradConfig().to_dict()["optimizer"]
        'sgd'
        """
        out = {}
        for fname in type(self)._checks:
            value = getattr(self, fname)
            out[fname] = value.to_dict() if isinstance(value, _ConfigBase) else value
        return out

    @classmethod
    def field_names(cls) -> list[str]:
        """Names of the fields, in declaration order.

        >>> OutputDetectorConfig.field_names()
        ['type', 'alpha', 'threshold', 'default_id']
        """
        return list(cls._checks)

    @classmethod
    def from_dict(cls, d: Mapping):
        """Build a config from a dict such as ``to_dict()`` returns.

        Missing keys keep their defaults. An unknown key raises ValueError
        naming it; a bad value raises as assignment does.

        >>> GradConfig.from_dict({"optimizer": "adamw", "temperature": 2}).temperature
        2.0
        """
        if not isinstance(d, Mapping):
            raise TypeError(f"{cls.__name__}.from_dict() expects a dict, "
                            f"got {type(d).__name__}")
        obj = cls()
        obj._apply(obj._collect_from_dict(d), unknown_error=ValueError,
                   what=f"{cls.__name__}.from_dict()")
        return obj

    def to_json(self, path: str | os.PathLike | None = None, *, indent: int = 2) -> str | None:
        """Return the config as JSON text, or write it to ``path``.

        Writing goes through a temporary file renamed over ``path``, so a
        crash never leaves a half-written file. Returns the text when
        ``path`` is None, else None.

        >>> text = EvolutionConfig(population=12).to_json()
        >>> EvolutionConfig.from_json(text).population
        12
        """
        text = json.dumps(self.to_dict(), indent=indent) + "\n"
        if path is None:
            return text
        write_text_atomic(path, text, prefix=".glia-config-")
        return None

    @classmethod
    def from_json(cls, source: str | bytes | os.PathLike):
        """Build a config from JSON text or from a JSON file's path.

        A string whose first non-blank character is ``{`` is read as JSON
        text; anything else as a path (FileNotFoundError if it is missing).
        GliaGL's example config files are accepted too (see ``from_dict``).

        >>> TrainingConfig.from_json('{"lr": 0.2, "grad": {"optimizer": "adam"}}').grad.optimizer
        'adam'
        """
        label = "JSON text"
        if isinstance(source, bytes):
            text = source.decode("utf-8")
        elif isinstance(source, str) and source.lstrip().startswith("{"):
            text = source
        elif isinstance(source, (str, os.PathLike)):
            label = os.fspath(source)
            with open(label, encoding="utf-8") as f:
                text = f.read()
        else:
            raise TypeError(f"{cls.__name__}.from_json() expects JSON text or a path, "
                            f"got {type(source).__name__}")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise ValueError(f"{label}: invalid JSON: {e}") from None
        if not isinstance(data, dict):
            raise ValueError(f"{label}: expected a JSON object, got {type(data).__name__}")
        try:
            return cls.from_dict(data)
        except (TypeError, ValueError) as e:
            if label == "JSON text":
                raise
            raise type(e)(f"{label}: {e}") from None

    def update(self, **kwargs):
        """Set several fields at once, all or nothing; returns ``self``.

        Nested fields may be given by their own name (``optimizer="adam"``
        sets ``grad.optimizer``). Unknown names raise TypeError.

        >>> cfg = TrainingConfig().update(lr=0.1, optimizer="adam", alpha=0.1)
        >>> cfg.lr, cfg.grad.optimizer, cfg.detector.alpha
        (0.1, 'adam', 0.1)
        """
        self._apply(self._collect(kwargs.items()), unknown_error=TypeError,
                    what=f"{type(self).__name__}.update()")
        return self

    # -- machinery for update / create_* / from_dict ------------------------
    @classmethod
    def _collect(cls, items: Iterable, *, aliases: Mapping = None,
                 ignored: frozenset = frozenset()):
        """Resolve (key, value) pairs to {field path: (key, value)}."""
        aliases = aliases or {}
        out: dict[tuple[str, ...], tuple[str, Any]] = {}
        unknown: list[str] = []

        def put(path, key, value):
            if path in out:
                other_key, other_value = out[path]
                if other_value != value:
                    raise ValueError(
                        f"{other_key!r} and {key!r} both set {cls.__name__}."
                        f"{'.'.join(path)} ({other_value!r} vs {value!r})")
            out[path] = (key, value)

        for key, value in items:
            if not isinstance(key, str):
                unknown.append(repr(key))
                continue
            if key in ignored:
                continue
            if key in cls._nested and isinstance(value, (Mapping, _ConfigBase)):
                sub_cls = cls._nested[key]
                if isinstance(value, _ConfigBase):
                    if not isinstance(value, sub_cls):
                        raise ConfigTypeError(
                            f"{cls.__name__}.{key} must be a {sub_cls.__name__} or a dict, "
                            f"got {type(value).__name__}")
                    value = value.to_dict()
                for sub_key, sub_value in value.items():
                    if sub_key in sub_cls._checks:
                        put((key, sub_key), f"{key}.{sub_key}", sub_value)
                    else:
                        unknown.append(f"{key}.{sub_key}")
                continue
            path = aliases.get(key) or cls._paths.get(key)
            if path is None:
                unknown.append(key)
                continue
            put(path, key, value)
        return out, unknown

    def _collect_from_dict(self, d: Mapping):
        return self._collect(d.items())

    @classmethod
    def _valid_names(cls) -> list[str]:
        return sorted(cls._paths)

    def _apply(self, collected, *, unknown_error, what: str) -> None:
        resolved, unknown = collected
        cls = type(self)
        if unknown:
            hints = []
            for name in unknown:
                outer, _, sub = name.partition(".")
                if sub and outer in cls._nested:
                    candidates = [f"{outer}.{n}" for n in cls._nested[outer]._checks]
                else:
                    candidates = cls._valid_names()
                close = difflib.get_close_matches(name, candidates, n=1)
                if close:
                    hints.append(f"{name!r} (did you mean {close[0]!r}?)")
                else:
                    hints.append(repr(name))
            noun = "parameter" if unknown_error is TypeError else "key"
            raise unknown_error(
                f"{what}: unknown {noun}{'s' if len(unknown) > 1 else ''} "
                f"{', '.join(hints)}; valid names: {', '.join(cls._valid_names())}")
        new = self.copy()
        for path, (_key, value) in resolved.items():
            target = new
            for part in path[:-1]:
                target = getattr(target, part)
            setattr(target, path[-1], value)
        new.validate()
        for fname in cls._checks:  # commit only once everything checked out
            object.__setattr__(self, fname, getattr(new, fname))

    # -- display ------------------------------------------------------------
    def __repr__(self) -> str:
        default = type(self)()
        parts = []
        for fname in type(self)._checks:
            value = getattr(self, fname)
            if value != getattr(default, fname):
                parts.append(f"{fname}={value!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    def _rows(self, prefix: str = ""):
        default = type(self)()
        for fname, doc in type(self)._docs.items():
            value = getattr(self, fname)
            if isinstance(value, _ConfigBase):
                yield from value._rows(prefix + fname + ".")
            else:
                yield prefix + fname, value, value != getattr(default, fname), doc

    def __str__(self) -> str:
        rows = list(self._rows())
        width = max(len(name) for name, *_ in rows)
        lines = [f"{type(self).__name__}:"]
        for name, value, changed, _doc in rows:
            lines.append(f"  {name:<{width}} = {value!r}{'  *' if changed else ''}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        out = [f"<table><caption>{type(self).__name__} "
               "(changed values in bold)</caption>",
               "<tr><th>field</th><th>value</th><th>meaning</th></tr>"]
        for name, value, changed, doc in self._rows():
            v = html.escape(repr(value))
            if changed:
                v = f"<b>{v}</b>"
            out.append(f"<tr><td><code>{html.escape(name)}</code></td><td>{v}</td>"
                       f"<td>{html.escape(doc)}</td></tr>")
        out.append("</table>")
        return "".join(out)


# --------------------------------------------------------------------------
# The configuration classes
# --------------------------------------------------------------------------

@_config
class OutputDetectorConfig(_ConfigBase):
    """How the winning output neuron of an episode is chosen.

    Each output's firing rate is its spike count over the decision window
    divided by the window's length (``'count'``: spikes per tick, in [0, 1]),
    or GliaGL's exponential moving average over every step (``'ema'``, factor
    ``alpha``); the output with the highest rate wins, unless no rate reaches
    ``threshold`` (then ``default_id``, or no winner).

    >>> det = OutputDetectorConfig(alpha=0.1, default_id="O0")
    >>> det.type, det.alpha, det.threshold
    ('count', 0.1, 0.01)
    """

    type: str = _field("count", _Choice("count", "ema"),
                       "'count' (spikes per tick in the window) or 'ema' (moving average)")
    alpha: float = _field(0.05, _Float(0.0, 1.0, lo_open=True), "EMA smoothing factor, in (0, 1]")
    threshold: float = _field(0.01, _Float(0.0, 1.0), "minimum rate for a winner, else abstain")
    default_id: str = _field("", _Str(), "output id chosen when abstaining ('' = none)")


@_config
class GradConfig(_ConfigBase):
    """Settings of the gradient (rate-based) trainer's loss and optimizer.

    ``optimizer`` is 'sgd' (with ``momentum``), 'adam' or 'adamw'
    (decoupled weight decay using ``TrainingConfig.weight_decay``).

    >>> g = GradConfig(optimizer="adam", adam_beta2=0.99)
    >>> g.optimizer, g.adam_beta1, g.adam_beta2, g.clip_grad_norm
    ('adam', 0.9, 0.99, 0.0)
    """

    loss: str = _field("softmax_xent", _Choice("softmax_xent"),
                       "loss on output rates ('softmax_xent')")
    temperature: float = _field(0.1, _Float(0.0, lo_open=True),
                                "softmax temperature of rates in spikes per tick, > 0")
    optimizer: str = _field("sgd", _Choice("sgd", "adam", "adamw"), "'sgd', 'adam' or 'adamw'")
    momentum: float = _field(0.0, _Float(0.0, 1.0, hi_open=True), "SGD momentum, in [0, 1)")
    adam_beta1: float = _field(0.9, _Float(0.0, 1.0, hi_open=True), "Adam beta1, in [0, 1)")
    adam_beta2: float = _field(0.999, _Float(0.0, 1.0, hi_open=True), "Adam beta2, in [0, 1)")
    adam_eps: float = _field(1e-8, _Float(0.0, lo_open=True), "Adam epsilon, > 0")
    clip_grad_norm: float = _field(0.0, _Float(0.0), "clip the gradient's L2 norm (0 = off)")
    surrogate_slope: float = _field(5.0, _Float(0.0, lo_open=True),
                                    "surrogate trainer: k of ds/dv = 1/(1 + k|v - threshold|)^2, > 0")


@_config
class TopologyPolicy(_ConfigBase):
    """Which edges structural plasticity (edge growth) may create.

    glia never creates edges into sensory neurons nor self loops, so the two
    GliaGL switches for those exist only to be False. Edges into output
    neurons are allowed only with ``allow_feedback_to_outputs``.

    >>> TopologyPolicy().allow_feedback_to_outputs
    False
    >>> TopologyPolicy(allow_self_loops=True)
    Traceback (most recent call last):
        ...
    ValueError: TopologyPolicy.allow_self_loops must be False: glia never creates self loops
    """

    allow_inbound_to_sensory: bool = _field(False, _Bool(),
                                            "always False: no edges into sensory neurons")
    allow_feedback_to_outputs: bool = _field(False, _Bool(),
                                             "let grown edges target output neurons")
    allow_self_loops: bool = _field(False, _Bool(), "always False: no self loops")

    def _validate_relations(self) -> None:
        if self.allow_inbound_to_sensory:
            raise ValueError("TopologyPolicy.allow_inbound_to_sensory must be False: "
                             "glia never creates edges into sensory neurons")
        if self.allow_self_loops:
            raise ValueError("TopologyPolicy.allow_self_loops must be False: "
                             "glia never creates self loops")


@_config
class TrainingConfig(_ConfigBase):
    """Every setting of the two trainers (gradient and Hebbian/reward).

    Names and defaults are GliaGL's. Nested settings live in ``grad``
    (GradConfig), ``detector`` (OutputDetectorConfig) and ``topology``
    (TopologyPolicy). Assignments are checked immediately; ``validate()``
    also checks constraints between fields.

    >>> cfg = TrainingConfig(lr=0.02, batch_size=8)
    >>> cfg.grad.optimizer = "adamw"
    >>> cfg.warmup_ticks, cfg.decision_window, cfg.batch_size, cfg.grad.optimizer
    (0, 0, 8, 'adamw')
    >>> cfg
    TrainingConfig(lr=0.02, batch_size=8, grad=GradConfig(optimizer='adamw'))
    """

    # Episode timing
    warmup_ticks: int = _field(0, _Int(0), "ticks run before the decision window")
    decision_window: int = _field(0, _Int(0), "ticks over which output rates are measured "
                                  "(0: the rest of each episode)")
    episode_ticks: int = _field(200, _Int(1), "total ticks of an episode (GliaGL field)")
    # Learning
    lr: float = _field(0.05, _Float(0.0), "learning rate (in units of the target's "
                       "|threshold|), >= 0")
    elig_lambda: float = _field(0.95, _Float(0.0, 1.0), "eligibility trace decay, in [0, 1]")
    weight_decay: float = _field(1e-4, _Float(0.0), "L2 weight decay, >= 0")
    # Reward shaping and update gating (Hebbian/reward trainer)
    margin_delta: float = _field(0.05, _Float(0.0), "margin counted as 'satisfied'")
    reward_pos: float = _field(1.2, _Float(), "reward for a correct winner ('binary' mode)")
    reward_neg: float = _field(-0.8, _Float(), "reward for a wrong winner ('binary' mode)")
    reward_mode: str = _field("binary",
                              _Choice("binary", "margin_linear", "softplus_margin"),
                              "'binary', 'margin_linear' or 'softplus_margin'")
    reward_gain: float = _field(1.0, _Float(0.0), "scale of margin-based rewards, >= 0")
    reward_min: float = _field(-1.0, _Float(), "lower clip of the reward")
    reward_max: float = _field(1.0, _Float(), "upper clip of the reward")
    update_gating: str = _field("none", _Choice("none", "winner_only", "target_only"),
                                "'none', 'winner_only' or 'target_only'")
    no_update_if_satisfied: bool = _field(True, _Bool(),
                                          "skip the update if correct with margin >= margin_delta")
    use_advantage_baseline: bool = _field(True, _Bool(), "subtract an EMA reward baseline")
    baseline_beta: float = _field(0.1, _Float(0.0, 1.0), "EMA factor of the reward baseline")
    # Rates and intrinsic plasticity
    r_target: float = _field(0.05, _Float(0.0, 1.0), "target firing rate, in [0, 1]")
    rate_alpha: float = _field(0.05, _Float(0.0, 1.0), "EMA factor of firing rates")
    elig_post_use_rate: bool = _field(True, _Bool(),
                                      "eligibility uses the post rate, not the post spike")
    eta_theta: float = _field(0.0, _Float(0.0), "threshold adaptation rate (0 = off)")
    eta_leak: float = _field(0.0, _Float(0.0), "leak adaptation rate (0 = off)")
    # Structural plasticity
    prune_epsilon: float = _field(1e-4, _Float(0.0), "|w| below which an edge may be pruned")
    prune_patience: int = _field(3, _Int(0), "batches below prune_epsilon before pruning")
    grow_edges: int = _field(0, _Int(0), "edges grown per batch (0 = off)")
    init_weight: float = _field(0.01, _Float(), "initial weight of grown edges")
    weight_clip: float = _field(0.0, _Float(0.0), "clip |w| after each update (0 = off)")
    # Batches and epochs
    batch_size: int = _field(1, _Int(1), "episodes per batch, >= 1")
    shuffle: bool = _field(True, _Bool(), "shuffle the data set every epoch")
    # Logging and reproducibility
    verbose: bool = _field(False, _Bool(), "log progress (through logging)")
    log_every: int = _field(1, _Int(1), "log every N epochs")
    seed: int = _field(123456, _Int(0, _UINT64_MAX), "random seed")
    weight_jitter_std: float = _field(0.0, _Float(0.0), "std of a one-time weight jitter at start")
    timing_jitter: int = _field(0, _Int(0), "max random onset shift of inputs (ticks)")
    # Usage-based modulation and pruning of inactive neurons
    usage_boost_gain: float = _field(0.0, _Float(0.0), "extra update scale by edge usage")
    inactive_rate_threshold: float = _field(0.0, _Float(0.0, 1.0),
                                            "rate below which a neuron is inactive")
    inactive_rate_patience: int = _field(0, _Int(0), "batches inactive before pruning")
    prune_inactive_max: int = _field(0, _Int(0), "max edges pruned per inactive neuron")
    prune_inactive_out: bool = _field(True, _Bool(), "prune outgoing edges of inactive neurons")
    prune_inactive_in: bool = _field(False, _Bool(), "prune incoming edges of inactive neurons")
    # In-memory checkpoints
    checkpoints_enable: bool = _field(True, _Bool(), "snapshot the network after each epoch")
    ckpt_l0: int = _field(4, _Int(0), "checkpoints kept at level 0 (most recent)")
    ckpt_l1: int = _field(2, _Int(0), "checkpoints kept at level 1")
    ckpt_l2: int = _field(1, _Int(0), "checkpoints kept at level 2 (oldest)")
    # Revert on a metric drop
    revert_enable: bool = _field(False, _Bool(), "revert to a checkpoint when the metric drops")
    revert_metric: str = _field("accuracy", _Choice("accuracy", "margin"),
                                "'accuracy' or 'margin'")
    revert_window: int = _field(1, _Int(1), "epochs compared for a drop")
    revert_drop: float = _field(0.2, _Float(0.0), "drop that triggers a revert")
    # Nested settings
    detector: OutputDetectorConfig = _field(OutputDetectorConfig, _Nested("OutputDetectorConfig"),
                                            "output detector")
    topology: TopologyPolicy = _field(TopologyPolicy, _Nested("TopologyPolicy"),
                                      "edge growth policy")
    grad: GradConfig = _field(GradConfig, _Nested("GradConfig"), "gradient trainer settings")

    def _validate_relations(self) -> None:
        if self.reward_min > self.reward_max:
            raise ValueError(f"TrainingConfig.reward_min ({self.reward_min!r}) must be <= "
                             f"TrainingConfig.reward_max ({self.reward_max!r})")

    @classmethod
    def from_dict(cls, d: Mapping) -> "TrainingConfig":
        """Build a TrainingConfig from a dict.

        Accepts the layout ``to_dict()`` writes (nested ``grad``,
        ``detector``, ``topology`` dicts; nested fields may also be given
        flat by their own name), and GliaGL's example JSON files: there
        ``warmup``, ``window``, ``batch``, ``lambda``, ``margin``,
        ``prune_eps``, ``jitter_std``, ``gd_temperature``, ``default`` stand
        for ``warmup_ticks``, ``decision_window``, ``batch_size``,
        ``elig_lambda``, ``margin_delta``, ``prune_epsilon``,
        ``weight_jitter_std``, ``grad.temperature``, ``detector.default_id``,
        and the keys that describe the run rather than the trainer
        (``net_path``, ``epochs``, ``noise``, ..., and EvolutionConfig's
        fields) are skipped. A dict is read as a GliaGL file when it has any
        of those GliaGL-only keys. Unknown keys raise ValueError.

        >>> cfg = TrainingConfig.from_dict({"warmup": 40, "window": 140, "batch": 16,
        ...     "lambda": 0.9, "detector": {"alpha": 0.05, "threshold": 0.001,
        ...     "default_id": "O0"}, "epochs": 20, "net_path": "a.net"})
        >>> cfg.warmup_ticks, cfg.decision_window, cfg.batch_size, cfg.elig_lambda
        (40, 140, 16, 0.9)
        >>> cfg.detector.default_id
        'O0'
        """
        return _ConfigBase.from_dict.__func__(cls, d)

    def _collect_from_dict(self, d: Mapping):
        if _is_gliagl_layout(d):
            return self._collect(d.items(), aliases=_GLIAGL_TRAIN_ALIASES,
                                 ignored=_GLIAGL_TRAIN_IGNORED)
        return self._collect(d.items())


@_config
class EvolutionConfig(_ConfigBase):
    """Settings of the evolutionary search (GliaGL names and defaults).

    Each generation keeps the ``elite`` best individuals and fills the rest
    of the population with mutated copies of parents drawn from the best
    ``parents_pool``. Each individual is trained ``train_epochs`` epochs with
    the chosen ``trainer`` before it is scored as ``w_acc * accuracy +
    w_margin * margin - w_sparsity * edges / base_edges``; with
    ``lamarckian`` the trained weights are inherited.

    >>> evo = EvolutionConfig(population=16, elite=4)
    >>> evo.generations, evo.parents_pool, evo.sigma_w, evo.trainer
    (10, 4, 0.05, 'gradient')
    >>> EvolutionConfig(population=2, parents_pool=2, elite=3)
    Traceback (most recent call last):
        ...
    ValueError: EvolutionConfig.elite (3) must be <= EvolutionConfig.population (2)
    """

    population: int = _field(8, _Int(1), "individuals per generation, >= 1")
    generations: int = _field(10, _Int(1), "number of generations, >= 1")
    elite: int = _field(2, _Int(0), "best individuals copied unchanged, <= population")
    parents_pool: int = _field(4, _Int(1), "best individuals parents are drawn from, <= population")
    train_epochs: int = _field(3, _Int(0), "training epochs per individual (0 = none)")
    sigma_w: float = _field(0.05, _Float(0.0), "std of the Gaussian weight mutation")
    sigma_thr: float = _field(0.0, _Float(0.0), "std of the threshold mutation")
    sigma_leak: float = _field(0.0, _Float(0.0), "std of the leak mutation (clipped to [0, 1])")
    w_acc: float = _field(1.0, _Float(0.0), "fitness weight of accuracy")
    w_margin: float = _field(0.5, _Float(0.0), "fitness weight of the mean margin")
    w_sparsity: float = _field(0.0, _Float(0.0), "fitness penalty per relative edge count")
    seed: int = _field(123456, _Int(0, _UINT64_MAX), "random seed")
    lamarckian: bool = _field(True, _Bool(), "keep trained weights in the genome")
    lineage_json: str = _field("", _Str(path=True), "write the lineage tree here ('' = no)")
    trainer: str = _field("gradient", _Choice(*TRAINERS),
                          "inner trainer: 'gradient', 'hebbian' or 'surrogate'")

    def _validate_relations(self) -> None:
        for name in ("elite", "parents_pool"):
            if getattr(self, name) > self.population:
                raise ValueError(
                    f"EvolutionConfig.{name} ({getattr(self, name)}) must be <= "
                    f"EvolutionConfig.population ({self.population})")

    @classmethod
    def from_dict(cls, d: Mapping) -> "EvolutionConfig":
        """Build an EvolutionConfig from a dict.

        Accepts ``to_dict()``'s layout and GliaGL's example ``evolve_*.json``
        files, whose training settings and run keys are skipped (read them
        with ``TrainingConfig.from_dict``); there ``"hebbian": true`` selects
        ``trainer='hebbian'``. Unknown keys raise ValueError.

        >>> evo = EvolutionConfig.from_dict({"net_path": "a.net", "warmup": 20,
        ...     "lr": 0.02, "population": 10, "generations": 12, "sigma_w": 0.3})
        >>> evo.population, evo.generations, evo.sigma_w, evo.train_epochs
        (10, 12, 0.3, 3)
        """
        return _ConfigBase.from_dict.__func__(cls, d)

    def _collect_from_dict(self, d: Mapping):
        if not _is_gliagl_layout(d):
            return self._collect(d.items())
        items = []
        for key, value in d.items():
            if key == "hebbian":
                flag = _Bool()("hebbian", value)
                items.append(("trainer", "hebbian" if flag else "gradient"))
            else:
                items.append((key, value))
        return self._collect(items, ignored=_GLIAGL_EVO_IGNORED)


# --------------------------------------------------------------------------
# GliaGL's JSON layout (its command-line tools' config files)
# --------------------------------------------------------------------------

_GLIAGL_TRAIN_ALIASES = {
    "warmup": ("warmup_ticks",),
    "window": ("decision_window",),
    "batch": ("batch_size",),
    "lambda": ("elig_lambda",),
    "margin": ("margin_delta",),
    "prune_eps": ("prune_epsilon",),
    "jitter_std": ("weight_jitter_std",),
    "gd_temperature": ("grad", "temperature"),
    "default": ("detector", "default_id"),
}
# Keys of GliaGL's files that describe the run (data, paths, epochs), not a config.
_GLIAGL_RUN_KEYS = frozenset({
    "net_path", "scenario", "baseline", "noise", "train", "hebbian", "epochs",
    "dataset", "metrics_json", "n_per_class", "save_net", "train_metrics_json",
    "data_root", "train_fraction", "max_class", "out_dir", "final_best_net",
})
_GLIAGL_MARKERS = frozenset(_GLIAGL_TRAIN_ALIASES) | _GLIAGL_RUN_KEYS
_GLIAGL_TRAIN_IGNORED = (_GLIAGL_RUN_KEYS
                         | (frozenset(EvolutionConfig._checks) - {"seed"}))
_GLIAGL_EVO_IGNORED = ((_GLIAGL_RUN_KEYS - {"hebbian"})
                       | ((frozenset(TrainingConfig._paths) | frozenset(_GLIAGL_TRAIN_ALIASES))
                          - frozenset(EvolutionConfig._checks)))


def _is_gliagl_layout(d: Mapping) -> bool:
    return any(isinstance(k, str) and k in _GLIAGL_MARKERS for k in d)


# --------------------------------------------------------------------------
# Factory functions (GliaGL signatures and defaults)
# --------------------------------------------------------------------------

_CREATE_CONFIG_DEFAULTS = {
    "lr": 0.05, "batch_size": 1, "warmup_ticks": 0, "decision_window": 0,
    "optimizer": "sgd", "adam_beta1": 0.9, "adam_beta2": 0.999, "adam_eps": 1e-8,
}


def _create(cls, named: dict, named_defaults: dict, kwargs: dict, what: str):
    cfg = cls()
    base, _ = cfg._collect(named.items())
    extra, unknown = cfg._collect(kwargs.items())
    for path, (key, value) in extra.items():
        # A parameter passed explicitly (not left at its default) must not be
        # contradicted by a nested dict/config in **kwargs.
        if path in base:
            named_key, named_value = base[path]
            if named_value != named_defaults[named_key] and named_value != value:
                raise ValueError(f"{named_key!r} and {key!r} both set {cls.__name__}."
                                 f"{'.'.join(path)} ({named_value!r} vs {value!r})")
    merged = {**base, **extra}
    cfg._apply((merged, unknown), unknown_error=TypeError, what=what)
    return cfg


def create_config(lr: float = 0.05, batch_size: int = 1, warmup_ticks: int = 0,
                  decision_window: int = 0, optimizer: str = "sgd",
                  adam_beta1: float = 0.9, adam_beta2: float = 0.999,
                  adam_eps: float = 1e-8, **kwargs: Any) -> TrainingConfig:
    """Create a TrainingConfig, GliaGL style.

    The parameters are GliaGL's, and so are their defaults except the episode
    timing: no warm-up and a decision window to the end of each episode
    (GliaGL's 50 + 50 ticks ran past the end of shorter episodes).
    ``**kwargs`` may name any TrainingConfig field, any field of ``grad``
    (``temperature``, ``momentum``, ``clip_grad_norm``, ...), of ``detector``
    (``alpha``, ``threshold``, ``default_id``, ``type``) or of ``topology``
    by its own name, or give ``grad``/``detector``/``topology`` as a config
    or dict. An unknown name raises TypeError listing the valid names; a bad
    value raises ValueError naming the field.

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
    return _create(TrainingConfig, named, _CREATE_CONFIG_DEFAULTS, kwargs, "create_config()")


_CREATE_EVO_DEFAULTS = {"population": 10, "generations": 20, "elite": 2, "train_epochs": 5}


def create_evo_config(population: int = 10, generations: int = 20, elite: int = 2,
                      train_epochs: int = 5, **kwargs: Any) -> EvolutionConfig:
    """Create an EvolutionConfig, GliaGL style.

    The parameters and their defaults are GliaGL's (they differ from
    ``EvolutionConfig()``'s: population 8, generations 10, train_epochs 3).
    ``**kwargs`` may name any other EvolutionConfig field. An unknown name
    raises TypeError listing the valid names; a bad value (e.g. ``elite``
    above ``population``) raises ValueError naming the field.

    Like GliaGL, a small population needs no other change: ``parents_pool``
    (default 4), when not given, is clamped to ``population``, and so is the
    default ``elite`` (2) for a population of 1.

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
    return _create(EvolutionConfig, named, _CREATE_EVO_DEFAULTS, kwargs, "create_evo_config()")

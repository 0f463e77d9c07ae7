"""What every configuration class shares: its fields' type checks (ranges are the engine's:
see glia.config), copying, dict/JSON conversion and display. The classes are built by
:func:`make_config` as slotted dataclasses."""
from __future__ import annotations

import dataclasses
import difflib
import html
import json
import numbers
import os
import sys
from collections.abc import Mapping
from typing import Any, NamedTuple

from glia import _core
from glia._core import write_text_atomic

# Names other libraries give to settings glia has under another name (PyTorch, Keras,
# scikit-learn, snnTorch, DEAP): an unknown name listed here suggests its glia field.
ALIASES = {
    "learning_rate": "lr", "learningrate": "lr", "step_size": "lr", "eta": "lr",
    "beta1": "adam_beta1", "beta_1": "adam_beta1", "beta2": "adam_beta2", "beta_2": "adam_beta2",
    "epsilon": "adam_eps", "eps": "adam_eps",
    "optim": "optimizer", "solver": "optimizer",
    "batch": "batch_size", "batchsize": "batch_size", "minibatch_size": "batch_size",
    "mini_batch_size": "batch_size",
    "l2": "weight_decay", "l2_reg": "weight_decay", "wd": "weight_decay",
    "clip_norm": "clip_grad_norm", "clipnorm": "clip_grad_norm", "max_norm": "clip_grad_norm",
    "grad_clip": "clip_grad_norm", "gradient_clip_val": "clip_grad_norm",
    "random_state": "seed", "random_seed": "seed",
    "warmup": "warmup_ticks", "burn_in": "warmup_ticks", "window": "decision_window",
    "slope": "surrogate_slope",
    "pop_size": "population", "population_size": "population", "popsize": "population",
    "n_generations": "generations", "num_generations": "generations", "ngen": "generations",
    "max_generations": "generations", "n_elite": "elite", "elitism": "elite",
    "epochs": "train_epochs", "n_epochs": "train_epochs", "num_epochs": "train_epochs",
}


def closest_name(name: str, valid) -> str | None:
    """The valid name an unknown ``name`` most likely meant: its alias (:data:`ALIASES`)
    when that is valid, else the closest spelling (difflib), else None."""
    valid = list(valid)
    leaf = name.rpartition(".")[2].lower()
    alias = ALIASES.get(leaf)
    if alias is not None:
        for v in valid:
            if v == alias or v.endswith("." + alias):
                return v
    close = difflib.get_close_matches(name, valid, n=1)
    return close[0] if close else None


def did_you_mean(name: str, valid) -> str:
    """`` (did you mean 'x'?)`` for :func:`closest_name`, or ''."""
    close = closest_name(name, valid)
    return f" (did you mean {close!r}?)" if close else ""


class ConfigTypeError(TypeError, ValueError):
    """A configuration value of the wrong type (both a TypeError and a ValueError).

    >>> try:
    ...     TrainingConfig(lr="fast")
    ... except ValueError as e:
    ...     print(e)
    TrainingConfig.lr must be a real number, got str 'fast'
    """


class Field(NamedTuple):
    """One field: its kind ('int', 'float', 'bool', 'choice', 'seed', 'str', 'path' or a
    nested config class), default, choices and meaning; ``rule`` is the engine's table name
    of an engine field, else (lo, hi, lo_open, hi_open) for a rule checked by the engine's
    checker without being a field of its table."""
    kind: Any
    default: Any
    doc: str
    choices: tuple = ()
    rule: Any = None


_TYPE_NAMES = {"int": "an integer", "seed": "an integer", "float": "a real number",
               "bool": "True or False", "str": "a string", "path": "a path string"}


def _coerce(where: str, f: Field, value: Any) -> Any:
    """``value`` as the field's Python type, or ConfigTypeError; then its rule is checked."""
    kind, is_bool = f.kind, isinstance(value, bool) or type(value).__name__ in ("bool", "bool_")
    if isinstance(kind, type):  # a nested config: a copy, or one built from a dict
        if isinstance(value, kind):
            return value.copy()
        if isinstance(value, Mapping):
            return kind.from_dict(value)
        raise ConfigTypeError(f"{where} must be a {kind.__name__} or a dict of its fields, "
                              f"got {type(value).__name__} {value!r}")
    if kind in ("int", "seed") and not is_bool and isinstance(value, numbers.Real) \
            and float(value).is_integer():
        value = int(value)  # 8.0 from a JSON file written by another tool
    elif kind == "float" and value is None and f.default is None:
        return None  # unset: the engine picks the value (e.g. lr: the optimizer's default)
    elif kind == "float" and not is_bool and isinstance(value, numbers.Real):
        value = float(value)
    elif kind == "bool" and (is_bool or (isinstance(value, numbers.Integral) and value in (0, 1))):
        value = bool(value)  # GliaGL's files wrote 0/1
    elif kind in ("str", "path") and (value is None or isinstance(value, str)
                                      or (kind == "path" and isinstance(value, os.PathLike))):
        value = "" if value is None else str(os.fspath(value))
    elif kind == "choice" and isinstance(value, str):
        value = value.strip().lower()
        if value not in f.choices:
            raise ValueError(f"{where} must be one of {', '.join(map(repr, f.choices))}, "
                             f"got {value!r}")
        return value
    else:
        expected = _TYPE_NAMES.get(kind, "one of " + ", ".join(map(repr, f.choices)))
        raise ConfigTypeError(f"{where} must be {expected}, got {type(value).__name__} {value!r}")
    if f.rule is not None:
        problem = _core._field_problem(f.rule, kind, value)
        if problem:
            raise ValueError(f"{where} must be {problem}, got {value!r}")
    return value


class ConfigBase:
    """Checking, copying, conversion and display shared by every configuration class."""

    __slots__ = ()
    _fields: dict  # name -> Field, set by _config()

    def __setattr__(self, name: str, value: Any) -> None:
        f = type(self)._fields.get(name)
        if f is None:
            raise AttributeError(self._unknown_attr_message(name))
        object.__setattr__(self, name, _coerce(f"{type(self).__name__}.{name}", f, value))

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} fields cannot be deleted ({name!r})")

    def __post_init__(self) -> None:  # __init__ set (and checked) every field
        self._check_relations()

    @classmethod
    def _unknown_attr_message(cls, name: str) -> str:
        msg = f"{cls.__name__} has no field {name!r}"
        for meant in (name, ALIASES.get(name.lower())):
            for outer, f in cls._fields.items():
                if meant is not None and isinstance(f.kind, type) and meant in f.kind._fields:
                    ask = "" if meant == name else f"did you mean {meant!r}? "
                    return msg + f" ({ask}it is a field of {cls.__name__}.{outer}: use .{outer}.{meant})"
        return msg + did_you_mean(name, cls._fields)

    def validate(self):
        """Check every field and the rules between fields; returns ``self``.

        >>> cfg = TrainingConfig()
        >>> cfg.reward_min = 2.0
        >>> cfg.validate()
        Traceback (most recent call last):
            ...
        ValueError: TrainingConfig: reward_min (2) must be <= reward_max (1)
        """
        for name, f in type(self)._fields.items():
            value = getattr(self, name)
            if isinstance(value, ConfigBase):
                value.validate()
            else:
                _coerce(f"{type(self).__name__}.{name}", f, value)
        self._check_relations()
        return self

    def _check_relations(self) -> None:
        pass

    def _fingerprint(self) -> tuple:
        """Every value as a (nested) tuple: a cheap "did anything change" test."""
        return tuple(v._fingerprint() if isinstance(v, ConfigBase) else v
                     for v in map(self.__getattribute__, type(self)._fields))

    def copy(self):
        """An independent (deep) copy.

        >>> a = TrainingConfig()
        >>> b = a.copy(); b.grad.optimizer = "adam"
        >>> a.grad.optimizer
        'sgd'
        """
        new = object.__new__(type(self))
        for name in type(self)._fields:
            v = getattr(self, name)
            object.__setattr__(new, name, v.copy() if isinstance(v, ConfigBase) else v)
        return new

    __copy__ = copy

    def __deepcopy__(self, memo):
        return self.copy()

    def to_dict(self) -> dict:
        """The fields as a plain dict (nested configs as nested dicts).

        >>> GradConfig().to_dict()["optimizer"]
        'sgd'
        """
        return {name: (v.to_dict() if isinstance(v, ConfigBase) else v)
                for name, v in ((n, getattr(self, n)) for n in type(self)._fields)}

    @classmethod
    def field_names(cls) -> list[str]:
        """Names of the fields, in declaration order.

        >>> OutputDetectorConfig.field_names()
        ['type', 'alpha', 'threshold', 'default_id']
        """
        return list(cls._fields)

    @classmethod
    def from_dict(cls, d: Mapping):
        """A config from a dict such as ``to_dict()`` returns (or a GliaGL config file's).

        Missing keys keep their defaults; nested fields may be given flat by their own name;
        an unknown key raises ValueError naming it.

        >>> GradConfig.from_dict({"optimizer": "adamw", "temperature": 2}).temperature
        2.0
        """
        if not isinstance(d, Mapping):
            raise TypeError(f"{cls.__name__}.from_dict() expects a dict, got {type(d).__name__}")
        from glia import _gliagl
        return cls()._set_many(_gliagl.read_layout(cls, d), ValueError,
                               f"{cls.__name__}.from_dict()")

    def update(self, **kwargs):
        """Set several fields at once, all or nothing; returns ``self``.

        Nested fields may be given by their own name (``optimizer="adam"`` sets
        ``grad.optimizer``). Unknown names raise TypeError.

        >>> cfg = TrainingConfig().update(lr=0.1, optimizer="adam", alpha=0.1)
        >>> cfg.lr, cfg.grad.optimizer, cfg.detector.alpha
        (0.1, 'adam', 0.1)
        """
        return self._set_many(list(kwargs.items()), TypeError, f"{type(self).__name__}.update()")

    def _set_many(self, items: list, unknown_error: type, what: str):
        from glia import _gliagl
        new = self.copy()
        for path, value in _gliagl.resolve_names(type(self), items, unknown_error, what).items():
            target = new
            for part in path[:-1]:
                target = getattr(target, part)
            setattr(target, path[-1], value)
        new.validate()
        for name in type(self)._fields:  # commit only once everything checked out
            object.__setattr__(self, name, getattr(new, name))
        return self

    def to_json(self, path: str | os.PathLike | None = None, *, indent: int = 2) -> str | None:
        """The config as JSON text (``path`` None), or written atomically to ``path``.

        >>> text = EvolutionConfig(population=12).to_json()
        >>> EvolutionConfig.from_json(text).population
        12
        """
        text = json.dumps(self.to_dict(), indent=indent) + "\n"
        if path is None:
            return text
        write_text_atomic(path, text)
        return None

    @classmethod
    def from_json(cls, source: str | bytes | os.PathLike):
        """A config from JSON text (a string starting with ``{``) or a JSON file's path.

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
            with open(label, encoding="utf-8") as fh:
                text = fh.read()
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

    def __repr__(self) -> str:
        default = type(self)()
        parts = [f"{n}={getattr(self, n)!r}" for n in type(self)._fields
                 if getattr(self, n) != getattr(default, n)]
        return f"{type(self).__name__}({', '.join(parts)})"

    def _rows(self, prefix: str = ""):
        default = type(self)()
        for name, f in type(self)._fields.items():
            v = getattr(self, name)
            if isinstance(v, ConfigBase):
                yield from v._rows(prefix + name + ".")
            else:
                yield prefix + name, v, v != getattr(default, name), f.doc

    def __str__(self) -> str:
        rows = list(self._rows())
        width = max(len(r[0]) for r in rows)
        return "\n".join([f"{type(self).__name__}:"] + [
            f"  {n:<{width}} = {v!r}{'  *' if changed else ''}" for n, v, changed, _ in rows])

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td><code>{html.escape(n)}</code></td><td>"
            f"{'<b>' if ch else ''}{html.escape(repr(v))}{'</b>' if ch else ''}</td>"
            f"<td>{html.escape(doc)}</td></tr>" for n, v, ch, doc in self._rows())
        return (f"<table><caption>{type(self).__name__} (changed values in bold)</caption>"
                f"<tr><th>field</th><th>value</th><th>meaning</th></tr>{rows}</table>")


def make_config(name: str, doc: str, fields: dict[str, Field], relations=None,
                module: str = "glia.config") -> type:
    """A slotted dataclass ``module.name`` with these fields (in order)."""
    def spec(f: Field):
        if isinstance(f.kind, type):
            return dataclasses.field(default_factory=f.kind, metadata={"doc": f.doc})
        return dataclasses.field(default=f.default, metadata={"doc": f.doc})
    types = {"int": int, "seed": int, "float": float, "bool": bool}

    def annotation(f: Field):
        if isinstance(f.kind, type):
            return f.kind
        t = types.get(f.kind, str)
        return t | None if f.default is None else t  # None: left to the engine
    ns = {"__doc__": doc, "__module__": module, "_fields": fields}
    if relations is not None:
        ns["_check_relations"] = relations
    cls = dataclasses.make_dataclass(
        name, [(n, annotation(f), spec(f)) for n, f in fields.items()],
        bases=(ConfigBase,), namespace=ns, slots=True, repr=False, eq=True,
        # Python >= 3.12 sets __module__ from this argument (else from the caller's frame,
        # overriding the namespace's): pickling finds the class by it
        **({"module": module} if sys.version_info >= (3, 12) else {}))
    return cls

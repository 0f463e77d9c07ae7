"""What every configuration class shares: its fields' types, the names a field may be given
by, the one check of a whole config, copying, dict/JSON conversion and display. The classes
are built by :func:`make_config` as slotted dataclasses (see glia.config).

One path checks every value: Python turns a value into its field's type
(:func:`_coerce`; wrong types raise :class:`ConfigTypeError`); the engine's field table
(``cpp/src/config_fields.cpp``) is the rule for ranges and for the relations between
the engine's fields, asked once per config (``_core._config_problem``) by
:meth:`ConfigBase.validate` (an assignment asks it about the one field assigned).
This module imports nothing of glia's but the compiled core."""
from __future__ import annotations

import dataclasses
import difflib
import html
import inspect
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
    return value


def _check_rules(rows: list, engine_values: dict | None = None, owner: str = "") -> None:
    """The one range check: ``rows`` of (where, Field, value) in their Python types, and
    (``engine_values``, a TrainingConfig.to_dict()) the engine's rules between fields, in
    one call to the engine's table. ValueError names the first field out of its rule, or
    ``owner`` and the broken relation."""
    ruled = [r for r in rows  # a choice was checked by its type; None: an unset float
             if r[1].rule is not None and r[1].kind != "choice" and r[2] is not None]
    problem = _core._config_problem([(f.rule, f.kind, v) for _, f, v in ruled], engine_values)
    if problem is not None:
        k, text = problem
        if k < 0:
            raise ValueError(f"{owner}: {text}")
        where, _, value = ruled[k]
        raise ValueError(f"{where} must be {text}, got {value!r}")


class ConfigBase:
    """Checking, copying, conversion and display shared by every configuration class."""

    __slots__ = ()
    _fields: dict  # name -> Field, set by make_config()
    #: the class is the engine's TrainConfig: its relations between fields are the engine's
    _engine_config = False

    def __init__(self, *args, **kwargs):
        cls = type(self)
        names = list(cls._fields)
        if len(args) > len(names):
            raise TypeError(f"{cls.__name__}() takes at most {len(names)} positional "
                            f"arguments ({len(args)} given)")
        for name, value in zip(names, args):
            if name in kwargs:
                raise TypeError(f"{cls.__name__}() got multiple values for argument {name!r}")
            kwargs[name] = value
        for name in kwargs:
            if name not in cls._fields:
                raise TypeError(f"{cls.__name__}() got an unexpected keyword argument "
                                f"{name!r}{did_you_mean(name, cls._fields)}")
        self._set_defaults()
        if kwargs:
            self._assign({(k,): v for k, v in kwargs.items()})

    def _set_defaults(self) -> None:
        """Every field at its default (valid by construction: the table's defaults)."""
        for name, f in type(self)._fields.items():
            if isinstance(f.kind, type):
                value = object.__new__(f.kind)
                value._set_defaults()
            else:
                value = f.default
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        f = type(self)._fields.get(name)
        if f is None:
            raise AttributeError(self._unknown_attr_message(name))
        where = f"{type(self).__name__}.{name}"
        value = _coerce(where, f, value)
        _check_rules([(where, f, value)])
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} fields cannot be deleted ({name!r})")

    @classmethod
    def _unknown_attr_message(cls, name: str) -> str:
        msg = f"{cls.__name__} has no field {name!r}"
        for meant in (name, ALIASES.get(name.lower())):
            for outer, f in cls._fields.items():
                if meant is not None and isinstance(f.kind, type) and meant in f.kind._fields:
                    ask = "" if meant == name else f"did you mean {meant!r}? "
                    return msg + f" ({ask}it is a field of {cls.__name__}.{outer}: use .{outer}.{meant})"
        return msg + did_you_mean(name, cls._fields)

    def _leaves(self):
        """(where, Field, value) of every field, nested configs' fields included."""
        for name, f in type(self)._fields.items():
            value = getattr(self, name)
            if isinstance(value, ConfigBase):
                yield from value._leaves()
            else:
                yield f"{type(self).__name__}.{name}", f, value

    def validate(self):
        """Check every field and the rules between fields; returns ``self``.

        >>> cfg = TrainingConfig()
        >>> cfg.reward_min = 2.0
        >>> cfg.validate()
        Traceback (most recent call last):
            ...
        ValueError: TrainingConfig: reward_min (2) must be <= reward_max (1)
        """
        rows = [(where, f, _coerce(where, f, v)) for where, f, v in self._leaves()]
        _check_rules(rows, self.to_dict() if self._engine_config else None, type(self).__name__)
        self._check_relations()
        return self

    def _check_relations(self) -> None:
        """Rules between fields that are not the engine's (none by default)."""

    def _assign(self, values: dict) -> None:
        """Sets {field path: value}, all or nothing: each value turned into its field's
        type, then the whole config checked once."""
        new = self.copy()
        for path, value in values.items():
            target = new
            for part in path[:-1]:
                target = getattr(target, part)
            f = type(target)._fields[path[-1]]
            object.__setattr__(target, path[-1],
                               _coerce(f"{type(target).__name__}.{path[-1]}", f, value))
        new.validate()
        for name in type(self)._fields:  # commit only once everything checked out
            object.__setattr__(self, name, getattr(new, name))

    @classmethod
    def _from_arg(cls, value, argname: str, *, copy: bool):
        """The config an argument ``argname`` gives: None (the defaults), a dict (as
        :meth:`from_dict`) or an instance, checked (and copied when ``copy``)."""
        if value is None:
            return cls()
        if isinstance(value, Mapping):
            return cls.from_dict(value)
        if not isinstance(value, cls):
            raise TypeError(f"{argname} must be a glia.{cls.__name__}, got {type(value).__name__}")
        value.validate()
        return value.copy() if copy else value

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
    def _layout(cls, d: Mapping) -> list:
        """(label, key, value) items of a dict read by :meth:`from_dict` (glia.config gives
        the configs that GliaGL's files hold their layout)."""
        return [(k, k, v) for k, v in d.items()]

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
        return cls._read(d, f"{cls.__name__}.from_dict()")

    @classmethod
    def _read(cls, d: Mapping, what: str):
        """:meth:`from_dict` with ``what`` (e.g. the file it came from) in its errors."""
        return cls()._set_many(cls._layout(d), ValueError, what)

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
        self._assign(resolve_names(type(self), items, unknown_error, what))
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


def make_config(name: str, doc: str, fields: dict[str, Field], module: str = "glia.config",
                **attrs) -> type:
    """A slotted dataclass ``module.name`` with these fields (in order); ``attrs`` are
    further class attributes (``_check_relations``, ``_layout``, ``_engine_config``)."""
    types = {"int": int, "seed": int, "float": float, "bool": bool}

    def annotation(f: Field):
        if isinstance(f.kind, type):
            return f.kind
        t = types.get(f.kind, str)
        return t | None if f.default is None else t  # None: left to the engine

    def spec(f: Field):
        if isinstance(f.kind, type):
            return dataclasses.field(default_factory=f.kind, metadata={"doc": f.doc})
        return dataclasses.field(default=f.default, metadata={"doc": f.doc})
    ns = {"__doc__": doc, "__module__": module, "_fields": fields, **attrs}
    cls = dataclasses.make_dataclass(
        name, [(n, annotation(f), spec(f)) for n, f in fields.items()],
        bases=(ConfigBase,), namespace=ns, slots=True, repr=False, eq=True,
        init=False,  # ConfigBase.__init__: every value given checked in one call
        # Python >= 3.12 sets __module__ from this argument (else from the caller's frame,
        # overriding the namespace's): pickling finds the class by it
        **({"module": module} if sys.version_info >= (3, 12) else {}))
    cls.__signature__ = inspect.Signature([
        inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                          default=(f.kind() if isinstance(f.kind, type) else f.default),
                          annotation=annotation(f))
        for n, f in fields.items()])
    return cls


# ---------------------------------------------------------------- names of fields
def field_paths(cls) -> dict[str, tuple[str, ...]]:
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


def short_names(cls) -> list[str]:
    """The names (sorted) a field of ``cls`` may be given by, nested ones without a dot."""
    return sorted(k for k in field_paths(cls) if "." not in k)


def resolve_names(cls, items: list, unknown_error: type, what: str) -> dict:
    """{field path: value} from (key, value) or (label, key, value) items; nested configs
    and dicts are spread into their fields. Two names for one field must agree; unknown
    names raise ``unknown_error`` listing the valid ones, with the closest match."""
    paths, out, labels, unknown = field_paths(cls), {}, {}, []

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
        valid = short_names(cls)
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

"""Episodes and data sets (GliaGL's names): what trainers and evolution consume.

An episode is an input (an :class:`~glia.InputSequence`, or a dense ``(T, n_sensory)``
array row) plus the id of the output neuron that should win.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

import numpy as np

from glia._core import InputSequence, _all_finite, _check_bytes, _note_input_edit

__all__ = [
    "EpisodeData", "EpisodeMetrics", "Dataset", "load_sequence_file",
    "create_sequence_from_array", "load_dataset_from_directory",
]


class EpisodeData:
    """One labelled episode: ``seq`` (an InputSequence) or ``array`` (a (T, n_sensory)
    float32 array, injected into the sensory neurons in order) and ``target_id``.

    Example::

        ep = glia.EpisodeData(glia.load_sequence_file("a.seq"), "O1")
        ep = glia.EpisodeData()            # GliaGL style: fill the attributes
        ep.seq = seq; ep.target_id = "O0"
    """

    __slots__ = ("seq", "target_id", "array")

    def __setattr__(self, name, value):
        object.__setattr__(self, name, value)
        _note_input_edit()

    def __init__(self, seq: InputSequence | None = None, target_id: str = "", *, array=None):
        if seq is not None and not isinstance(seq, InputSequence):
            raise TypeError(f"seq must be a glia.InputSequence, got {type(seq).__name__}")
        self.seq = seq
        self.target_id = str(target_id)
        self.array = array

    def to_sequence(self) -> InputSequence:
        """The input as an InputSequence (a dense array becomes events of S0, S1, …)."""
        if self.seq is not None:
            return self.seq
        if self.array is None:
            return InputSequence()
        return InputSequence.from_array(self.array)

    def __reduce__(self):
        return (_rebuild_episode, (self.seq, self.target_id, self.array))

    def __repr__(self):
        src = repr(self.seq) if self.seq is not None else (
            f"array{tuple(self.array.shape)}" if self.array is not None else "empty")
        return f"EpisodeData({src}, target_id={self.target_id!r})"


def _rebuild_episode(seq, target_id, array):
    return EpisodeData(seq, target_id, array=array)


class EpisodeMetrics:
    """What evaluating one episode gives: ``winner_id`` ('' when no output won),
    ``margin`` (top rate − second), ``rates`` ({output id: detector rate}) and
    ``ticks_run``. ``firing_rates`` is GliaGL's name for ``rates``.

    Example::

        m = trainer.evaluate(seq)
        print(m.winner_id, m.margin, m.rates["O0"])
    """

    __slots__ = ("winner_id", "margin", "rates", "ticks_run")

    def __init__(self, winner_id: str = "", margin: float = 0.0, rates: Mapping | None = None,
                 ticks_run: int = 0):
        self.winner_id = winner_id
        self.margin = float(margin)
        self.rates = dict(rates or {})
        self.ticks_run = int(ticks_run)

    @property
    def firing_rates(self) -> dict:
        """GliaGL's name for :attr:`rates`."""
        return self.rates

    def __repr__(self):
        return (f"EpisodeMetrics(winner_id={self.winner_id!r}, margin={self.margin:.4g}, "
                f"ticks_run={self.ticks_run})")


class Dataset:
    """A list of :class:`EpisodeData`, with GliaGL's methods and glia's ``from_arrays``.

    ``class_names`` maps target ids to the names of the classes they stand for (the
    digits data set: ``{"O0": "0", ..., "O9": "9"}``); plots label classes by them. Slices,
    splits and sums keep them.

    Example::

        ds = glia.Dataset.from_arrays(X, y)            # X (n, T, n_sensory), y labels
        train, val = ds.split(0.8, seed=0)
        len(train), train[0], train[:10]
    """

    def __init__(self, episodes: Iterable[EpisodeData] | None = None,
                 class_names: Mapping[str, str] | None = None):
        names = _check_class_names(class_names)
        self.episodes: list[EpisodeData] = []
        for ep in episodes or ():
            if not isinstance(ep, EpisodeData):
                raise TypeError(f"episodes must be EpisodeData, got {type(ep).__name__}")
            self.episodes.append(ep)
        self.class_names: dict[str, str] = names

    def __setstate__(self, state):  # data sets pickled before class_names existed
        self.__dict__.update(state)
        self.__dict__.setdefault("class_names", {})

    def _like(self, episodes) -> "Dataset":
        """A data set of ``episodes`` with this one's class names."""
        out = Dataset(episodes)
        out.class_names = dict(self.class_names)
        return out

    # ---------------------------------------------------------------- construction
    @classmethod
    def from_sequences(cls, sequences: Sequence[InputSequence], targets: Sequence[str]) -> "Dataset":
        """Pairs sequences with target ids (equal lengths)."""
        sequences, targets = list(sequences), list(targets)
        if len(sequences) != len(targets):
            raise ValueError(f"sequences and targets must have equal length, got {len(sequences)} and {len(targets)}")
        return cls(EpisodeData(s, t) for s, t in zip(sequences, targets))

    @classmethod
    def from_files(cls, paths: Sequence, targets: Sequence[str]) -> "Dataset":
        """Reads ``.seq`` files and pairs them with target ids."""
        paths, targets = list(paths), list(targets)
        if len(paths) != len(targets):
            raise ValueError(f"paths and targets must have equal length, got {len(paths)} and {len(targets)}")
        return cls.from_sequences([InputSequence.from_file(p) for p in paths], targets)

    @classmethod
    def from_arrays(cls, X, y, target_ids: Sequence[str] | None = None,
                    class_names: Sequence | Mapping | None = None) -> "Dataset":
        """Episodes from a dense array ``X`` (n, T, n_sensory) and labels ``y``.

        ``X[i, t, c]`` is injected into sensory neuron c before step t of episode i. A
        float32 C-contiguous X is used in place (no copy); others are converted once.
        ``y`` holds output ids (str) or class indices, mapped to ``target_ids[k]``
        (default ``O{k}``). ``class_names``: the classes' names, one per class index (as
        scikit-learn's ``target_names``) or a dict {target id: name}.
        """
        if not isinstance(X, np.ndarray):
            X = np.asarray(X)
        if X.dtype.kind not in "biuf":
            raise TypeError(f"X must have a real numeric dtype (expected float32), got {X.dtype}")
        if X.ndim != 3:
            raise ValueError(f"X must have shape (n_episodes, T, n_sensory), got shape {X.shape}")
        if X.dtype != np.float32 or not X.flags.c_contiguous:
            _check_bytes(X.size * 4, f"X: converting shape {X.shape} to float32")
            X = np.ascontiguousarray(X, dtype=np.float32)
        if X.size and not _all_finite(X):
            raise ValueError("X must be finite (no NaN or inf)")
        y = np.asarray(y)
        if y.ndim != 1 or y.shape[0] != X.shape[0]:
            raise ValueError(f"y must have shape ({X.shape[0]},) (one label per episode), got {y.shape}")
        if y.dtype.kind in "USO":
            ids = [str(v) for v in y.tolist()]
        elif y.dtype.kind in "iu":
            if y.size and y.min() < 0:
                raise ValueError("class indices in y must be >= 0")
            names = list(target_ids) if target_ids is not None else None
            if names is not None and y.size and y.max() >= len(names):
                raise ValueError(f"y has class {int(y.max())} but target_ids has {len(names)} entries")
            ids = [names[k] if names is not None else f"O{k}" for k in y.tolist()]
        else:
            raise TypeError(f"y must hold output ids (str) or class indices (int), got dtype {y.dtype}")
        if class_names is not None and not isinstance(class_names, Mapping):
            if isinstance(class_names, str):
                raise TypeError("class_names must be a sequence of names (one per class index) "
                                "or a dict {target id: name}, got a str")
            seq = list(class_names)
            ids_of = list(target_ids) if target_ids is not None else [f"O{k}" for k in range(len(seq))]
            if len(ids_of) != len(seq):
                raise ValueError(f"class_names has {len(seq)} names but target_ids has {len(ids_of)} entries")
            class_names = dict(zip(ids_of, seq))
        ds = cls(class_names=class_names)
        ds.episodes = [EpisodeData(None, t, array=X[i]) for i, t in enumerate(ids)]
        return ds

    # ---------------------------------------------------------------- list behaviour
    def __len__(self) -> int:
        return len(self.episodes)

    def __iter__(self):
        return iter(self.episodes)

    def __getitem__(self, key):
        if isinstance(key, slice):
            return self._like(self.episodes[key])
        if isinstance(key, (list, np.ndarray)):
            return self._like([self.episodes[int(i)] for i in key])
        return self.episodes[key]

    def __add__(self, other: "Dataset") -> "Dataset":
        names = dict(self.class_names)
        for k, v in getattr(other, "class_names", {}).items():
            if names.setdefault(k, v) != v:
                raise ValueError(f"the data sets name class {k!r} differently ({names[k]!r} and {v!r})")
        out = Dataset(self.episodes + list(other.episodes))
        out.class_names = names
        return out

    @property
    def targets(self) -> list[str]:
        """The target id of every episode."""
        return [ep.target_id for ep in self.episodes]

    @property
    def classes(self) -> list[str]:
        """The distinct target ids, sorted."""
        return sorted(set(self.targets))

    def shuffle(self, seed: int | None = None) -> "Dataset":
        """Shuffles in place (reproducibly with ``seed``); returns self."""
        order = np.random.default_rng(seed).permutation(len(self.episodes))
        self.episodes = [self.episodes[i] for i in order]
        return self

    def split(self, train_fraction: float = 0.8, shuffle: bool = True, seed: int | None = None,
              *, train_frac: float | None = None):
        """``(train, val)``: the first ``train_fraction`` of the (shuffled) episodes and
        the rest. ``train_frac`` is GliaGL's name for ``train_fraction``."""
        if train_frac is not None:
            train_fraction = train_frac
        if not 0.0 <= float(train_fraction) <= 1.0:
            raise ValueError(f"train_fraction must be in [0, 1], got {train_fraction}")
        eps = list(self.episodes)
        if shuffle:
            order = np.random.default_rng(seed).permutation(len(eps))
            eps = [eps[i] for i in order]
        k = int(round(len(eps) * float(train_fraction)))
        return self._like(eps[:k]), self._like(eps[k:])

    def class_name(self, target_id: str) -> str:
        """The name of the class ``target_id`` stands for (the id itself when unnamed)."""
        return self.class_names.get(target_id, target_id)

    def __repr__(self):
        return f"<glia.Dataset: {len(self)} episodes, classes {self.classes}>"

    def _repr_html_(self):
        counts = {c: 0 for c in self.classes}
        for t in self.targets:
            counts[t] += 1
        rows = "".join(f"<tr><td>{c}</td><td>{n}</td></tr>" for c, n in counts.items())
        return (f"<table><caption>glia.Dataset: {len(self)} episodes</caption>"
                f"<tr><th>target</th><th>episodes</th></tr>{rows}</table>")


def _check_class_names(names) -> dict:
    if names is None:
        return {}
    if not isinstance(names, Mapping):
        raise TypeError(f"class_names must be a dict {{target id: name}}, got {type(names).__name__}")
    return {str(k): str(v) for k, v in names.items()}


def load_sequence_file(path) -> InputSequence:
    """Reads a ``.seq`` file (GliaGL's name for ``InputSequence.from_file``).

    Example::

        seq = glia.load_sequence_file("episode.seq")
    """
    return InputSequence.from_file(path)


def create_sequence_from_array(array, neuron_ids: Sequence[str] | None = None,
                               duration: int | None = None, loop: bool = False) -> InputSequence:
    """A sequence from a (T, k) array: nonzero ``array[t, c]`` → event of ``neuron_ids[c]``
    (default ``S0…``) at tick t. A 1-D array is one tick.

    Example::

        seq = glia.create_sequence_from_array(np.eye(2) * 200, ["S0", "S1"])
    """
    a = np.asarray(array)
    if a.ndim == 1:
        a = a[None, :]
    return InputSequence.from_array(a, neuron_ids, duration=duration, loop=loop)


_CLASS_RE = re.compile(r"class[_-]?(\d+)", re.IGNORECASE)


def load_dataset_from_directory(directory, pattern: str = "*.seq",
                                target_mapping: Mapping[str, str] | Callable[[str], str] | None = None) -> Dataset:
    """Reads every file matching ``pattern`` in ``directory`` (sorted by name).

    The target of each file comes from ``target_mapping``: a dict from file name (or
    stem) to output id, or a callable taking the file name. Without one, a
    ``labels.csv`` in the folder (GliaGL's layout: ``file,label`` rows, the label an
    output id like ``O3`` or a class index like ``3``; a header row is allowed) names
    them; without that, a name like ``class2_017.seq`` gives ``O2``; a file whose
    target cannot be found is an error.

    Example::

        ds = glia.load_dataset_from_directory("data/", "*.seq", {"a.seq": "O0", "b.seq": "O1"})
    """
    d = Path(directory)
    if not d.is_dir():
        raise FileNotFoundError(f"No such directory: '{directory}'")
    files = sorted(p for p in d.glob(pattern) if p.is_file())
    if not files:
        raise ValueError(f"no files match {pattern!r} in '{directory}'")
    source = "target_mapping"
    if target_mapping is None and (d / "labels.csv").is_file():
        target_mapping, source = read_labels_csv(d / "labels.csv"), str(d / "labels.csv")
    targets = []
    for p in files:
        if callable(target_mapping):
            t = target_mapping(p.name)
        elif target_mapping is not None:
            t = target_mapping.get(p.name, target_mapping.get(p.stem))
            if t is None:
                raise KeyError(f"{source} has no entry for '{p.name}'")
        else:
            t = target_from_name(p.name)
            if t is None:
                raise ValueError(
                    f"cannot infer the target of '{p.name}': name files like 'class<k>_….seq', "
                    "list them in a labels.csv in the folder ('file,label' rows) or pass "
                    "target_mapping (a dict or a callable)")
        targets.append(str(t))
    return Dataset.from_files(files, targets)


def target_from_name(file_name: str) -> str | None:
    """The target a file's name gives (``class2_017.seq`` → ``O2``), or None."""
    m = _CLASS_RE.search(Path(file_name).stem)
    return f"O{int(m.group(1))}" if m else None


def read_labels_csv(path) -> dict:
    """{file name: output id} from a ``file,label`` CSV (header optional)."""
    import csv
    out = {}
    with open(path, newline="", encoding="utf-8-sig") as f:
        for n, row in enumerate(csv.reader(f), 1):
            row = [c.strip() for c in row]
            if not row or not any(row) or row[0].startswith("#"):
                continue
            if len(row) < 2:
                raise ValueError(f"{path}:{n}: expected 'file,label', got {','.join(row)!r}")
            name, label = row[0], row[1]
            if n == 1 and not label.isdigit() and not label.startswith("O"):
                continue  # a header such as 'file,label'
            out[Path(name).name] = f"O{int(label)}" if label.isdigit() else label
    return out

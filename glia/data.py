"""Episodes and data sets (GliaGL's names): what trainers and evolution consume.

An episode is an input (an :class:`~glia.InputSequence`, or a dense ``(T, n_sensory)``
array row) plus the id of the output neuron that should win.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

import numpy as np

from glia._core import MAX_TICK, InputSequence, _all_finite, _check_bytes, _note_input_edit

__all__ = [
    "EpisodeData", "EpisodeEvents", "EpisodeMetrics", "Dataset", "load_sequence_file",
    "create_sequence_from_array", "load_dataset_from_directory",
]


class EpisodeData:
    """One labelled episode: its input and ``target_id``, the output neuron that should win.

    The input is one of ``seq`` (an InputSequence), ``array`` (a (T, n_sensory) float32
    array, injected into the sensory neurons in order) or ``events`` (an
    :class:`EpisodeEvents`: spikes held as events, as :meth:`Dataset.from_events` makes).

    Example::

        ep = glia.EpisodeData(glia.load_sequence_file("a.seq"), "O1")
        ep = glia.EpisodeData()            # GliaGL style: fill the attributes
        ep.seq = seq; ep.target_id = "O0"
    """

    __slots__ = ("seq", "target_id", "array", "events")

    def __setattr__(self, name, value):
        object.__setattr__(self, name, value)
        _note_input_edit()

    def __init__(self, seq: InputSequence | None = None, target_id: str = "", *, array=None,
                 events: "EpisodeEvents | None" = None):
        if seq is not None and not isinstance(seq, InputSequence):
            raise TypeError(f"seq must be a glia.InputSequence, got {type(seq).__name__}")
        if events is not None and not isinstance(events, EpisodeEvents):
            raise TypeError(f"events must be a glia.EpisodeEvents, got {type(events).__name__}")
        self.seq = seq
        self.target_id = str(target_id)
        self.array = array
        self.events = events

    def to_sequence(self) -> InputSequence:
        """The input as an InputSequence (a dense array or events become events of S0, S1, …)."""
        if self.seq is not None:
            return self.seq
        if self.events is not None:
            ev = self.events
            s = InputSequence()
            for t, c, v in zip(ev.tick.tolist(), ev.channel.tolist(), ev.value.tolist()):
                s.add_event(t, f"S{c}", v)
            s.duration = ev.n_ticks
            return s
        if self.array is None:
            return InputSequence()
        return InputSequence.from_array(self.array)

    def __reduce__(self):
        return (_rebuild_episode, (self.seq, self.target_id, self.array, self.events))

    def __repr__(self):
        src = (repr(self.seq) if self.seq is not None else
               repr(self.events) if self.events is not None else
               f"array{tuple(self.array.shape)}" if self.array is not None else "empty")
        return f"EpisodeData({src}, target_id={self.target_id!r})"


def _rebuild_episode(seq, target_id, array, events=None):
    return EpisodeData(seq, target_id, array=array, events=events)


_CHUNK = 1 << 18   # events decoded at a time


class _EventStore:
    """The spikes of a set of episodes as events, shared by their EpisodeEvents and never
    changed: ``tick`` and ``channel`` (int32, sorted by (episode, tick, channel), one event
    per (episode, tick, channel) at most), ``offsets`` (int64; episode i's events are
    ``[offsets[i], offsets[i + 1])``), ``values`` (float32, what each event injects) or None
    when every event injects ``value``, and the episodes' ``n_ticks`` and ``n_channels``."""

    __slots__ = ("tick", "channel", "offsets", "values", "value", "n_ticks", "n_channels")

    def __init__(self, tick, channel, offsets, values, value, n_ticks, n_channels):
        for a in (tick, channel, offsets, values):
            if a is not None:
                a.flags.writeable = False
        self.tick, self.channel, self.offsets, self.values = tick, channel, offsets, values
        self.value = np.float32(value)
        self.n_ticks, self.n_channels = int(n_ticks), int(n_channels)

    @classmethod
    def from_keys(cls, keys, counts, n_episodes, n_ticks, n_channels, value):
        """From ``keys = (episode * n_ticks + tick) * n_channels + channel`` (int64, sorted;
        repeats allowed) and optional spike ``counts`` per key: repeated keys are merged,
        their counts added; an event of count k injects ``float32(k) * value``."""
        n = keys.size
        if n > 1:
            new = np.empty(n, dtype=bool)
            new[0] = True
            np.not_equal(keys[1:], keys[:-1], out=new[1:])
            if not new.all():
                starts = np.flatnonzero(new)
                if counts is None:
                    counts = np.diff(np.append(starts, n))
                else:
                    counts = np.add.reduceat(counts, starts)
                keys = keys[starts]
            del new
        values = None
        if counts is not None and (counts != 1).any():
            with np.errstate(over="ignore"):
                values = counts.astype(np.float32) * np.float32(value)
            if not np.isfinite(values).all():
                raise ValueError("value times the number of spikes of one (episode, tick, channel) "
                                 "overflows float32")
        tick = np.empty(keys.size, np.int32)
        channel = np.empty(keys.size, np.int32)
        for a in range(0, keys.size, _CHUNK):     # in blocks: small temporaries
            q, channel[a:a + _CHUNK] = np.divmod(keys[a:a + _CHUNK], n_channels)
            tick[a:a + _CHUNK] = q % n_ticks
        bounds = np.arange(n_episodes + 1, dtype=np.int64) * (n_ticks * n_channels)
        offsets = np.searchsorted(keys, bounds).astype(np.int64)
        return cls(tick, channel, offsets, values, value, n_ticks, n_channels)

    def subset(self, index):
        """A store of episodes ``index`` (int64 array) only, in that order."""
        index = np.asarray(index, dtype=np.int64)
        start = self.offsets[index]
        lengths = self.offsets[index + 1] - start
        offsets = np.zeros(index.size + 1, np.int64)
        np.cumsum(lengths, out=offsets[1:])
        pos = np.repeat(start - offsets[:-1], lengths) + np.arange(offsets[-1], dtype=np.int64)
        return _EventStore(self.tick[pos], self.channel[pos], offsets,
                           None if self.values is None else self.values[pos], self.value,
                           self.n_ticks, self.n_channels)

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in (self.tick, self.channel, self.offsets, self.values)
                   if a is not None)

    @property
    def n_episodes(self) -> int:
        return self.offsets.size - 1

    def __reduce__(self):
        return (_EventStore, (self.tick, self.channel, self.offsets, self.values, self.value,
                              self.n_ticks, self.n_channels))


class EpisodeEvents:
    """The spikes of one episode, held as events: a read-only view of its data set's events
    (nothing is copied; :meth:`Dataset.from_events` and :meth:`Dataset.from_spikes` make
    them). Event k injects ``value[k]`` into sensory neuron ``channel[k]`` before step
    ``tick[k]``, exactly as ``to_array()[tick[k], channel[k]]`` would as a dense input.

    Example::

        ds = glia.Dataset.from_spikes(spikes, labels)     # spikes (n, T, C) bool
        ev = ds[0].events
        ev.tick[:5], ev.channel[:5], len(ev), ev.to_array().shape  # (T, C)
    """

    __slots__ = ("_store", "_index")

    def __init__(self, store: _EventStore, index: int):
        self._store = store
        self._index = index

    def _span(self):
        off = self._store.offsets
        return int(off[self._index]), int(off[self._index + 1])

    @property
    def tick(self) -> np.ndarray:
        """The tick of each event (int32, ascending; read-only)."""
        a, b = self._span()
        return self._store.tick[a:b]

    @property
    def channel(self) -> np.ndarray:
        """The channel (sensory neuron) of each event (int32, ascending within a tick)."""
        a, b = self._span()
        return self._store.channel[a:b]

    @property
    def value(self) -> np.ndarray:
        """What each event injects (float32)."""
        a, b = self._span()
        if self._store.values is not None:
            return self._store.values[a:b]
        return np.full(b - a, self._store.value, dtype=np.float32)

    @property
    def n_ticks(self) -> int:
        """The episode's length in ticks."""
        return self._store.n_ticks

    @property
    def n_channels(self) -> int:
        """The number of input channels (the network's sensory neurons)."""
        return self._store.n_channels

    def to_array(self) -> np.ndarray:
        """The dense (n_ticks, n_channels) float32 input these events stand for."""
        _check_bytes(self.n_ticks * self.n_channels * 4,
                     f"to_array: a ({self.n_ticks}, {self.n_channels}) float32 array")
        X = np.zeros((self.n_ticks, self.n_channels), np.float32)
        X[self.tick, self.channel] = self.value
        return X

    def __len__(self) -> int:
        a, b = self._span()
        return b - a

    def __reduce__(self):
        # the store is pickled once per pickle however many episodes share it
        # (Dataset's pickles keep only the events of their own episodes)
        return (EpisodeEvents, (self._store, self._index))

    def __repr__(self):
        return (f"<glia.EpisodeEvents: {len(self)} events over {self.n_ticks} ticks, "
                f"{self.n_channels} channels>")


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
    """A list of :class:`EpisodeData`, with GliaGL's methods and glia's ``from_arrays``,
    ``from_events``, ``from_spikes`` and ``from_event_arrays``.

    ``class_names`` maps target ids to the names of the classes they stand for (the
    digits data set: ``{"O0": "0", ..., "O9": "9"}``); plots label classes by them. Slices,
    splits and sums keep them.

    Example::

        ds = glia.Dataset.from_arrays(X, y)            # X (n, T, n_sensory), y labels
        ds = glia.Dataset.from_spikes(S, y)            # S (n, T, n_sensory) bool: as events
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
        ids = _labels(y, X.shape[0], target_ids)
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

    @classmethod
    def from_events(cls, episode, tick, channel, y, n_ticks: int, n_channels: int,
                    value: float = 1.0, target_ids: Sequence[str] | None = None) -> "Dataset":
        """Episodes from spike events, held as events (never as a dense array).

        Event k is a spike of input channel ``channel[k]`` at tick ``tick[k]`` of episode
        ``episode[k]`` (three integer arrays of equal length, in any order); a spike
        injects ``value`` into the sensory neuron of its channel before that step. There
        are ``len(y)`` episodes (an episode without events is allowed), each ``n_ticks``
        long with ``n_channels`` channels (the network's sensory count). Several events at
        one (episode, tick, channel) add up: they become one event injecting
        ``float32(count) * value``. Training and evaluation give bit for bit what
        ``from_arrays`` gives on the dense array ``X[episode, tick, channel] = that sum``.

        The data set holds 8 bytes per distinct event (int32 tick and channel; 4 more per
        event where repeats were merged) and 8 per episode: see :attr:`nbytes`. ``y`` and
        ``target_ids`` as in :meth:`from_arrays`.

        Example::

            ds = glia.Dataset.from_events(ep, t, ch, y, n_ticks=100, n_channels=700)
        """
        ids = _labels(y, None, target_ids)
        n_ticks = _count(n_ticks, "n_ticks", MAX_TICK)
        n_channels = _count(n_channels, "n_channels", _MAX_CHANNELS)
        value = _spike_value(value)
        episode = _index_array(episode, "episode")
        tick = _index_array(tick, "tick")
        channel = _index_array(channel, "channel")
        if not episode.shape[0] == tick.shape[0] == channel.shape[0]:
            raise ValueError("episode, tick and channel must have equal lengths (one entry per "
                             f"event), got {episode.shape[0]}, {tick.shape[0]} and {channel.shape[0]}")
        _check_range(episode, "episode", len(ids), "len(y)")
        _check_range(tick, "tick", n_ticks, "n_ticks")
        _check_range(channel, "channel", n_channels, "n_channels")
        _check_key_range(len(ids), n_ticks, n_channels)
        keys = episode.astype(np.int64)   # (episode * n_ticks + tick) * n_channels + channel
        keys *= n_ticks
        keys += tick.astype(np.int64, copy=False) if tick.dtype == np.uint64 else tick
        keys *= n_channels
        keys += channel.astype(np.int64, copy=False) if channel.dtype == np.uint64 else channel
        keys.sort()
        store = _EventStore.from_keys(keys, None, len(ids), n_ticks, n_channels, value)
        return cls._of_store(store, ids)

    @classmethod
    def from_spikes(cls, spikes, y, value: float = 1.0,
                    target_ids: Sequence[str] | None = None) -> "Dataset":
        """Episodes from a spike array ``spikes`` (n_episodes, n_ticks, n_channels), held as
        events: a bool array marks spikes; an integer array (e.g. uint8) counts them, and
        ``k`` spikes inject ``float32(k) * value``. The array itself is not kept. Results
        are bit for bit those of ``from_arrays(spikes.astype(np.float32) * value, y)``; see
        :meth:`from_events`.

        Example::

            S = np.random.default_rng(0).random((64, 100, 700)) < 0.02
            ds = glia.Dataset.from_spikes(S, y)          # ~8 bytes per spike
        """
        if not isinstance(spikes, np.ndarray):
            spikes = np.asarray(spikes)
        if spikes.dtype.kind not in "biu":
            raise TypeError("spikes must be a bool or integer array (spikes or spike counts), "
                            f"got dtype {spikes.dtype}; real-valued input: Dataset.from_arrays")
        if spikes.ndim != 3:
            raise ValueError("spikes must have shape (n_episodes, n_ticks, n_channels), "
                             f"got shape {spikes.shape}")
        ids = _labels(y, spikes.shape[0], target_ids)
        n_ticks = _count(spikes.shape[1], "spikes.shape[1] (n_ticks)", MAX_TICK)
        n_channels = _count(spikes.shape[2], "spikes.shape[2] (n_channels)", _MAX_CHANNELS)
        value = _spike_value(value)
        flat = spikes.reshape(-1)
        keys = np.flatnonzero(flat)       # C order: the key of from_events, sorted, unique
        counts = None
        if spikes.dtype.kind != "b":
            counts = flat[keys]
            if spikes.dtype.kind == "i" and keys.size and counts.min() < 0:
                at = np.unravel_index(keys[np.argmin(counts)], spikes.shape)
                raise ValueError(f"spikes must be >= 0 (spike counts), got {counts.min()} at "
                                 f"{tuple(int(i) for i in at)}")
            counts = counts.astype(np.int64)
        store = _EventStore.from_keys(keys, counts, spikes.shape[0], n_ticks, n_channels, value)
        return cls._of_store(store, ids)

    @classmethod
    def from_event_arrays(cls, events, y, dt: float, sensor_size, n_ticks: int | None = None,
                          t_start: float = 0, value: float = 1.0,
                          target_ids: Sequence[str] | None = None) -> "Dataset":
        """Episodes from structured event arrays as event-camera and audio libraries write
        them (tonic's format: fields ``t``, ``x``, optionally ``y`` and ``p``), one array
        per episode, binned into ticks of ``dt`` and held as events.

        - Time: an event at time ``t`` (any unit, e.g. tonic's microseconds; ``dt`` and
          ``t_start`` in the same unit) falls in tick ``floor((t - t_start) / dt)``
          (integer arithmetic when t, dt and t_start are integers, float64 otherwise).
          Events outside ``[t_start, t_start + n_ticks * dt)`` are left out; without
          ``n_ticks`` every episode is as long as the latest event of them all needs.
        - Channels: ``sensor_size`` is ``(W, H, P)`` as tonic gives it (an int W or (W,)
          means H = P = 1; (W, H) means P = 1). The channel of an event is
          ``(p * H + y) * W + x``: the flattened index of tonic's frames (P, H, W), so
          ``n_channels = W * H * P``. A missing field ``y`` reads 0 (H must be 1); with
          P = 1 the polarity is not read (both polarities feed the same channels); with
          P > 1 the field ``p`` (0 .. P-1, or bool) is required. ``x``, ``y``, ``p`` out
          of range are errors naming the field and the episode.
        - Spikes in one tick and channel add up (``float32(count) * value``, as in
          :meth:`from_events`).

        (The field ``y`` is the event's pixel row; the argument ``y`` holds the labels.)

        Example::

            # tonic.datasets.SHD: t in microseconds, x the channel 0..699
            events = [shd[i][0] for i in range(len(shd))]
            labels = [shd[i][1] for i in range(len(shd))]
            ds = glia.Dataset.from_event_arrays(events, labels, dt=10_000,
                                                sensor_size=(700, 1, 1), n_ticks=100)
        """
        if isinstance(events, np.ndarray) and events.dtype.names is not None:
            raise TypeError("events must be a list of structured arrays, one per episode, "
                            "got a single structured array")
        events = list(events)
        ids = _labels(y, len(events), target_ids)
        W, H, P = _sensor_size(sensor_size)
        n_channels = W * H * P
        if n_channels > _MAX_CHANNELS:
            raise ValueError(f"sensor_size gives {n_channels} channels, more than {_MAX_CHANNELS}")
        dt = _real(dt, "dt")
        if not dt > 0:
            raise ValueError(f"dt must be > 0, got {dt!r}")
        t_start = _real(t_start, "t_start")
        if n_ticks is not None:
            n_ticks = _count(n_ticks, "n_ticks", MAX_TICK)
        value = _spike_value(value)
        per = []
        last = -1
        for k, a in enumerate(events):
            tk, ch = _bin_events(a, k, dt, t_start, n_ticks, W, H, P)
            if tk.size:
                last = max(last, int(tk.max()))
            per.append((tk, ch))
        if n_ticks is None:
            n_ticks = last + 1
        _check_key_range(len(ids), n_ticks, n_channels)
        keys = np.empty(sum(tk.size for tk, _ in per), np.int64)
        pos = 0
        for k, (tk, ch) in enumerate(per):
            m = tk.size
            keys[pos:pos + m] = (k * n_ticks + tk) * n_channels + ch
            pos += m
        del per
        keys.sort()
        store = _EventStore.from_keys(keys, None, len(ids), n_ticks, n_channels, value)
        return cls._of_store(store, ids)

    @classmethod
    def _of_store(cls, store: _EventStore, ids: list) -> "Dataset":
        ds = cls()
        ds.episodes = [EpisodeData(None, t, events=EpisodeEvents(store, i))
                       for i, t in enumerate(ids)]
        return ds

    @property
    def nbytes(self) -> int:
        """Bytes of input data the episodes hold, each shared buffer counted once: the
        event stores (from_events, from_spikes, from_event_arrays; a split's halves each
        count the whole store they share), the arrays dense episodes view (the whole X of
        from_arrays) and, for InputSequence episodes, 16 bytes per event. Python objects
        (about 200 bytes per episode) are not counted.

        Example::

            ds = glia.Dataset.from_spikes(S, y)
            ds.nbytes        # 8 per spike + 8 per episode
        """
        seen = set()
        total = 0
        for ep in self.episodes:
            ev, arr, seq = ep.events, ep.array, ep.seq
            if ev is not None:
                if id(ev._store) not in seen:
                    seen.add(id(ev._store))
                    total += ev._store.nbytes
            elif arr is not None and isinstance(arr, np.ndarray):
                root = arr
                while isinstance(root.base, np.ndarray):
                    root = root.base
                if id(root) not in seen:
                    seen.add(id(root))
                    total += root.nbytes
            elif seq is not None:
                total += 16 * seq.num_events
        return total

    def __getstate__(self):
        # a pickle keeps only the events of this data set's own episodes
        return {"episodes": _compact_events(self.episodes)}

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


# ---------------------------------------------------------------- data set helpers
_MAX_CHANNELS = 2**31 - 1   # channels are neuron indices (int32)


def _labels(y, n_episodes: int | None, target_ids) -> list:
    """The target id of each episode from labels ``y``: output ids (str), or class indices k
    mapped to ``target_ids[k]`` (default ``O{k}``). ``n_episodes``: the length y must have
    (None: any). Equal ids are one str object."""
    y = np.asarray(y)
    if y.ndim != 1 or (n_episodes is not None and y.shape[0] != n_episodes):
        n = "n" if n_episodes is None else n_episodes
        raise ValueError(f"y must have shape ({n},) (one label per episode), got {y.shape}")
    if y.dtype.kind in "USO":
        ids = [str(v) for v in y.tolist()]
    elif y.dtype.kind in "iu":
        if y.size and y.min() < 0:
            raise ValueError("class indices in y must be >= 0")
        names = list(target_ids) if target_ids is not None else None
        if names is not None and y.size and y.max() >= len(names):
            raise ValueError(f"y has class {int(y.max())} but target_ids has {len(names)} entries")
        ids = [names[k] if names is not None else f"O{k}" for k in y.tolist()]
    elif y.size == 0:
        ids = []
    else:
        raise TypeError(f"y must hold output ids (str) or class indices (int), got dtype {y.dtype}")
    same: dict = {}
    return [same.setdefault(t, t) for t in ids]


def _count(x, name: str, largest: int) -> int:
    """An int in [0, largest] (TypeError / ValueError naming it)."""
    if isinstance(x, bool) or not isinstance(x, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(x).__name__}")
    if not 0 <= x <= largest:
        raise ValueError(f"{name} must be in [0, {largest}], got {x}")
    return int(x)


def _real(x, name: str) -> float:
    """A finite real number (TypeError / ValueError naming it)."""
    if isinstance(x, bool) or not isinstance(x, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, got {type(x).__name__}")
    if isinstance(x, (int, np.integer)):
        return int(x)
    if not np.isfinite(x):
        raise ValueError(f"{name} must be finite, got {x!r}")
    return float(x)


def _spike_value(value) -> np.float32:
    """What a spike injects: a real number that is finite as a float32."""
    v = _real(value, "value")
    if abs(v) > float(np.finfo(np.float32).max):
        raise ValueError(f"value must be finite as a float32, got {value!r}")
    return np.float32(v)


def _index_array(a, name: str) -> np.ndarray:
    """A 1-D integer array (an empty list is fine): TypeError / ValueError naming it."""
    try:
        arr = np.asarray(a)
    except ValueError as e:
        raise ValueError(f"{name} must be a 1-dimensional integer array: {e}") from None
    if arr.size == 0 and arr.ndim == 1:
        return arr.astype(np.int64)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must be an integer array (one index per event), got dtype {arr.dtype}")
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-dimensional (one index per event), got shape {arr.shape}")
    return arr


def _check_range(a: np.ndarray, name: str, bound: int, bound_name: str) -> None:
    """ValueError naming ``name`` and the first position where ``a`` is outside [0, bound)."""
    if a.size and (a.min() < 0 or a.max() >= bound):
        pos = int(np.flatnonzero((a < 0) | (a >= bound))[0])
        raise ValueError(f"{name} must be in [0, {bound_name}) = [0, {bound}), got {a[pos]} "
                         f"at position {pos}")


def _check_key_range(n_episodes: int, n_ticks: int, n_channels: int) -> None:
    if n_episodes * n_ticks * n_channels > 2**63 - 1:
        raise ValueError("n_episodes * n_ticks * n_channels must be below 2**63, got "
                         f"{n_episodes} * {n_ticks} * {n_channels}")


def _sensor_size(size) -> tuple:
    """(W, H, P) from an int W or a tuple (W,), (W, H) or (W, H, P) of positive ints."""
    t = (size,) if isinstance(size, (int, np.integer)) and not isinstance(size, bool) else size
    try:
        t = tuple(t)
    except TypeError:
        raise TypeError(f"sensor_size must be an int or a tuple (W, H, P), got "
                        f"{type(size).__name__}") from None
    if not 1 <= len(t) <= 3 or any(isinstance(v, bool) or not isinstance(v, (int, np.integer))
                                   for v in t):
        raise TypeError(f"sensor_size must be an int or a tuple of 1 to 3 ints (W, H, P), got {size!r}")
    if any(v <= 0 for v in t):
        raise ValueError(f"sensor_size must be positive, got {size!r}")
    t = tuple(int(v) for v in t) + (1,) * (3 - len(t))
    return t


def _event_field(a: np.ndarray, k: int, field: str, bound: int | None) -> np.ndarray:
    """Field ``field`` of episode k's events as int64 in [0, bound) (bool reads 0/1)."""
    v = a[field]
    if v.dtype.kind == "b":
        v = v.astype(np.int64)
    elif v.dtype.kind not in "iu":
        raise TypeError(f"events[{k}]['{field}'] must be integers, got dtype {v.dtype}")
    _check_range(v, f"events[{k}]['{field}']", bound, {"x": "W", "y": "H", "p": "P"}[field])
    return v.astype(np.int64, copy=False)


def _bin_events(a, k: int, dt, t_start, n_ticks: int | None, W: int, H: int, P: int):
    """(tick, channel) int64 arrays of episode k's structured events (see
    Dataset.from_event_arrays), the events outside the window left out."""
    names = getattr(getattr(a, "dtype", None), "names", None)
    if not isinstance(a, np.ndarray) or names is None or "t" not in names or "x" not in names:
        got = f"dtype {a.dtype}" if isinstance(a, np.ndarray) else type(a).__name__
        raise TypeError(f"events[{k}] must be a structured array with fields 't' and 'x' "
                        f"(optionally 'y', 'p'), got {got}")
    if a.ndim != 1:
        raise ValueError(f"events[{k}] must be 1-dimensional (one record per event), got shape {a.shape}")
    t = a["t"]
    if t.dtype.kind not in "iuf":
        raise TypeError(f"events[{k}]['t'] must be numbers, got dtype {t.dtype}")
    if t.dtype.kind in "iu" and isinstance(dt, int) and isinstance(t_start, int):
        tick = (t.astype(np.int64) - t_start) // dt
    else:
        f = (t.astype(np.float64) - t_start) / dt
        if not np.isfinite(f).all():
            raise ValueError(f"events[{k}]['t'] must be finite")
        tick = np.floor(f)
    keep = tick >= 0
    if n_ticks is not None:
        keep &= tick < n_ticks
    elif tick.size and tick.max() >= MAX_TICK:
        raise ValueError(f"events[{k}]: an event falls in tick {int(tick.max())}, beyond the "
                         f"largest tick {MAX_TICK - 1}; choose a larger dt")
    x = _event_field(a, k, "x", W)
    if "y" in names:
        row = _event_field(a, k, "y", H)
    elif H > 1:
        raise ValueError(f"events[{k}] have no field 'y', but sensor_size has height H = {H}")
    else:
        row = 0
    if P > 1:
        if "p" not in names:
            raise ValueError(f"events[{k}] have no field 'p', but sensor_size has P = {P} polarities")
        pol = _event_field(a, k, "p", P)
    else:
        pol = 0
    channel = (pol * H + row) * W + x
    if not keep.all():
        tick, channel = tick[keep], channel[keep]
    return tick.astype(np.int64), channel


def _compact_events(episodes: list) -> list:
    """``episodes`` with every event store that they use only in part replaced by a store
    of just the episodes they use (for pickling)."""
    used: dict = {}
    for ep in episodes:
        ev = ep.events
        if ev is not None:
            used.setdefault(id(ev._store), (ev._store, {}))[1].setdefault(ev._index, None)
    new_store = {}
    for key, (store, index) in used.items():
        if len(index) < store.n_episodes:
            order = np.fromiter(index, dtype=np.int64, count=len(index))
            new_store[key] = (store.subset(order), {int(i): j for j, i in enumerate(order)})
    if not new_store:
        return episodes
    out = []
    for ep in episodes:
        ev = ep.events
        if ev is not None and id(ev._store) in new_store:
            store, where = new_store[id(ev._store)]
            ep = EpisodeData(None, ep.target_id, events=EpisodeEvents(store, where[ev._index]))
        out.append(ep)
    return out


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

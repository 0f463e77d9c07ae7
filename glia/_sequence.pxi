# InputSequence: timed injections (included by _core.pyx).

# input_edits() (glia/_threads.hpp) is bumped by every change to any InputSequence or
# EpisodeData: a cheap "nothing changed" test for caches of resolved episodes. It is an
# atomic counter, so concurrent edits from several threads never lose one.
#
# An InputSequence may be shared between threads (one data set, many trainers): every
# method reads or changes its engine sequence inside ``cython.critical_section(self)``
# (a per-object lock on free-threaded CPython, nothing on the normal build, where the GIL
# serialises them). Inside one, no Python code runs and the GIL is never released; what
# may call Python (argument conversion, NumPy arrays) happens before or after, on a copy.


#: The largest tick or duration accepted (2**31 - 1): the engine's kMaxTick.
MAX_TICK = kMaxTick


def _note_input_edit():
    """Records a change to an episode's input or target (EpisodeData calls it)."""
    input_edits().bump()


def _input_edit_count():
    """How many changes InputSequence and EpisodeData objects have seen."""
    return input_edits().get()


cdef class InputSequence:
    # The first line, ending in "--", is the signature (see Network's docstring).
    """InputSequence()
--

Timed injections ``(tick, neuron_id, value)``, as in a ``.seq`` file.

    A repeated (tick, neuron) keeps the last value. With ``loop`` the events repeat after
    the last event's tick. Example::

        seq = glia.InputSequence()
        seq.add_timestep({"S0": 200.0})          # tick 0
        seq.add_event(5, "S1", 150.0)
        seq.duration = 20
        X = seq.to_array(["S0", "S1"])           # (20, 2) float32
    """

    def __cinit__(self):
        self._seq = new CSequence()
        self._cursor = 0

    def __dealloc__(self):
        del self._seq

    cdef void _edited(self) noexcept:
        self._version.bump()
        input_edits().bump()

    @property
    def version(self) -> int:
        """Bumped by every change (caches of resolved episodes compare it)."""
        return self._version.get()

    cdef CSequence _snapshot(self):
        """A copy of the engine sequence, taken under this object's lock."""
        cdef CSequence out
        with cython.critical_section(self):
            out = self._seq[0]
        return out

    @classmethod
    def from_file(cls, path):
        """Reads a ``.seq`` file (FileNotFoundError / glia.FormatError on failure)."""
        cdef InputSequence s = cls()
        s.load_from_file(path)
        return s

    def load_from_file(self, path):
        """Replaces the content with a ``.seq`` file's, all or nothing."""
        cdef string p = _as_path(path)
        cdef CSequence tmp
        with nogil:
            tmp = load_sequence(p)
        with cython.critical_section(self):
            self._seq[0] = tmp
            self._cursor = max(self._seq.last_tick() + 1, 0)
            self._edited()
        return self

    def save(self, path):
        """Writes a ``.seq`` file (atomically)."""
        cdef string p = _as_path(path)
        cdef CSequence snap = self._snapshot()
        with nogil:
            save_sequence(snap, p)

    def add_event(self, tick, neuron_id, value):
        """Adds (or replaces) the injection of ``value`` into ``neuron_id`` before ``tick``."""
        if isinstance(tick, bool) or not isinstance(tick, (int, np.integer)):
            raise TypeError(f"tick must be an int, got {type(tick).__name__}")
        cdef int64_t t = tick
        cdef string nid = _to_cpp_str(neuron_id)
        cdef float v = _finite(value, "value")
        with cython.critical_section(self):
            self._seq.add_event(t, nid, v)
            self._edited()
            if t + 1 > self._cursor:
                self._cursor = t + 1

    def add_timestep(self, inputs):
        """Adds ``{neuron_id: value}`` at the next tick (0, 1, 2, …); ``{}`` adds an
        empty tick."""
        if not hasattr(inputs, "items"):
            raise TypeError(f"inputs must be a dict of neuron id -> value, got {type(inputs).__name__}")
        cdef vector[string] names
        cdef vector[float] vals
        cdef size_t j
        for k, v in inputs.items():
            names.push_back(_to_cpp_str(k))
            vals.push_back(_finite(v, f"inputs[{k!r}]"))
        with cython.critical_section(self):
            self._edited()
            for j in range(names.size()):
                self._seq.add_event(self._cursor, names[j], vals[j])
            self._cursor += 1
            if self._seq.duration and self._seq.duration < self._cursor:
                self._seq.duration = self._cursor

    def is_empty(self):
        with cython.critical_section(self):
            return self._seq.num_events() == 0

    def clear(self):
        with cython.critical_section(self):
            self._edited()
            self._seq.clear()
            self._cursor = 0

    @property
    def duration(self) -> int:
        """Ticks an episode of this sequence runs; 0 means up to the last event."""
        with cython.critical_section(self):
            return self._seq.duration

    @duration.setter
    def duration(self, value):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"duration must be an int, got {type(value).__name__}")
        if value < 0 or value > kMaxTick:
            raise ValueError(f"duration must be in [0, {kMaxTick}], got {value}")
        cdef int64_t d = value
        with cython.critical_section(self):
            self._seq.duration = d
            self._edited()

    @property
    def loop(self) -> bool:
        with cython.critical_section(self):
            return self._seq.loop

    @loop.setter
    def loop(self, value):
        cdef bint lp = bool(value)
        with cython.critical_section(self):
            self._seq.loop = lp
            self._edited()

    @property
    def length(self) -> int:
        """Ticks a run takes: duration, else the last event's tick + 1."""
        with cython.critical_section(self):
            return self._seq.length()

    @property
    def num_events(self) -> int:
        with cython.critical_section(self):
            return self._seq.num_events()

    @property
    def neuron_ids(self) -> list:
        """The neuron ids the events name, in order of first appearance."""
        cdef CSequence snap = self._snapshot()
        return _sequence_names(snap)

    def get_events(self):
        """``(ticks, neuron_ids, values)``: int64 array, list of ids, float32 array,
        sorted by tick."""
        cdef CSequence snap = self._snapshot()
        cdef const vector[CEvent]* ev = &snap.events()
        cdef Py_ssize_t k, m = ev.size()
        names = _sequence_names(snap)
        ticks = np.empty(m, dtype=np.int64)
        vals = np.empty(m, dtype=np.float32)
        ids = []
        for k in range(m):
            ticks[k] = deref(ev)[k].tick
            vals[k] = deref(ev)[k].value
            ids.append(names[deref(ev)[k].name])
        return ticks, ids, vals

    def events(self):
        """The events as a list of ``(tick, neuron_id, value)`` tuples."""
        t, i, v = self.get_events()
        return list(zip(t.tolist(), i, v.tolist()))

    @classmethod
    def from_array(cls, array, neuron_ids=None, duration=None, loop=False):
        """A sequence from a (T, k) array: a nonzero ``array[t, c]`` becomes an event of
        ``neuron_ids[c]`` (default ``S0…S{k-1}``) at tick t; duration defaults to T."""
        X = _as_float_array(array, "array", ndim=2)
        T, k = X.shape
        if neuron_ids is None:
            neuron_ids = [f"S{c}" for c in range(k)]
        neuron_ids = list(neuron_ids)
        if len(neuron_ids) != k:
            raise ValueError(f"neuron_ids must have {k} entries (one per column of array), got {len(neuron_ids)}")
        cdef InputSequence s = cls()
        t_idx, c_idx = np.nonzero(X)
        enc = [_to_cpp_str(n) for n in neuron_ids]
        for t, c in zip(t_idx.tolist(), c_idx.tolist()):
            s._seq.add_event(t, enc[c], X[t, c])
        s._seq.duration = T if duration is None else duration
        s._seq.loop = bool(loop)
        s._cursor = T
        return s

    def to_array(self, neuron_ids=None, length=None):
        """The dense (length, k) float32 array of the events of ``neuron_ids`` (default:
        the ids the events name); with ``loop`` the events repeat."""
        cdef InputSequence snap = self.copy()    # one consistent view of the events
        if neuron_ids is None:
            neuron_ids = snap.neuron_ids
        neuron_ids = list(neuron_ids)
        col = {n: c for c, n in enumerate(neuron_ids)}
        T = snap.length if length is None else int(length)
        if T < 0:
            raise ValueError("length must be >= 0")
        _check_bytes(T * len(neuron_ids) * 4, f"to_array: a ({T}, {len(neuron_ids)}) float32 array")
        X = np.zeros((T, len(neuron_ids)), dtype=np.float32)
        ticks, ids, vals = snap.get_events()
        if not len(ticks) or T == 0:
            return X
        period = int(ticks[len(ticks) - 1]) + 1
        reps = (T + period - 1) // period if snap.loop else 1
        for r in range(reps):
            for t, nid, v in zip(ticks.tolist(), ids, vals.tolist()):
                tt = t + r * period
                if tt < T and nid in col:
                    X[tt, col[nid]] = v
        return X

    def copy(self):
        cdef InputSequence s = InputSequence()
        with cython.critical_section(self):
            s._seq[0] = self._seq[0]
            s._cursor = self._cursor
        return s

    def __reduce__(self):
        cdef InputSequence snap = self.copy()
        t, i, v = snap.get_events()
        return (_rebuild_sequence, (t, i, v, snap._seq.duration, snap._seq.loop, snap._cursor))

    # ---- GliaGL's playback cursor (the engine itself reads sequences whole)
    def reset(self):
        """GliaGL's playback: moves the cursor back to tick 0 (see :meth:`get_current_inputs`)."""
        with cython.critical_section(self):
            self._play = 0

    def advance(self):
        """GliaGL's playback: moves the cursor one tick on; with ``loop``, back to 0 after
        the last event's tick."""
        with cython.critical_section(self):
            self._play += 1
            if self._seq.loop and self._play > self._seq.last_tick():
                self._play = 0

    def get_current_inputs(self) -> dict:
        """GliaGL's playback: ``{neuron_id: value}`` of the events at the cursor's tick.

        Example::

            seq.reset()
            first = seq.get_current_inputs()     # tick 0
            seq.advance()
        """
        cdef int64_t play
        with cython.critical_section(self):
            play = self._play
        ticks, ids, values = self.get_events()
        return {ids[k]: float(values[k]) for k in np.flatnonzero(ticks == play)}

    def __len__(self):
        return self.length

    def __repr__(self):
        cdef CSequence snap = self._snapshot()
        return (f"<glia.InputSequence: {snap.num_events()} events over {snap.length()} ticks"
                f"{', loop' if snap.loop else ''}>")


cdef list _sequence_names(const CSequence& seq):
    """The neuron ids a sequence's events name, in order of first appearance."""
    cdef Py_ssize_t k
    return [_to_py_str(seq.names()[k]) for k in range(<Py_ssize_t>seq.names().size())]


def _rebuild_sequence(ticks, ids, vals, duration, loop, cursor):
    cdef InputSequence s = InputSequence()
    for t, n, v in zip(np.asarray(ticks).tolist(), ids, np.asarray(vals).tolist()):
        s._seq.add_event(t, _to_cpp_str(n), v)
    s._seq.duration = duration
    s._seq.loop = loop
    s._cursor = cursor
    return s

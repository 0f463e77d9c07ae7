# Network, Neuron: the simulation API (included by _core.pyx).

# A call keeps the GIL when its work, steps x (neurons + edges), is below this: releasing
# and re-taking the GIL costs more than a tiny step, and beside a busy Python thread each
# re-take can wait a whole switch interval (DESIGN §5). ~20k units is about 10 µs. A C
# constant, so a tiny step touches no shared Python object (on free-threaded CPython two
# threads reading one object's reference count contend for its cache line).
cdef int64_t _GIL_RELEASE_WORK = 20000
GIL_RELEASE_WORK = _GIL_RELEASE_WORK

# A network whose neurons + edges reach this is stepped by several threads inside each
# step (run, step(n)); smaller ones stay on one thread, where a step is too short to repay
# the team's barrier. The value is the engine's kParallelStepMinWork (docs/performance.md).
PARALLEL_STEP_MIN_WORK = kParallelStepMinWork


def _set_parallel_step_min_work(work):
    """Test hook: changes the engine's cut-off (0: every network on a team); returns the old one."""
    return set_parallel_step_min_work(int(work))

# The most neurons a network may have (the NEWNET generator's limit too): about 1.5 GB of ids,
# parameters and state. Larger requests are refused up front.
_MAX_NEURONS = kMaxNeurons

# What a neuron's value becomes when it fires (DESIGN §2a), the engine's names in its order.
RESET_MODES = tuple(kResetModeNames[m].decode() for m in range(kNumResetModes))


cdef CNeuronFeatures _features_with(CNeuronFeatures f, floor, reset, alpha, bias) except *:
    """``f`` with the given features changed (None keeps one); types checked here, ranges
    by the engine (Network::check_features)."""
    if floor is not None:
        if not isinstance(floor, (bool, np.bool_)) and floor not in (0, 1):
            raise TypeError(f"floor must be a bool, got {floor!r}")
        f.floor = bool(floor)
    if reset is not None:
        if not isinstance(reset, str):
            raise TypeError(f"reset must be one of {RESET_MODES}, got {reset!r}")
        f.reset = reset_mode_of(reset.encode("utf-8"))
    if alpha is not None:
        f.alpha = _finite(alpha, "alpha")
    if bias is not None:
        f.bias = _finite(bias, "bias")
    return f


cdef class Network:
    # The docstring's first line, ending in "--", is the constructor's signature in
    # CPython's format for built-in types: type.__text_signature__ reads it, so
    # inspect.signature(Network) and help() show it (the arguments go to __cinit__).
    """Network(num_sensory=0, num_neurons=0)
--

A spiking network: neurons with threshold, leak and resting value, and weighted
    directed edges, simulated in synchronous discrete steps (see the README's model).

    ``Network(num_sensory, num_neurons)`` makes sensory neurons ``S0..`` (threshold 100,
    leak 1) and hidden neurons ``N0..`` (threshold 50, leak 1) without edges. Load a
    ``.net`` file with :meth:`from_file`.

    Example::

        net = glia.Network(2, 1)
        net.set_weights(["S0", "S1"], ["N0", "N0"], [60.0, 60.0])
        net.inject("S0", 150.0)
        net.step(2)
        raster = net.run(np.zeros((100, 2), np.float32))   # (100, 3) bool

    One instance must not be used from two threads at once: the second call raises
    RuntimeError. Separate instances run in parallel on separate threads.
    """

    def __cinit__(self, num_sensory=0, num_neurons=0):
        for name, v in (("num_sensory", num_sensory), ("num_neurons", num_neurons)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
                raise TypeError(f"{name} must be an int, got {type(v).__name__}")
            if v < 0 or v > _MAX_NEURONS:
                raise ValueError(f"{name} must be in [0, {_MAX_NEURONS:,}] (the most neurons a "
                                 f"network may have), got {v}")
        if num_sensory + num_neurons > _MAX_NEURONS:
            raise ValueError(f"num_sensory + num_neurons must be at most {_MAX_NEURONS:,}, "
                             f"got {num_sensory + num_neurons}")
        self._net = new CNetwork(<int32_t>num_sensory, <int32_t>num_neurons)

    def __dealloc__(self):
        del self._net

    cdef int _enter(self) except -1:
        """Marks the network busy for this thread (RuntimeError if it is already): every
        method that reads or changes the engine's network runs between _enter and _leave."""
        return busy_enter(&self._busy, "Network", "net.copy() makes an independent one")

    cdef void _leave(self) noexcept:
        self._busy.leave()

    @property
    def layout_version(self) -> int:
        """Bumped whenever neuron ids or indices may change (load, add_neuron, unpickling):
        caches of resolved episodes compare it."""
        return self._layout.get()

    # ---------------------------------------------------------------- construction
    @classmethod
    def from_file(cls, path, verbose=True):
        """Loads a ``.net`` file (NEURON/CONNECTION lines or a NEWNET block).

        Raises FileNotFoundError for a missing file and glia.FormatError (a ValueError)
        naming the file and line for a malformed one. ``verbose`` logs a summary.

        Example::

            net = glia.Network.from_file("xor.net")
        """
        cdef Network net = cls()
        net.load(path, verbose=verbose)
        return net

    def load(self, path, verbose=True):
        """Replaces this network with the content of a ``.net`` file, all or nothing:
        if the file is missing or malformed the network is left exactly as it was."""
        _load_net_file(self, path, verbose)
        return self

    def save(self, path):
        """Writes the network as a ``.net`` file (NEURON then CONNECTION lines, every
        float in the shortest form that reads back to the same bits). The file is written
        to a temporary name and renamed over ``path``, so a crash never leaves half a file.
        """
        _save_net_file(self, path)

    @classmethod
    def from_string(cls, text, name="<string>"):
        """Parses ``.net`` text. Example: ``glia.Network.from_string("NEURON S0 1 1 0")``."""
        cdef Network net = cls()
        cdef string t = text.encode("utf-8")
        cdef string n = str(name).encode("utf-8")
        with nogil:
            parse_network(deref(net._net), t, n)
        return net

    def to_string(self):
        """The ``.net`` text of this network (what :meth:`save` writes)."""
        with _Entered(self):
            return format_network(deref(self._net)).decode("utf-8")

    def copy(self):
        """An independent deep copy (model and simulation state; no views: see
        :meth:`array`)."""
        cdef Network out = Network.__new__(Network)
        with _Entered(self):
            del out._net
            out._net = new CNetwork(deref(self._net))
        return out

    def __copy__(self):
        return self.copy()

    def __deepcopy__(self, memo):
        return self.copy()

    def __reduce__(self):
        return (_rebuild_network, (self._get_arrays(),))

    def _get_arrays(self):
        """The whole network as NumPy arrays (pickling, process pools)."""
        return _network_to_arrays(self)

    def _set_arrays(self, d):
        """Replaces this network with the one in the array dict ``d`` (all or nothing)."""
        _network_load_arrays(self, d)

    # ---------------------------------------------------------------- simulation
    def step(self, n_steps=1, n_threads=None):
        """Advances the simulation ``n_steps`` synchronous steps.

        Releases the GIL unless the work is tiny (see GIL_RELEASE_WORK); Ctrl-C stops a
        long call within about 100 ms, leaving the state as of the last completed step.
        ``n_threads`` (default: glia's thread count) shares each step of a network above
        PARALLEL_STEP_MIN_WORK between threads, with bit-identical results (see :meth:`run`).
        """
        if type(n_steps) is not int:      # the common case first: no global looked up
            if isinstance(n_steps, bool) or not isinstance(n_steps, (int, np.integer)):
                raise TypeError(f"n_steps must be an int, got {type(n_steps).__name__}")
        if n_steps < 0:
            raise ValueError(f"n_steps must be >= 0, got {n_steps}")
        cdef int64_t n = n_steps
        cdef CNetwork* net = self._net
        cdef int nt = 1
        cdef bint tiny
        if n_threads is not None:
            nt = effective_n_threads(n_threads)
        self._enter()
        try:
            tiny = n * (net.size() + net.num_edges() + 1) < _GIL_RELEASE_WORK
            if n_threads is None and not tiny:
                nt = effective_n_threads(None)
            if tiny:
                net.step(n, 1, NULL, NULL)
            else:
                with nogil:
                    net.step(n, nt, _poll_signals, NULL)
                _signals_at_return()
        finally:
            self._leave()

    def inject(self, neuron_id, amount):
        """Adds ``amount`` to the neuron's input: it acts in the next step."""
        cdef int32_t i
        cdef float x = _finite(amount, "amount")
        self._enter()
        try:
            i = self._net.index(_to_cpp_str(neuron_id))
            self._net.inject(i, x)
        finally:
            self._leave()

    def inject_dict(self, inputs):
        """Injects ``{neuron_id: amount}``; all ids and values are checked first."""
        if not hasattr(inputs, "items"):
            raise TypeError(f"inputs must be a dict of neuron id -> amount, got {type(inputs).__name__}")
        cdef vector[int32_t] idx
        cdef vector[float] val
        cdef size_t k
        self._enter()
        try:
            for nid, amount in inputs.items():
                idx.push_back(self._net.index(_to_cpp_str(nid)))
                val.push_back(_finite(amount, f"inputs[{nid!r}]"))
            for k in range(idx.size()):
                self._net.inject(idx[k], val[k])
        finally:
            self._leave()

    def inject_array(self, values, neuron_ids=None):
        """Injects an array: into the sensory neurons in order (length num_sensory), or
        into ``neuron_ids`` (same length as ``values``)."""
        cdef Py_ssize_t k, n
        cdef vector[int32_t] idx
        self._enter()
        try:
            if neuron_ids is None:
                n = self._net.num_sensory()
                arr = _as_float_array(values, "values", ndim=1, shape=(n,))
                for k in range(n):
                    idx.push_back(<int32_t>k)
            else:
                ids = list(neuron_ids)
                arr = _as_float_array(values, "values", ndim=1, shape=(len(ids),))
                for nid in ids:
                    idx.push_back(self._net.index(_to_cpp_str(nid)))
            for k in range(<Py_ssize_t>idx.size()):
                self._net.inject(idx[k], arr[k])
        finally:
            self._leave()

    def reset(self):
        """Sets every value to its resting value and every input to 0."""
        with _Entered(self):
            self._net.reset()

    def run(self, inputs, *, record="raster", trace=None, reset=False, n_threads=None):
        """Runs ``T`` steps driven by ``inputs`` (T, num_sensory): before step t,
        ``inputs[t, c]`` is added to sensory neuron c. The GIL is released throughout.

        A float32 C-contiguous array is read in place (no copy); other real array-likes
        are converted once. ``record`` chooses what comes back:

        - ``"raster"`` (default): a (T, num_neurons) bool array, True where a neuron fired;
        - ``"events"``: two int32 arrays ``(steps, neurons)``, one entry per spike;
        - ``"counts"``: spikes per neuron, an int64 array;
        - ``None``: nothing but the traces.

        ``trace`` (a list of neuron ids) adds a (T, len(trace)) float32 array of those
        neurons' values after each step, returned last in a tuple. ``reset=True`` resets
        the state first; otherwise the run continues from the current state.

        ``n_threads`` (default: glia's thread count, see :func:`glia.set_num_threads`) lets
        a network whose neurons + edges reach PARALLEL_STEP_MIN_WORK be stepped by that
        many threads, each owning a range of neurons; every input still reaches its
        target in the one-thread order, so results are bit-identical at any thread count.
        Smaller networks, and runs inside other parallel glia calls, use one thread.

        Example::

            raster = net.run(X)                               # (T, N) bool
            steps, neurons = net.run(X, record="events")
            raster, v = net.run(X, trace=["O0", "O1"])
        """
        return _run_network(self, inputs, record, trace, reset, n_threads)

    # ---------------------------------------------------------------- state and parameters
    def get_state(self, *, features=False):
        """``(ids, values, thresholds, leaks)``: ids as a list, the rest float32 copies.
        With ``features=True`` a fifth item, the neurons' optional features
        (:meth:`get_features`)."""
        with _Entered(self):
            n = self._net.size()
            out = (self._ids(n), self._vec(self._net.state().value.data(), n),
                   self._vec(self._net.threshold().data(), n), self._vec(self._net.leak().data(), n))
        return out + (self.get_features(),) if features else out

    def get_features(self) -> dict:
        """The neurons' optional features (the README's model, DESIGN §2a) in
        :attr:`neuron_ids` order: ``floor`` (bool: V = max(0, ...)), ``reset`` (str, one of
        :data:`glia.RESET_MODES`), ``alpha`` (float32: the share of the synaptic current
        kept per step) and ``bias`` (float32: a constant current added every step).

        Example::

            f = net.get_features()
            print(f["reset"][:3], f["alpha"].max())
        """
        cdef Py_ssize_t n, i
        cdef uint8_t fl
        with _Entered(self):
            n = self._net.size()
            flags = np.empty(n, dtype=np.uint8)
            if n:
                memcpy(cnp.PyArray_DATA(flags), self._net.flags().data(), n)
            alpha = self._vec(self._net.alpha().data(), n)
            bias = self._vec(self._net.bias().data(), n)
        return {"floor": (flags & 1) == 0,
                "reset": np.array(RESET_MODES, dtype=object)[flags >> 1].astype(str)
                if n else np.array([], dtype=str),
                "alpha": alpha, "bias": bias}

    def set_features(self, ids=None, *, floor=None, reset=None, alpha=None, bias=None):
        """Sets optional neuron features (see :meth:`get_features`) of ``ids`` (all
        neurons, in :attr:`neuron_ids` order, when None). Each feature is a scalar for
        every neuron or a sequence with one entry per id; None leaves it as it is.
        Everything is checked before anything changes.

        Example::

            net.set_features(["H0", "H1"], reset="subtract", floor=False)
            net.set_features(alpha=np.full(net.num_neurons, 0.8))
        """
        ids = self.neuron_ids if ids is None else ([ids] if isinstance(ids, str) else list(ids))
        n = len(ids)
        cols = {}
        for name, v in (("floor", floor), ("reset", reset), ("alpha", alpha), ("bias", bias)):
            if v is None:
                continue
            if isinstance(v, str) or np.ndim(v) == 0:
                cols[name] = [v] * n
            else:
                v = list(v.tolist() if isinstance(v, np.ndarray) else v)
                if len(v) != n:
                    raise ValueError(f"{name} has {len(v)} entries for {n} neuron ids")
                cols[name] = v
        cdef vector[int32_t] idx
        cdef vector[CNeuronFeatures] feats
        cdef CNeuronFeatures f
        cdef Py_ssize_t k
        with _Entered(self):
            for k, nid in enumerate(ids):
                idx.push_back(self._net.index(_to_cpp_str(nid)))
                got = [cols[c][k] if c in cols else None for c in ("floor", "reset", "alpha", "bias")]
                f = _features_with(self._net.features(idx[k]), got[0], got[1], got[2], got[3])
                CNetwork.check_features(self._net.id(idx[k]), f)
                feats.push_back(f)
            for k in range(n):
                self._net.set_features(idx[k], feats[k])

    @property
    def currents(self):
        """The neurons' input accumulators I in :attr:`neuron_ids` order: what the next
        step adds to each value. They carry over between steps where a neuron keeps
        synaptic current (``alpha`` > 0). A live read-only view (see :meth:`array`);
        ``net.array("currents", copy=True)`` for a copy."""
        return _network_array(self, 1, False)

    cdef object _vec(self, const float* p, Py_ssize_t n):
        out = np.empty(n, dtype=np.float32)
        if n:
            memcpy(cnp.PyArray_DATA(out), p, n * sizeof(float))
        return out

    def set_state(self, ids, thresholds, leaks, *, floor=None, reset=None, alpha=None, bias=None):
        """Sets the thresholds and leaks of ``ids``, and any optional features given (as
        for :meth:`set_features`); everything is validated (ids exist, lengths match,
        finite values, leaks in [0, 1]) before anything changes."""
        if any(v is not None for v in (floor, reset, alpha, bias)):
            probe = self.copy()   # all or nothing: the features are checked on a copy first
            probe.set_features(ids, floor=floor, reset=reset, alpha=alpha, bias=bias)
            Network.set_state(probe, ids, thresholds, leaks)
            self.set_state(ids, thresholds, leaks)
            self.set_features(ids, floor=floor, reset=reset, alpha=alpha, bias=bias)
            return
        ids = list(ids)
        thr = _as_float_array(thresholds, "thresholds", ndim=1, shape=(len(ids),))
        lk = _as_float_array(leaks, "leaks", ndim=1, shape=(len(ids),))
        if lk.size and ((lk < 0).any() or (lk > 1).any()):
            raise ValueError("leaks must be in [0, 1]")
        cdef vector[int32_t] idx
        cdef Py_ssize_t k
        cdef int32_t i
        with _Entered(self):
            for nid in ids:
                idx.push_back(self._net.index(_to_cpp_str(nid)))
            for k in range(len(ids)):
                i = idx[k]
                self._net.set_params(i, thr[k], lk[k], self._net.resting()[i])

    def add_neuron(self, neuron_id, threshold=50.0, leak=1.0, resting=0.0, *, floor=None,
                   reset=None, alpha=None, bias=None):
        """Creates a neuron (or updates its parameters). Its kind follows the id's first
        letter: ``S…`` sensory, ``O…`` output, anything else hidden.

        The optional features (the README's model; all off by default): ``floor`` (False:
        V may go below 0), ``reset`` (one of :data:`glia.RESET_MODES`: ``"resting"``,
        ``"subtract"`` or ``"subtract_delayed"``), ``alpha`` in [0, 1] (the share of the
        synaptic current kept per step) and ``bias`` (a constant current each step).
        None keeps a neuron's current setting (a new neuron's: off).

        Example::

            net.add_neuron("H0", threshold=1.0, leak=0.9, reset="subtract", alpha=0.5)
        """
        cdef float t = _finite(threshold, "threshold")
        cdef float l = _finite(leak, "leak")
        cdef float r = _finite(resting, "resting")
        cdef string cid = _to_cpp_str(neuron_id)
        cdef CNeuronFeatures f
        cdef int32_t i
        with _Entered(self):
            i = self._net.find(cid)
            if i >= 0:
                f = self._net.features(i)
            f = _features_with(f, floor, reset, alpha, bias)
            CNetwork.check_params(cid, t, l, r)
            CNetwork.check_features(cid, f)
            i = self._net.add_neuron(cid, t, l, r)
            self._net.set_features(i, f)
            self._layout.bump()

    def get_neuron(self, neuron_id):
        """The :class:`Neuron` with this id (KeyError if there is none)."""
        with _Entered(self):
            self._net.index(_to_cpp_str(neuron_id))
        return Neuron(self, neuron_id)

    def get_firing_neurons(self):
        """Ids of the neurons that fired in the last step."""
        cdef CState* st
        with _Entered(self):
            st = &self._net.state()
            return [_to_py_str(self._net.id(st.fired[k])) for k in range(st.n_fired)]

    # ---------------------------------------------------------------- edges
    cdef tuple _edge_arrays(self):
        cdef int64_t m = self._net.num_edges()
        cdef vector[int32_t] src = self._net.edge_sources()
        s = np.empty(m, dtype=np.int32)
        d = np.empty(m, dtype=np.int32)
        w = np.empty(m, dtype=np.float32)
        if m:
            memcpy(cnp.PyArray_DATA(s), src.data(), m * sizeof(int32_t))
            memcpy(cnp.PyArray_DATA(d), self._net.col().data(), m * sizeof(int32_t))
            memcpy(cnp.PyArray_DATA(w), self._net.weight().data(), m * sizeof(float))
        return s, d, w

    def edges(self):
        """``(sources, targets, weights)`` as int32, int32, float32 arrays of neuron
        indices (positions in :attr:`neuron_ids`), sorted by source then target."""
        with _Entered(self):
            return self._edge_arrays()

    def set_edges(self, sources, targets, weights):
        """Creates or updates edges given by neuron indices (later duplicates win)."""
        s = np.asarray(sources)
        t = np.asarray(targets)
        if s.dtype.kind not in "iu" or t.dtype.kind not in "iu":
            if not (s.size == 0 and t.size == 0):
                raise TypeError(f"sources and targets must be integer arrays, got {s.dtype} and {t.dtype}")
        if s.ndim != 1 or t.shape != s.shape:
            raise ValueError(f"sources and targets must be 1-D of equal length, got shapes {s.shape} and {t.shape}")
        w = _as_float_array(weights, "weights", ndim=1, shape=(s.shape[0],))
        cdef int32_t[::1] sv
        cdef int32_t[::1] tv
        cdef float[::1] wv = w
        with _Entered(self):
            n = self._net.size()
            if s.size and (s.min() < 0 or s.max() >= n or t.min() < 0 or t.max() >= n):
                raise ValueError(f"edge indices must be in [0, {n})")
            sv = np.ascontiguousarray(s, dtype=np.int32)
            tv = np.ascontiguousarray(t, dtype=np.int32)
            if sv.shape[0]:
                self._net.set_edges(&sv[0], &tv[0], &wv[0], sv.shape[0])

    def get_weights(self):
        """``(from_ids, to_ids, weights)``: two lists of ids and a float32 array."""
        with _Entered(self):
            s, d, w = self._edge_arrays()
            ids = self._ids(self._net.size())
            return [ids[i] for i in s.tolist()], [ids[i] for i in d.tolist()], w

    def set_weights(self, from_ids, to_ids, weights):
        """Sets the weights of edges given by id, creating missing edges. Unknown ids
        raise KeyError and bad values ValueError before anything changes."""
        f = list(from_ids)
        t = list(to_ids)
        if len(f) != len(t):
            raise ValueError(f"from_ids and to_ids must have equal length, got {len(f)} and {len(t)}")
        w = _as_float_array(weights, "weights", ndim=1, shape=(len(f),))
        cdef vector[int32_t] s, d
        cdef float[::1] wv = w
        with _Entered(self):
            for a, b in zip(f, t):
                s.push_back(self._net.index(_to_cpp_str(a)))
                d.push_back(self._net.index(_to_cpp_str(b)))
            if s.size():
                self._net.set_edges(s.data(), d.data(), &wv[0], s.size())

    def remove_connection(self, from_id, to_id):
        """Removes an edge; returns whether it existed."""
        with _Entered(self):
            return self._net.remove_edge(self._net.index(_to_cpp_str(from_id)), self._net.index(_to_cpp_str(to_id)))

    def to_adjacency_matrix(self, dense=False):
        """The weight matrix W[source, target] in :attr:`neuron_ids` order: a SciPy
        CSR matrix (needs SciPy), or a dense float32 NumPy array with ``dense=True``."""
        s, d, w = self.edges()
        n = self.num_neurons
        if dense:
            m = np.zeros((n, n), dtype=np.float32)
            m[s, d] = w
            return m
        try:
            import scipy.sparse as sp
        except ImportError:
            raise ImportError("to_adjacency_matrix(dense=False) needs SciPy; "
                              "install scipy or pass dense=True") from None
        return sp.csr_matrix((w, (s, d)), shape=(n, n))

    # ---------------------------------------------------------------- properties
    cdef list _ids(self, Py_ssize_t n):
        """The ids of neurons 0..n-1 (the caller has entered)."""
        return [_to_py_str(self._net.id(i)) for i in range(n)]

    @property
    def num_neurons(self) -> int:
        return self._size(0)

    @property
    def num_connections(self) -> int:
        return self._size(1)

    @property
    def num_sensory(self) -> int:
        return self._size(2)

    cdef int64_t _size(self, int what) except -1:
        """Neurons (0), edges (1) or sensory neurons (2), read under the guard. The guard
        spelled out (not ``with _Entered``): these getters cost tens of nanoseconds, and
        the with-statement's lookups would add several times that."""
        self._enter()
        try:
            return self._net.size() if what == 0 else (
                self._net.num_edges() if what == 1 else self._net.num_sensory())
        finally:
            self._leave()

    @property
    def neuron_ids(self) -> list:
        """All ids: sensory first, then the others in creation order."""
        with _Entered(self):
            return self._ids(self._net.size())

    @property
    def sensory_ids(self) -> list:
        with _Entered(self):
            return self._ids(self._net.num_sensory())

    @property
    def output_ids(self) -> list:
        """Ids of the output neurons (ids starting with 'O')."""
        with _Entered(self):
            return [_to_py_str(self._net.id(i)) for i in range(self._net.size()) if self._net.kind_code(i) == 2]

    @property
    def state(self) -> dict:
        """GliaGL's state dict: :meth:`get_state` by name — ``ids`` (list of str) and
        ``values``, ``thresholds``, ``leaks`` (float32 copies, in ``ids`` order). The
        values alone: :attr:`values`.

        Example::

            s = net.state
            print(s["ids"][:3], s["thresholds"][:3])
        """
        ids, values, thresholds, leaks = self.get_state()
        return {"ids": ids, "values": values, "thresholds": thresholds, "leaks": leaks}

    @property
    def weights(self) -> dict:
        """GliaGL's weights dict: :meth:`get_weights` by name — ``from`` and ``to``
        (lists of ids) and ``values`` (float32 copy), one entry per edge. The weights
        alone: :attr:`edge_weights`.

        Example::

            w = net.weights
            strongest = w["from"][w["values"].argmax()]
        """
        from_ids, to_ids, values = self.get_weights()
        return {"from": from_ids, "to": to_ids, "values": values}

    # ---------------------------------------------------------------- array views
    def array(self, name, *, copy=False):
        """The network's float32 array ``name`` (one of ``glia._core.VIEW_NAMES``):
        ``"values"``, ``"currents"``, ``"thresholds"``, ``"leaks"``, ``"resting"``,
        ``"alpha"``, ``"bias"`` (per neuron, in :attr:`neuron_ids` order) or
        ``"weights"`` (per edge, in :meth:`edges` order).

        By default a zero-copy view of the engine's memory: read-only, live (it shows
        every later step, training update or parameter change) and kept valid: its base
        is a memoryview of the network (``arr.base.obj is net``), which stays alive as
        long as the view, and while any view exists a structural change (adding a neuron,
        adding or removing an edge, loading a file, training with structural plasticity)
        raises BufferError and changes nothing, as a bytearray refuses to resize under a
        memoryview. Delete the views (``del arr``) to change the structure again. A view
        read while another thread runs this network sees values mid-update (see
        docs/threads.md); ``copy=True`` returns an independent, writable copy.

        Example::

            v = net.array("values")       # the same as net.values
            net.step()
            v[:3]                         # already the new values
            w = net.array("weights", copy=True)
        """
        return _network_array(self, _view_index(name), copy)

    def __releasebuffer__(self, Py_buffer* buf):
        # the end of a buffer a view exported (_View.__getbuffer__ names the network as
        # its owner): one view fewer
        PyMem_Free(buf.internal)
        self._net.unpin()

    @property
    def values(self):
        """The neurons' current values in :attr:`neuron_ids` order: a live read-only view
        (see :meth:`array`; ``net.array("values", copy=True)`` for a copy)."""
        return _network_array(self, 0, False)

    @property
    def thresholds(self):
        """The neurons' thresholds in :attr:`neuron_ids` order: a live read-only view (see
        :meth:`array`); :meth:`set_state` or ``get_neuron(id).threshold`` change them."""
        return _network_array(self, 2, False)

    @property
    def leaks(self):
        """The neurons' leaks in :attr:`neuron_ids` order: a live read-only view (see
        :meth:`array`)."""
        return _network_array(self, 3, False)

    @property
    def resting(self):
        """The neurons' resting values in :attr:`neuron_ids` order: a live read-only view
        (see :meth:`array`)."""
        return _network_array(self, 4, False)

    @property
    def edge_weights(self):
        """All edge weights in :meth:`edges` order: a live read-only view (see
        :meth:`array`; ``net.array("weights", copy=True)`` for a copy). Adding or removing
        an edge while it exists raises BufferError; changing existing weights does not."""
        return _network_array(self, 7, False)

    @property
    def views(self) -> int:
        """How many array views (see :meth:`array`) of this network are open now."""
        return self._net.pins()

    @property
    def memory_bytes(self) -> int:
        """Bytes of model memory (parameters and edges; ids excluded)."""
        with _Entered(self):
            return self._net.model_bytes()

    def step_threads(self, n_threads=None) -> int:
        """Threads :meth:`run` and :meth:`step` would use inside each step now: 1 below
        PARALLEL_STEP_MIN_WORK or while another network's multi-threaded run is under way,
        else ``n_threads`` (glia's thread count by default), at most one per 64 neurons."""
        cdef int nt = effective_n_threads(n_threads)
        with _Entered(self):
            return self._net.step_threads(nt)

    def validate(self):
        """Checks every internal invariant; raises RuntimeError if one is broken."""
        with _Entered(self):
            self._net.validate()

    def __len__(self):
        return self._size(0)

    cdef tuple _summary(self, bint with_weights):
        """(sensory, hidden, output, connections, weights or None) in one entered read."""
        cdef int kinds[3]
        kinds[0] = kinds[1] = kinds[2] = 0
        with _Entered(self):
            for i in range(self._net.size()):
                kinds[self._net.kind_code(i)] += 1
            return (kinds[0], kinds[1], kinds[2], self._net.num_edges(),
                    self._vec(self._net.weight().data(), self._net.num_edges()) if with_weights else None)

    def __repr__(self):
        ns, nh, no, m, _ = self._summary(False)
        return (f"<glia.Network: {ns + nh + no} neurons ({ns} sensory, {nh} hidden, "
                f"{no} output), {m} connections>")

    def _repr_html_(self):
        ns, nh, no, m, w = self._summary(True)
        wr = f"{w.min():.4g} … {w.max():.4g}" if w.size else "–"
        return ("<table><caption>glia.Network</caption>"
                f"<tr><th>sensory</th><td>{ns}</td></tr>"
                f"<tr><th>hidden</th><td>{nh}</td></tr>"
                f"<tr><th>output</th><td>{no}</td></tr>"
                f"<tr><th>connections</th><td>{m}</td></tr>"
                f"<tr><th>weight range</th><td>{wr}</td></tr></table>")

# Trainers and parallel evaluation (included by _core.pyx).

#: The trainers' names, in the engine's TrainerKind order (glia.config.TRAINERS).
TRAINERS = tuple(name.decode() for name in trainer_names())

def _team_runs():
    """Test hook: team runs (one network stepped by several threads) started in this
    process so far, by Network.run / step and by training and evaluation."""
    return team_runs()


def _surrogate_block_lanes(int64_t n, int64_t T, int64_t G, int32_t N):
    """Test hook: episodes per block of SurrogateTrainer for a batch of n episodes of at
    most T steps, G neurons in the gradient set and N in all."""
    return CSurrogateTrainer.block_lanes(n, T, G, N)


cdef class _Episodes:
    """A data set resolved for the engine: episodes by neuron index, targets by output
    position. Dense inputs are read in place; this object keeps their arrays alive."""
    cdef vector[CEpisode] eps
    cdef list _keep
    cdef readonly int64_t size
    cdef public object checked_by   # the trainer whose engine last accepted these episodes

    def __cinit__(self):
        self._keep = []
        self.size = 0
        self.checked_by = None


cdef _Episodes _build_episodes(Network net, episodes, dict target_index, bint require_target):
    """Resolves every episode before any work starts: unknown neuron or target ids raise
    KeyError, badly shaped arrays ValueError, naming the episode. The network is entered
    meanwhile (its ids are read); each sequence is read under its own lock."""
    with _Entered(net):
        return _build_episodes_entered(net, episodes, target_index, require_target)


cdef _Episodes _build_episodes_entered(Network net, episodes, dict target_index,
                                       bint require_target):
    cdef _Episodes out = _Episodes()
    cdef int32_t ns = net._net.num_sensory()
    cdef int32_t target
    cdef CEpisode ep
    cdef const float[:, ::1] view
    cdef InputSequence seq
    cdef Py_ssize_t k = 0
    cdef dict stores = {}   # id(event store): (store, positions in out.eps, episodes in the store)
    out.eps.reserve(len(episodes))
    for item in episodes:
        tid = getattr(item, "target_id", "")
        if tid in target_index:
            target = target_index[tid]
        elif require_target:
            raise KeyError(f"episode {k}: target {tid!r} is not an output of the network "
                           f"(outputs: {sorted(target_index, key=target_index.get)})")
        else:
            target = -1
        arr = getattr(item, "array", None)
        ev = getattr(item, "events", None)
        if ev is not None and arr is None and getattr(item, "seq", None) is None:
            # spike events (glia.EpisodeEvents): copied below, all at once without the GIL
            store = ev._store
            if store.n_channels != ns:
                raise ValueError(f"episode {k}: events have {store.n_channels} channels, the "
                                 f"network has {ns} sensory neurons (one channel each)")
            ep = CEpisode()
            ep.length = store.n_ticks
            ep.target = target
            group = stores.get(id(store))
            if group is None:
                group = stores[id(store)] = (store, [], [])
            group[1].append(k)
            group[2].append(ev._index)
        elif arr is not None:
            if not (isinstance(arr, np.ndarray) and arr.dtype == np.float32 and arr.flags.c_contiguous):
                arr = _as_float_array(arr, f"episode {k} array", ndim=2)
            if arr.ndim != 2 or arr.shape[1] != ns:
                raise ValueError(f"episode {k}: array must have shape (T, {ns}) (one column per "
                                 f"sensory neuron), got {arr.shape}")
            ep = CEpisode()
            if arr.shape[0] > 0 and ns > 0:
                view = arr
                ep.set_dense(&view[0, 0], arr.shape[0], ns)
            ep.length = arr.shape[0]
            ep.target = target
            out._keep.append(arr)
        else:
            s = getattr(item, "seq", None)
            if s is None:
                s = item if isinstance(item, InputSequence) else None
            if s is None:
                raise TypeError(f"episode {k}: expected EpisodeData with a seq or an array, "
                                f"got {type(item).__name__}")
            seq = <InputSequence>s
            try:
                with cython.critical_section(seq):
                    ep = episode_from_sequence(deref(seq._seq), deref(net._net), target)
            except KeyError as e:
                raise KeyError(f"episode {k}: {e.args[0]}") from None
        out.eps.push_back(ep)
        k += 1
    out.size = k
    for store, where, index in stores.values():
        _copy_events(out.eps, store, where, index)
    return out


cdef _copy_events(vector[CEpisode]& eps, store, list where, list index):
    """Fills eps[where[j]] with the events of episode index[j] of an event store (see
    glia.data._EventStore): ticks, neuron indices (= channels: the sensory neurons come
    first) and values, in the store's (tick, channel) order."""
    cdef const int32_t[::1] tick = store.tick
    cdef const int32_t[::1] channel = store.channel
    cdef const int64_t[::1] off = store.offsets
    cdef const float[::1] values
    cdef bint per_event = store.values is not None
    if per_event:
        values = store.values
    cdef float value = store.value
    cdef const int64_t[::1] at = np.asarray(where, dtype=np.int64)
    cdef const int64_t[::1] idx = np.asarray(index, dtype=np.int64)
    cdef Py_ssize_t j, q, a, n
    cdef CEpisode* e
    with nogil:
        for j in range(at.shape[0]):
            e = &eps[at[j]]
            a = off[idx[j]]
            n = off[idx[j] + 1] - a
            e.tick.resize(n)
            e.neuron.resize(n)
            e.value.resize(n)
            if n == 0:
                continue
            memcpy(e.tick.data(), &tick[a], n * sizeof(int32_t))
            memcpy(e.neuron.data(), &channel[a], n * sizeof(int32_t))
            if per_event:
                memcpy(e.value.data(), &values[a], n * sizeof(float))
            else:
                for q in range(n):
                    e.value[q] = value


cdef dict _metrics_dict(const CEpochMetrics& m):
    return {"accuracy": m.accuracy, "margin": m.mean_margin, "loss": m.loss,
            "correct": m.correct, "total": m.total, "reverted": m.reverted}


cdef class _CoreTrainer:
    """The engine's trainer over one Network (use glia.Trainer, the public wrapper), made
    by the engine's one factory (make_trainer) from its name ``method``, one of TRAINERS."""
    cdef CTrainer* _t
    cdef CSurrogateTrainer* _s     # _t when it is the surrogate trainer, else NULL
    cdef Network _net
    cdef readonly str method

    def __cinit__(self, Network net, str method, dict config, int32_t default_index=-1):
        cdef CTrainConfig c = _make_config(config, default_index)
        cdef TrainerKind kind = trainer_kind(method.encode())
        cdef unique_ptr[CTrainer] made
        self._net = net
        self.method = method
        self._s = NULL
        self._t = NULL
        with _Entered(net):      # the engine trainer reads the network as it is made
            made = make_trainer(kind, deref(net._net), c)
        self._t = made.release()
        if kind == TrainerKind.kSurrogate:
            self._s = <CSurrogateTrainer*>self._t

    def __dealloc__(self):
        del self._t

    # Every method that reads or changes the engine trainer enters its network: the engine
    # trainer is part of that network's state (one thread at a time, RuntimeError else).
    def set_config(self, dict config, int32_t default_index=-1):
        cdef CTrainConfig c = _make_config(config, default_index)
        with _Entered(self._net):
            self._t.set_config(c)

    def set_seed(self, uint64_t seed):
        with _Entered(self._net):
            self._t.set_seed(seed)

    def set_lr_scale(self, float s):
        with _Entered(self._net):
            self._t.set_lr_scale(s)

    def set_outputs(self, outputs):
        cdef vector[int32_t] o = [int(i) for i in outputs]
        with _Entered(self._net):
            self._t.set_outputs(o)

    @property
    def outputs(self):
        with _Entered(self._net):
            return list(self._t.outputs())

    def build(self, episodes, dict target_index, bint require_target=True):
        return _build_episodes(self._net, episodes, target_index, require_target)

    def train_epoch(self, _Episodes eps, int n_threads, bint checked=False):
        """One epoch; ``checked``: ``eps`` went through an earlier call unchanged (the
        per-episode checks are skipped)."""
        cdef CEpochMetrics m
        with _Entered(self._net):
            with nogil:
                m = self._t.train_epoch(eps.eps, n_threads, _poll_signals, NULL, checked)
            _signals_at_return()
        return _metrics_dict(m)

    def train(self, _Episodes eps, int64_t epochs, int n_threads):
        cdef vector[CEpochMetrics] ms
        with _Entered(self._net):
            with nogil:
                ms = self._t.train(eps.eps, epochs, n_threads, _poll_signals, NULL)
            _signals_at_return()
        return [_metrics_dict(ms[i]) for i in range(ms.size())]

    def train_batch(self, _Episodes eps, int n_threads):
        cdef CEpochMetrics m
        cdef vector[CEpisodeMetrics] per
        with _Entered(self._net):
            with nogil:
                m = self._t.train_batch(eps.eps, n_threads, _poll_signals, NULL, &per)
            _signals_at_return()
        return _metrics_dict(m)

    def evaluate(self, _Episodes eps, int n_threads=1):
        cdef CEpisodeMetrics m
        if eps.size != 1:
            raise ValueError("evaluate takes exactly one episode")
        with _Entered(self._net):
            with nogil:
                m = self._t.evaluate(eps.eps[0], n_threads)
        return m.winner, m.margin, [m.rates[i] for i in range(m.rates.size())], m.ticks_run

    def evaluate_dataset(self, _Episodes eps, int n_threads):
        cdef CDatasetMetrics m
        cdef bint checked
        with cython.critical_section(eps):
            checked = eps.checked_by is self
        with _Entered(self._net):
            with nogil:
                m = self._t.evaluate_dataset(eps.eps, n_threads, _poll_signals, NULL, checked)
            _signals_at_return()
        with cython.critical_section(eps):
            eps.checked_by = self
        n = eps.size
        winners = np.empty(n, dtype=np.int32)
        margins = np.empty(n, dtype=np.float32)
        k = m.rates.size() // n if n else 0
        rates = np.empty((n, k), dtype=np.float32)
        if n:
            memcpy(cnp.PyArray_DATA(winners), m.winners.data(), n * sizeof(int32_t))
            memcpy(cnp.PyArray_DATA(margins), m.margins.data(), n * sizeof(float))
            if k:
                memcpy(cnp.PyArray_DATA(rates), m.rates.data(), n * k * sizeof(float))
        return {"accuracy": m.accuracy, "margin": m.mean_margin, "correct": m.correct,
                "total": n, "winners": winners, "margins": margins, "rates": rates}

    def gradients(self, _Episodes eps, int n_threads):
        """The surrogate trainer's mean dL/dw over ``eps`` (float32, CSR edge order)."""
        cdef vector[float] g
        if self._s == NULL:
            raise TypeError("gradients() needs the surrogate-gradient trainer")
        with _Entered(self._net):
            with nogil:
                g = self._s.gradients(eps.eps, n_threads, _poll_signals, NULL)
        out = np.empty(g.size(), dtype=np.float32)
        if g.size():
            memcpy(cnp.PyArray_DATA(out), g.data(), g.size() * sizeof(float))
        return out

    @property
    def scratch_bytes(self):
        """Bytes of the surrogate trainer's own buffers as of its last batch (0 for the
        other trainers)."""
        if self._s == NULL:
            return 0
        with _Entered(self._net):
            return self._s.scratch_bytes()

    def revert_checkpoint(self):
        with _Entered(self._net):
            return self._t.revert_checkpoint()

    @property
    def num_checkpoints(self):
        with _Entered(self._net):
            return self._t.num_checkpoints()

    def history(self):
        with _Entered(self._net):
            return {"accuracy": list(self._t.acc_history()), "margin": list(self._t.margin_history()),
                    "loss": list(self._t.loss_history())}

    def clear_history(self):
        with _Entered(self._net):
            self._t.clear_history()

# Network.run: a whole input array in one call, with rasters, events, counts or traces
# (included by _core.pyx after _network.pxi).

cdef object _run_network(Network net, inputs, record, trace, bint reset, n_threads):
    """The body of Network.run (whose docstring says what it does)."""
    if record not in ("raster", "events", "counts", None):
        raise ValueError(f"record must be 'raster', 'events', 'counts' or None, got {record!r}")
    cdef int nt = effective_n_threads(n_threads)
    cdef int32_t ns
    cdef int32_t n
    cdef const float[:, ::1] xv
    cdef int64_t T
    cdef CRunOutput out
    cdef vector[int32_t] ev_s, ev_n
    cdef vector[int32_t] tr_idx
    cdef uint8_t[:, ::1] rv
    cdef float[:, ::1] tv
    cdef int64_t[::1] cv
    raster = traces = counts = None
    if trace is not None:
        trace = [trace] if isinstance(trace, (str, bytes)) else list(trace)
    net._enter()     # before the sizes are read: they hold until _leave
    try:
        ns = net._net.num_sensory()
        n = net._net.size()
        X = _as_float_array(inputs, "inputs", ndim=2, shape=(None, ns))
        xv = X
        T = X.shape[0]
        t_len = int(T)
        _check_bytes(t_len * int(n) * (record == "raster") + t_len * (len(trace) if trace else 0) * 4,
                     f"run: recording {t_len} steps of {n} neurons")
        if trace is not None:
            for nid in trace:
                tr_idx.push_back(net._net.index(_to_cpp_str(nid)))
            traces = np.zeros((T, tr_idx.size()), dtype=np.float32)
            if T and tr_idx.size():
                tv = traces
                out.traces = &tv[0, 0]
                out.trace_index = tr_idx.data()
                out.n_trace = tr_idx.size()
        if record == "raster":
            raster = np.zeros((T, n), dtype=np.bool_)
            if T and n:
                rv = raster.view(np.uint8)
                out.raster = &rv[0, 0]
        elif record == "events":
            out.event_step = &ev_s
            out.event_neuron = &ev_n
        elif record == "counts":
            counts = np.zeros(n, dtype=np.int64)
            if n:
                cv = counts
                out.spike_count = &cv[0]
        if reset:
            net._net.reset()
        _run_released(net._net, &xv[0, 0] if (T and ns) else NULL, T, out, nt)
    finally:
        net._leave()
    return _run_result(record, raster, counts, traces, trace is not None, ev_s, ev_n)


cdef object _run_result(record, raster, counts, traces, bint with_traces,
                         vector[int32_t]& ev_s, vector[int32_t]& ev_n):
    """What Network.run returns: the recording asked for, the traces last."""
    if record == "raster":
        result = raster
    elif record == "events":
        steps = np.empty(ev_s.size(), dtype=np.int32)
        neurons = np.empty(ev_n.size(), dtype=np.int32)
        if ev_s.size():
            memcpy(cnp.PyArray_DATA(steps), ev_s.data(), ev_s.size() * sizeof(int32_t))
            memcpy(cnp.PyArray_DATA(neurons), ev_n.data(), ev_n.size() * sizeof(int32_t))
        result = (steps, neurons)
    elif record == "counts":
        result = counts
    else:
        result = None
    if not with_traces:
        return result
    if result is None:
        return traces
    if isinstance(result, tuple):
        return result + (traces,)
    return (result, traces)


cdef int _run_released(CNetwork* net, const float* X, int64_t T, CRunOutput& out,
                       int n_threads) except -1:
    """``net.run`` from its current state with the GIL released; Ctrl-C stops it."""
    cdef CPoller* poller = new CPoller(_poll_signals, NULL, 0.1)
    try:
        with nogil:
            net.run(net.state(), X, T, out, n_threads, poller)
        _signals_at_return()
    finally:
        del poller
    return 0

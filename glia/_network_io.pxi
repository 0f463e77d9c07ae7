# A Network in and out (included by _core.pyx after _network.pxi): .net files, and a dict of
# NumPy arrays and back (pickling, process pools).


cdef int _load_net_file(Network net, path, bint verbose) except -1:
    """Network.load: the file parsed into a new network, swapped in only when it is whole."""
    cdef string p = _as_path(path)
    cdef CNetwork tmp
    with _Entered(net):
        with nogil:
            load_network(tmp, p)
        net._net.swap(tmp)
        net._layout.bump()
    if verbose:
        import logging
        logging.getLogger("glia").info("loaded %s: %d neurons, %d connections",
                                       os.fsdecode(p), net.num_neurons, net.num_connections)
    return 0


cdef int _save_net_file(Network net, path) except -1:
    """Network.save, with the GIL released while the file is written."""
    cdef string p = _as_path(path)
    with _Entered(net):
        with nogil:
            save_network(deref(net._net), p)
    return 0


cdef dict _network_to_arrays(Network net):
    """The whole network as NumPy arrays (pickling, process pools)."""
    cdef CState* st
    cdef Py_ssize_t n
    with _Entered(net):
        ids = net._ids(net._net.size())
        n = net._net.size()
        src, dst, w = net._edge_arrays()
        st = &net._net.state()
        fired = np.zeros(n, dtype=np.uint8)
        flags = np.zeros(n, dtype=np.uint8)
        if n:
            memcpy(cnp.PyArray_DATA(fired), st.fired_mask.data(), n)
            memcpy(cnp.PyArray_DATA(flags), net._net.flags().data(), n)
        return {
            "ids": ids,
            "threshold": net._vec(net._net.threshold().data(), n),
            "leak": net._vec(net._net.leak().data(), n),
            "resting": net._vec(net._net.resting().data(), n),
            "src": src, "dst": dst, "weight": w,
            "value": net._vec(st.value.data(), n),
            "input": net._vec(st.input.data(), n),
            "fired": fired,
            "flags": flags,
            "alpha": net._vec(net._net.alpha().data(), n),
            "bias": net._vec(net._net.bias().data(), n),
        }


cdef int _network_load_arrays(Network net, d) except -1:
    """Replaces ``net`` with the network in ``d`` (checked first; all or nothing)."""
    _check_network_arrays(d)
    cdef CNetwork tmp
    cdef Py_ssize_t i, n = len(d["ids"])
    cdef float[::1] thr = np.ascontiguousarray(d["threshold"], np.float32)
    cdef float[::1] lk = np.ascontiguousarray(d["leak"], np.float32)
    cdef float[::1] rs = np.ascontiguousarray(d["resting"], np.float32)
    cdef int32_t[::1] s = np.ascontiguousarray(d["src"], np.int32)
    cdef int32_t[::1] t = np.ascontiguousarray(d["dst"], np.int32)
    cdef float[::1] w = np.ascontiguousarray(d["weight"], np.float32)
    for i, nid in enumerate(d["ids"]):
        if tmp.add_neuron(_to_cpp_str(nid), thr[i], lk[i], rs[i]) != i:
            raise ValueError("neuron order in the arrays is not sensory-first")
    cdef uint8_t[::1] fl
    cdef float[::1] al
    cdef float[::1] bi
    cdef CNeuronFeatures feat
    if "flags" in d and n:   # DESIGN §2a features (arrays from before them: all off)
        fl = np.ascontiguousarray(d["flags"], np.uint8)
        al = np.ascontiguousarray(d["alpha"], np.float32)
        bi = np.ascontiguousarray(d["bias"], np.float32)
        for i in range(n):
            if (fl[i] >> 1) >= kNumResetModes:
                raise ValueError(f"network arrays['flags'][{i}] holds an unknown reset mode")
            feat.floor = (fl[i] & 1) == 0
            feat.reset = <CResetMode>(fl[i] >> 1)
            feat.alpha = al[i]
            feat.bias = bi[i]
            tmp.set_features(i, feat)
    if s.shape[0]:
        tmp.assign_edges(&s[0], &t[0], &w[0], s.shape[0])
    tmp.reset()
    cdef CState* st = &tmp.state()
    cdef float[::1] v
    cdef float[::1] inp
    cdef uint8_t[::1] f
    if "value" in d and n:
        v = np.ascontiguousarray(d["value"], np.float32)
        inp = np.ascontiguousarray(d["input"], np.float32)
        f = np.ascontiguousarray(d["fired"], np.uint8)
        memcpy(st.value.data(), &v[0], n * sizeof(float))
        memcpy(st.input.data(), &inp[0], n * sizeof(float))
        memcpy(st.fired_mask.data(), &f[0], n)
        st.n_fired = 0
        for i in range(n):
            if f[i]:
                st.fired[st.n_fired] = <int32_t>i
                st.n_fired += 1
    with _Entered(net):
        net._net.swap(tmp)
        net._layout.bump()
    return 0


def _check_network_arrays(d):
    """Checks a network's array dict (pickles, process pools) before any of it is read:
    every per-neuron array has one entry per id and the edge arrays have equal lengths."""
    if not isinstance(d, dict):
        raise TypeError(f"network arrays must be a dict, got {type(d).__name__}")
    need = ("ids", "threshold", "leak", "resting", "src", "dst", "weight")
    missing = [k for k in need if k not in d]
    if missing:
        raise ValueError(f"network arrays lack {missing}")
    n = len(d["ids"])
    if n > _MAX_NEURONS:
        raise ValueError(f"network arrays: {n} neurons, at most {_MAX_NEURONS:,} are allowed")
    for k in ("threshold", "leak", "resting"):
        _as_float_array(d[k], f"network arrays[{k!r}]", ndim=1, shape=(n,))
    m = np.shape(d["src"])
    if len(m) != 1 or np.shape(d["dst"]) != m or np.shape(d["weight"]) != m:
        raise ValueError(f"network arrays: src, dst and weight must be 1-D of equal length, got "
                         f"shapes {np.shape(d['src'])}, {np.shape(d['dst'])} and {np.shape(d['weight'])}")
    _as_float_array(d["weight"], "network arrays['weight']", ndim=1)
    if "flags" in d:
        for k in ("flags", "alpha", "bias"):
            if k not in d or np.shape(d[k]) != (n,):
                raise ValueError(f"network arrays[{k!r}] must have shape ({n},)")
        _as_float_array(d["alpha"], "network arrays['alpha']", ndim=1, shape=(n,))
        _as_float_array(d["bias"], "network arrays['bias']", ndim=1, shape=(n,))
    if "value" in d:
        for k in ("value", "input", "fired"):
            if k not in d or np.shape(d[k]) != (n,):
                raise ValueError(f"network arrays[{k!r}] must have shape ({n},)")
        _as_float_array(d["value"], "network arrays['value']", ndim=1, shape=(n,))
        _as_float_array(d["input"], "network arrays['input']", ndim=1, shape=(n,))


def _rebuild_network(d):
    cdef Network net = Network()
    _network_load_arrays(net, d)
    return net

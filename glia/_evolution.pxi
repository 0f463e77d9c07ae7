# Evolution: keyed mutation, ranking, parent choice, parallel population scoring
# (included by _core.pyx; the generation loop is glia/evolution.py).

PURPOSE_MUTATE = kPurposeMutate
PURPOSE_PARENT = kPurposeParent
PURPOSE_TRAIN_SEED = kPurposeTrainSeed

# Mutating more edges than this releases the GIL (below it the call is a few microseconds).
_MUTATE_NOGIL_EDGES = 20000


def _evolution_key(uint64_t seed, int64_t generation, int64_t individual, uint64_t purpose):
    """stream_key(seed, generation, individual, purpose): the seed of one individual's
    stream for one purpose (PURPOSE_MUTATE, PURPOSE_PARENT, PURPOSE_TRAIN_SEED)."""
    return evolution_key(seed, generation, individual, purpose)


def _mutate(Network net, double sigma_w, double sigma_thr, double sigma_leak, uint64_t key):
    """Gaussian jitter of weights, thresholds and leaks (clamped to [0, 1]) in place, with
    draws from the stream ``key`` only."""
    cdef CMutationConfig m
    m.sigma_w = sigma_w
    m.sigma_thr = sigma_thr
    m.sigma_leak = sigma_leak
    cdef CNetwork* c = net._net
    net._enter()
    try:
        if c.num_edges() > _MUTATE_NOGIL_EDGES:
            with nogil:
                mutate(deref(c), m, key)
        else:
            mutate(deref(c), m, key)
    finally:
        net._leave()


def _rank(fitness):
    """Indices by decreasing fitness, ties in index order, NaN last (int64 array)."""
    cdef vector[double] f = [float(x) for x in fitness]
    cdef vector[int64_t] r = rank_by_fitness(f)
    return np.asarray([r[i] for i in range(r.size())], dtype=np.int64)


def _choose_parent(uint64_t seed, int64_t generation, int64_t slot, int64_t pool):
    """The rank of child ``slot``'s parent among the best ``pool`` (its own stream)."""
    return choose_parent(seed, generation, slot, pool)


def _score_networks(list nets, _Episodes train, _Episodes val, dict config, outputs,
                    int kind, int64_t train_epochs, seeds, int n_threads,
                    int32_t default_index=-1):
    """Trains (``train_epochs`` > 0) and scores every network of ``nets`` in one GIL-free
    call, OpenMP over networks, each network's work on one thread. Networks are trained
    in place and marked busy meanwhile. Returns a dict of arrays: accuracy, margin (float64),
    edges, correct, total (int64), by network index."""
    cdef CScoreOptions opt
    opt.train_config = _make_config(config, default_index)
    opt.outputs = [int(i) for i in outputs]
    opt.train_epochs = train_epochs
    if kind == 1:
        opt.trainer = TrainerKind.kHebbian
    elif kind == 2:
        opt.trainer = TrainerKind.kSurrogate
    else:
        opt.trainer = TrainerKind.kGradient
    cdef vector[uint64_t] sv = [int(s) for s in seeds]
    cdef vector[CNetwork*] ptrs
    cdef vector[CIndividualScore] res
    cdef Network net
    cdef list entered = []
    cdef Py_ssize_t i, n = len(nets)
    for obj in nets:
        if not isinstance(obj, Network):
            raise TypeError(f"networks must be glia.Network objects, got {type(obj).__name__}")
    try:
        for obj in nets:
            net = <Network>obj
            net._enter()
            entered.append(net)
            ptrs.push_back(net._net)
        with nogil:
            res = score_population(ptrs, sv, train.eps, val.eps, opt, n_threads, _poll_signals, NULL)
        _signals_at_return()
    finally:
        for obj in entered:
            (<Network>obj)._leave()
    acc = np.empty(n, dtype=np.float64)
    margin = np.empty(n, dtype=np.float64)
    edges = np.empty(n, dtype=np.int64)
    correct = np.empty(n, dtype=np.int64)
    total = np.empty(n, dtype=np.int64)
    for i in range(n):
        acc[i] = res[i].accuracy
        margin[i] = res[i].margin
        edges[i] = res[i].edges
        correct[i] = res[i].correct
        total[i] = res[i].total
    return {"accuracy": acc, "margin": margin, "edges": edges, "correct": correct, "total": total}


def _build(Network net, episodes, dict target_index, bint require_target=True):
    """A data set resolved on ``net`` for the engine (see _build_episodes): checked before
    any work, reusable for every network with the same neurons."""
    return _build_episodes(net, episodes, target_index, require_target)

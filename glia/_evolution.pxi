# Evolution: a generation's breeding, ranking, parallel population scoring (included by
# _core.pyx; the generation loop is glia/evolution/).


def _rank(fitness):
    """Indices by decreasing fitness, ties in index order, NaN last (int64 array)."""
    cdef vector[double] f = [float(x) for x in fitness]
    cdef vector[int64_t] r = rank_by_fitness(f)
    return np.asarray([r[i] for i in range(r.size())], dtype=np.int64)


def _breed(list previous, order, int64_t population, int64_t elite, int64_t parents_pool,
           double sigma_w, double sigma_thr, double sigma_leak, uint64_t seed,
           int64_t generation, int n_threads):
    """Generation ``generation`` bred from ``previous`` ranked by ``order``, in one GIL-free
    call (glia::breed): returns ``(children, parents, train_seeds)``: the new Networks of
    slots ``elite``.., every slot's parent (an index into ``previous``; elites are
    ``previous[parents[s]]`` themselves) and every slot's trainer seed."""
    cdef CBreedConfig cfg
    cfg.mutation.sigma_w = sigma_w
    cfg.mutation.sigma_thr = sigma_thr
    cfg.mutation.sigma_leak = sigma_leak
    cfg.population = population
    cfg.elite = elite
    cfg.parents_pool = parents_pool
    cdef vector[int64_t] rank = [int(i) for i in order]
    cdef vector[const CNetwork*] ptrs
    cdef CBrood brood
    cdef Network net
    cdef size_t k
    cdef _EnteredNetworks nets = _EnteredNetworks(previous, "previous")
    with nets:                 # read only: a network may stand in several slots
        for k in range(nets.ptrs.size()):
            ptrs.push_back(nets.ptrs[k])
        with nogil:
            brood = breed(ptrs, rank, cfg, seed, generation, n_threads, _poll_signals, NULL)
        _signals_at_return()
    cdef list children = []
    for k in range(brood.children.size()):
        net = Network.__new__(Network)
        net._net.swap(brood.children[k])
        children.append(net)
    return (children, [brood.parents[k] for k in range(brood.parents.size())],
            [brood.train_seeds[k] for k in range(brood.train_seeds.size())])


def _score_networks(list nets, _Episodes train, _Episodes val, dict config, outputs,
                    str trainer, int64_t train_epochs, seeds, int n_threads,
                    int32_t default_index=-1):
    """Trains (``train_epochs`` > 0) and scores every network of ``nets`` in one GIL-free
    call, a ``prange`` over networks, each network's work on one thread, with the trainer
    named ``trainer`` (one of TRAINERS). Networks are trained in place and marked busy
    meanwhile; one listed twice is refused (ValueError). Returns a dict of arrays:
    accuracy, margin (float64), edges, correct, total (int64), by network index."""
    cdef CScoreOptions opt
    opt.train_config = _make_config(config, default_index)
    opt.outputs = [int(i) for i in outputs]
    opt.train_epochs = train_epochs
    opt.trainer = trainer_kind(trainer.encode())
    cdef vector[uint64_t] sv = [int(s) for s in seeds]
    cdef vector[CIndividualScore] res
    cdef Py_ssize_t i, n = len(nets)
    cdef int64_t k
    cdef int nt
    cdef CPopulationScoring* run
    cdef _EnteredNetworks entered = _EnteredNetworks(nets, "networks")
    with entered:
        # the population's loop (DESIGN §5): a prange over the networks, each iteration the
        # engine's training and scoring of one network on one thread; the checks before it,
        # Ctrl-C (polled by this thread, between and inside its items) and the first error
        # in network order after it, and the team's size as glia's own parallel runs decide
        # it (one while recent runs did not pay on a busy machine): PopulationScoring
        run = new CPopulationScoring(entered.ptrs, sv, train.eps, val.eps, opt, _poll_signals, NULL)
        try:
            nt = run.begin(n_threads)
            with nogil:
                if nt > 1:
                    for k in prange(run.size(), schedule="dynamic", chunksize=1, num_threads=nt):
                        run.score(k)
                else:   # no team to wake (nor one left spinning after it) for one thread
                    for k in range(run.size()):
                        run.score(k)
            res = run.finish()
        finally:
            del run
        _signals_at_return()
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

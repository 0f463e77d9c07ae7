"""Evolution: determinism across thread counts and runs, the result's promises, callbacks,
Ctrl-C, lineage, GIL release, score_population, bad input."""
import _thread
import json
import math
import threading
import time

import numpy as np
import pytest

import glia
from conftest import python_rates
from glia.evolution import EvoMetrics


@pytest.fixture(scope="module")
def task():
    data = glia.datasets.three_class(n_per_class=20)
    train, val = data.split(0.75, seed=0)
    return train, val


@pytest.fixture(scope="module")
def cfg():
    return glia.create_config(lr=0.05, batch_size=4, warmup_ticks=20, decision_window=50)


def small_evo(**kw):
    base = dict(population=6, generations=3, elite=2, parents_pool=3, train_epochs=1,
                sigma_w=0.5, sigma_thr=0.5, sigma_leak=0.02, seed=7)
    base.update(kw)
    return glia.EvolutionConfig(**base)


def net_arrays(net):
    d = net._get_arrays()
    return {k: np.asarray(v) for k, v in d.items() if k in ("threshold", "leak", "resting", "src", "dst", "weight")}


def assert_same_network(a, b):
    assert a.neuron_ids == b.neuron_ids
    da, db = net_arrays(a), net_arrays(b)
    for k in da:
        assert np.array_equal(da[k], db[k]), k


def assert_same_result(r1, r2):
    assert r1.histories() == r2.histories()
    assert r1.lineage == r2.lineage
    assert r1.best_metrics == r2.best_metrics
    assert (r1.best_id, r1.best_generation) == (r2.best_id, r2.best_generation)
    assert_same_network(r1.best_genome, r2.best_genome)
    assert_same_network(r1.best_network, r2.best_network)


# ---------------------------------------------------------------- determinism
@pytest.mark.parametrize("lamarckian,trainer", [(True, "gradient"), (False, "hebbian")])
def test_bit_identical_for_1_and_2_threads_and_reruns(task, cfg, lamarckian, trainer):
    train, val = task
    net = glia.datasets.three_class_network()
    evo = glia.Evolution(net, train, val, cfg, small_evo(lamarckian=lamarckian, trainer=trainer))
    r1 = evo.run(verbose=False, num_threads=1)
    r2 = evo.run(verbose=False, num_threads=2)
    r3 = glia.Evolution(net, train, val, cfg,
                        small_evo(lamarckian=lamarckian, trainer=trainer)).run(verbose=False, num_threads=2)
    assert_same_result(r1, r2)
    assert_same_result(r1, r3)
    # a different seed gives a different run
    r4 = glia.Evolution(net, train, val, cfg, small_evo(seed=8, lamarckian=lamarckian,
                                                        trainer=trainer)).run(verbose=False)
    assert r4.lineage != r1.lineage


# ---------------------------------------------------------------- breeding, from the rule
_M64 = (1 << 64) - 1
_MUTATE, _PARENT, _TRAIN_SEED = 0x45564F01, 0x45564F02, 0x45564F03   # Purpose (random.hpp)


def _splitmix(x):
    x = (x + 0x9E3779B97F4A7C15) & _M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _M64
    return x ^ (x >> 31)


def _key(seed, a, b=0, c=0):
    return _splitmix(seed ^ _splitmix(a ^ _splitmix(b ^ _splitmix(c))))


class _Rng:
    """The engine's generator, written from its definition (SplitMix64, Box-Muller)."""

    def __init__(self, key):
        self.s = key

    def next(self):
        out = _splitmix(self.s)
        self.s = (self.s + 0x9E3779B97F4A7C15) & _M64
        return out

    def uniform(self):
        return (self.next() >> 11) * 2.0 ** -53

    def normal(self):
        u1, u2 = self.uniform(), self.uniform()
        return math.sqrt(-2.0 * math.log(max(u1, 1e-300))) * math.cos(6.283185307179586 * u2)


def _mutated(net, sigmas, key):
    """net's arrays after the documented mutation: weights (CSR order) from sub-stream 0,
    thresholds from 1, leaks from 2 (clamped to [0, 1])."""
    d = {k: np.array(v) for k, v in net._get_arrays().items() if k in ("threshold", "leak", "weight")}
    for sub, name in enumerate(("weight", "threshold", "leak")):
        s = float(np.float32(sigmas[sub]))
        rng = _Rng(_key(key, sub))
        a = d[name]
        for i in range(len(a)):
            a[i] = a[i] + np.float32(s * rng.normal())
        if name == "leak":
            np.clip(a, 0.0, 1.0, out=a)
    return d


def _assert_arrays(net, want):
    got = net._get_arrays()
    for k, v in want.items():
        assert np.asarray(got[k]).tobytes() == v.tobytes(), k


@pytest.mark.parametrize("n_threads", [1, 2])
def test_breeding_follows_the_keyed_rule(n_threads):
    """One _breed call makes a generation exactly as the rule says: slot s's parent is rank
    below(pool) of stream (seed, generation, s, PARENT), its mutation draws from (seed,
    generation, s, MUTATE), its trainer seed is key (seed, generation, s, TRAIN_SEED)."""
    from glia._core import _breed
    base = glia.datasets.three_class_network()
    sig, seed, P = (0.5, 0.3, 0.1), 20240611, 6
    children, parents, seeds = _breed([base], [0], P, 1, 1, *sig, seed, 0, n_threads)
    assert parents == [0] * P and len(children) == P - 1
    assert seeds == [_key(seed, 0, s, _TRAIN_SEED) for s in range(P)]
    for s, child in enumerate(children, start=1):
        _assert_arrays(child, _mutated(base, sig, _key(seed, 0, s, _MUTATE)))
    prev, order, E, R = [base] + children, [3, 0, 5, 1, 4, 2], 2, 3
    children, parents, seeds = _breed(prev, order, P, E, R, *sig, seed, 7, n_threads)
    assert parents[:E] == order[:E] and len(children) == P - E
    assert seeds == [_key(seed, 7, s, _TRAIN_SEED) for s in range(P)]
    for s in range(E, P):
        j = order[_Rng(_key(seed, 7, s, _PARENT)).next() % R]
        assert parents[s] == j
        _assert_arrays(children[s - E], _mutated(prev[j], sig, _key(seed, 7, s, _MUTATE)))
    with pytest.raises(ValueError, match="parents_pool"):
        _breed(prev, order, P, E, P + 1, *sig, seed, 7, n_threads)


def test_result_shape_and_best_history_never_falls(task, cfg):
    train, val = task
    net = glia.datasets.three_class_network()
    # Darwinian with heavy mutation: generation bests go up and down
    evo_cfg = small_evo(generations=5, lamarckian=False, sigma_w=8.0, elite=0)
    r = glia.Evolution(net, train, val, cfg, evo_cfg).run(verbose=False)
    P, G = evo_cfg.population, evo_cfg.generations
    h = r.best_fitness_hist
    assert len(h) == len(r.best_acc_hist) == len(r.best_margin_hist) == G
    assert len(r.mean_fitness_hist) == len(r.median_fitness_hist) == G
    assert all(b >= a for a, b in zip(h, h[1:]))
    g = r.generation_best_fitness_hist
    assert any(b < a for a, b in zip(g, g[1:]))   # generation bests did fall here
    assert len(r.lineage) == P * G
    for g in range(G):
        gen = [n for n in r.lineage if n["generation"] == g]
        fits = [n["fitness"] for n in gen]
        assert len(gen) == P
        assert h[g] == max(n["fitness"] for n in r.lineage if n["generation"] <= g)
        assert r.generation_best_fitness_hist[g] == max(fits)
        assert r.mean_fitness_hist[g] == pytest.approx(np.mean(fits))
        assert r.median_fitness_hist[g] == pytest.approx(np.median(fits))
    assert r.best_fitness == h[-1] == max(n["fitness"] for n in r.lineage)
    best = next(n for n in r.lineage if n["id"] == r.best_id)
    assert (best["fitness"], best["accuracy"], best["margin"], best["edges"]) == (
        r.best_metrics.fitness, r.best_metrics.accuracy, r.best_metrics.margin, r.best_metrics.edges)
    # the fitness formula (w_sparsity on)
    r2 = glia.Evolution(net, train, val, cfg, small_evo(w_sparsity=0.3)).run(verbose=False)
    for n in r2.lineage:
        want = n["accuracy"] + 0.5 * n["margin"] - 0.3 * n["edges"] / net.num_connections
        assert n["fitness"] == pytest.approx(want, abs=1e-12)
    # generation 0: the base network, then mutated copies; parents link generations
    assert [n["parent"] for n in r2.lineage[:6]] == [None] * 6
    ids = {n["id"] for n in r2.lineage}
    assert all(n["parent"] in ids for n in r2.lineage[6:])
    assert sum(n["elite"] for n in r2.lineage) == 2 * 2


def test_evolution_reaches_95_percent_on_three_class(cfg):
    train, val = glia.datasets.three_class().split(0.75, seed=0)
    net = glia.datasets.three_class_network()
    evo = glia.Evolution(net, train, val, cfg,
                         glia.EvolutionConfig(population=8, generations=4, train_epochs=2, seed=1))
    r = evo.run(verbose=False)
    assert r.best_acc_hist[-1] >= 0.95
    # Lamarckian: the genome is the trained network it was scored with
    check = glia.Trainer(r.best_genome.copy(), cfg).evaluate_dataset(val)
    assert check["accuracy"] == r.best_metrics.accuracy
    assert check["margin"] == pytest.approx(r.best_metrics.margin, abs=1e-6)
    loaded = glia.Evolution.load_best_genome(net, r)
    assert_same_network(loaded, r.best_genome)
    assert loaded is not r.best_genome
    assert_same_network(r.to_network(), r.best_genome)


def test_base_network_untouched_and_path_input(task, cfg, tmp_path):
    train, val = task
    net = glia.datasets.three_class_network()
    before = net.copy()
    path = tmp_path / "base.net"
    net.save(path)
    r1 = glia.Evolution(net, train, val, cfg, small_evo()).run(verbose=False)
    assert_same_network(net, before)
    r2 = glia.Evolution(network_path=str(path), train_data=train, val_data=val,
                        train_config=cfg, evo_config=small_evo()).run(verbose=False)
    assert_same_result(r1, r2)
    assert_same_network(glia.Evolution.load_best_genome(str(path), r2), r2.best_genome)
    other = glia.datasets.xor_network()
    with pytest.raises(ValueError, match="neurons"):
        glia.Evolution.load_best_genome(other, r2)


def test_gliagl_style_small_population_runs(task, cfg):
    train, val = task
    evo_cfg = glia.create_evo_config(population=3, generations=2, train_epochs=1)
    r = glia.Evolution(glia.datasets.three_class_network(), list(train), list(val), cfg,
                       evo_cfg).run(verbose=False)
    assert len(r.lineage) == 6 and r.generations == 2


# ---------------------------------------------------------------- callbacks
def test_on_generation_and_fitness_fn_arguments(task, cfg):
    train, val = task
    net = glia.datasets.three_class_network()
    evo_cfg = small_evo()
    calls, fit_calls = [], []

    def on_gen(gen, genome, metrics):
        calls.append((gen, genome, metrics))

    def fitness(m, base_edges):
        fit_calls.append((m, base_edges))
        assert m["acc"] == m.acc == m.accuracy
        return 2.0 * m.accuracy - m.edges / base_edges

    r = glia.Evolution(net, train, val, cfg, evo_cfg).run(on_generation=on_gen, fitness_fn=fitness,
                                                          verbose=False)
    assert [c[0] for c in calls] == list(range(evo_cfg.generations))
    for gen, genome, m in calls:
        assert isinstance(genome, glia.Network) and isinstance(m, EvoMetrics)
        assert m.fitness == r.best_fitness_hist[gen]
        assert m.accuracy == r.best_acc_hist[gen]
    assert calls[-1][1] is r.best_genome
    assert len(fit_calls) == evo_cfg.population * evo_cfg.generations
    assert all(be == net.num_connections for _, be in fit_calls)
    for (m, _), node in zip(fit_calls, r.lineage):
        # called in individual order; m.fitness is the default fitness
        assert m.accuracy == node["accuracy"]
        assert m.fitness == pytest.approx(m.accuracy + 0.5 * m.margin)
        assert node["fitness"] == 2.0 * m.accuracy - m.edges / net.num_connections


def test_callback_exceptions_propagate(task, cfg):
    train, val = task
    evo = glia.Evolution(glia.datasets.three_class_network(), train, val, cfg, small_evo(generations=4))

    def on_gen(gen, genome, metrics):
        if gen == 1:
            raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here"):
        evo.run(on_generation=on_gen, verbose=False)
    assert evo.result.generations == 2   # the partial result is kept

    def bad_fitness(m, base_edges):
        raise ZeroDivisionError("in fitness")

    with pytest.raises(ZeroDivisionError):
        evo.run(fitness_fn=bad_fitness, verbose=False)
    with pytest.raises(TypeError, match="real number"):
        evo.run(fitness_fn=lambda m, b: "high", verbose=False)
    with pytest.raises(TypeError):
        evo.run(on_generation=3, verbose=False)


def test_keyboard_interrupt_stops_quickly(task, cfg):
    train, val = task
    net = glia.datasets.three_class_network()
    before = net.copy()
    evo = glia.Evolution(net, train, val, cfg,
                         glia.EvolutionConfig(population=8, generations=100000, train_epochs=50))
    timer = threading.Timer(0.3, _thread.interrupt_main)
    t0 = time.perf_counter()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            evo.run(verbose=False, num_threads=2)
    finally:
        timer.cancel()
    assert time.perf_counter() - t0 < 2.0
    assert_same_network(net, before)
    # usable afterwards
    r = glia.Evolution(net, train, val, cfg, small_evo(generations=1)).run(verbose=False)
    assert r.generations == 1


def test_progress_bar(task, cfg, capsys):
    train, val = task
    glia.Evolution(glia.datasets.three_class_network(), train, val, cfg,
                   small_evo(generations=2)).run(verbose=True)
    err = capsys.readouterr().err
    assert "evolve" in err and "best=" in err


# ---------------------------------------------------------------- lineage
def test_lineage_json_round_trip_and_plots(task, cfg, tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    train, val = task
    path = tmp_path / "lineage.json"
    r = glia.Evolution(glia.datasets.three_class_network(), train, val, cfg,
                       small_evo(lineage_json=str(path))).run(verbose=False)
    assert glia.load_lineage(path) == r.lineage
    doc = json.loads(path.read_text())
    assert doc["base_edges"] == r.base_edges and doc["config"]["population"] == 6
    r.save_lineage(tmp_path / "again.json")
    assert glia.load_lineage(tmp_path / "again.json") == r.lineage
    assert json.loads(json.dumps(r.to_dict()))["lineage"] == r.lineage
    glia.viz.plot_lineage(str(path))
    glia.viz.plot_lineage(r.lineage)
    glia.plot_evolution_result(r)
    import matplotlib.pyplot as plt
    plt.close("all")


# ---------------------------------------------------------------- the GIL
def test_counting_thread_progresses_during_run(task, cfg):
    train, val = task
    evo = glia.Evolution(glia.datasets.three_class_network(), train, val, cfg,
                         glia.EvolutionConfig(population=4, generations=6, train_epochs=20))
    idle_rate, run_rate, _ = python_rates(lambda: evo.run(verbose=False, num_threads=1),
                                          settle=0.2, idle=0.3)
    assert run_rate > 0.3 * idle_rate, (run_rate, idle_rate)


def test_counting_thread_progresses_during_breeding():
    from glia._core import _breed
    net = glia.Network.from_string("NEWNET S=10 H=2000 O=2\nSEED 1\nDENSITY H->H 0.25\n")
    assert net.num_connections > 900_000
    idle_rate, breed_rate, (children, _, _) = python_rates(
        lambda: _breed([net], [0], 5, 1, 1, 0.1, 0.1, 0.1, 3, 0, 1))
    assert len(children) == 4
    assert breed_rate > 0.3 * idle_rate, (breed_rate, idle_rate)
    # the same children on two threads (enough draws for a team)
    again, _, _ = _breed([net], [0], 5, 1, 1, 0.1, 0.1, 0.1, 3, 0, 2)
    for a, b in zip(children, again):
        assert_same_network(a, b)


# ---------------------------------------------------------------- score_population
def mutated_population(net, n, seed=0):
    rng = np.random.default_rng(seed)
    pop = [net.copy() for _ in range(n)]
    for p in pop[1:]:
        f, t, w = p.get_weights()
        p.set_weights(f, t, np.asarray(w) + rng.normal(0, 3.0, len(w)).astype(np.float32))
    return pop


def test_score_population_matches_per_network_evaluation(task, cfg):
    train, val = task
    pop = mutated_population(glia.datasets.three_class_network(), 5)
    copies = [p.copy() for p in pop]
    s = glia.score_population(pop, val, cfg, num_threads=2)
    acc, margin, edges = s
    assert acc.dtype == np.float64 and edges.dtype == np.int64 and len(acc) == 5
    for k, p in enumerate(pop):
        e = glia.Trainer(p, cfg).evaluate_dataset(val)
        assert acc[k] == e["accuracy"]
        assert margin[k] == pytest.approx(e["margin"], abs=1e-6)
        assert edges[k] == p.num_connections
    s1 = glia.score_population(pop, val, cfg, num_threads=1)
    assert np.array_equal(s1.accuracy, s.accuracy) and np.array_equal(s1.margin, s.margin)

    # with training: copies are trained; the networks given are not changed
    st, trained = glia.score_population(pop, val, cfg, train_epochs=2, train_data=train,
                                        return_networks=True)
    for k, p in enumerate(pop):
        assert_same_network(p, copies[k])
        ref = p.copy()
        tr = glia.Trainer(ref, cfg)
        tr.train_fast(train, 2, num_threads=1)
        e = tr.evaluate_dataset(val)
        assert st.accuracy[k] == e["accuracy"]
        assert st.margin[k] == pytest.approx(e["margin"], abs=1e-6)
        assert_same_network(trained[k], ref)
    hebb = glia.score_population(pop, val, cfg, train_epochs=1, train_data=train, trainer="hebbian")
    assert len(hebb.accuracy) == 5
    empty = glia.score_population([], val, cfg)
    assert len(empty.accuracy) == 0


def test_score_population_bad_input(task, cfg):
    train, val = task
    net = glia.datasets.three_class_network()
    with pytest.raises(TypeError):
        glia.score_population(net, val, cfg)
    with pytest.raises(TypeError):
        glia.score_population([net, "x"], val, cfg)
    with pytest.raises(ValueError, match="empty"):
        glia.score_population([net], glia.Dataset(), cfg)
    with pytest.raises(ValueError, match="seeds"):
        glia.score_population([net], val, cfg, seeds=[1, 2])
    with pytest.raises(ValueError, match="same neurons"):
        glia.score_population([net, glia.datasets.three_class_network(n_hidden=5)], val, cfg)
    with pytest.raises(ValueError, match="trainer"):
        glia.score_population([net], val, cfg, trainer="genetic")


# ---------------------------------------------------------------- bad input
def test_bad_input_fails_before_any_work(task, cfg, tmp_path):
    train, val = task
    net = glia.datasets.three_class_network()
    E = glia.Evolution
    with pytest.raises(ValueError, match="validation"):
        E(net, train, glia.Dataset(), cfg, small_evo())
    with pytest.raises(ValueError, match="training"):
        E(net, glia.Dataset(), val, cfg, small_evo())
    E(net, glia.Dataset(), val, cfg, small_evo(train_epochs=0)).run(verbose=False)   # allowed
    bad = glia.Dataset([glia.EpisodeData(None, "O7", array=np.zeros((10, 3), np.float32))])
    with pytest.raises(KeyError, match="O7"):
        E(net, train, bad, cfg, small_evo())
    with pytest.raises(KeyError, match="O7"):
        E(net, bad, val, cfg, small_evo())
    with pytest.raises(FileNotFoundError):
        E(str(tmp_path / "missing.net"), train, val, cfg, small_evo())
    broken = tmp_path / "broken.net"
    broken.write_text("NEURON S0 100 1 0\nCONNECTION S0 X9 1.0\n")
    with pytest.raises(glia.FormatError):
        E(str(broken), train, val, cfg, small_evo())
    with pytest.raises(ValueError, match="population"):
        E(net, train, val, cfg, {"population": 0})
    with pytest.raises(ValueError, match="generations"):
        E(net, train, val, cfg, {"generations": 0})
    with pytest.raises(ValueError, match="population"):
        glia.create_evo_config(population=-2)
    with pytest.raises(TypeError):
        E(None, train, val, cfg)
    with pytest.raises(TypeError):
        E(net, train, val, cfg, network_path="x.net")
    with pytest.raises(TypeError):
        E(net, train, val, cfg, evo_config=42)


def test_result_shows_as_a_table_in_notebooks():
    train, val = glia.datasets.three_class(n_per_class=10).split(0.7, seed=0)
    res = glia.Evolution(glia.datasets.three_class_network(), train, val, None,
                         glia.create_evo_config(population=4, generations=2)).run(verbose=False)
    html = res._repr_html_()
    assert "<table>" in html and "best fitness" in html and f"{res.best_fitness:.4f}" in html


# ---------------------------------------------------------------- the one trainer factory
def test_an_unknown_trainer_is_an_error_everywhere(task, cfg):
    from glia._core import _CoreTrainer, _build, _score_networks
    train, val = task
    net = glia.datasets.three_class_network()
    assert glia.config.TRAINERS == ("gradient", "hebbian", "surrogate")   # the engine's names
    with pytest.raises(ValueError, match=r"method must be one of 'gradient', 'hebbian', 'surrogate', got 'genetic'"):
        glia.Trainer(net, cfg, method="genetic")
    with pytest.raises(ValueError, match=r"trainer must be one of .*got 'genetic'"):
        glia.score_population([net], val, cfg, trainer="genetic")
    with pytest.raises(ValueError, match=r"EvolutionConfig\.trainer must be one of"):
        glia.EvolutionConfig(trainer="genetic")
    # the binding's entry points go to the engine's factory, which refuses it too (no
    # silent fallback to "gradient")
    with pytest.raises(ValueError, match=r"trainer must be one of 'gradient', 'hebbian', 'surrogate', got 'genetic'"):
        _CoreTrainer(net, "genetic", cfg.to_dict())
    outputs = {o: k for k, o in enumerate(net.output_ids)}
    eps = _build(net, val.episodes, outputs)
    with pytest.raises(ValueError, match="got 'genetic'"):
        _score_networks([net.copy()], eps, eps, cfg.to_dict(), [net.neuron_ids.index(o) for o in outputs],
                        "genetic", 0, [1], 1)
    for name in glia.config.TRAINERS:     # each name makes its own trainer
        assert _CoreTrainer(net, name, cfg.to_dict()).method == name


def test_networks_listed_twice(task, cfg):
    """One helper enters the networks of a call over several: each once. Breeding reads
    them (a network may stand in several slots); scoring trains them in place, so the
    engine refuses a network listed twice, and both leave every network free."""
    from glia._core import _breed, _build, _score_networks
    _, val = task
    a, b = glia.datasets.three_class_network(), glia.datasets.three_class_network(seed=1)
    twice, _, _ = _breed([a, b, a], [2, 1, 0], 4, 1, 3, 0.1, 0.0, 0.0, 5, 1, 1)
    once, _, _ = _breed([a, b, a.copy()], [2, 1, 0], 4, 1, 3, 0.1, 0.0, 0.0, 5, 1, 1)
    assert [n.edge_weights.tobytes() for n in twice] == [n.edge_weights.tobytes() for n in once]
    outputs = {o: k for k, o in enumerate(a.output_ids)}
    eps = _build(a, val.episodes, outputs)
    out_idx = [a.neuron_ids.index(o) for o in outputs]
    with pytest.raises(ValueError, match="the same network appears twice"):
        _score_networks([a, b, a], eps, eps, cfg.to_dict(), out_idx, "gradient", 0, [1, 2, 3], 1)
    r = _score_networks([a, b], eps, eps, cfg.to_dict(), out_idx, "gradient", 0, [1, 2], 1)
    assert r["total"].tolist() == [len(val)] * 2
    a.step(1)   # not left busy by either call
    b.step(1)
    with pytest.raises(TypeError, match=r"networks\[1\] must be a glia.Network, got str"):
        _score_networks([a, "b"], eps, eps, cfg.to_dict(), out_idx, "gradient", 0, [1, 2], 1)
    a.step(1)


def test_population_loop_raises_the_first_failing_network_in_order(task, cfg):
    # the population's prange runs every network; networks 1 and 3 fail (views open on
    # them refuse a trainer that grows edges: 1 view on network 1, 2 on network 3), and the
    # error raised is network 1's at any thread count; the others were trained and scored
    from glia._core import _score_networks
    from glia.evolution._scoring import _Data
    train, val = task
    grow = dict(glia.create_config(batch_size=4, grow_edges=2).to_dict())
    base = glia.datasets.three_class_network()
    outputs = {o: i for i, o in enumerate(base.output_ids)}
    for n_threads in (1, 2, 3):
        pop = mutated_population(base, 4)
        views = [pop[1].edge_weights, pop[3].edge_weights, pop[3].values]
        data = _Data(train, val, pop[0], outputs, -1)
        before = [p.edge_weights.copy() for p in pop]
        with pytest.raises(BufferError, match="1 array view is open"):
            _score_networks(pop, data.built(pop[0], True), data.built(pop[0], False), grow,
                            data.outputs, "gradient", 1, [1, 2, 3, 4], n_threads)
        assert len(views) == 3
        # networks 0 and 2 were trained (grown), 1 and 3 left as they were
        assert pop[0].num_connections > base.num_connections
        assert pop[2].num_connections > base.num_connections
        assert np.array_equal(views[0], before[1]) and np.array_equal(views[1], before[3])


def test_population_loop_is_identical_at_any_thread_count(task, cfg):
    train, val = task
    runs = []
    for n_threads in (1, 2, 3):
        pop = mutated_population(glia.datasets.three_class_network(), 5)
        s, nets = glia.score_population(pop, val, cfg, train_epochs=1, train_data=train,
                                        n_threads=n_threads, return_networks=True)
        runs.append((s.accuracy.tobytes(), s.margin.tobytes(),
                     [n.edge_weights.tobytes() for n in nets]))
    assert runs[0] == runs[1] == runs[2]

"""One network stepped by several threads (Network.run / step with n_threads > 1):
bit-identical to one thread, the cut-off and thread-count rules, GIL release and Ctrl-C."""
import _thread
import threading
import time

import numpy as np
import pytest

import glia
from conftest import Counter


def random_net(n_sensory, n_hidden, density, mean_w, seed):
    rng = np.random.default_rng(seed)
    net = glia.Network(n_sensory, n_hidden)
    n = n_sensory + n_hidden
    m = int(density * n * n)
    src = rng.integers(0, n, m)
    dst = rng.integers(n_sensory, n, m)
    keep = src != dst
    w = (rng.normal(mean_w, 1.0, m) * 30).astype(np.float32)
    net.set_edges(src[keep], dst[keep], w[keep])
    for k, nid in enumerate(net.neuron_ids[n_sensory:]):
        net.get_neuron(nid).leak = 0.9 if k % 2 else 1.0
    return net


def drive(n_sensory, T, p=0.3, seed=0):
    rng = np.random.default_rng(seed)
    return ((rng.random((T, n_sensory)) < p) * 150).astype(np.float32)


def everything(net, X, nt):
    """What runs record and leave behind, at thread count nt."""
    traced = net.neuron_ids[::5]
    raster = net.run(X, reset=True, n_threads=nt)
    values = net.get_state()[1]
    firing = net.get_firing_neurons()
    steps, neurons = net.run(X, reset=True, record="events", n_threads=nt)
    counts, traces = net.run(X, reset=True, record="counts", trace=traced, n_threads=nt)
    # a run continued by step(n), then a run continuing from that state
    net.run(X[: len(X) // 2], reset=True, n_threads=nt)
    net.step(7, n_threads=nt)
    tail = net.run(X[len(X) // 2:], n_threads=nt)
    return {"raster": raster, "values": values.tobytes(), "firing": firing,
            "steps": steps, "neurons": neurons, "counts": counts, "traces": traces.tobytes(),
            "tail": tail, "end": net.get_state()[1].tobytes(),
            "end_firing": net.get_firing_neurons()}


@pytest.mark.parametrize("n_sensory, n_hidden, density, mean_w", [
    (4, 150, 0.1, 0.3),       # 154 neurons: three threads get 64, 64, 26
    (8, 700, 0.03, 0.3),      # dense activity
    (16, 2500, 0.01, 0.3),
    (16, 2500, 0.01, -0.1),   # sparse activity
])
def test_bit_identical_at_1_2_3_threads(any_size, n_sensory, n_hidden, density, mean_w):
    net = random_net(n_sensory, n_hidden, density, mean_w, seed=n_hidden)
    X = drive(n_sensory, 120, seed=n_hidden)
    assert net.step_threads(3) == 3
    one = everything(net, X, 1)
    rate = one["raster"].mean()
    assert 0.002 < rate < 0.95, rate          # neither silent nor saturated
    for nt in (2, 3):
        other = everything(net, X, nt)
        for key, v in one.items():
            if isinstance(v, np.ndarray):
                assert np.array_equal(v, other[key]), (nt, key)
            else:
                assert v == other[key], (nt, key)


def test_above_the_real_cut_off_without_the_test_hook():
    # 1,000 neurons and ~250k edges: above PARALLEL_STEP_MIN_WORK
    net = random_net(16, 984, 0.25, 0.05, seed=3)
    from glia._core import PARALLEL_STEP_MIN_WORK
    assert net.num_neurons + net.num_connections >= PARALLEL_STEP_MIN_WORK
    assert net.step_threads(2) == 2
    X = drive(16, 60, seed=1)
    r1 = net.run(X, reset=True, n_threads=1)
    v1 = net.get_state()[1].tobytes()
    r2 = net.run(X, reset=True, n_threads=2)
    assert np.array_equal(r1, r2) and net.get_state()[1].tobytes() == v1
    assert 0.001 < r1.mean() < 0.95


def test_thread_count_rules(any_size):
    import threadpoolctl  # in the test extra
    net = random_net(4, 400, 0.02, 0.3, seed=1)
    assert net.step_threads(1) == 1
    assert net.step_threads(2) == 2
    assert net.step_threads(10**6) == (net.num_neurons + 63) // 64   # a 64-neuron range each
    glia.set_num_threads(1)
    try:
        assert net.step_threads() == 1
    finally:
        glia.set_num_threads(None)
    with threadpoolctl.threadpool_limits(limits=1, user_api="openmp"):
        assert net.step_threads() == 1
    with pytest.raises(ValueError, match="n_threads"):
        net.run(np.zeros((3, 4), np.float32), n_threads=0)
    with pytest.raises(TypeError, match="n_threads"):
        net.step(3, n_threads=1.5)


def test_small_networks_stay_on_one_thread():
    from glia._core import PARALLEL_STEP_MIN_WORK
    net = random_net(4, 400, 0.02, 0.3, seed=1)
    assert net.num_neurons + net.num_connections < PARALLEL_STEP_MIN_WORK
    assert net.step_threads(2) == 1


def test_population_scoring_inside_is_one_thread_per_item(any_size):
    # every network is stepped on one thread inside the parallel scoring (no nested
    # teams); the scores are those of one thread and of each network evaluated alone
    rng = np.random.default_rng(0)
    base = glia.datasets.three_class_network()
    pop = [base.copy() for _ in range(4)]
    for net in pop[1:]:
        f, t, w = net.get_weights()
        net.set_weights(f, t, w + rng.normal(0, 0.5, len(w)).astype(np.float32))
    _, val = glia.datasets.three_class(n_per_class=10).split(0.5, seed=0)
    cfg = glia.create_config()
    s2 = glia.score_population(pop, val, cfg, num_threads=2)
    s1 = glia.score_population(pop, val, cfg, num_threads=1)
    assert np.array_equal(s1.accuracy, s2.accuracy) and np.array_equal(s1.margin, s2.margin)
    for k, net in enumerate(pop):
        assert s2.accuracy[k] == glia.Trainer(net, cfg).evaluate_dataset(val, num_threads=2)["accuracy"]


def test_a_second_run_beside_a_team_run_uses_one_thread(any_size):
    big = random_net(16, 2000, 0.01, 0.3, seed=2)
    other = random_net(4, 400, 0.02, 0.3, seed=1)
    X = drive(16, 10**6, seed=0)
    seen = []

    def watch():
        time.sleep(0.1)
        seen.append(other.step_threads(2))
        _thread.interrupt_main()

    t = threading.Thread(target=watch)
    t.start()
    with pytest.raises(KeyboardInterrupt):
        big.run(X, record="counts", n_threads=2)
    t.join()
    assert seen == [1]
    assert other.step_threads(2) == 2       # the team has finished


def test_team_run_releases_the_gil(any_size):
    net = random_net(16, 2000, 0.01, 0.3, seed=4)
    X = drive(16, 3000, seed=2)
    c = Counter()
    c.start()
    time.sleep(0.05)
    before = c.count
    t0 = time.perf_counter()
    net.run(X, record="counts", n_threads=2)
    dt = time.perf_counter() - t0
    during = c.count - before
    c.stop = True
    c.join()
    assert dt > 0.05, "the run must be long enough to see"
    # a held GIL would leave the counter at (nearly) its starting value for the whole run
    assert during > 1000


def test_ctrl_c_stops_a_team_run_and_leaves_a_completed_step(any_size):
    net = random_net(16, 2000, 0.01, 0.3, seed=5)
    X = drive(16, 10**6, seed=3)
    timer = threading.Timer(0.2, _thread.interrupt_main)
    timer.start()
    t0 = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        net.run(X, record="counts", n_threads=2)
    assert time.perf_counter() - t0 < 2.0
    net.validate()
    # the state is that of a completed step: stepping on from it matches on 1 and 2 threads
    a, b = net.copy(), net.copy()
    assert np.array_equal(a.run(X[:50], n_threads=1), b.run(X[:50], n_threads=2))
    assert a.get_state()[1].tobytes() == b.get_state()[1].tobytes()

"""Training and evaluation of one network with fewer episodes than threads: each episode
stepped by a team (evaluate, evaluate_dataset of one episode, train_batch of one episode,
train with batch_size=1), bit-identical at 1, 2 and 3 threads; the team really used; the
GIL released and Ctrl-C."""
import time

import numpy as np
import pytest

import glia
from conftest import assert_ctrl_c_stops, python_rates
from glia._core import PARALLEL_STEP_MIN_WORK, _team_runs


def task(hidden, density, w_scale, episodes, ticks, seed):
    """A random network (8 sensory, ``hidden`` hidden, 2 outputs), a labelled data set of
    ``episodes`` x ``ticks`` for it and one episode's input array."""
    rng = np.random.default_rng(seed)
    net = glia.Network.from_string(
        f"NEWNET S=8 H={hidden} O=2\nSEED {seed}\nDENSITY H->H {density}\n"
        f"THRESHOLDS S 100 H 20 O 20\nW_SCALE {w_scale}\n")
    X = ((rng.random((episodes, ticks, 8)) < 0.3) * 200).astype(np.float32)
    return net, glia.Dataset.from_arrays(X, rng.integers(0, 2, episodes)), X[0]


def trainer(net, cfg, method):
    if method == "surrogate":
        return glia.SurrogateTrainer(net, cfg)
    return glia.Trainer(net, cfg, method=method)


def one_episode_calls(net, data, X, cfg, method, nt):
    """Everything the one-episode calls give and leave behind at thread count nt, and the
    team runs they started."""
    tr = trainer(net, cfg, method)
    teams = _team_runs()
    ev = tr.evaluate(X, num_threads=nt)
    ds = tr.evaluate_dataset(data[:1], num_threads=nt)
    batch = tr.train_batch(data[:1], num_threads=nt)
    hist = tr.train(data, epochs=2, verbose=False, num_threads=nt)
    grads = tr.gradients(data[:1], num_threads=nt).tobytes() if method == "surrogate" else b""
    used = _team_runs() - teams
    out = {"evaluate": (ev.winner_id, ev.margin, ev.rates, ev.ticks_run),
           "batch": batch, "history": hist, "network": network_bytes(net), "gradients": grads}
    out.update({f"dataset.{k}": v for k, v in ds.items()})
    return out, used


def network_bytes(net):
    """Edges, weights, thresholds and leaks, exactly."""
    f, t, w = net.get_weights()
    _, _, thr, leak = net.get_state()
    return f, t, w.tobytes(), thr.tobytes(), leak.tobytes()


def team_runs_expected(method):
    """Team runs of one_episode_calls above the cut-off: evaluate, evaluate_dataset, and
    (not the surrogate trainer, whose batches run as blocks of lanes) train_batch and the
    six batches of train."""
    return 2 if method == "surrogate" else 9


def assert_same(a, b, what):
    assert a.keys() == b.keys()
    for k in a:
        if isinstance(a[k], np.ndarray):
            assert a[k].tobytes() == b[k].tobytes(), (what, k)
        else:
            assert a[k] == b[k], (what, k)


@pytest.mark.parametrize("method", glia.config.TRAINERS)
def test_one_episode_calls_bit_identical_at_1_2_3_threads(any_size, method):
    net0, data, X = task(200, 0.05, 10, episodes=3, ticks=40, seed=5)
    assert net0.step_threads(3) == 3
    cfg = glia.create_config(batch_size=1, warmup_ticks=5, lr=0.05)
    one, used = one_episode_calls(net0.copy(), data, X, cfg, method, 1)
    assert used == 0
    assert one["network"] != network_bytes(net0)                   # training changed something
    assert 0 < max(one["evaluate"][2].values()) < 0.9              # the outputs fire, not always
    for nt in (2, 3):
        other, used = one_episode_calls(net0.copy(), data, X, cfg, method, nt)
        # every episode on a team: evaluate, evaluate_dataset, train_batch, 2 x 3 batches
        # of train (the surrogate trainer runs a batch as blocks of episodes, each block
        # on one thread: a batch of one episode is one block, no team)
        assert used == team_runs_expected(method)
        assert_same(one, other, (method, nt))


def test_batches_with_more_episodes_than_threads_run_side_by_side(any_size):
    net, data, _ = task(200, 0.05, 10, episodes=4, ticks=30, seed=6)
    tr = glia.Trainer(net, glia.create_config(batch_size=4))
    teams = _team_runs()
    tr.train_batch(data, num_threads=2)
    tr.evaluate_dataset(data, num_threads=2)
    tr.evaluate_dataset(data[:1], num_threads=1)
    assert _team_runs() == teams


@pytest.mark.parametrize("method", glia.config.TRAINERS)
def test_above_the_real_cut_off_without_the_test_hook(method):
    # about 250k edges; quiet for some 25 steps, then busy
    net0, data, X = task(1000, 0.25, 12, episodes=3, ticks=60, seed=5)
    assert net0.num_neurons + net0.num_connections >= PARALLEL_STEP_MIN_WORK
    assert net0.step_threads(2) == 2
    cfg = glia.create_config(batch_size=1, warmup_ticks=5, lr=0.05)
    one, _ = one_episode_calls(net0.copy(), data, X, cfg, method, 1)
    two, used = one_episode_calls(net0.copy(), data, X, cfg, method, 2)
    assert used == team_runs_expected(method)
    assert 0 < max(one["evaluate"][2].values()) < 0.9
    assert_same(one, two, method)


def test_team_episodes_release_the_gil(any_size):
    net, data, X = task(2000, 0.01, 10, episodes=1, ticks=2000, seed=7)
    tr = glia.Trainer(net, glia.create_config(warmup_ticks=5))
    teams = _team_runs()

    def evaluate_for_a_while():
        calls, t0 = 0, time.perf_counter()
        while calls == 0 or time.perf_counter() - t0 < 0.3:
            tr.evaluate(X, num_threads=2)
            calls += 1
        return calls

    idle, during, calls = python_rates(evaluate_for_a_while)
    assert _team_runs() == teams + calls
    # the team's two threads share two cores with the counter, so the counter slows
    # down; a held GIL would stop it for the whole episode (a rate near zero)
    assert during > 0.1 * idle, (during, idle)


@pytest.mark.parametrize("call", ["train", "evaluate_dataset"])
def test_ctrl_c_stops_team_episodes(any_size, call):
    net, data, _ = task(300, 0.05, 10, episodes=2, ticks=200, seed=8)
    tr = glia.Trainer(net, glia.create_config(batch_size=1))
    teams = _team_runs()
    if call == "train":
        assert_ctrl_c_stops(lambda: tr.train(data, epochs=10**6, verbose=False, num_threads=3))
    else:
        def evaluate_forever():
            for _ in range(10**6):
                tr.evaluate_dataset(data[:1], num_threads=3)
        assert_ctrl_c_stops(evaluate_forever)
    assert _team_runs() > teams
    net.validate()
    tr.train(data, epochs=1, verbose=False, num_threads=3)          # the next call works

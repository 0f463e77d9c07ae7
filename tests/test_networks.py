"""glia.networks: the layered constructor (structure, determinism, the weight rule and the
firing it gives), the silent-output warning, ties reported as ties, and Adam's step unit."""
import warnings

import numpy as np
import pytest

import glia
from glia.networks import layered, weight_scale


def test_layered_structure_is_exact():
    net = layered([5, 4, 3, 2], density=1.0, seed=0)
    ids = net.neuron_ids
    assert ids == ([f"S{i}" for i in range(5)] + [f"H{i}" for i in range(7)]
                   + ["O0", "O1", "B"])
    assert net.num_sensory == 5 and net.output_ids == ["O0", "O1"]
    # feed-forward 5*4 + 4*3 + 3*2, plus the bias to every hidden and output neuron
    assert net.num_connections == 20 + 12 + 6 + 9
    _, _, thr, leak = net.get_state()
    assert np.all(thr[:5] == glia.networks.SENSORY_THRESHOLD) and np.all(leak[:5] == 0)
    assert np.all(thr[5:14] == 1.0) and np.allclose(leak[5:14], 0.9)
    s, d, w = net.edges()
    # first layer: mean weight_scale(5, 0.1) over 20 edges, every edge S -> H0..H3
    first = (s < 5)
    assert set(d[first]) == set(range(5, 9))
    assert not layered([5, 4, 3, 2], density=1.0, bias=False, seed=0).num_connections == 47
    assert layered([5, 4, 3, 2], density=1.0, bias=False, seed=0).num_connections == 38


def test_layered_recurrent_edges_have_no_self_loops_and_mean_zero():
    net = layered([20, 200, 4], recurrent=True, density=0.5, input_rate=0.2, seed=3, bias=False)
    s, d, w = net.edges()
    rec = (s >= 20) & (s < 220) & (d >= 20) & (d < 220)
    assert rec.sum() > 0.4 * 200 * 199 and rec.sum() < 0.6 * 200 * 199
    assert not np.any(s[rec] == d[rec])
    mu = weight_scale(0.5 * 20, 0.2)
    assert abs(w[rec].mean()) < 0.02 * mu * 20 and abs(w[rec].std() - mu) < 0.05 * mu


def test_layered_is_deterministic_and_seeded():
    a = layered([30, 20, 3], density=0.3, seed=7)
    b = layered([30, 20, 3], density=0.3, seed=7)
    c = layered([30, 20, 3], density=0.3, seed=8)
    for x, y in zip(a.edges(), b.edges()):
        assert np.array_equal(x, y)
    assert not np.array_equal(a.edges()[2], c.edges()[2])


def test_weight_scale_formula():
    # mu = theta (1 - l) / ((1 - l^K) n r), K = 1 / target_rate
    assert weight_scale(70, 0.02) == pytest.approx(0.1 / ((1 - 0.9 ** 10) * 70 * 0.02))
    assert weight_scale(10, 0.5, threshold=2.0, leak=1.0, target_rate=0.25) == pytest.approx(2 / (4 * 10 * 0.5))
    with pytest.raises(ValueError, match="fan_in"):
        weight_scale(0, 0.1)


@pytest.mark.parametrize("sizes,recurrent,density,rate", [
    ([700, 256, 20], True, 1.0, 0.02), ([700, 512, 20], True, 0.1, 0.02),
    ([64, 64, 10], False, 1.0, 0.3), ([10, 16, 16, 2], False, 0.5, 0.15)])
def test_layered_hidden_and_outputs_fire_in_a_useful_range(sizes, recurrent, density, rate):
    net = layered(sizes, recurrent=recurrent, density=density, input_rate=rate, seed=1)
    rng = np.random.default_rng(0)
    X = (rng.random((200, sizes[0])) < rate).astype(np.float32)
    R = net.run(X, reset=True)
    n_hidden = sum(sizes[1:-1])
    hidden = R[:, sizes[0]:sizes[0] + n_hidden].mean(axis=0)
    out = R[:, sizes[0] + n_hidden:sizes[0] + n_hidden + sizes[-1]].mean(axis=0)
    # aimed at 0.1 spikes per step; every output fires, most hidden neurons do
    assert 0.03 < hidden.mean() < 0.3 and (hidden > 0).mean() > 0.75
    assert 0.03 < out.mean() < 0.3 and np.all(out > 0)


def test_layered_checks_its_arguments():
    with pytest.raises(ValueError, match="sizes"):
        layered([4])
    with pytest.raises(ValueError, match="density"):
        layered([4, 2], density=0)
    with pytest.raises(ValueError, match="input_rate"):
        layered([4, 2], input_rate=2)
    with pytest.raises(ValueError, match="leak"):
        layered([4, 2], leak=1.5)


def test_a_trainer_warns_when_outputs_do_not_fire_and_names_them():
    # NEWNET's defaults: outputs' threshold 55 against inputs of 1 per spike
    net = glia.Network.from_string("NEWNET S=4 H=8 O=2\n")
    rng = np.random.default_rng(0)
    X = (rng.random((8, 20, 4)) < 0.3).astype(np.float32)
    data = glia.Dataset.from_arrays(X, np.arange(8) % 2)
    tr = glia.SurrogateTrainer(net)
    with pytest.warns(RuntimeWarning, match=r"outputs O0, O1 did not fire.*threshold 55"):
        tr.train(data, epochs=1, verbose=False)
    # a network from the constructor fires from the start, and on a task it learns its
    # outputs keep firing: no warning
    t = glia.datasets.task("rate_intensity")
    net = layered(**t.network, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        glia.SurrogateTrainer(net).train(t.train, epochs=3, verbose=False)


def test_a_trainer_warns_when_every_output_falls_silent():
    # random labels and SGD steps far larger than the weights: the outputs die
    rng = np.random.default_rng(0)
    X = (rng.random((8, 20, 4)) < 0.3).astype(np.float32)
    data = glia.Dataset.from_arrays(X, np.arange(8) % 2)
    net = layered([4, 8, 2], input_rate=0.3, seed=0)
    tr = glia.SurrogateTrainer(net, glia.create_config(lr=0.5))
    with pytest.warns(RuntimeWarning, match="every output .O0, O1. fell silent"):
        tr.train(data, epochs=2, verbose=False)
    assert tr.evaluate_dataset(data)["silent"] == 8


def test_ties_are_reported_as_ties_not_errors():
    net = glia.Network.from_string("NEWNET S=4 H=8 O=2\n")   # silent outputs
    X = np.zeros((6, 10, 4), np.float32)
    r = glia.evaluate_dataset(net, glia.Dataset.from_arrays(X, np.arange(6) % 2))
    assert r["ties"] == 6 and r["silent"] == 6 and r["errors"] == 0 and r["correct"] == 0
    assert list(r["predictions"]) == [""] * 6
    # two outputs firing alike are a tie too (never counted for the first output)
    net = glia.Network()
    net.add_neuron("S0", 0.5, 0.0, 0.0)
    net.add_neuron("O0", 0.5, 0.0, 0.0)
    net.add_neuron("O1", 0.5, 0.0, 0.0)
    net.set_weights(["S0", "S0"], ["O0", "O1"], [1.0, 1.0])
    X = np.ones((2, 10, 1), np.float32)
    r = glia.evaluate_dataset(net, glia.Dataset.from_arrays(X, [0, 1]))
    assert r["ties"] == 2 and r["silent"] == 0 and r["correct"] == 0 and r["errors"] == 0
    net.set_weights(["S0"], ["O1"], [0.0])
    r = glia.evaluate_dataset(net, glia.Dataset.from_arrays(X, [0, 1]))
    assert r["ties"] == 0 and r["correct"] == 1 and r["errors"] == 1


@pytest.mark.parametrize("unit", ["weights", "threshold"])
def test_adam_first_step_is_lr_in_its_unit(unit):
    # Adam's first step is lr * sign(g) in the unit: the RMS of the target's inbound
    # weights as the batch starts, or |threshold|
    net = layered([6, 4, 2], input_rate=0.3, seed=2, bias=False)
    rng = np.random.default_rng(1)
    X = (rng.random((4, 20, 6)) < 0.3).astype(np.float32)
    data = glia.Dataset.from_arrays(X, [0, 1, 0, 1])
    s, d, w0 = net.edges()
    cfg = glia.create_config(optimizer="adam", lr=0.01, adam_unit=unit, weight_decay=0.0,
                             batch_size=4, shuffle=False)
    tr = glia.SurrogateTrainer(net, cfg)
    g = tr.gradients(data)
    tr.train_batch(data)
    w1 = net.edges()[2]
    _, _, thr, _ = net.get_state()
    rms = np.array([np.sqrt(np.mean(w0[d == i] ** 2)) if np.any(d == i) else 0.0
                    for i in range(len(thr))])
    u = rms[d] if unit == "weights" else np.abs(thr[d])
    moved = g != 0
    assert moved.sum() > 10
    np.testing.assert_allclose(w1[moved] - w0[moved], -0.01 * u[moved] * np.sign(g[moved]),
                               rtol=1e-3)

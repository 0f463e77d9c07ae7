"""grad.floor_gradient (beta): the surrogate's derivative of the floor, dv/du = [u > 0] +
beta [u <= 0], in the NumPy reference (tests/surrogate_reference.py): beta = 0 is the
exact contract; beta > 0 reaches neurons held below 0, which the exact contract never does."""
import numpy as np
import pytest

import glia
from surrogate_reference import episode_gradient


def _dead_output_case():
    # S0 -> O0 (inhibitory: O0's u stays <= 0), S0 -> O1 (fires); O0 is the target
    thr = np.array([0.5, 1.0, 1.0])
    leak = np.array([0.0, 0.9, 0.9])
    rest = np.zeros(3)
    W = np.zeros((3, 3))
    W[0, 1] = -0.5
    W[0, 2] = 0.6
    X = np.ones((12, 1))
    return thr, leak, rest, W, X


@pytest.mark.parametrize("beta", [0.0, 0.1, 1.0])
def test_a_dead_output_gets_gradient_only_through_the_floor(beta):
    thr, leak, rest, W, X = _dead_output_case()
    G, loss, s = episode_gradient(thr, leak, rest, W, X, [0], [1, 2], 0, 0, 12, 0.2, 5.0, beta)
    assert s[:, 1].sum() == 0 and s[:, 2].sum() > 0        # O0 silent, O1 fires
    if beta == 0:
        assert G[0, 1] == 0.0                               # no way back from below 0
    else:
        assert G[0, 1] < 0                                  # raising S0 -> O0 lowers the loss
    # the edge into the firing output does not depend on beta (its u > 0 throughout)
    G0, _, _ = episode_gradient(thr, leak, rest, W, X, [0], [1, 2], 0, 0, 12, 0.2, 5.0, 0.0)
    assert G[0, 2] == G0[0, 2]


def test_floor_gradient_is_a_config_field_with_the_exact_default():
    cfg = glia.create_config()
    assert cfg.grad.floor_gradient == 0.0
    assert glia.create_config(floor_gradient=0.5).grad.floor_gradient == 0.5
    with pytest.raises(ValueError, match="floor_gradient"):
        glia.create_config(floor_gradient=1.5)


@pytest.mark.parametrize("beta", [0.1, 1.0])
def test_the_surrogate_trainer_computes_the_floor_gradient(beta):
    # the kernel against the reference on recurrent networks with neurons held below 0
    from surrogate_reference import mean_gradient
    from test_surrogate import recurrent_data, recurrent_net
    for seed in (0, 1):
        net = recurrent_net(seed)
        data = recurrent_data(seed, n=11)
        cfg = glia.create_config(warmup_ticks=3, temperature=0.5, surrogate_slope=2.0,
                                 floor_gradient=beta)
        g = glia.SurrogateTrainer(net, cfg).gradients(data, num_threads=2)
        ref, _ = mean_gradient(net, data, 3, 0, 0.5, 2.0, floor_gradient=beta)
        exact, _ = mean_gradient(net, data, 3, 0, 0.5, 2.0)
        scale = np.abs(ref).max()
        assert np.abs(ref - exact).max() > 1e-3 * scale          # beta changes the gradient
        np.testing.assert_allclose(g, ref, rtol=1e-4, atol=1e-4 * scale)


def test_a_dead_output_learns_through_the_floor_in_the_trainer():
    # the hand-built dead output: the exact contract leaves S0 -> O0 alone, beta moves it
    net = glia.Network()
    net.add_neuron("S0", 0.5, 0.0, 0.0)
    net.add_neuron("O0", 1.0, 0.9, 0.0)
    net.add_neuron("O1", 1.0, 0.9, 0.0)
    net.set_edges([0, 0], [1, 2], np.array([-0.5, 0.6], np.float32))
    data = glia.Dataset.from_arrays(np.ones((1, 12, 1), np.float32), [0])
    for beta in (0.0, 0.5):
        cfg = glia.create_config(warmup_ticks=0, temperature=0.2, floor_gradient=beta)
        g = glia.SurrogateTrainer(net, cfg).gradients(data)
        assert (g[0] == 0.0) if beta == 0 else (g[0] < 0), (beta, g)

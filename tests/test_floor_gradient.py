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


def test_the_surrogate_trainer_refuses_a_floor_gradient_it_does_not_compute():
    net = glia.networks.layered([2, 4, 2], seed=0)
    data = glia.Dataset.from_arrays(np.ones((2, 5, 2), np.float32), [0, 1])
    tr = glia.SurrogateTrainer(net, glia.create_config(floor_gradient=0.1))
    w = net.edges()[2].copy()
    with pytest.raises(NotImplementedError, match="floor_gradient"):
        tr.train(data, epochs=1, verbose=False)
    assert np.array_equal(net.edges()[2], w)

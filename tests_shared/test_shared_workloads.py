"""glia against the shared folder's generated workloads and its NumPy model (golden.py):
the figures the benchmarks and the README's tables are measured on."""
import statistics

import numpy as np
import pytest

import glia

import _reference
from _workloads import cls3_held_out_accuracies

CASES = (("net_small", "drive_s2"), ("net_medium", "drive_s32"))


@pytest.mark.parametrize("name,seq", CASES)
def test_run_matches_the_shared_model(golden, shared_workloads, name, seq):
    net = glia.Network.from_file(shared_workloads / f"{name}.net")
    X = glia.InputSequence.from_file(shared_workloads / f"{seq}.seq").to_array(net.sensory_ids, length=300)
    expected = golden.simulate(golden.load_net(str(shared_workloads / f"{name}.net")), X)
    assert expected[:, net.num_sensory:].any()
    assert np.array_equal(net.run(X), expected)


@pytest.mark.parametrize("name,seq", CASES)
def test_the_two_reference_models_agree(golden, shared_workloads, name, seq):
    # the suite's own reference model (tests/_reference.py) and the shared one
    path = shared_workloads / f"{name}.net"
    ref = _reference.load_net(path)
    X = _reference.load_seq(shared_workloads / f"{seq}.seq", ref.ids[:ref.n_sensory], 300)
    assert np.array_equal(_reference.simulate(ref, X)[0], golden.simulate(golden.load_net(str(path)), X))


@pytest.mark.parametrize("trainer,floor", [("gradient", 0.95), ("hebbian", 0.90), ("surrogate", 1.0)])
def test_defaults_learn_the_shared_three_class_workload(shared_workloads, trainer, floor):
    # train on the first 40 episodes, score the other 20; median over 5 seeds (the
    # settings of the README's training table)
    accs = cls3_held_out_accuracies(shared_workloads, trainer)
    assert statistics.median(accs) >= floor, accs

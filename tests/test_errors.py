"""Bad input: every error is the documented type, names what was wrong, and changes nothing."""
import numpy as np
import pytest

import glia


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.net"):
        glia.Network.from_file(tmp_path / "nope.net")
    with pytest.raises(FileNotFoundError):
        glia.InputSequence.from_file(tmp_path / "nope.seq")


@pytest.mark.parametrize("text, line, what", [
    ("NEURON S0 100 1\n", 1, "NEURON <id>"),
    ("NEURON S0 100 1 0\nNEURON H0 x 1 0\n", 2, "threshold"),
    ("NEURON S0 100 1 0\n\nCONNECTION S0 H9 1\n", 3, "unknown neuron 'H9'"),
    ("NEURON S0 nan 1 0\n", 1, "finite"),
    ("NEURON S0 100 1 0\nNEURON H0 1 1 0\nCONNECTION S0 H0 inf\n", 3, "finite"),
    ("NEURON S0 100 1.5 0\n", 1, "leak"),
    ("NEURON S0 100 -0.1 0\n", 1, "leak"),
    ("# ok\nFOO bar\n", 2, "expected NEURON"),
    ("NEWNET S=2 H=x O=1\n", 1, "integer"),
])
def test_malformed_net(tmp_path, text, line, what):
    p = tmp_path / "bad.net"
    p.write_text(text)
    with pytest.raises(glia.FormatError) as e:
        glia.Network.from_file(p)
    msg = str(e.value)
    assert f"bad.net:{line}:" in msg and what in msg
    assert isinstance(e.value, ValueError)


@pytest.mark.parametrize("text, line", [
    ("DURATION x\n", 1),
    ("LOOP maybe\n", 1),
    ("0 S0 1\n1 S0\n", 2),
    ("-1 S0 1\n", 1),
    ("1099511627776 S0 1\n", 1),          # 2^40: refused up front
    ("3 S0 nan\n", 1),
])
def test_malformed_seq(tmp_path, text, line):
    p = tmp_path / "bad.seq"
    p.write_text(text)
    with pytest.raises(glia.FormatError, match=f"bad.seq:{line}:"):
        glia.InputSequence.from_file(p)


def test_failed_load_leaves_network_unchanged(tmp_path, chain):
    before = chain.to_string()
    chain.inject("S0", 1)
    chain.step()
    state = chain.get_state()[1].tobytes()
    p = tmp_path / "bad.net"
    p.write_text("NEURON S0 1 1 0\nCONNECTION S0 X 1\n")
    with pytest.raises(glia.FormatError):
        chain.load(p)
    with pytest.raises(FileNotFoundError):
        chain.load(tmp_path / "missing.net")
    assert chain.to_string() == before and chain.get_state()[1].tobytes() == state


def test_unknown_ids(chain):
    with pytest.raises(KeyError, match="X9"):
        chain.inject("X9", 1.0)
    with pytest.raises(KeyError):
        chain.get_neuron("X9")
    with pytest.raises(KeyError):
        chain.set_weights(["S0", "X9"], ["H0", "H0"], [1, 2])
    with pytest.raises(KeyError):
        chain.inject_dict({"S0": 1.0, "X9": 2.0})
    with pytest.raises(KeyError):
        chain.run(np.zeros((2, 1), np.float32), trace=["X9"])
    # nothing was changed by the failed calls
    assert chain.get_state()[1].tolist() == [0, 0, 0, 0]
    chain.step()
    assert chain.get_firing_neurons() == []


def test_bad_arrays_name_the_argument(chain):
    with pytest.raises(ValueError, match=r"inputs must have shape \(n, 1\), got \(3, 2\)"):
        chain.run(np.zeros((3, 2), np.float32))
    with pytest.raises(ValueError, match="inputs must be 2-dimensional"):
        chain.run(np.zeros(3, np.float32))
    with pytest.raises(TypeError, match="inputs must have a real numeric dtype.*complex"):
        chain.run(np.zeros((3, 1), np.complex64))
    with pytest.raises(TypeError, match="inputs"):
        chain.run([["a"], ["b"]])
    with pytest.raises(ValueError, match="inputs must be finite"):
        chain.run(np.array([[np.nan]], np.float32))
    with pytest.raises(ValueError, match="weights must have shape"):
        chain.set_weights(["S0"], ["H0"], [1.0, 2.0])
    with pytest.raises(ValueError, match="weights must be finite"):
        chain.set_weights(["S0"], ["H0"], [np.inf])
    with pytest.raises(ValueError, match="leaks must be in"):
        chain.set_state(["S0"], [1.0], [2.0])
    with pytest.raises(ValueError, match="amount must be finite"):
        chain.inject("S0", float("nan"))
    with pytest.raises(TypeError, match="n_steps"):
        chain.step(1.5)
    with pytest.raises(ValueError, match="n_steps"):
        chain.step(-1)
    with pytest.raises(ValueError, match="record"):
        chain.run(np.zeros((1, 1)), record="everything")
    with pytest.raises(ValueError, match=r"values must have shape \(1,\)"):
        chain.inject_array([1.0, 2.0])
    with pytest.raises(ValueError, match="edge indices"):
        chain.set_edges([0], [9], [1.0])
    assert chain.to_string() == glia.Network.from_string(__import__("conftest").CHAIN).to_string()


def test_empty_inputs(chain):
    r = chain.run(np.zeros((0, 1), np.float32))
    assert r.shape == (0, 4)
    s, n = chain.run(np.zeros((0, 1), np.float32), record="events")
    assert s.size == 0 and n.size == 0
    net = glia.Network()
    assert net.run(np.zeros((5, 0), np.float32)).shape == (5, 0)


def test_huge_newnet_refused():
    with pytest.raises(glia.FormatError, match="at most"):
        glia.Network.from_string("NEWNET S=1000000000 H=10 O=1")


def test_save_to_missing_directory(chain, tmp_path):
    with pytest.raises(OSError):
        chain.save(tmp_path / "no" / "such" / "dir.net")

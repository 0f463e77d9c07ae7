"""The optional neuron features of DESIGN §2a (no floor, subtract reset and its delayed
form, a synaptic current that decays, a bias): exact values on hand-built neurons, the
engine against the NumPy reference on random networks for any thread count, files, pickles,
the Python API, evaluation and the surrogate gradient."""
import copy
import pickle

import numpy as np
import pytest

import glia
from glia._core import _set_parallel_step_min_work
from surrogate_reference import assert_gradient_matches, mean_gradient


def one_neuron(**features):
    """S0 (fires when its input is positive) -> H0 with weight 1: H0 sees what S0 gets, a
    step later. H0: threshold 1, leak 1 unless changed."""
    leak = features.pop("leak", 1.0)
    net = glia.Network()
    net.add_neuron("S0", 0.0, 0.0, 0.0, floor=False)
    net.add_neuron("H0", 1.0, leak, 0.0, **features)
    return net


def drive(net, values, steps=None):
    """H0's values and spikes when it is injected ``values[t]`` before step t."""
    steps = steps or len(values)
    vs, fired = [], []
    for t in range(steps):
        if t < len(values) and values[t]:
            net.inject("H0", values[t])
        net.step()
        vs.append(net.get_neuron("H0").value)
        fired.append(int(net.get_neuron("H0").did_fire()))
    return vs, fired


def test_defaults_are_the_model_of_design_2():
    net = one_neuron()
    f = net.get_features()
    assert f["floor"].tolist() == [False, True] and f["reset"].tolist() == ["resting", "resting"]
    assert f["alpha"].tolist() == [0, 0] and f["bias"].tolist() == [0, 0]
    n = net.get_neuron("H0")
    assert (n.floor, n.reset, n.alpha, n.bias) == (True, "resting", 0.0, 0.0)
    assert glia.RESET_MODES == ("resting", "subtract", "subtract_delayed")
    assert drive(net, [-2.0, 0.75, 0.5]) == ([0.0, 0.75, 0.0], [0, 0, 1])   # floor, reset to 0


def test_no_floor_lets_the_value_go_negative():
    net = one_neuron(floor=False, leak=0.5)
    assert drive(net, [-2.0, 0, 0, 1.0]) == ([-2.0, -1.0, -0.5, 0.75], [0, 0, 0, 0])


def test_subtract_reset_keeps_what_is_above_the_threshold():
    net = one_neuron(reset="subtract")
    vs, fired = drive(net, [0.75] * 6)
    assert vs == [0.75, 0.5, 0.25, 1.0, 0.75, 0.5] and fired == [0, 1, 1, 0, 1, 1]


def test_delayed_subtraction_takes_the_threshold_off_a_step_later():
    # snnTorch's default: the spike at t is V_t > threshold, V_t kept, threshold taken at t+1
    net = one_neuron(reset="subtract_delayed")
    vs, fired = drive(net, [0.75] * 6)
    assert vs == [0.75, 1.5, 1.25, 1.0, 1.75, 1.5] and fired == [0, 1, 1, 0, 1, 1]
    net.reset()   # a reset forgets the last spike: no subtraction in the next step
    assert drive(net, [0.5]) == ([0.5], [0])


def test_synaptic_current_decays_by_alpha():
    net = one_neuron(alpha=0.5, leak=0.0)
    net.get_neuron("H0").threshold = 100.0
    vs, _ = drive(net, [1.0], steps=5)
    assert vs == [1.0, 0.5, 0.25, 0.125, 0.0625]
    assert net.currents.tolist() == [0.0, 0.03125]            # kept for the next step
    net.reset()
    assert net.currents.tolist() == [0.0, 0.0]


def test_synaptic_current_sums_spikes_through_edges():
    # S0 fires at steps 0 and 1; H0 (alpha 0.5, leak 0) gets 1 at step 1, 1.5 at 2, 0.75 at 3
    net = one_neuron(alpha=0.5, leak=0.0)
    net.set_weights(["S0"], ["H0"], [1.0])
    net.get_neuron("H0").threshold = 100.0
    raster, trace = net.run(np.array([[1.0], [1.0], [0], [0]], np.float32), trace=["H0"])
    assert raster[:, 0].tolist() == [True, True, False, False]
    assert trace[:, 0].tolist() == [0.0, 1.0, 1.5, 0.75]


def test_bias_is_a_constant_current():
    net = one_neuron(bias=0.25)
    vs, fired = drive(net, [], steps=6)
    assert vs == [0.25, 0.5, 0.75, 1.0, 0.0, 0.25] and fired == [0, 0, 0, 0, 1, 0]
    # with a kept current the bias accumulates like any input: c_t = 0.5 c_{t-1} + 0.25
    net = one_neuron(bias=0.25, alpha=0.5, leak=0.0)
    assert drive(net, [], steps=3)[0] == [0.25, 0.375, 0.4375]


def random_extended_net(seed, n_in=3, n_hidden=24, n_out=3, density=0.3):
    """A random network whose every number is a multiple of a power of two (sums exact in
    any order) with random features on every neuron."""
    rng = np.random.default_rng(seed)
    net = glia.Network()
    for i in range(n_in):
        net.add_neuron(f"S{i}", 0.5, 0.0, 0.0)
    for k in range(n_hidden + n_out):
        nid = f"H{k}" if k < n_hidden else f"O{k - n_hidden}"
        net.add_neuron(nid, float(rng.integers(2, 8)) / 4, float(rng.integers(0, 5)) / 4,
                       float(rng.integers(-2, 3)) / 8, floor=bool(rng.random() < 0.5),
                       reset=glia.RESET_MODES[rng.integers(0, 3)],
                       alpha=float(rng.integers(0, 3)) / 4 if rng.random() < 0.5 else 0.0,
                       bias=float(rng.integers(-2, 3)) / 16)
    n = net.num_neurons
    src, dst = np.nonzero(rng.random((n, n)) < density)
    keep = dst >= n_in
    w = rng.integers(-6, 10, keep.sum()).astype(np.float32) / 8
    net.set_edges(src[keep], dst[keep], w)
    return net


@pytest.mark.parametrize("seed", range(4))
def test_engine_matches_the_reference_for_any_thread_count(reference, tmp_path, seed):
    net = random_extended_net(seed)
    p = tmp_path / "x.net"
    net.save(p)
    ref = reference.load_net(p)
    assert ref.extended
    X = (np.random.default_rng(seed).random((150, 3)) < 0.3).astype(np.float32)
    raster, values = reference.simulate(ref, X)
    assert 0.05 < raster[:, 3:].mean() < 0.6                 # neither silent nor saturated
    assert (values < 0).any()                                # the floor is off somewhere
    old = _set_parallel_step_min_work(0)                      # teams even on this small net
    try:
        for n_threads in (1, 2, 3):
            r, v = net.copy().run(X, trace=net.neuron_ids, n_threads=n_threads)
            assert np.array_equal(r, raster), n_threads
            assert v.tobytes() == values.tobytes(), n_threads
    finally:
        _set_parallel_step_min_work(old)
    # step() by step() gives the same values
    net.reset()
    for t in range(20):
        net.inject_array(X[t], net.sensory_ids)
        net.step()
    assert net.values.tobytes() == values[19].tobytes()


def test_files_round_trip_bit_for_bit_and_old_files_mean_all_off(tmp_path):
    net = random_extended_net(1)
    text = net.to_string()
    assert "reset=subtract_delayed" in text and "floor=0" in text and "alpha=" in text
    back = glia.Network.from_string(text)
    assert back.to_string() == text
    for k, v in net.get_features().items():
        assert np.array_equal(back.get_features()[k], v), k
    for k in ("alpha", "bias"):
        assert back.get_features()[k].tobytes() == net.get_features()[k].tobytes()
    # a file without features: every neuron's are off, and it is written back unchanged
    old = "NEURON S0 1 1 0\nNEURON H0 2 0.5 0\nCONNECTION S0 H0 1.5\n"
    net = glia.Network.from_string(old)
    assert not net.get_features()["alpha"].any() and net.get_features()["floor"].all()
    assert net.to_string().split("\n", 1)[1] == old


@pytest.mark.parametrize("line,message", [
    ("NEURON H0 1 1 0 floor=2", "floor must be 0 or 1"),
    ("NEURON H0 1 1 0 reset=zero", "reset must be one of 'resting', 'subtract', 'subtract_delayed'"),
    ("NEURON H0 1 1 0 alpha=1.5", "alpha of 'H0' must be in [0, 1]"),
    ("NEURON H0 1 1 0 bias=nan", "bias"),
    ("NEURON H0 1 1 0 tau=3", "unknown NEURON feature 'tau'"),
    ("NEURON H0 1 1 0 alpha=0.5 alpha=0.25", "given twice"),
    ("NEURON H0 1 1 0 subtract", "expected 'NEURON <id> <threshold> <leak> <resting> [floor"),
])
def test_malformed_features_name_the_line(line, message):
    with pytest.raises(glia.FormatError) as e:
        glia.Network.from_string("NEURON S0 1 1 0\n" + line + "\n", name="f.net")
    assert "f.net:2" in str(e.value) and message in str(e.value)


def test_pickle_and_copy_keep_features_and_state():
    net = random_extended_net(2)
    X = (np.random.default_rng(0).random((30, 3)) < 0.5).astype(np.float32)
    net.run(X)
    for other in (pickle.loads(pickle.dumps(net)), net.copy(), copy.deepcopy(net)):
        assert other.to_string() == net.to_string()
        assert other.currents.tobytes() == net.currents.tobytes()
        assert other.get_firing_neurons() == net.get_firing_neurons()
        # the carried currents and the last spikes (delayed subtraction) continue the run
        assert np.array_equal(other.run(X[:10]), net.copy().run(X[:10]))


def test_setters_check_everything_before_changing_anything():
    net = one_neuron()
    before = net.to_string()
    with pytest.raises(ValueError, match="alpha of 'H0' must be in"):
        net.set_features(["S0", "H0"], alpha=[0.5, 2.0])
    with pytest.raises(ValueError, match="reset must be one of"):
        net.set_features(reset="zero")
    with pytest.raises(TypeError, match="floor must be a bool"):
        net.set_features(floor="no")
    with pytest.raises(ValueError, match="2 entries for 1 neuron ids"):
        net.set_features(["H0"], bias=[1.0, 2.0])
    with pytest.raises(KeyError):
        net.set_features(["H0", "X9"], bias=1.0)
    with pytest.raises(ValueError, match="bias"):
        net.add_neuron("H1", 1.0, 1.0, 0.0, bias=float("inf"))
    with pytest.raises(ValueError, match="leak"):
        net.set_state(["H0"], [1.0], [2.0], alpha=0.5)
    assert net.to_string() == before and "H1" not in net.neuron_ids
    # None keeps a setting; the setters and the Neuron properties agree
    net.set_features(["H0"], reset="subtract", alpha=0.5)
    net.add_neuron("H0", 2.0, 0.5, 0.0)                     # parameters only
    n = net.get_neuron("H0")
    assert (n.threshold, n.reset, n.alpha) == (2.0, "subtract", 0.5)
    n.floor, n.bias = False, 0.125
    net.set_state(["H0"], [1.5], [0.25], reset="subtract_delayed")
    ids, values, thr, leak, f = net.get_state(features=True)
    assert thr[1] == 1.5 and leak[1] == 0.25
    assert (f["floor"][1], f["reset"][1], f["alpha"][1], f["bias"][1]) == \
        (False, "subtract_delayed", 0.5, 0.125)
    assert len(net.get_state()) == 4                          # GliaGL's four items


def test_evaluation_runs_the_extended_model(reference, tmp_path):
    # evaluate_dataset (small networks have a dense fast path) counts the reference's spikes
    net = random_extended_net(3, n_hidden=10)
    p = tmp_path / "e.net"
    net.save(p)
    ref = reference.load_net(p)
    rng = np.random.default_rng(3)
    X = (rng.random((12, 40, 3)) < 0.3).astype(np.float32)
    data = glia.Dataset.from_arrays(X, rng.integers(0, 3, 12))
    cfg = glia.create_config(decision_window=40)
    m = glia.evaluate_dataset(net, data, cfg)
    outs = [ref.ids.index(o) for o in net.output_ids]
    counts = np.array([reference.simulate(ref, x)[0][:, outs].sum(0) for x in X])
    assert counts.sum() > 0
    np.testing.assert_allclose(m["rates"] if isinstance(m, dict) else m.rates, counts / 40, rtol=1e-6)


@pytest.mark.parametrize("seed", range(4))
def test_surrogate_gradient_is_exact_for_the_extended_model(seed):
    from test_surrogate import recurrent_data, recurrent_net
    net = recurrent_net(seed)
    rng = np.random.default_rng(50 + seed)
    hidden = [n for n in net.neuron_ids if not n.startswith("S")]
    net.set_features(hidden, floor=rng.random(len(hidden)) < 0.5,
                     reset=[glia.RESET_MODES[k] for k in rng.integers(0, 3, len(hidden))],
                     alpha=rng.choice([0.0, 0.3, 0.7], len(hidden)),
                     bias=rng.normal(0, 0.05, len(hidden)))
    assert_gradient_matches(net, recurrent_data(seed), 2, 0.5, 2.0)


def test_surrogate_gradient_sees_each_feature():
    # one feature at a time changes the gradient (so each one is really in the backward pass)
    from test_surrogate import recurrent_data, recurrent_net
    data = recurrent_data(1)
    cfg = glia.create_config(temperature=0.5, surrogate_slope=2.0)
    base = glia.SurrogateTrainer(recurrent_net(1), cfg).gradients(data)
    for feature in ({"floor": False}, {"reset": "subtract"}, {"alpha": 0.5}, {"bias": 0.05}):
        net = recurrent_net(1)
        net.set_features([n for n in net.neuron_ids if not n.startswith("S")], **feature)
        g = glia.SurrogateTrainer(net, cfg).gradients(data)
        ref, _ = mean_gradient(net, data, 0, 0, 0.5, 2.0)
        assert not np.allclose(g, base), feature
        np.testing.assert_allclose(g, ref, rtol=1e-4, atol=1e-4 * np.abs(ref).max())


@pytest.mark.parametrize("method", ["hebbian", "gradient", "surrogate"])
def test_every_trainer_learns_on_the_extended_model_bit_identically(method):
    # each trainer's forward pass runs the extended step: training changes the weights and
    # gives the same bits on 1 and 3 threads
    from test_surrogate import recurrent_data, recurrent_net
    data = recurrent_data(5, n=24)
    out = []
    for nt in (1, 3):
        net = recurrent_net(5)
        net.set_features([n for n in net.neuron_ids if not n.startswith("S")], floor=False,
                         reset="subtract_delayed", alpha=0.25, bias=0.01)
        tr = glia.Trainer(net, glia.create_config(batch_size=8, seed=1), method=method)
        tr.train_fast(data, epochs=2, num_threads=nt)
        out.append(net.edge_weights.tobytes())
    assert out[0] == out[1]
    before = recurrent_net(5)
    assert out[0] != before.edge_weights.tobytes()

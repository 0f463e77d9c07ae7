"""Network: the neuron model, the API surface, files, copies and pickles."""
import pickle

import numpy as np

import glia
from conftest import random_net


def fired_ids(net):
    return sorted(net.get_firing_neurons())


def test_chain_one_step_per_edge(chain):
    chain.inject("S0", 1.0)
    seen = []
    for _ in range(5):
        chain.step()
        seen.append(fired_ids(chain))
    assert seen == [["S0"], ["H0"], ["H1"], ["O0"], []]


def test_delay_does_not_depend_on_creation_order():
    # O0 created before H1: a sequential in-place update would deliver H1->O0 late.
    net = glia.Network.from_string("""
        NEURON O0 0.5 1 0
        NEURON H1 0.5 1 0
        NEURON H0 0.5 1 0
        NEURON S0 0.5 1 0
        CONNECTION H1 O0 1
        CONNECTION H0 H1 1
        CONNECTION S0 H0 1
    """)
    assert net.neuron_ids == ["S0", "O0", "H1", "H0"]
    X = np.zeros((5, 1), np.float32)
    X[0, 0] = 1
    r = net.run(X)
    ids = net.neuron_ids
    steps = {ids[j]: int(np.nonzero(r[:, j])[0][0]) for j in range(4)}
    assert steps == {"S0": 0, "H0": 1, "H1": 2, "O0": 3}


def test_coincidence_detector_fires_only_on_simultaneous_input():
    net = glia.Network.from_string("""
        NEURON S0 0.5 1 0
        NEURON S1 0.5 1 0
        NEURON H0 90 0 0
        CONNECTION S0 H0 60
        CONNECTION S1 H0 60
    """)
    X = np.zeros((6, 2), np.float32)
    X[0] = [1, 1]          # together -> H0 fires at step 1
    X[3, 0] = 1            # one step apart -> no spike (leak 0 forgets)
    X[4, 1] = 1
    r = net.run(X)
    assert np.nonzero(r[:, 2])[0].tolist() == [1]


def test_leak_decay_and_clamp():
    net = glia.Network.from_string("NEURON H0 1000 0.5 0\nNEURON H1 1000 1 0")
    net.inject("H0", 64.0)
    net.inject("H1", -5.0)
    vals = []
    for _ in range(4):
        net.step()
        vals.append(net.get_state()[1].tolist())
    assert vals == [[64.0, 0.0], [32.0, 0.0], [16.0, 0.0], [8.0, 0.0]]


def test_reset_to_resting_and_after_spike():
    net = glia.Network.from_string("NEURON H0 10 1 3\nNEURON H1 100 1 -2")
    assert net.get_state()[1].tolist() == [3.0, -2.0]
    net.inject("H0", 20)
    net.step()
    assert net.get_neuron("H0").did_fire() and net.get_neuron("H0").value == 3.0
    assert net.get_neuron("H1").value == 0.0      # max(0, 1 * -2 + 0): clamped
    net.inject("H1", 50)
    net.step()
    assert net.get_neuron("H1").value == 50.0
    net.reset()
    assert net.get_state()[1].tolist() == [3.0, -2.0]
    assert net.get_firing_neurons() == []


def test_inject_acts_in_next_step(chain):
    chain.inject("H1", 1.0)
    chain.step()
    assert fired_ids(chain) == ["H1"]


def test_run_matches_the_reference_model(reference, workloads, any_size):
    # spikes and every value after every step, bit for bit, at one and two threads (every
    # network stepped by a team), and the .seq reader agrees with the reference's
    for name, seq in (("net_small", "drive_s2"), ("net_medium", "drive_s32")):
        net = glia.Network.from_file(workloads / f"{name}.net")
        ref = reference.load_net(workloads / f"{name}.net")
        assert net.neuron_ids == ref.ids
        X = glia.InputSequence.from_file(workloads / f"{seq}.seq").to_array(net.sensory_ids, length=300)
        assert np.array_equal(X, reference.load_seq(workloads / f"{seq}.seq", net.sensory_ids, 300))
        raster, values = reference.simulate(ref, X)
        assert 0.05 < raster[:, net.num_sensory:].mean() < 0.5, name   # neither silent nor saturated
        for n_threads in (1, 2):
            r, v = net.copy().run(X, trace=net.neuron_ids, n_threads=n_threads)
            assert np.array_equal(r, raster), (name, n_threads)
            assert v.tobytes() == values.tobytes(), (name, n_threads)


def test_random_networks_match_the_reference_model(reference, tmp_path):
    for seed in range(5):
        net = random_net(3, 20, 3, 0.2, seed)
        p = tmp_path / f"r{seed}.net"
        net.save(p)
        X = (np.random.default_rng(seed).random((200, 3)) < 0.3).astype(np.float32) * 150
        raster, values = reference.simulate(reference.load_net(p), X)
        r, v = net.run(X, trace=net.neuron_ids)
        assert np.array_equal(r, raster) and v.tobytes() == values.tobytes(), seed


def test_run_outputs_agree(workloads):
    net = glia.Network.from_file(workloads / "net_medium.net")
    X = glia.InputSequence.from_file(workloads / "drive_s32.seq").to_array(net.sensory_ids, length=200)
    raster = net.copy().run(X)
    steps, neurons = net.copy().run(X, record="events")
    assert steps.dtype == np.int32 and neurons.dtype == np.int32
    ev = np.zeros_like(raster)
    ev[steps, neurons] = True
    assert np.array_equal(ev, raster)
    counts = net.copy().run(X, record="counts")
    assert np.array_equal(counts, raster.sum(0))
    r2, tr = net.copy().run(X, trace=["O0", "H5"])
    assert np.array_equal(r2, raster) and tr.shape == (200, 2) and tr.dtype == np.float32
    # the trace is the value after each step
    c = net.copy()
    vals = []
    for t in range(5):
        c.inject_array(X[t])
        c.step()
        vals.append(c.get_neuron("H5").value)
    assert tr[:5, 1].tolist() == vals


def test_run_reads_float32_in_place_and_converts_others(chain):
    X = np.zeros((4, 1), np.float32)
    X[0, 0] = 1
    a = chain.copy().run(X)
    b = chain.copy().run(X.astype(np.float64))
    c = chain.copy().run([[1], [0], [0], [0]])
    assert np.array_equal(a, b) and np.array_equal(a, c)
    ro = X.copy()
    ro.flags.writeable = False
    assert np.array_equal(chain.copy().run(ro), a)


def test_run_continues_from_state_unless_reset(chain):
    chain.inject("S0", 1)
    r = chain.run(np.zeros((2, 1), np.float32))
    assert r[:, 0].tolist() == [True, False] and r[1, 1]
    r = chain.run(np.zeros((2, 1), np.float32), reset=True)
    assert not r.any()


def test_save_load_round_trip_bit_for_bit(tmp_path):
    net = glia.Network(2, 3)
    vals = np.array([0.1, 1e-7, -3.4e38, 1.17549435e-38, 1e-45, 123456.789, -0.0], np.float32)
    net.set_weights(["S0"] * 3 + ["S1"] * 3 + ["N0"], ["N0", "N1", "N2", "N0", "N1", "N2", "N1"], vals)
    net.set_state(["N0", "N1"], [0.3, 1e30], [0.123456789, 1.0])
    p = tmp_path / "a.net"
    net.save(p)
    back = glia.Network.from_file(p)
    for x, y in zip(net.edges(), back.edges()):
        assert x.tobytes() == y.tobytes()
    for x, y in zip(net.get_state()[1:], back.get_state()[1:]):
        assert x.tobytes() == y.tobytes()
    assert back.neuron_ids == net.neuron_ids
    assert back.to_string() == net.to_string()


def test_pickle_and_copy_are_exact(workloads):
    net = glia.Network.from_file(workloads / "net_small.net")
    net.inject("S0", 150)
    net.step(2)
    for other in (pickle.loads(pickle.dumps(net)), net.copy()):
        assert other.to_string() == net.to_string()
        assert other.get_state()[1].tobytes() == net.get_state()[1].tobytes()
        assert other.get_firing_neurons() == net.get_firing_neurons()
        X = np.ones((20, 2), np.float32) * 150
        assert np.array_equal(other.run(X), net.copy().run(X))
    c = net.copy()
    c.set_weights(["S0"], ["O1"], [1.0])
    assert c.to_string() != net.to_string()


def test_api_surface(chain):
    assert chain.num_neurons == 4 and chain.num_connections == 3 and len(chain) == 4
    assert chain.sensory_ids == ["S0"] and chain.output_ids == ["O0"]
    ids, values, thr, leaks = chain.get_state()
    assert ids == ["S0", "H0", "H1", "O0"] and values.dtype == np.float32
    f, t, w = chain.get_weights()
    assert (f, t, w.tolist()) == (["S0", "H0", "H1"], ["H0", "H1", "O0"], [1.0, 1.0, 1.0])
    chain.set_weights(["S0", "S0"], ["H0", "H1"], [2.0, 3.0])
    assert chain.num_connections == 4
    s, d, w = chain.edges()
    assert s.tolist() == [0, 0, 1, 2] and d.tolist() == [1, 2, 2, 3] and w.tolist() == [2, 3, 1, 1]
    dense = chain.to_adjacency_matrix(dense=True)
    assert dense[0, 2] == 3.0 and dense.shape == (4, 4)
    sp = chain.to_adjacency_matrix()
    assert np.array_equal(sp.toarray(), dense)
    n = chain.get_neuron("H0")
    n.threshold = 7.5
    assert chain.get_state()[2][1] == 7.5 and n.kind == "hidden"
    assert "4 neurons" in repr(chain) and "<table>" in chain._repr_html_()
    assert chain.remove_connection("S0", "H1") and not chain.remove_connection("S0", "H1")
    assert chain.edge_weights.tolist() == [2.0, 1.0, 1.0]
    chain.inject_dict({"S0": 1.0})
    chain.step()
    assert chain.get_firing_neurons() == ["S0"]


def test_did_fire_works_as_method_and_flag(chain):
    chain.inject("S0", 1)
    chain.step()
    n = chain.get_neuron("S0")
    assert n.did_fire() is True and bool(n.did_fire)
    assert chain.get_neuron("H0").did_fire() is False


def test_default_constructor_gliagl_names():
    net = glia.Network(num_sensory=3, num_neurons=10)
    assert net.sensory_ids == ["S0", "S1", "S2"]
    assert net.num_neurons == 13 and net.num_connections == 0


def test_newnet_seed_reproducible(tmp_path):
    text = "NEWNET S=8 H=40 O=3\nSEED 7\n"
    a = glia.Network.from_string(text)
    b = glia.Network.from_string(text)
    c = glia.Network.from_string(text.replace("SEED 7", "SEED 8"))
    assert a.to_string() == b.to_string() != c.to_string()
    assert a.num_neurons == 51 and a.num_connections > 100


def test_sequence_api(tmp_path):
    seq = glia.InputSequence()
    seq.add_timestep({"S0": 200.0})
    seq.add_timestep({})
    seq.add_timestep({"S1": 100.0})
    seq.add_event(1, "S0", 5.0)
    seq.add_event(1, "S0", 7.0)          # repeated (tick, neuron): last wins
    assert seq.events() == [(0, "S0", 200.0), (1, "S0", 7.0), (2, "S1", 100.0)]
    assert seq.length == 3 and not seq.is_empty()
    X = seq.to_array(["S0", "S1"])
    assert X.tolist() == [[200, 0], [7, 0], [0, 100]]
    p = tmp_path / "s.seq"
    seq.save(p)
    back = glia.InputSequence.from_file(p)
    assert back.events() == seq.events()
    seq.loop = True
    assert seq.to_array(["S0"], length=7)[:, 0].tolist() == [200, 7, 0, 200, 7, 0, 200]
    s2 = glia.InputSequence.from_array(X)
    assert s2.events() == seq.events() and s2.duration == 3
    assert pickle.loads(pickle.dumps(seq)).events() == seq.events()


def test_seq_file_formats(tmp_path):
    p = tmp_path / "a.seq"
    p.write_bytes("\ufeff# header\r\nDURATION 10\r\nLOOP 1\r\nEVENT 3\tS0 2.5 # c\r\n1 S1 4\r\n".encode())
    s = glia.InputSequence.from_file(p)
    assert s.duration == 10 and s.loop and s.events() == [(1, "S1", 4.0), (3, "S0", 2.5)]


def test_net_file_tolerates_gliagl_quirks(tmp_path):
    p = tmp_path / "a.net"
    p.write_bytes("\ufeffNEURON S0 100 1 0   # sensory\r\n\tNEURON O0 50 1 0\r\n\r\nCONNECTION S0 O0 60 # w\r\n".encode())
    net = glia.Network.from_file(p)
    assert net.neuron_ids == ["S0", "O0"] and net.edge_weights.tolist() == [60.0]

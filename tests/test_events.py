"""Spike input held as events: Dataset.from_events, from_spikes and from_event_arrays give
bit for bit what from_arrays gives on the same spikes, hold a fraction of the dense
array's memory, and check their input."""
import pickle
import tracemalloc

import numpy as np
import pytest

import glia

N_IN = 6


def spiking_net(n_hidden, seed=0):
    """N_IN sensory -> n_hidden -> 3 outputs; an input spike of 150 fires a sensory neuron."""
    return glia.Network.from_string(
        f"NEWNET S={N_IN} H={n_hidden} O=3\nSEED {seed}\nTHRESHOLDS S 100 H 1 O 1\nW_SCALE 3\n")


def spike_events(seed, n=24, ticks=30, rate=0.15, repeats=True):
    """Random events (episode, tick, channel) in shuffled order, some of them repeated."""
    rng = np.random.default_rng(seed)
    e, t, c = np.nonzero(rng.random((n, ticks, N_IN)) < rate)
    if repeats:
        k = rng.choice(e.size, e.size // 10, replace=False)
        e, t, c = np.concatenate([e, e[k]]), np.concatenate([t, t[k]]), np.concatenate([c, c[k]])
    order = rng.permutation(e.size)
    return e[order], t[order], c[order], rng.integers(0, 3, n), n, ticks


def dense_of(e, t, c, n, ticks, value):
    """The dense input the events stand for: count * value in float32."""
    counts = np.zeros((n, ticks, N_IN), np.int64)
    np.add.at(counts, (e, t, c), 1)
    return counts.astype(np.float32) * np.float32(value)


def three_forms(seed, value=150.0):
    """The same spikes as from_arrays, from_events and from_spikes data sets."""
    e, t, c, y, n, ticks = spike_events(seed)
    X = dense_of(e, t, c, n, ticks, value)
    counts = np.zeros((n, ticks, N_IN), np.uint8)
    np.add.at(counts, (e, t, c), 1)
    return (glia.Dataset.from_arrays(X, y),
            glia.Dataset.from_events(e, t, c, y, ticks, N_IN, value=value),
            glia.Dataset.from_spikes(counts, y, value=value))


def _run(method, n_hidden, data):
    """Trains a fresh network on ``data``; everything the run gives, as bytes."""
    net = spiking_net(n_hidden)
    cfg = glia.create_config(optimizer="adam", lr=0.01, batch_size=4, timing_jitter=1, seed=3)
    tr = glia.Trainer(net, cfg, method=method)
    before = net.get_weights()[2].tobytes()
    hist = tr.train_fast(data, epochs=2, num_threads=2)
    ev = tr.evaluate_dataset(data, num_threads=2)
    out = {"weights": net.get_weights()[2].tobytes(), "history": repr(hist),
           "rates": ev["rates"].tobytes(), "margins": ev["margins"].tobytes(),
           "predictions": list(ev["predictions"]), "batch": repr(tr.train_batch(data[:5])),
           "one": repr(tr.evaluate(data[1]).rates)}
    if method == "surrogate":
        out["gradients"] = tr.gradients(data, num_threads=2).tobytes()
    return out, before, ev


@pytest.mark.parametrize("method", ["gradient", "hebbian", "surrogate"])
@pytest.mark.parametrize("n_hidden", [20, 70])       # the evaluation's dense form, and not
def test_every_trainer_gives_the_dense_results_bit_for_bit(method, n_hidden):
    dense, events, spikes = three_forms(seed=n_hidden)
    ref, before, ev = _run(method, n_hidden, dense)
    assert ref["weights"] != before                     # it trained
    assert ev["rates"].max() > 0                        # outputs fire: a comparison worth making
    assert _run(method, n_hidden, events)[0] == ref
    assert _run(method, n_hidden, spikes)[0] == ref


def test_sensory_neurons_with_incoming_edges_get_the_dense_input():
    # input lands on accumulators that edges have filled: the order of additions matters
    dense, events, _ = three_forms(seed=4)
    runs = []
    for data in (dense, events):
        net = spiking_net(20, seed=4)
        rng = np.random.default_rng(1)
        src = rng.integers(N_IN, N_IN + 20, 30)
        dst = rng.integers(0, N_IN, 30)
        net.set_edges(src, dst, rng.normal(-30.0, 40.0, 30).astype(np.float32))
        tr = glia.SurrogateTrainer(net, glia.create_config(optimizer="adam", lr=0.01, batch_size=4))
        g = tr.gradients(data)
        tr.train_fast(data, epochs=2)
        runs.append((g.tobytes(), net.get_weights()[2].tobytes(),
                     tr.evaluate_dataset(data)["rates"].tobytes()))
    assert runs[0] == runs[1]


def test_episodes_stepped_by_a_team_give_the_dense_results(any_size):
    dense, events, _ = three_forms(seed=5)
    net = spiking_net(70)
    tr = glia.Trainer(net)
    for k in (0, 3):    # one episode, two threads: the network is stepped by a team
        a = tr.evaluate_dataset(dense[k:k + 1], num_threads=2)
        b = tr.evaluate_dataset(events[k:k + 1], num_threads=2)
        assert a["rates"].tobytes() == b["rates"].tobytes() and a["rates"].max() > 0
        assert tr.evaluate(dense[k], num_threads=2).rates == tr.evaluate(events[k], num_threads=2).rates
        assert tr.evaluate(dense[k].array).rates == tr.evaluate(events[k].events).rates
    assert glia._core._team_runs() > 0


def test_mixed_data_sets_and_empty_episodes():
    dense, events, _ = three_forms(seed=2)
    y = [0, 1, 2]
    none = glia.Dataset.from_events([], [], [], y, 30, N_IN)         # three empty episodes
    assert [len(ep.events) for ep in none] == [0, 0, 0]
    zeros = glia.Dataset.from_arrays(np.zeros((3, 30, N_IN), np.float32), y)
    a = glia.evaluate_dataset(spiking_net(20), dense[:10] + zeros)
    b = glia.evaluate_dataset(spiking_net(20), events[:10] + none)
    assert a["rates"].tobytes() == b["rates"].tobytes()


def test_repeated_events_add_up_and_spike_counts_scale_the_value():
    ds = glia.Dataset.from_events([0, 0, 0, 1], [2, 2, 2, 0], [1, 1, 0, 3], [0, 1],
                                  n_ticks=4, n_channels=5, value=0.1)
    ev = ds[0].events
    assert ev.tick.tolist() == [2, 2] and ev.channel.tolist() == [0, 1]
    assert ev.value.tolist() == [np.float32(0.1), np.float32(2) * np.float32(0.1)]
    assert len(ds[1].events) == 1 and ds[1].events.value.dtype == np.float32
    S = np.zeros((1, 3, 2), np.uint8)
    S[0, 1, 0], S[0, 2, 1] = 3, 1
    X = glia.Dataset.from_spikes(S, [0], value=0.1)[0].events.to_array()
    assert X.tobytes() == (S[0].astype(np.float32) * np.float32(0.1)).tobytes()


def test_from_spikes_and_from_events_agree():
    rng = np.random.default_rng(7)
    S = rng.random((5, 9, 4)) < 0.3
    e, t, c = np.nonzero(S)
    a = glia.Dataset.from_spikes(S, [0, 1, 0, 1, 0], value=2.5)
    b = glia.Dataset.from_events(e[::-1], t[::-1], c[::-1], [0, 1, 0, 1, 0], 9, 4, value=2.5)
    for p, q, dense in zip(a, b, S):
        assert p.events.tick.tobytes() == q.events.tick.tobytes()
        assert p.events.channel.tobytes() == q.events.channel.tobytes()
        assert p.events.to_array().tobytes() == (dense * np.float32(2.5)).tobytes()
    assert a.targets == b.targets == ["O0", "O1", "O0", "O1", "O0"]


# ---------------------------------------------------------------- memory

def _held_bytes(make):
    """(object, bytes it holds once made) by tracemalloc, NumPy's buffers included."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        obj = make()
        return obj, tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


def test_memory_is_within_twice_the_events_own_size():
    # an SHD-shaped set: 256 episodes x 100 ticks x 700 channels at 2% (~358,000 spikes)
    rng = np.random.default_rng(0)
    S = rng.random((256, 100, 700), dtype=np.float32) < 0.02
    y = rng.integers(0, 20, 256)
    e, t, c = (a.astype(np.int32) for a in np.nonzero(S))
    own = e.nbytes + t.nbytes + c.nbytes                 # 12 bytes per spike
    ds, held = _held_bytes(lambda: glia.Dataset.from_events(e, t, c, y, 100, 700))
    assert held <= 2 * own
    assert ds.nbytes == 8 * e.size + 8 * 257              # int32 tick, channel; int64 offsets
    ds2, held2 = _held_bytes(lambda: glia.Dataset.from_spikes(S, y))
    assert held2 <= 2 * own                              # the dense array is not kept
    assert ds2.nbytes == ds.nbytes
    assert ds2.nbytes * 20 < S.size * 4                   # from_arrays: a float32 per cell
    (tr, va), held3 = _held_bytes(lambda: ds.split(0.8, seed=0))
    assert held3 < 0.05 * own and tr.nbytes == ds.nbytes   # the halves share the events
    tr.shuffle(seed=1)
    assert tr[3:9][0].events.tick.base is not None       # a view of the shared store


# ---------------------------------------------------------------- data set operations

def test_split_shuffle_index_slice_and_pickle_keep_the_events():
    _, events, _ = three_forms(seed=3)
    tr, va = events.split(0.75, seed=0)
    assert len(tr) == 18 and len(va) == 6
    sub = events[[5, 2, 2]]
    assert [id(ep) for ep in sub] == [id(events[5]), id(events[2]), id(events[2])]
    assert isinstance(events[4:8], glia.Dataset) and len(events[4:8]) == 4
    with pytest.raises(ValueError):
        events[0].events.tick[0] = 1                      # the shared events are read-only
    back = pickle.loads(pickle.dumps(va))
    assert back.nbytes < events.nbytes                    # only its own episodes' events
    for p, q in zip(back, va):
        assert p.target_id == q.target_id
        assert p.events.to_array().tobytes() == q.events.to_array().tobytes()
    whole = pickle.loads(pickle.dumps(events))
    assert whole.nbytes == events.nbytes
    assert glia.evaluate_dataset(spiking_net(20), whole)["rates"].tobytes() == \
        glia.evaluate_dataset(spiking_net(20), events)["rates"].tobytes()
    one = pickle.loads(pickle.dumps(events[7]))
    assert one.events.to_array().tobytes() == events[7].events.to_array().tobytes()


def test_to_sequence_and_repr():
    ds = glia.Dataset.from_events([0, 0], [1, 3], [2, 0], ["Oa"], 5, 4, value=7.0)
    seq = ds[0].to_sequence()
    assert seq.events() == [(1, "S2", 7.0), (3, "S0", 7.0)] and seq.duration == 5
    assert seq.to_array(["S0", "S1", "S2", "S3"]).tobytes() == ds[0].events.to_array().tobytes()
    assert repr(ds[0].events) == "<glia.EpisodeEvents: 2 events over 5 ticks, 4 channels>"
    assert ds.targets == ["Oa"]


# ---------------------------------------------------------------- structured event arrays

SHD = np.dtype([("t", "<i8"), ("x", "<i8"), ("p", "<i8")])     # tonic's SHD events
DVS = np.dtype([("x", "<i2"), ("y", "<i2"), ("t", "<i8"), ("p", "u1")])


def test_structured_arrays_are_binned_by_dt():
    a = np.array([(0, 2, 0), (999, 2, 0), (1000, 0, 0), (2500, 1, 0), (2999, 1, 0),
                  (4000, 3, 0)], SHD)          # t in microseconds, 1 ms ticks
    b = np.array([(1500, 3, 0)], SHD)
    ds = glia.Dataset.from_event_arrays([a, b], [1, 0], dt=1000, sensor_size=(4, 1, 1), value=2.0)
    want = np.zeros((2, 5, 4), np.float32)
    want[0, 0, 2] = 4.0             # two spikes in tick 0, channel 2
    want[0, 1, 0] = 2.0
    want[0, 2, 1] = 4.0
    want[0, 4, 3] = 2.0
    want[1, 1, 3] = 2.0
    assert [ep.events.n_ticks for ep in ds] == [5, 5]     # the latest event's tick + 1
    assert np.array_equal(np.stack([ep.events.to_array() for ep in ds]), want)
    assert ds.targets == ["O1", "O0"]
    # a window: t_start and n_ticks leave the events outside [500, 2500) out
    w = glia.Dataset.from_event_arrays([a], [0], dt=1000, sensor_size=4, n_ticks=2, t_start=500)
    assert w[0].events.to_array().tolist() == [[1, 0, 1, 0], [0, 0, 0, 0]]
    # float times (seconds) and dt
    f = np.array([(0.0005, 1, 0), (0.0105, 0, 0)], [("t", "<f8"), ("x", "<i4"), ("p", "<i4")])
    g = glia.Dataset.from_event_arrays([f], [0], dt=0.01, sensor_size=(2,))
    assert g[0].events.tick.tolist() == [0, 1] and g[0].events.channel.tolist() == [1, 0]


def test_camera_events_map_x_y_p_to_tonic_frame_channels():
    ev = np.array([(1, 0, 10, 0), (2, 1, 20, 1), (0, 1, 35, 1), (2, 1, 21, 1)], DVS)
    ds = glia.Dataset.from_event_arrays([ev], [0], dt=10, sensor_size=(3, 2, 2))
    W, H = 3, 2
    frames = np.zeros((4, 2, H, W), np.float32)          # tonic's ToFrame layout (T, P, H, W)
    for x, y, t, p in ev.tolist():
        frames[t // 10, p, y, x] += 1
    assert ds[0].events.n_channels == 12
    assert np.array_equal(ds[0].events.to_array(), frames.reshape(4, -1))
    merged = glia.Dataset.from_event_arrays([ev], [0], dt=10, sensor_size=(3, 2))    # P = 1
    assert np.array_equal(merged[0].events.to_array(), frames.sum(axis=1).reshape(4, -1))


# ---------------------------------------------------------------- errors

E, T, C = [0, 1], [0, 2], [1, 0]


@pytest.mark.parametrize("kwargs, exc, msg", [
    (dict(episode=[0.0, 1.0]), TypeError, "episode must be an integer array"),
    (dict(tick=[0.5, 2]), TypeError, "tick must be an integer array"),
    (dict(channel=[True, False]), TypeError, "channel must be an integer array"),
    (dict(episode=[[0, 1]]), ValueError, "episode must be 1-dimensional"),
    (dict(episode=[0, 2]), ValueError, r"episode must be in \[0, len\(y\)\) = \[0, 2\), got 2 at position 1"),
    (dict(episode=[-1, 0]), ValueError, r"episode must be in \[0, len\(y\)\) = \[0, 2\), got -1 at position 0"),
    (dict(tick=[0, 3]), ValueError, r"tick must be in \[0, n_ticks\) = \[0, 3\), got 3 at position 1"),
    (dict(channel=[1, 4]), ValueError, r"channel must be in \[0, n_channels\) = \[0, 4\), got 4 at position 1"),
    (dict(channel=[1]), ValueError, "episode, tick and channel must have equal lengths"),
    (dict(y=[0, 1, 2, 3]), ValueError, r"episode must be in \[0, len\(y\)\) = \[0, 4\)|"),
    (dict(y=[[0, 1]]), ValueError, r"y must have shape \(n,\)"),
    (dict(y=[0.5, 1.5]), TypeError, "y must hold output ids"),
    (dict(y=[-1, 0]), ValueError, "class indices in y must be >= 0"),
    (dict(n_ticks=2.0), TypeError, "n_ticks must be an int"),
    (dict(n_ticks=-1), ValueError, r"n_ticks must be in \[0, 2147483647\]"),
    (dict(n_channels=None), TypeError, "n_channels must be an int"),
    (dict(value="1"), TypeError, "value must be a real number"),
    (dict(value=float("nan")), ValueError, "value must be finite"),
    (dict(value=1e39), ValueError, "value must be finite as a float32"),
])
def test_from_events_errors(kwargs, exc, msg):
    args = dict(episode=E, tick=T, channel=C, y=[0, 1], n_ticks=3, n_channels=4)
    args.update(kwargs)
    if msg.endswith("|"):           # more labels than events name: fine, empty episodes
        assert len(glia.Dataset.from_events(**args)) == 4
        return
    with pytest.raises(exc, match=msg):
        glia.Dataset.from_events(**args)


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.uint32, np.int64, np.uint64])
def test_any_integer_dtype_gives_the_same_events(dtype):
    e, t, c = (np.array(a, dtype) for a in ([1, 0, 1], [2, 0, 1], [0, 1, 3]))
    ds = glia.Dataset.from_events(e, t, c, [0, 1], 3, 4)
    assert ds[1].events.tick.tolist() == [1, 2] and ds[1].events.channel.tolist() == [3, 0]
    assert ds[0].events.tick.tolist() == [0] and ds[0].events.channel.tolist() == [1]


def test_from_events_leaves_its_arguments_alone():
    e, t, c = np.array([1, 0]), np.array([2, 0]), np.array([0, 1])
    glia.Dataset.from_events(e, t, c, [0, 1], 3, 2)
    assert e.tolist() == [1, 0] and t.tolist() == [2, 0] and c.tolist() == [0, 1]


@pytest.mark.parametrize("spikes, y, exc, msg", [
    (np.zeros((2, 3, 4), np.float32), [0, 1], TypeError,
     "spikes must be a bool or integer array .* got dtype float32; real-valued input: Dataset.from_arrays"),
    (np.zeros((3, 4), bool), [0, 1, 2], ValueError, r"spikes must have shape \(n_episodes, n_ticks, n_channels\)"),
    (np.zeros((2, 3, 4), bool), [0], ValueError, r"y must have shape \(2,\)"),
    (np.full((2, 3, 4), -1, np.int8), [0, 1], ValueError, r"spikes must be >= 0 \(spike counts\), got -1 at \(0, 0, 0\)"),
    (np.full((1, 1, 1), 255, np.uint8), [0], ValueError, "overflows float32"),
])
def test_from_spikes_errors(spikes, y, exc, msg):
    with pytest.raises(exc, match=msg):
        glia.Dataset.from_spikes(spikes, y, value=3e38 if spikes.dtype == np.uint8 else 1.0)


@pytest.mark.parametrize("kwargs, exc, msg", [
    (dict(events=np.zeros(3, SHD)), TypeError, "a single structured array"),
    (dict(events=[np.zeros((3, 2))]), TypeError, r"events\[0\] must be a structured array with fields 't' and 'x'"),
    (dict(events=[np.zeros(2, [("t", "<i8"), ("p", "<i8")])]), TypeError, r"events\[0\] must be a structured array"),
    (dict(events=[np.zeros((2, 2), SHD)]), ValueError, r"events\[0\] must be 1-dimensional"),
    (dict(events=[np.zeros(2, [("t", "<i8"), ("x", "<f4")])]), TypeError, r"events\[0\]\['x'\] must be integers"),
    (dict(events=[np.zeros(2, [("t", "<U2"), ("x", "<i4")])]), TypeError, r"events\[0\]\['t'\] must be numbers"),
    (dict(events=[np.array([(0, 4, 0)], SHD)]), ValueError, r"events\[0\]\['x'\] must be in \[0, W\) = \[0, 4\), got 4 at position 0"),
    (dict(events=[np.array([(1, 2, 3, 0)], DVS)], sensor_size=(4, 2, 1)), ValueError, r"events\[0\]\['y'\] must be in \[0, H\) = \[0, 2\), got 2"),
    (dict(events=[np.array([(1, 0, 3, 2)], DVS)], sensor_size=(4, 2, 2)), ValueError, r"events\[0\]\['p'\] must be in \[0, P\) = \[0, 2\)"),
    (dict(sensor_size=(4, 2, 1)), ValueError, r"events\[0\] have no field 'y', but sensor_size has height H = 2"),
    (dict(events=[np.zeros(1, [("t", "<i8"), ("x", "<i8")])], sensor_size=(4, 1, 2)), ValueError, "have no field 'p'"),
    (dict(events=[np.array([(np.nan, 0, 0)], [("t", "<f8"), ("x", "<i8"), ("p", "<i8")])]), ValueError, r"events\[0\]\['t'\] must be finite"),
    (dict(events=[np.array([(10**12, 0, 0)], SHD)], dt=1), ValueError, "choose a larger dt"),
    (dict(dt=0), ValueError, "dt must be > 0"),
    (dict(dt="1"), TypeError, "dt must be a real number"),
    (dict(t_start=float("inf")), ValueError, "t_start must be finite"),
    (dict(sensor_size=(4, 0)), ValueError, "sensor_size must be positive"),
    (dict(sensor_size="4"), TypeError, "sensor_size must be an int or a tuple"),
    (dict(sensor_size=(4, 1, 1, 1)), TypeError, "sensor_size must be an int or a tuple of 1 to 3 ints"),
    (dict(n_ticks=1.5), TypeError, "n_ticks must be an int"),
    (dict(y=[0, 1]), ValueError, r"y must have shape \(1,\)"),
])
def test_from_event_arrays_errors(kwargs, exc, msg):
    args = dict(events=[np.array([(0, 1, 0)], SHD)], y=[0], dt=1000, sensor_size=(4, 1, 1))
    args.update(kwargs)
    with pytest.raises(exc, match=msg):
        glia.Dataset.from_event_arrays(**args)


def test_a_network_with_another_sensory_count_is_an_error():
    ds = glia.Dataset.from_events([0], [0], [0], [0], 3, N_IN - 1)
    with pytest.raises(ValueError, match=f"episode 0: events have {N_IN - 1} channels, the network "
                                         f"has {N_IN} sensory neurons"):
        glia.evaluate_dataset(spiking_net(20), ds)
    with pytest.raises(TypeError, match="events must be a glia.EpisodeEvents"):
        glia.EpisodeData(None, "O0", events=np.zeros(3))


def test_score_population_scores_event_data_as_dense():
    dense, events, _ = three_forms(seed=9)
    pop = [spiking_net(20, seed=s) for s in range(3)]
    cfg = glia.create_config(optimizer="adam", lr=0.01, batch_size=4)
    a = glia.score_population(pop, dense[:12], cfg, train_epochs=1, train_data=dense[12:],
                              trainer="surrogate")
    b = glia.score_population(pop, events[:12], cfg, train_epochs=1, train_data=events[12:],
                              trainer="surrogate")
    assert a.accuracy.tobytes() == b.accuracy.tobytes() and a.margin.tobytes() == b.margin.tobytes()
    assert a.margin.max() > 0

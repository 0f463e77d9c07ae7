"""Resources: thousands of create/run/destroy cycles do not grow memory; huge or hostile
requests are refused with a clear error before any memory is taken; any array thrown at
the input checks gives a result or a TypeError/ValueError/KeyError, never a crash, and a
refused call changes nothing."""
import gc
import os
import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import glia

PAGE = os.sysconf("SC_PAGE_SIZE")
PHYS = os.sysconf("SC_PHYS_PAGES") * PAGE


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


SMALL = "NEWNET S=3 H=12 O=2\nSEED 4\nTHRESHOLDS S 100 H 2 O 2\nW_SCALE 4\n"


def _cycle(X, data, cfg, k):
    net = glia.Network.from_string(SMALL)
    net.run(X, record=("raster", "events", "counts")[k % 3], trace=["O0"])
    tr = glia.Trainer(net, cfg)
    tr.train_fast(data, epochs=1, num_threads=1 + k % 2)
    tr.evaluate_dataset(data)
    c = net.copy()
    c.set_weights(["S0"], ["O1"], [1.5])
    c.to_string()
    seq = glia.InputSequence.from_array(X[:5])
    seq.to_array()
    glia.Network.from_string(c.to_string()).step(10)


def test_create_run_destroy_does_not_grow_memory():
    rng = np.random.default_rng(0)
    X = ((rng.random((40, 3)) < 0.3) * 200).astype(np.float32)
    data = glia.Dataset.from_arrays(((rng.random((6, 20, 3)) < 0.3) * 200).astype(np.float32),
                                    rng.integers(0, 2, 6))
    cfg = glia.create_config(lr=0.01, warmup_ticks=2, batch_size=3)
    for k in range(300):                       # warm up: caches, arenas, OpenMP pools
        _cycle(X, data, cfg, k)
    gc.collect()
    tracemalloc.start()
    snap0 = tracemalloc.take_snapshot()
    rss0 = rss_bytes()
    n = 3000
    for k in range(n):
        _cycle(X, data, cfg, k)
    gc.collect()
    rss1 = rss_bytes()
    snap1 = tracemalloc.take_snapshot()
    tracemalloc.stop()
    py_growth = sum(s.size_diff for s in snap1.compare_to(snap0, "filename"))
    # a leak of one network per cycle would be > 3000 * ~3 KB = 9 MB
    assert py_growth < 256 * 1024, f"Python heap grew by {py_growth} bytes over {n} cycles"
    assert rss1 - rss0 < 8 * 2**20, f"RSS grew by {(rss1 - rss0) / 2**20:.1f} MiB over {n} cycles"


def test_pickle_and_file_cycles_do_not_grow_memory(tmp_path):
    import pickle
    net = glia.Network.from_string("NEWNET S=5 H=200 O=3\nSEED 2\n")
    path = tmp_path / "m.net"
    for _ in range(100):
        pickle.loads(pickle.dumps(net)).save(path)
        glia.Network.from_file(path, verbose=False)
    gc.collect()
    rss0 = rss_bytes()
    for _ in range(400):
        pickle.loads(pickle.dumps(net)).save(path)
        glia.Network.from_file(path, verbose=False)
    gc.collect()
    assert rss_bytes() - rss0 < 8 * 2**20


# ---------------------------------------------------------------- hostile sizes
def _beyond_memory(row_bytes):
    """A row count of at least 10**10 whose rows take more than twice the machine's memory."""
    return max(10**10, 2 * PHYS // row_bytes + 1)


def test_huge_newnet_is_refused():
    with pytest.raises(glia.FormatError, match="at most 10000000"):
        glia.Network.from_string("NEWNET S=1000000000 H=1 O=1\n")
    with pytest.raises(glia.FormatError, match="edges"):
        glia.Network.from_string("NEWNET S=40000 H=40000 O=0\nDENSITY S->H 1\n")
    with pytest.raises(glia.FormatError, match="out of range"):
        glia.Network.from_string("NEWNET S=99999999999999999999999 H=1 O=1\n")


def test_huge_network_constructor_is_refused():
    for kw in ({"num_sensory": 10**9}, {"num_neurons": 10**9}, {"num_sensory": 2**31},
               {"num_sensory": 6_000_000, "num_neurons": 6_000_000}):
        with pytest.raises(ValueError, match="at most|must be in"):
            glia.Network(**kw)
    with pytest.raises(ValueError):
        glia.Network(num_sensory=-1)


def test_huge_sequence_ticks_are_refused(tmp_path):
    p = tmp_path / "big.seq"
    p.write_text("DURATION 10\n1099511627776 S0 1\n")          # 2^40
    with pytest.raises(glia.FormatError, match="big.seq:2:.*tick"):
        glia.InputSequence.from_file(p)
    p.write_text("DURATION 1099511627776\n")
    with pytest.raises(glia.FormatError, match="DURATION"):
        glia.InputSequence.from_file(p)
    s = glia.InputSequence()
    with pytest.raises(ValueError, match="tick"):
        s.add_event(2**40, "S0", 1.0)
    with pytest.raises(ValueError, match="duration"):
        s.duration = 2**40
    assert s.num_events == 0


def test_huge_run_input_is_refused():
    net = glia.Network.from_string(SMALL)
    before = net.to_string(), net.values.tobytes()
    T = _beyond_memory(3 * 4)
    X = np.broadcast_to(np.float64(1.0), (T, 3))               # no memory behind it
    with pytest.raises(ValueError, match=r"inputs.*GiB.*memory"):
        net.run(X)
    Xs = np.lib.stride_tricks.as_strided(np.zeros(3, np.float32), shape=(T, 3), strides=(0, 4))
    with pytest.raises(ValueError, match=r"inputs.*GiB.*memory"):
        net.run(Xs, record="counts")
    # no input but a raster of 10^10 x N steps
    empty = glia.Network(0, 5)
    with pytest.raises(ValueError, match=r"run: recording .*GiB.*memory"):
        empty.run(np.broadcast_to(np.float32(0), (_beyond_memory(5), 0)))
    assert (net.to_string(), net.values.tobytes()) == before


def test_huge_dataset_arrays_are_refused():
    T = _beyond_memory(2 * 4)
    X = np.broadcast_to(np.float64(0.0), (1, T, 2))
    with pytest.raises(ValueError, match=r"X.*GiB.*memory"):
        glia.Dataset.from_arrays(X, [0])
    X = np.broadcast_to(np.float64(0.0), (10**5, 10**5, 2))      # 10^10 elements
    with pytest.raises(ValueError, match=r"X.*GiB.*memory"):
        glia.Dataset.from_arrays(X, np.zeros(10**5, int))


def test_huge_weight_arrays_are_refused():
    net = glia.Network.from_string(SMALL)
    before = net.to_string()
    w = np.broadcast_to(np.float32(1.0), (10**10,))
    with pytest.raises(ValueError, match="weights must have shape"):
        net.set_weights(["S0"], ["O0"], w)
    with pytest.raises(ValueError):
        net.set_edges(np.broadcast_to(np.int32(0), (10**10,)), np.broadcast_to(np.int32(1), (10**10,)), w)
    assert net.to_string() == before


def test_huge_sequence_array_is_refused():
    s = glia.InputSequence()
    s.add_event(2**31 - 1, "S0", 1.0)
    ids = [f"S{k}" for k in range(1 + 2 * PHYS // (4 * 2**31))]
    with pytest.raises(ValueError, match="to_array.*GiB.*memory"):
        s.to_array(ids)


# ---------------------------------------------------------------- fuzzing the input checks
_FUZZ = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

_dtypes = st.sampled_from([np.float32, np.float64, np.float16, np.int8, np.int64, np.uint16,
                           np.bool_, np.complex64, np.dtype("U3"), np.dtype("O")])


@st.composite
def arrays(draw, max_dims=3):
    dtype = np.dtype(draw(_dtypes))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=max_dims, min_side=0, max_side=6))
    if dtype.kind == "O":
        return np.array(draw(st.lists(st.one_of(st.none(), st.floats(), st.text(max_size=2)),
                                      max_size=6)), dtype=object)
    if dtype.kind == "U":
        return draw(hnp.arrays(dtype, shape, elements=st.text(st.characters(exclude_characters="\x00"), max_size=3)))
    arr = draw(hnp.arrays(dtype, shape))
    if draw(st.booleans()) and arr.ndim >= 1 and arr.shape[0] > 1:
        arr = arr[::2]                                       # not contiguous
    return arr


_ALLOWED = (TypeError, ValueError, KeyError)


def _refused_or_done(net, call):
    """``(True, call())``, or ``(False, None)`` when call raises one of _ALLOWED, which
    must leave ``net`` as it was (structure, parameters and state)."""
    before = (net.to_string(), net.values.tobytes())
    try:
        return True, call()
    except _ALLOWED:
        assert (net.to_string(), net.values.tobytes()) == before
        return False, None


def _assert_valid_and_reads_back(net):
    net.validate()
    text = net.to_string()
    assert glia.Network.from_string(text).to_string() == text


@given(X=arrays(), record=st.sampled_from(["raster", "events", "counts", None, "bogus"]),
       trace=st.one_of(st.none(), st.lists(st.sampled_from(["S0", "O1", "H3", "X9", ""]), max_size=3)))
@_FUZZ
def test_fuzz_network_run(X, record, trace):
    net = glia.Network.from_string(SMALL)
    net.inject("S0", 150.0)
    done, out = _refused_or_done(net, lambda: net.run(X, record=record, trace=trace))
    if done:
        T = X.shape[0]
        assert X.ndim == 2 and X.shape[1] == 3 and record in ("raster", "events", "counts", None)
        if record == "raster":
            r = out if trace is None else out[0]
            assert r.shape == (T, net.num_neurons) and r.dtype == np.bool_
    net.validate()
    assert np.isfinite(net.values).all()


@given(X=arrays(max_dims=4), y=arrays(max_dims=2),
       target_ids=st.one_of(st.none(), st.lists(st.sampled_from(["O0", "O1", "H0"]), max_size=3)))
@_FUZZ
def test_fuzz_dataset_from_arrays(X, y, target_ids):
    try:
        ds = glia.Dataset.from_arrays(X, y, target_ids)
    except _ALLOWED:
        return
    assert X.ndim == 3 and len(ds) == X.shape[0]
    for ep in ds:
        assert ep.array.dtype == np.float32 and ep.array.flags.c_contiguous
        assert np.isfinite(ep.array).all()
    net = glia.Network.from_string(SMALL)
    try:
        glia.evaluate_dataset(net, ds, num_threads=2)
    except _ALLOWED:
        pass
    net.validate()


_IDS = st.sampled_from(["S0", "S1", "H0", "O1", "X9", "", "S 0", 5, None, b"H1"])


@given(f=st.lists(_IDS, max_size=5), t=st.lists(_IDS, max_size=5),
       w=st.one_of(arrays(max_dims=2), st.lists(st.one_of(st.floats(), st.integers(-10**40, 10**40),
                                                          st.text(max_size=1)), max_size=5)))
@_FUZZ
def test_fuzz_set_weights(f, t, w):
    net = glia.Network.from_string(SMALL)
    _refused_or_done(net, lambda: net.set_weights(f, t, w))
    assert np.isfinite(net.edge_weights).all()
    _assert_valid_and_reads_back(net)


@given(ids=st.lists(st.text(max_size=4), max_size=4), thr=arrays(max_dims=1), leak=arrays(max_dims=1))
@_FUZZ
def test_fuzz_set_state_and_add_neuron(ids, thr, leak):
    net = glia.Network.from_string(SMALL)
    _refused_or_done(net, lambda: net.set_state(ids, thr, leak))
    for nid in ids:
        _refused_or_done(net, lambda: net.add_neuron(nid, 1.0, 0.5, 0.0))
    _assert_valid_and_reads_back(net)      # every accepted id saves

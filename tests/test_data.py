"""Episodes, data sets and the ready-made tasks."""
import pickle

import numpy as np
import pytest

import glia


def test_from_arrays_reads_in_place_and_maps_labels():
    X = np.zeros((4, 10, 3), np.float32)
    ds = glia.Dataset.from_arrays(X, [0, 1, 2, 1])
    assert len(ds) == 4 and ds.targets == ["O0", "O1", "O2", "O1"]
    assert np.shares_memory(ds[0].array, X)                  # no copy
    ds2 = glia.Dataset.from_arrays(X.astype(np.float64), np.array(["O2", "O0", "O1", "O1"]))
    assert ds2.targets == ["O2", "O0", "O1", "O1"] and ds2[0].array.dtype == np.float32
    ds3 = glia.Dataset.from_arrays(X, [1, 0, 0, 1], target_ids=["Oa", "Ob"])
    assert ds3.targets == ["Ob", "Oa", "Oa", "Ob"]


@pytest.mark.parametrize("X, y, exc, msg", [
    (np.zeros((4, 10)), [0] * 4, ValueError, r"X must have shape \(n_episodes, T, n_sensory\)"),
    (np.zeros((4, 2, 3), np.complex64), [0] * 4, TypeError, "X must have a real numeric dtype"),
    (np.full((1, 2, 3), np.nan), [0], ValueError, "X must be finite"),
    (np.zeros((4, 2, 3)), [0, 1], ValueError, r"y must have shape \(4,\)"),
    (np.zeros((2, 2, 3)), [-1, 0], ValueError, "class indices"),
    (np.zeros((2, 2, 3)), [0.5, 1.5], TypeError, "y must hold"),
])
def test_from_arrays_bad_input(X, y, exc, msg):
    with pytest.raises(exc, match=msg):
        glia.Dataset.from_arrays(X, y)


def test_split_shuffle_slice():
    ds = glia.datasets.three_class(n_per_class=10)
    tr, va = ds.split(0.8, seed=1)
    assert len(tr) == 24 and len(va) == 6
    tr2, _ = ds.split(train_frac=0.8, seed=1)                 # GliaGL's keyword
    assert [id(e) for e in tr2] == [id(e) for e in tr]
    assert isinstance(ds[2:5], glia.Dataset) and len(ds[2:5]) == 3
    before = [id(e) for e in ds]
    ds.shuffle(seed=3)
    assert sorted(before) == sorted(id(e) for e in ds) and before != [id(e) for e in ds]
    with pytest.raises(ValueError):
        ds.split(1.5)
    assert len(pickle.loads(pickle.dumps(ds))) == 30


def test_sequences_and_directories(tmp_path):
    for k in range(3):
        s = glia.InputSequence()
        s.add_event(0, f"S{k}", 200.0)
        s.save(tmp_path / f"class{k}_{k:03d}.seq")
    ds = glia.load_dataset_from_directory(tmp_path)
    assert ds.targets == ["O0", "O1", "O2"]
    ds = glia.load_dataset_from_directory(tmp_path, target_mapping=lambda name: "O9")
    assert set(ds.targets) == {"O9"}
    (tmp_path / "weird.seq").write_text("0 S0 1\n")
    with pytest.raises(ValueError, match="cannot infer the target of 'weird.seq'"):
        glia.load_dataset_from_directory(tmp_path)
    with pytest.raises(KeyError, match="class1_001.seq"):
        glia.load_dataset_from_directory(tmp_path, target_mapping={"class0_000": "O0"})
    with pytest.raises(FileNotFoundError):
        glia.load_dataset_from_directory(tmp_path / "none")
    seq = glia.create_sequence_from_array(np.array([[0, 200.0], [50, 0]]), ["S0", "S1"])
    assert seq.events() == [(0, "S1", 200.0), (1, "S0", 50.0)]
    assert glia.load_sequence_file(tmp_path / "class1_001.seq").events() == [(0, "S1", 200.0)]


def test_three_class_task_statistics():
    ds = glia.datasets.three_class(n_per_class=50, noise=0.1, p_drive=0.5, seed=4)
    X = np.stack([e.array for e in ds])
    y = np.array([int(t[1]) for t in ds.targets])
    rates = (X > 0).mean(axis=1)                              # (n, 3) firing probability
    on = rates[np.arange(len(y)), y]
    assert abs(on.mean() - 0.5) < 0.03
    off = rates.sum(1) - on
    assert abs(off.mean() / 2 - 0.1) < 0.02


def test_digits_encoding_and_fixed_split():
    train, test = glia.datasets.digits(ticks=20, max_rate=0.5)
    train2, test2 = glia.datasets.digits(ticks=20, max_rate=0.5, seed=7)
    assert len(train) + len(test) == 1797 and abs(len(test) - 449) <= 5
    assert train.targets == train2.targets                    # the split never moves
    assert train[0].array.shape == (20, 64)
    from sklearn.datasets import load_digits
    d = load_digits()
    # the empirical rate of a pixel follows its intensity
    X = np.stack([e.array for e in train]) > 0
    assert X.mean() == pytest.approx((d.data / 16 * 0.5).mean(), abs=0.01)
    net = glia.datasets.digits_network()
    assert net.num_sensory == 64 and net.output_ids == [f"O{k}" for k in range(10)]


def test_digits_network_hidden_weights_follow_their_rule():
    # DIGITS_HIDDEN_SPREAD's rule: on digits() a hidden neuron's input per tick has a
    # standard deviation of about its threshold (1), and the layer is not saturated
    a = glia.datasets.DIGITS_HIDDEN_SPREAD
    assert a == pytest.approx(np.sqrt(3 / (64 * 0.3)), rel=0.02)
    train, _ = glia.datasets.digits()
    net = glia.datasets.digits_network(n_hidden=64, seed=3)
    src, dst, w = (np.asarray(x) for x in net.get_weights())
    into_h = np.array([s[0] == "S" and t[0] == "H" for s, t in zip(src, dst)])
    assert into_h.sum() == 64 * 64 and np.abs(w[into_h]).max() <= a
    assert np.abs(w[~into_h] - 0.1).max() <= 0.5
    ids = {n: i for i, n in enumerate(net.neuron_ids)}
    W = np.zeros((64, 64), np.float32)
    W[[ids[s] for s in src[into_h]], [ids[t] - 64 for t in dst[into_h]]] = w[into_h]
    X = np.stack([e.array for e in train[:200]]) > 0
    assert 0.8 < (X.astype(np.float32) @ W).std() < 1.25
    # fewer than a quarter of the hidden neurons of an episode fire at 0.45 per tick or
    # more (with U(-1.5, 1.5): 40%)
    rast = [net.run(e.array, record="raster", reset=True)[:, 64:128] for e in train[:100]]
    assert (np.stack([r.mean(0) for r in rast]) >= 0.45).mean() < 0.25


def test_xor_task():
    ds = glia.datasets.xor(ticks=5)
    assert ds.targets == ["O0", "O1", "O1", "O0"]
    assert ds[3].array.min() == 200 and ds[0].array.max() == 0
    net = glia.datasets.xor_network()
    assert net.sensory_ids == ["S0", "S1"] and net.output_ids == ["O0", "O1"]
    r = net.run(np.zeros((3, 2), np.float32))
    assert r[:, net.neuron_ids.index("B")].all()              # the tonic bias neuron

"""Trainers: learning, determinism across threads, callbacks, Ctrl-C, the GIL, bad input."""
import threading
import time

import numpy as np
import pytest

import glia
from conftest import assert_ctrl_c_stops, assert_python_runs_beside, endless_calls
from glia import datasets as D


def weights_bytes(net):
    return b"".join(a.tobytes() for a in net.edges()) + net.get_state()[2].tobytes() + net.get_state()[3].tobytes()


@pytest.fixture(scope="module")
def cls3():
    data = D.three_class(n_per_class=50, noise=0.12, seed=0)
    return data.split(0.5, seed=0)


def test_xor_reaches_4_of_4():
    x = D.xor()
    net = D.xor_network()
    tr = glia.Trainer(net, glia.create_config(**D.XOR_CONFIG))
    before = tr.evaluate_dataset(x)["correct"]
    tr.train(x, epochs=100, verbose=False)
    r = tr.evaluate_dataset(x)
    assert before < 4 and r["correct"] == 4 and r["accuracy"] == 1.0
    assert r["predictions"].tolist() == ["O0", "O1", "O1", "O0"]


def test_gradient_trainer_three_class(cls3):
    train, val = cls3
    net = D.three_class_network()
    tr = glia.Trainer(net, glia.create_config(**D.THREE_CLASS_GRADIENT_CONFIG))
    assert tr.evaluate_dataset(val)["accuracy"] < 0.8
    h = tr.train(train, epochs=30, verbose=False)
    assert len(h["accuracy"]) == 30 and len(h["loss"]) == 30
    assert h["loss"][-1] < h["loss"][0]
    assert tr.evaluate_dataset(val)["accuracy"] >= 0.95


def test_reward_modulated_trainer_three_class(cls3):
    train, val = cls3
    net = D.three_class_network()
    tr = glia.Trainer(net, glia.create_config(**D.THREE_CLASS_HEBBIAN_CONFIG), method="hebbian")
    assert tr.evaluate_dataset(val)["accuracy"] < 0.8
    tr.train(train, epochs=60, verbose=False, lr_schedule="cosine")
    assert tr.evaluate_dataset(val)["accuracy"] >= 0.90


@pytest.mark.parametrize("trainer", ["gradient", "hebbian"])
def test_bit_identical_for_1_and_2_threads(cls3, trainer):
    train, _ = cls3
    cfg = dict(D.THREE_CLASS_GRADIENT_CONFIG if trainer == "gradient" else D.THREE_CLASS_HEBBIAN_CONFIG)
    cfg.update(batch_size=8, weight_jitter_std=0.05, timing_jitter=2, grow_edges=2, seed=11)
    out = []
    for threads in (1, 2, 2, 1):
        net = D.three_class_network()
        tr = glia.Trainer(net, glia.create_config(**cfg), method=trainer)
        h = tr.train(train, epochs=5, verbose=False, num_threads=threads)
        out.append((weights_bytes(net), h["accuracy"], h["loss"]))
    assert all(o == out[0] for o in out)
    net = D.three_class_network()
    cfg["seed"] = 12
    glia.Trainer(net, glia.create_config(**cfg), method=trainer).train(train, epochs=5, verbose=False)
    assert weights_bytes(net) != out[0][0]


def test_train_fast_equals_train(cls3):
    train, _ = cls3
    nets = [D.three_class_network() for _ in range(2)]
    cfg = glia.create_config(**D.THREE_CLASS_GRADIENT_CONFIG)
    h1 = glia.Trainer(nets[0], cfg).train(train, epochs=4, verbose=False)
    h2 = glia.Trainer(nets[1], cfg).train_fast(train, epochs=4)
    assert h1 == h2 and weights_bytes(nets[0]) == weights_bytes(nets[1])


def test_on_epoch_and_its_exceptions(cls3):
    train, _ = cls3
    net = D.three_class_network()
    tr = glia.Trainer(net, glia.create_config(**D.THREE_CLASS_GRADIENT_CONFIG))
    seen = []
    tr.train(train, epochs=3, verbose=False, on_epoch=lambda e, a, m: seen.append((e, a, m)))
    assert [s[0] for s in seen] == [0, 1, 2]
    assert [s[1] for s in seen] == tr.history["accuracy"]
    snapshot = {}

    def boom(epoch, acc, margin):
        snapshot["w"] = weights_bytes(net)
        raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here"):
        tr.train(train, epochs=5, verbose=False, on_epoch=boom)
    assert weights_bytes(net) == snapshot["w"] and len(tr.history["accuracy"]) == 4
    net.validate()


def test_progress_bar(cls3, capsys):
    train, _ = cls3
    glia.Trainer(D.three_class_network()).train(train, epochs=2, verbose=True)
    err = capsys.readouterr().err
    assert "train" in err and "2/2" in err


def test_evaluate_and_metrics(cls3):
    _, val = cls3
    net = D.three_class_network()
    tr = glia.Trainer(net)
    m = tr.evaluate(val[0])
    assert isinstance(m, glia.EpisodeMetrics) and set(m.rates) == {"O0", "O1", "O2"}
    assert tr.config.decision_window == 0   # the default window runs to the episode's end
    assert m.ticks_run == len(val[0].array) == 70
    tr.config.warmup_ticks, tr.config.decision_window = 5, 20
    assert tr.evaluate(val[0]).ticks_run == 25
    tr.config.warmup_ticks, tr.config.decision_window = 0, 0
    r = tr.evaluate_dataset(val)
    assert r["total"] == r["episodes"] == len(val) and r["predictions"].shape == (len(val),)
    assert r["margins"].dtype == np.float32 and r["rates"].shape == (len(val), 3)
    assert r["correct"] == int((r["predictions"] == np.array(val.targets)).sum())
    # evaluation by sequence gives the same winner as by array
    seq = glia.InputSequence.from_array(val[0].array)
    assert tr.evaluate(seq).winner_id == m.winner_id and tr.evaluate(seq).rates == m.rates
    # module-level helper, thread counts agree
    r1 = glia.evaluate_dataset(net, val, num_threads=1)
    r2 = glia.evaluate_dataset(net, val, num_threads=2)
    assert np.array_equal(r1["margins"], r2["margins"]) and r1["correct"] == r2["correct"]


def test_unknown_target_is_keyerror_before_any_work(cls3):
    train, _ = cls3
    net = D.three_class_network()
    before = weights_bytes(net)
    bad = train[:5] + glia.Dataset([glia.EpisodeData(None, "O7", array=train[0].array)])
    with pytest.raises(KeyError, match="O7"):
        glia.Trainer(net).train(bad, epochs=1, verbose=False)
    assert weights_bytes(net) == before
    with pytest.raises(ValueError, match="empty"):
        glia.Trainer(net).train(glia.Dataset(), epochs=1, verbose=False)
    wrong = glia.Dataset.from_arrays(np.zeros((2, 5, 4), np.float32), [0, 1])
    with pytest.raises(ValueError, match=r"shape \(T, 3\)"):
        glia.Trainer(net).train(wrong, epochs=1, verbose=False)
    with pytest.raises(ValueError, match="lr"):
        glia.Trainer(net, glia.create_config(lr=-1.0))
    with pytest.raises(TypeError, match="valid names"):
        glia.create_config(learning_rate=0.1)
    with pytest.raises(ValueError, match="lr_schedule"):
        glia.Trainer(net).train(train, epochs=1, verbose=False, lr_schedule="linear")
    assert weights_bytes(net) == before


def test_network_without_outputs_uses_targets():
    net = glia.Network.from_string("""
        NEURON S0 100 1 0
        NEURON S1 100 1 0
        NEURON A 1 0.5 0
        NEURON B 1 0.5 0
        CONNECTION S0 A 2
        CONNECTION S1 B 2
    """)
    X = np.zeros((4, 30, 2), np.float32)
    X[0::2, :, 0] = 200
    X[1::2, :, 1] = 200
    ds = glia.Dataset.from_arrays(X, np.array(["A", "B", "A", "B"]))
    tr = glia.Trainer(net)
    assert tr.evaluate_dataset(ds)["accuracy"] == 1.0 and tr.output_ids == ["A", "B"]
    bad = glia.Dataset.from_arrays(X, np.array(["A", "B", "A", "Z"]))
    with pytest.raises(KeyError, match="Z"):
        glia.Trainer(net.copy()).train(bad, epochs=1, verbose=False)


def test_revert_checkpoint(cls3):
    train, _ = cls3
    net = D.three_class_network()
    tr = glia.Trainer(net, glia.create_config(**D.THREE_CLASS_GRADIENT_CONFIG))
    tr.train(train, epochs=2, verbose=False)
    after_two = weights_bytes(net)
    tr.train(train, epochs=1, verbose=False)
    assert weights_bytes(net) != after_two
    assert tr.revert_checkpoint() is True
    assert weights_bytes(net) == after_two


def _long_training():
    train, _ = D.digits(ticks=20)
    net = D.digits_network()
    return glia.Trainer(net, glia.create_config(optimizer="adam", lr=0.01)), train, net


@pytest.mark.parametrize("call", ["train", "train_fast", "evaluate_dataset"])
def test_ctrl_c_stops_training_quickly(call):
    tr, train, net = _long_training()
    assert_ctrl_c_stops(endless_calls(tr, train)[call])
    net.validate()
    assert all(np.isfinite(a).all() for a in net.get_state()[1:])
    tr.train(train[:10], epochs=1, verbose=False)      # the next call works


def test_training_releases_the_gil():
    tr, train, net = _long_training()
    assert_python_runs_beside(lambda n: tr.train_fast(train, epochs=n, num_threads=1))


def test_network_is_busy_while_training():
    tr, train, net = _long_training()
    errors = []

    def poke():
        time.sleep(0.1)
        try:
            net.step()
        except RuntimeError as e:
            errors.append(str(e))

    t = threading.Thread(target=poke)
    t.start()
    tr.train_fast(train, epochs=10)
    t.join()
    assert errors and "in use" in errors[0]
    net.validate()


def test_digits_reach_92_percent():
    train, test = D.digits()
    net = D.digits_network()
    tr = glia.Trainer(net, glia.create_config(**D.DIGITS_CONFIG))
    tr.train(train, epochs=30, verbose=False)
    assert tr.evaluate_dataset(test)["accuracy"] >= 0.92


def test_resolved_episodes_follow_changes(cls3):
    _, val = cls3
    tr = glia.Trainer(D.three_class_network())
    a = tr.evaluate_dataset(val)["predictions"].tolist()
    assert tr.evaluate_dataset(val)["predictions"].tolist() == a       # reused
    # replacing an episode's input, or its target, is seen by the next call
    ep = val[0]
    old = ep.array
    ep.array = np.zeros_like(old)
    r = tr.evaluate_dataset(val)
    quiet = tr.evaluate(glia.EpisodeData(None, "O0", array=np.zeros_like(old)))
    assert r["rates"][0].tolist() == list(quiet.rates.values())
    ep.array = old
    assert tr.evaluate_dataset(val)["predictions"].tolist() == a
    seq = glia.InputSequence.from_array(old)
    ds = glia.Dataset([glia.EpisodeData(seq, "O0")])
    before = tr.evaluate_dataset(ds)["rates"][0].tolist()
    for t in range(70):
        seq.add_event(t, "S0", 200.0)
        seq.add_event(t, "S1", 200.0)
        seq.add_event(t, "S2", 200.0)
    assert tr.evaluate_dataset(ds)["rates"][0].tolist() != before


def test_cached_evaluation_follows_targets_config_and_network_reloads(cls3, tmp_path):
    train, val = cls3
    net = D.three_class_network()
    tr = glia.Trainer(net, glia.create_config(**D.THREE_CLASS_GRADIENT_CONFIG))
    tr.train_fast(train, epochs=20)
    r = tr.evaluate_dataset(val)
    assert r["correct"] > 0
    # a target changed in place is seen: the episode's correctness flips
    ep = val[0]
    keep = ep.target_id
    hit = r["predictions"][0] == keep
    ep.target_id = next(o for o in ("O0", "O1", "O2") if o != keep and o != r["predictions"][0])
    assert tr.evaluate_dataset(val)["correct"] == r["correct"] - int(hit)
    ep.target_id = keep
    assert tr.evaluate_dataset(val)["correct"] == r["correct"]
    # a config field changed by attribute is pushed; setting it back restores the result
    warmup = tr.config.warmup_ticks
    tr.config.warmup_ticks = 30
    sharp = tr.evaluate_dataset(val)["rates"]
    fresh = glia.Trainer(net, tr.config.copy()).evaluate_dataset(val)["rates"]
    assert np.array_equal(sharp, fresh) and not np.array_equal(sharp, r["rates"])
    tr.config = tr.config.copy()       # an equal config through the setter, then back
    tr.config.warmup_ticks = warmup
    assert np.array_equal(tr.evaluate_dataset(val)["rates"], r["rates"])
    # reloading a network of the same size whose neurons are in another order: the cached
    # episodes and output indices must follow the new layout
    text = net.to_string()
    lines = text.splitlines()
    outs = [ln for ln in lines if ln.startswith("NEURON O")]
    others = [ln for ln in lines if ln not in outs]
    first_conn = next(k for k, ln in enumerate(others) if ln.startswith("CONNECTION"))
    permuted = "\n".join(others[:first_conn] + outs[::-1] + others[first_conn:]) + "\n"
    path = tmp_path / "permuted.net"
    path.write_text(permuted)
    assert glia.Network.from_file(str(path), verbose=False).neuron_ids != net.neuron_ids
    net.load(str(path), verbose=False)
    fresh = glia.Trainer(glia.Network.from_file(str(path), verbose=False), tr.config.copy())
    expect = fresh.evaluate_dataset(val)
    got = tr.evaluate_dataset(val)
    assert got["predictions"].tolist() == expect["predictions"].tolist()
    # the rates' columns follow each trainer's outputs order (tr keeps its first one)
    cols = [fresh.output_ids.index(o) for o in tr.output_ids]
    assert tr.output_ids != fresh.output_ids
    assert np.array_equal(got["rates"], expect["rates"][:, cols])
    assert got["correct"] == r["correct"]


def test_sequence_changes_are_seen_by_cached_evaluation():
    net = D.three_class_network()
    tr = glia.Trainer(net)
    seq = glia.InputSequence()
    ds = glia.Dataset([glia.EpisodeData(seq, "O0")])
    quiet = tr.evaluate_dataset(ds)["rates"][0].tolist()
    v = seq.version
    seq.loop = False
    seq.duration = 70
    assert seq.version > v
    for t in range(70):
        seq.add_event(t, "S1", 200.0)
    loud = tr.evaluate_dataset(ds)["rates"][0].tolist()
    assert loud != quiet
    seq.clear()
    assert tr.evaluate_dataset(ds)["rates"][0].tolist() == quiet


def test_thread_count_is_n_threads_and_num_threads_is_its_alias():
    import inspect
    from glia.evolution import Evolution, score_population
    calls = [glia.Trainer.train, glia.Trainer.train_fast, glia.Trainer.train_batch,
             glia.Trainer.evaluate, glia.Trainer.evaluate_dataset, glia.SurrogateTrainer.gradients,
             glia.evaluate_dataset, score_population, Evolution.run]
    for f in calls:
        params = inspect.signature(f).parameters
        assert "n_threads" in params and "num_threads" not in params, f.__qualname__
    data = glia.datasets.three_class(n_per_class=4)
    runs = {}
    for spelling in ("n_threads", "num_threads"):
        net = glia.datasets.three_class_network()
        tr = glia.Trainer(net, glia.create_config(batch_size=4))
        tr.train(data, 2, verbose=False, **{spelling: 2})
        r = tr.evaluate_dataset(data, **{spelling: 1})
        s = glia.score_population([net], data, **{spelling: 1})
        runs[spelling] = (net.edge_weights.tobytes(), r["accuracy"], s.accuracy.tolist())
    assert runs["n_threads"] == runs["num_threads"]
    with pytest.raises(TypeError, match="both n_threads and num_threads"):
        tr.evaluate_dataset(data, n_threads=1, num_threads=1)
    with pytest.raises(TypeError, match="n_threads must be an int or None"):
        tr.evaluate_dataset(data, num_threads="2")

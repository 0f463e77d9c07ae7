"""GliaGL parity, row by row: every row of docs/gliagl.md is exercised here (the test fails
if a row has no check or a check no row), and a GliaGL-style script runs unchanged."""
import inspect
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import glia

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "gliagl.md"

TRAINING_FIELDS = (
    "warmup_ticks decision_window lr batch_size shuffle weight_decay weight_clip elig_lambda "
    "elig_post_use_rate reward_mode reward_pos reward_neg reward_gain reward_min reward_max "
    "margin_delta no_update_if_satisfied use_advantage_baseline baseline_beta update_gating "
    "eta_theta eta_leak r_target rate_alpha prune_epsilon prune_patience grow_edges init_weight "
    "usage_boost_gain inactive_rate_threshold inactive_rate_patience prune_inactive_max "
    "prune_inactive_out prune_inactive_in verbose log_every seed weight_jitter_std "
    "checkpoints_enable ckpt_l0 ckpt_l1 ckpt_l2 revert_enable revert_metric revert_window "
    "revert_drop grad detector").split()
EVOLUTION_FIELDS = ("population generations elite parents_pool train_epochs sigma_w sigma_thr "
                    "sigma_leak w_acc w_margin w_sparsity seed lamarckian lineage_json").split()


def doc_rows():
    """The first cell of every row of the audit table."""
    return [line.split("|")[1].strip() for line in DOC.read_text().splitlines()
            if line.startswith("| `")]


def params(f):
    return list(inspect.signature(f).parameters)


def has_args(f, *names):
    p = params(f)
    missing = [n for n in names if n not in p]
    assert not missing, (f, missing, p)


@pytest.fixture(scope="module")
def xor():
    net = glia.datasets.xor_network()
    return net, glia.datasets.xor()


def _net():
    net = glia.Network(2, 2)
    net.set_weights(["S0", "S1", "N0"], ["N0", "N1", "N1"], [60.0, 30.0, 5.0])
    return net


def _seq():
    s = glia.InputSequence()
    s.add_timestep({"S0": 100.0})
    s.add_timestep({"S1": 50.0})
    return s


def check_state():
    net = _net()
    net.inject("S0", 150.0)
    net.step(2)
    s = net.state
    ids, values, thr, leaks = net.get_state()
    assert set(s) == {"ids", "values", "thresholds", "leaks"} and s["ids"] == ids
    for k, v in (("values", values), ("thresholds", thr), ("leaks", leaks)):
        assert isinstance(s[k], np.ndarray) and s[k].dtype == np.float32 and np.array_equal(s[k], v)
    assert np.array_equal(net.values, values)


def check_weights():
    net = _net()
    w = net.weights
    assert set(w) == {"from", "to", "values"}
    assert w["from"] == ["S0", "S1", "N0"] and w["to"] == ["N0", "N1", "N1"]
    assert isinstance(w["values"], np.ndarray) and w["values"].tolist() == [60.0, 30.0, 5.0]
    assert net.edge_weights.tolist() == [60.0, 30.0, 5.0]


def check_neuron_getters():
    n = _net().get_neuron("N0")
    assert n.get_id() == "N0" and n.get_value() == n.value == 0.0
    assert n.get_threshold() == n.threshold and n.get_leak() == n.leak and n.get_resting() == n.resting


def check_neuron_setters():
    net = _net()
    n = net.get_neuron("N0")
    n.set_threshold(12.5)
    n.set_leak(0.5)
    n.set_resting(1.0)
    assert net.state["thresholds"][2] == 12.5 and net.state["leaks"][2] == 0.5
    assert net.get_neuron("N0").resting == 1.0
    with pytest.raises(ValueError):
        n.set_leak(2.0)


def check_did_fire():
    net = _net()
    net.inject("S0", 150.0)
    net.step(2)                      # S0 fires in step 1, N0 (60 > 50) in step 2
    assert net.get_neuron("N0").did_fire() and not net.get_neuron("N1").did_fire()


def check_playback():
    s = _seq()
    s.reset()
    assert s.get_current_inputs() == {"S0": 100.0}
    s.advance()
    assert s.get_current_inputs() == {"S1": 50.0}
    s.advance()
    assert s.get_current_inputs() == {}
    s.loop = True
    s.reset()
    s.advance()
    s.advance()                      # past the last event's tick: back to 0
    assert s.get_current_inputs() == {"S0": 100.0}


def check_add_timestep():
    s = _seq()
    ticks, ids, values = s.get_events()
    assert ticks.tolist() == [0, 1] and ids == ["S0", "S1"] and values.tolist() == [100.0, 50.0]


def check_load_from_file(tmp_path):
    p = tmp_path / "a.seq"
    _seq().save(p)
    s = glia.InputSequence()
    s.load_from_file(str(p))
    assert s.get_events()[1] == ["S0", "S1"]
    assert glia.load_sequence_file(str(p)).get_events()[1] == ["S0", "S1"]


def check_dataset_ops(xor):
    _, data = xor
    d = glia.Dataset(list(data))
    assert len(d) == len(data) and isinstance(d[0], glia.EpisodeData)
    assert isinstance(d[1:3], glia.Dataset) and len(d[1:3]) == 2
    a, b = d.split(0.5, True, 0)
    assert len(a) + len(b) == len(d)
    sh = d.shuffle(1)
    assert isinstance(sh, glia.Dataset) and sorted(e.target_id for e in sh) == sorted(e.target_id for e in d)


def check_from_sequences():
    d = glia.Dataset.from_sequences([_seq(), _seq()], ["N0", "N1"])
    assert [e.target_id for e in d] == ["N0", "N1"] and isinstance(d[0].seq, glia.InputSequence)


def check_from_files(tmp_path):
    paths = []
    for k in range(2):
        p = tmp_path / f"N{k}.seq"
        _seq().save(p)
        paths.append(str(p))
    d = glia.Dataset.from_files(paths, ["N0", "N1"])
    assert [e.target_id for e in d] == ["N0", "N1"]
    has_args(glia.Dataset.from_files, "paths", "targets")


def check_from_directory(tmp_path):
    for k in range(2):
        _seq().save(tmp_path / f"N{k}.seq")
    d = glia.load_dataset_from_directory(str(tmp_path), "*.seq", {"N0.seq": "N0", "N1.seq": "N1"})
    assert sorted(e.target_id for e in d) == ["N0", "N1"]
    has_args(glia.load_dataset_from_directory, "directory", "pattern", "target_mapping")


def check_from_array():
    s = glia.create_sequence_from_array(np.array([[1.0, 0.0], [0.0, 2.0]]), ["S0", "S1"])
    assert s.get_events()[1] == ["S0", "S1"]
    has_args(glia.create_sequence_from_array, "array", "neuron_ids")


def check_create_config():
    has_args(glia.create_config, "lr", "batch_size", "warmup_ticks", "decision_window",
             "optimizer", "adam_beta1", "adam_beta2", "adam_eps")
    c = glia.create_config(0.02, 4, 5, 10, "adam", 0.8, 0.99, 1e-6, seed=3)
    assert (c.lr, c.batch_size, c.warmup_ticks, c.decision_window) == (0.02, 4, 5, 10)
    assert (c.grad.optimizer, c.grad.adam_beta1, c.grad.adam_beta2, c.seed) == ("adam", 0.8, 0.99, 3)
    assert glia.create_config().lr != 0.01          # the defaults that learn
    with pytest.raises(TypeError):
        glia.create_config(bogus=1)


def check_create_evo_config():
    c = glia.create_evo_config(6, 3, 1, 2, seed=5)
    assert (c.population, c.generations, c.elite, c.train_epochs, c.seed) == (6, 3, 1, 2, 5)
    with pytest.raises(TypeError):
        glia.create_evo_config(bogus=1)


def check_fields(cls, names):
    obj = cls()
    missing = [n for n in names if not hasattr(obj, n)]
    assert not missing, (cls, missing)


def check_trainer(xor):
    net, data = xor
    tr = glia.Trainer(net.copy(), glia.create_config(**glia.datasets.XOR_CONFIG), True)
    has_args(glia.Trainer.__init__, "net", "config", "use_gradient")
    tr.set_seed(1)
    tr.reseed(1)
    seen = []
    h = tr.train(data, 3, None, lambda e, a, m: seen.append(e), False, None)
    assert seen == [0, 1, 2] and len(h["accuracy"]) == 3
    tr.train_fast(data, 2)
    assert len(tr.history["accuracy"]) == 5 and len(tr.history["margin"]) == 5
    m = tr.evaluate(data[0].seq if data[0].seq is not None else data[0])
    assert isinstance(m, glia.EpisodeMetrics) and set(m.rates) == set(net.output_ids)
    r = tr.evaluate_dataset(data)
    assert r["total"] == len(data) and r["episodes"] == len(data)
    assert r["correct"] == round(r["accuracy"] * len(data))
    b = tr.train_batch(data[:2])
    assert b["total"] == 2 and {"accuracy", "margin", "loss", "correct"} <= set(b)
    tr.config = glia.create_config(lr=0.2)
    assert tr.config.lr == 0.2
    assert tr.revert_checkpoint() in (True, False)


def check_rate_gd(xor):
    net, data = xor
    tr = glia.RateGDTrainer(net.copy(), glia.create_config(**glia.datasets.XOR_CONFIG))
    tr.reseed(2)
    tr.train_epoch(data, 2, None)
    assert tr.get_epoch_acc_history() == tr.history["accuracy"] and len(tr.get_epoch_acc_history()) == 2
    assert tr.get_epoch_margin_history() == tr.history["margin"]


@pytest.fixture(scope="module")
def evolution(xor, tmp_path_factory):
    net, data = xor
    path = tmp_path_factory.mktemp("evo") / "xor.net"
    net.save(path)
    evo = glia.Evolution(str(path), data, data, glia.create_config(**glia.datasets.XOR_CONFIG),
                         glia.create_evo_config(population=3, generations=2, elite=1, train_epochs=1))
    gens = []
    result = evo.run(on_generation=lambda g, genome, m: gens.append(g), verbose=False)
    return path, evo, result, gens


def check_evolution(evolution):
    path, evo, result, gens = evolution
    assert gens == [0, 1] and evo.config.population == 3
    assert len(result.best_fitness_hist) == len(result.best_acc_hist) == len(result.best_margin_hist) == 2
    assert isinstance(result.best_genome, glia.Network)
    g = glia.Evolution.load_best_genome(str(path), result)
    assert g.weights["values"].tolist() == result.best_genome.weights["values"].tolist()


def check_snapshot(evolution):
    path, _, result, _ = evolution
    snap = glia.NetworkSnapshot.from_network(result.best_genome)
    assert [n.id for n in snap.neurons] == result.best_genome.neuron_ids
    assert [getattr(e, "from") for e in snap.edges] == result.best_genome.weights["from"]
    assert all(isinstance(n, glia.NeuronRecord) for n in snap.neurons)
    assert all(isinstance(e, glia.EdgeRecord) for e in snap.edges)
    g = glia.Evolution.load_best_genome(str(path), snap)
    assert g.to_string() == result.best_genome.to_string()


def check_plot_history(evolution, tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    _, evo, _, _ = evolution
    fig = evo.plot_history(show=False, save_path=tmp_path / "h.png")
    assert fig is not None and (tmp_path / "h.png").exists()


def check_plot_evolution_result(evolution, tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    _, _, result, _ = evolution
    assert glia.plot_evolution_result(result, tmp_path / "r.png") is not None


def check_viz(name, args, tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    f = getattr(glia.viz, name)
    has_args(f, *args)
    target = {"history": {"accuracy": [0.1, 0.5], "margin": [0.0, 0.2], "loss": [1.0, 0.5]}}
    first = target.get(args[0], _net())
    assert f(first, save_path=tmp_path / f"{name}.png") is not None


def check_info(capsys):
    glia.info()
    out = capsys.readouterr().out
    assert glia.__version__ in out and "C++ core available: True" in out


def check_adjacency():
    net = _net()
    d = net.to_adjacency_matrix(dense=True)
    assert d.dtype == np.float32 and d[0, 2] == 60.0 and d[2, 3] == 5.0
    sp = net.to_adjacency_matrix()
    assert np.array_equal(sp.toarray(), d)


def check_network_io(tmp_path):
    net = _net()
    p = tmp_path / "n.net"
    net.save(str(p))
    assert glia.Network.from_file(str(p), False).to_string() == net.to_string()


def check_step_inject():
    net = _net()
    net.inject_dict({"S0": 150.0})
    net.step(n_steps=2)
    assert net.get_firing_neurons() == ["N0"]
    net.inject_array(np.array([0.0, 150.0]))
    net.step(1)
    assert net.get_firing_neurons() == ["S1"]
    net.reset()
    assert net.state["values"].tolist() == [0.0] * 4


def check_state_io():
    net = _net()
    ids, _, thr, leaks = net.get_state()
    net.set_state(ids, thr + 1, leaks)
    assert net.state["thresholds"].tolist() == (thr + 1).tolist()
    f, t, w = net.get_weights()
    net.set_weights(f + ["N1"], t + ["N0"], np.append(w, 2.0))     # creates the new edge
    assert net.num_connections == 4


CHECKS = {
    "glia.__version__": lambda **k: isinstance(glia.__version__, str),
    "glia.info()": lambda capsys, **k: check_info(capsys),
    "glia.Network(num_sensory, num_neurons)": lambda **k: (
        glia.Network(num_sensory=2, num_neurons=3).neuron_ids == ["S0", "S1", "N0", "N1", "N2"]
        and glia.Network().num_neurons == 0) or pytest.fail("Network()"),
    "Network.from_file(filepath, verbose)": lambda tmp_path, **k: check_network_io(tmp_path),
    "Network.save(filepath)": lambda tmp_path, **k: check_network_io(tmp_path),
    "Network.step(n_steps)": lambda **k: check_step_inject(),
    "Network.inject(neuron_id, amount)": lambda **k: check_step_inject(),
    "Network.inject_dict(inputs)": lambda **k: check_step_inject(),
    "Network.inject_array(values)": lambda **k: check_step_inject(),
    "Network.reset()": lambda **k: check_step_inject(),
    "Network.get_state()": lambda **k: check_state(),
    "Network.set_state(neuron_ids, thresholds, leaks)": lambda **k: check_state_io(),
    "Network.get_weights()": lambda **k: check_weights(),
    "Network.set_weights(from_ids, to_ids, weights)": lambda **k: check_state_io(),
    "Network.state": lambda **k: check_state(),
    "Network.weights": lambda **k: check_weights(),
    "Network.sensory_ids": lambda **k: _net().sensory_ids == ["S0", "S1"] or pytest.fail(),
    "Network.neuron_ids": lambda **k: _net().neuron_ids == ["S0", "S1", "N0", "N1"] or pytest.fail(),
    "Network.num_neurons": lambda **k: _net().num_neurons == 4 or pytest.fail(),
    "Network.num_connections": lambda **k: _net().num_connections == 3 or pytest.fail(),
    "Network.get_neuron(neuron_id)": lambda **k: check_neuron_getters(),
    "Network.get_firing_neurons()": lambda **k: check_step_inject(),
    "Network.to_adjacency_matrix(dense)": lambda **k: check_adjacency(),
    "Neuron.get_id() / get_value() / get_threshold() / get_leak() / get_resting()":
        lambda **k: check_neuron_getters(),
    "Neuron.set_threshold() / set_leak() / set_resting()": lambda **k: check_neuron_setters(),
    "Neuron.did_fire()": lambda **k: check_did_fire(),
    "glia.InputSequence()": lambda **k: check_add_timestep(),
    "InputSequence.reset() / advance() / get_current_inputs()": lambda **k: check_playback(),
    "InputSequence.load_from_file(filepath)": lambda tmp_path, **k: check_load_from_file(tmp_path),
    "InputSequence.add_timestep(inputs)": lambda **k: check_add_timestep(),
    "glia.Dataset(episodes)": lambda xor, **k: check_dataset_ops(xor),
    "Dataset.from_sequences(sequences, targets)": lambda **k: check_from_sequences(),
    "Dataset.from_files(seq_files, targets)": lambda tmp_path, **k: check_from_files(tmp_path),
    "Dataset.split(train_fraction, shuffle, seed)": lambda xor, **k: check_dataset_ops(xor),
    "Dataset.shuffle(seed)": lambda xor, **k: check_dataset_ops(xor),
    "len(Dataset)": lambda xor, **k: check_dataset_ops(xor),
    "glia.load_sequence_file(filepath)": lambda tmp_path, **k: check_load_from_file(tmp_path),
    "glia.create_sequence_from_array(inputs, neuron_ids)": lambda **k: check_from_array(),
    "glia.load_dataset_from_directory(directory, pattern, target_mapping)":
        lambda tmp_path, **k: check_from_directory(tmp_path),
    "glia.create_config(lr, batch_size, warmup_ticks, decision_window, optimizer, adam_beta1, "
    "adam_beta2, adam_eps, **kwargs)": lambda **k: check_create_config(),
    "glia.create_evo_config(population, generations, elite, train_epochs, **kwargs)":
        lambda **k: check_create_evo_config(),
    "TrainingConfig": lambda **k: (check_fields(glia.TrainingConfig, TRAINING_FIELDS),
                                   len(TRAINING_FIELDS) == 48 or pytest.fail()),
    "GradConfig": lambda **k: check_fields(glia.GradConfig, "loss temperature optimizer momentum "
                                           "adam_beta1 adam_beta2 adam_eps clip_grad_norm".split()),
    "OutputDetectorConfig": lambda **k: check_fields(glia.OutputDetectorConfig,
                                                     ["type", "alpha", "threshold", "default_id"]),
    "EpisodeData": lambda xor, **k: all(hasattr(xor[1][0], a) for a in ("seq", "target_id")) or pytest.fail(),
    "EpisodeMetrics": lambda **k: check_fields(glia.EpisodeMetrics,
                                               ["winner_id", "margin", "rates", "ticks_run"]),
    "glia.Trainer(network, config, use_gradient)": lambda xor, **k: check_trainer(xor),
    "Trainer.set_seed(seed)": lambda xor, **k: check_trainer(xor),
    "Trainer.evaluate(sequence, config)": lambda xor, **k: check_trainer(xor),
    "Trainer.train_batch(batch, config)": lambda xor, **k: check_trainer(xor),
    "Trainer.train(dataset, epochs, config, on_epoch, verbose, lr_schedule)": lambda xor, **k: check_trainer(xor),
    "Trainer.train_fast(dataset, epochs, config)": lambda xor, **k: check_trainer(xor),
    "Trainer.evaluate_dataset(dataset, config)": lambda xor, **k: check_trainer(xor),
    "Trainer.revert_checkpoint()": lambda xor, **k: check_trainer(xor),
    "Trainer.history": lambda xor, **k: check_trainer(xor),
    "Trainer.config": lambda xor, **k: check_trainer(xor),
    "glia.RateGDTrainer(network)": lambda xor, **k: check_rate_gd(xor),
    "RateGDTrainer.reseed(seed)": lambda xor, **k: check_rate_gd(xor),
    "RateGDTrainer.train_epoch(dataset, epochs, config)": lambda xor, **k: check_rate_gd(xor),
    "RateGDTrainer.get_epoch_acc_history() / get_epoch_margin_history()": lambda xor, **k: check_rate_gd(xor),
    "glia.Evolution(network_path, train_data, val_data, train_config, evo_config)":
        lambda evolution, **k: check_evolution(evolution),
    "Evolution.run(on_generation, verbose)": lambda evolution, **k: check_evolution(evolution),
    "Evolution.load_best_genome(network_path, result)": lambda evolution, **k: check_evolution(evolution),
    "Evolution.plot_history(show, save_path)": lambda evolution, tmp_path, **k: check_plot_history(evolution, tmp_path),
    "Evolution.config": lambda evolution, **k: check_evolution(evolution),
    "EvolutionConfig": lambda **k: check_fields(glia.EvolutionConfig, EVOLUTION_FIELDS),
    "EvoMetrics": lambda **k: check_fields(glia.EvoMetrics, ["fitness", "acc", "margin", "edges"]),
    "EvolutionResult": lambda evolution, **k: check_evolution(evolution),
    "NetworkSnapshot": lambda evolution, **k: check_snapshot(evolution),
    "glia.plot_evolution_result(result, save_path)":
        lambda evolution, tmp_path, **k: check_plot_evolution_result(evolution, tmp_path),
    "glia.viz.plot_network_graph(network, layout, node_size, show_weights, save_path)":
        lambda tmp_path, **k: check_viz("plot_network_graph", ["network", "layout", "node_size", "show_weights", "save_path"], tmp_path),
    "glia.viz.plot_weight_distribution(network, bins, save_path)":
        lambda tmp_path, **k: check_viz("plot_weight_distribution", ["network", "bins", "save_path"], tmp_path),
    "glia.viz.plot_training_history(history, save_path)":
        lambda tmp_path, **k: check_viz("plot_training_history", ["history", "save_path"], tmp_path),
    "glia.viz.plot_neuron_activity(network, simulation_steps, input_pattern, neuron_ids, save_path)":
        lambda tmp_path, **k: check_viz("plot_neuron_activity", ["network", "simulation_steps", "input_pattern", "neuron_ids", "save_path"], tmp_path),
}


def row_key(cell):
    """The check's key of a table row: the first backquoted name of its first cell."""
    return re.match(r"`([^`]*)`", cell).group(1).split(" fields")[0]


def test_every_row_has_a_check_and_every_check_a_row():
    keys = [row_key(c) for c in doc_rows()]
    assert len(keys) == len(set(keys))
    assert sorted(keys) == sorted(CHECKS)


@pytest.mark.parametrize("key", sorted(CHECKS))
def test_row(key, request, tmp_path, capsys):
    kwargs = {"tmp_path": tmp_path, "capsys": capsys}
    used = CHECKS[key].__code__.co_varnames
    for name in ("xor", "evolution"):
        if name in used:
            kwargs[name] = request.getfixturevalue(name)
    CHECKS[key](**kwargs)


def test_gliagl_style_script_runs_unchanged(xor, tmp_path):
    net, data = xor
    net.save(tmp_path / "xor.net")
    for k, ep in enumerate(data):
        seq = ep.seq if ep.seq is not None else glia.InputSequence.from_array(ep.array, net.sensory_ids)
        seq.save(tmp_path / f"{ep.target_id}_{k}.seq")
    script = ROOT / "tests" / "gliagl_style_script.py"
    r = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True,
                       timeout=300, env={"PYTHONPATH": str(Path(glia.__file__).resolve().parent.parent),
                                         "MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stdout + r.stderr
    assert "GLIAGL-STYLE SCRIPT OK" in r.stdout


def test_create_config_signature_defaults_are_the_field_table_defaults():
    # the signature is the one place create_config's defaults are written: each is the
    # TrainingConfig default of the field it sets, so create_config() == TrainingConfig()
    cfg = glia.TrainingConfig()
    for name, p in inspect.signature(glia.create_config).parameters.items():
        if p.kind is inspect.Parameter.VAR_KEYWORD:
            continue
        owner = cfg.grad if name in ("optimizer", "adam_beta1", "adam_beta2", "adam_eps") else cfg
        assert p.default == getattr(owner, name), name
    assert glia.create_config() == cfg
    # a parameter at its default gives way to the same field named through **kwargs
    assert glia.create_config(grad={"optimizer": "adam"}).grad.optimizer == "adam"

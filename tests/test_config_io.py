"""Tests of glia.config: dict/JSON conversion, GliaGL's file layouts, copies, pickling,
repr and documentation."""

import copy
import doctest
import json
import pickle

import pytest

import glia.config as config_module
from glia.config import (EvolutionConfig, GradConfig, OutputDetectorConfig, TrainingConfig,
                         create_config, create_evo_config)


# ---------------------------------------------------------------------------
# Conversion: dict, JSON, copy, pickle
# ---------------------------------------------------------------------------

def _custom_training_config():
    return create_config(lr=0.0123, batch_size=7, optimizer="adamw", temperature=0.7,
                         default_id="O3", seed=2**40 + 1, reward_mode="margin_linear",
                         allow_feedback_to_outputs=True, weight_decay=1e-7)


def test_to_dict_is_nested_and_plain():
    d = _custom_training_config().to_dict()
    assert isinstance(d["grad"], dict) and d["grad"]["optimizer"] == "adamw"
    assert isinstance(d["detector"], dict) and d["detector"]["default_id"] == "O3"
    assert d["topology"]["allow_feedback_to_outputs"] is True
    assert json.loads(json.dumps(d)) == d


def test_dict_and_json_round_trips_are_exact(tmp_path):
    cfg = _custom_training_config()
    assert TrainingConfig.from_dict(cfg.to_dict()) == cfg
    assert TrainingConfig.from_json(cfg.to_json()) == cfg
    path = tmp_path / "train.json"
    assert cfg.to_json(path) is None
    assert TrainingConfig.from_json(path) == cfg
    assert TrainingConfig.from_json(str(path)) == cfg
    assert not [p for p in tmp_path.iterdir() if p.name != "train.json"]  # no temp file left
    evo = create_evo_config(population=12, sigma_thr=0.25, lineage_json="x/l.json",
                            lamarckian=False, seed=99)
    assert EvolutionConfig.from_json(evo.to_json()) == evo
    evo.to_json(tmp_path / "evo.json")
    assert EvolutionConfig.from_json(tmp_path / "evo.json") == evo
    assert EvolutionConfig.from_dict(evo.to_dict()) == evo


def test_from_dict_partial_and_flat_nested_names():
    cfg = TrainingConfig.from_dict({"lr": 0.5, "grad": {"optimizer": "adam"}, "alpha": 0.3})
    assert cfg.lr == 0.5 and cfg.grad.optimizer == "adam" and cfg.detector.alpha == 0.3
    assert cfg.grad.temperature == 0.2 and cfg.batch_size == 1


def test_from_dict_unknown_keys_raise_naming_them():
    with pytest.raises(ValueError, match="'bogus'"):
        TrainingConfig.from_dict({"lr": 0.1, "bogus": 1})
    with pytest.raises(ValueError, match="'grad.optimiser'"):
        TrainingConfig.from_dict({"grad": {"optimiser": "adam"}})
    with pytest.raises(ValueError, match="'population'"):
        TrainingConfig.from_dict(EvolutionConfig().to_dict())
    with pytest.raises(ValueError, match="'lr'"):
        EvolutionConfig.from_dict({"population": 4, "lr": 0.1})
    with pytest.raises(ValueError, match="batch_size"):
        TrainingConfig.from_dict({"batch_size": 0})
    with pytest.raises(TypeError):
        TrainingConfig.from_dict([("lr", 0.1)])


def test_from_json_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        TrainingConfig.from_json(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="bad.json"):
        TrainingConfig.from_json(bad)
    with pytest.raises(ValueError, match="invalid JSON"):
        TrainingConfig.from_json("{ 'lr': 1 }")
    arr = tmp_path / "arr.json"
    arr.write_text("[1, 2]")
    with pytest.raises(ValueError, match="JSON object"):
        TrainingConfig.from_json(arr)
    neg = tmp_path / "neg.json"
    neg.write_text('{"lr": -1}')
    with pytest.raises(ValueError, match=r"neg\.json.*lr"):
        TrainingConfig.from_json(neg)


# A file in the layout of GliaGL's examples/*/configs/train_*.json (flat keys,
# short names, run settings mixed in, nested "detector").
GLIAGL_TRAIN_FILE = """{
  "net_path": "nets/demo.net", "scenario": "3class", "train": true, "epochs": 15,
  "batch": 4, "shuffle": false, "warmup": 25, "window": 90, "noise": 0.1,
  "detector": { "alpha": 0.1, "threshold": 0.002, "default_id": "O1" },
  "lr": 0.03, "lambda": 0.9, "weight_decay": 0.0002, "margin": 0.1,
  "reward_mode": "binary", "reward_gain": 2, "reward_min": -1, "reward_max": 1,
  "use_advantage_baseline": false, "elig_post_use_rate": 1, "weight_clip": 1.5,
  "eta_theta": 0.1, "r_target": 0.02, "jitter_std": 0.3, "timing_jitter": 2,
  "prune_eps": 0.001, "gd_temperature": 1.5,
  "verbose": true, "log_every": 2, "seed": 4242,
  "checkpoints_enable": true, "ckpt_l0": 3, "ckpt_l1": 2, "ckpt_l2": 1,
  "revert_enable": true, "revert_metric": "margin", "revert_window": 2, "revert_drop": 0.1,
  "update_gating": "target_only", "save_net": "out/trained.net",
  "train_metrics_json": "out/metrics.json"
}"""

# The layout of GliaGL's examples/*/configs/evolve_*.json: training and
# evolution settings side by side.
GLIAGL_EVOLVE_FILE = """{
  "net_path": "nets/demo.net", "data_root": "data/run", "train_fraction": 0.75,
  "max_class": 3, "warmup": 30, "window": 120,
  "detector": { "alpha": 0.05, "threshold": 0.001, "default_id": "O0" },
  "train_epochs": 2, "batch": 6, "shuffle": true, "seed": 777, "lr": 0.04,
  "lambda": 0.95, "margin": 0.05, "reward_mode": "softplus_margin",
  "population": 6, "generations": 5, "elite": 1, "parents_pool": 3,
  "sigma_w": 0.4, "sigma_thr": 0.1, "sigma_leak": 0.0,
  "w_acc": 1.0, "w_margin": 0.25, "w_sparsity": 0.1,
  "out_dir": "logs", "final_best_net": "logs/best.net",
  "metrics_json": "logs/metrics.json", "lineage_json": "logs/lineage.json"
}"""


def test_reads_gliagl_training_file_layout(tmp_path):
    path = tmp_path / "train_demo.json"
    path.write_text(GLIAGL_TRAIN_FILE)
    cfg = TrainingConfig.from_json(path)
    assert (cfg.batch_size, cfg.shuffle, cfg.warmup_ticks, cfg.decision_window) == (4, False, 25, 90)
    assert (cfg.lr, cfg.elig_lambda, cfg.weight_decay, cfg.margin_delta) == (0.03, 0.9, 0.0002, 0.1)
    assert cfg.detector == OutputDetectorConfig(alpha=0.1, threshold=0.002, default_id="O1")
    assert (cfg.reward_mode, cfg.reward_gain, cfg.update_gating) == ("binary", 2.0, "target_only")
    assert cfg.use_advantage_baseline is False and cfg.elig_post_use_rate is True
    assert (cfg.weight_clip, cfg.eta_theta, cfg.r_target) == (1.5, 0.1, 0.02)
    assert (cfg.weight_jitter_std, cfg.timing_jitter, cfg.prune_epsilon) == (0.3, 2, 0.001)
    assert cfg.grad.temperature == 1.5
    assert (cfg.verbose, cfg.log_every, cfg.seed) == (True, 2, 4242)
    assert (cfg.ckpt_l0, cfg.revert_enable, cfg.revert_metric, cfg.revert_window) == (3, True, "margin", 2)
    assert cfg.revert_drop == 0.1
    # GliaGL files may not contain EvolutionConfig-only fields it does not know
    data = json.loads(GLIAGL_TRAIN_FILE)
    data["lerning_rate"] = 0.1
    with pytest.raises(ValueError, match="lerning_rate"):
        TrainingConfig.from_dict(data)


def test_reads_gliagl_evolution_file_layout(tmp_path):
    path = tmp_path / "evolve_demo.json"
    path.write_text(GLIAGL_EVOLVE_FILE)
    evo = EvolutionConfig.from_json(path)
    assert evo.to_dict() == {
        "population": 6, "generations": 5, "elite": 1, "parents_pool": 3, "train_epochs": 2,
        "sigma_w": 0.4, "sigma_thr": 0.1, "sigma_leak": 0.0, "w_acc": 1.0, "w_margin": 0.25,
        "w_sparsity": 0.1, "seed": 777, "lamarckian": True, "lineage_json": "logs/lineage.json",
        "trainer": "gradient"}
    cfg = TrainingConfig.from_json(path)
    assert (cfg.warmup_ticks, cfg.decision_window, cfg.batch_size, cfg.lr) == (30, 120, 6, 0.04)
    assert cfg.seed == 777 and cfg.detector.default_id == "O0"
    hebbian = EvolutionConfig.from_dict({**json.loads(GLIAGL_EVOLVE_FILE), "hebbian": True})
    assert hebbian.trainer == "hebbian"


def test_gliagl_alias_and_name_for_same_field_must_agree():
    with pytest.raises(ValueError, match="'warmup' and 'warmup_ticks'"):
        TrainingConfig.from_dict({"warmup": 10, "warmup_ticks": 20})
    cfg = TrainingConfig.from_dict({"warmup": 10, "warmup_ticks": 10})
    assert cfg.warmup_ticks == 10


def test_copy_is_deep_and_equal():
    cfg = _custom_training_config()
    for other in (cfg.copy(), copy.copy(cfg), copy.deepcopy(cfg)):
        assert other == cfg and other is not cfg
        assert other.grad is not cfg.grad and other.detector is not cfg.detector
        other.grad.optimizer = "sgd"
        other.detector.alpha = 0.9
        assert cfg.grad.optimizer == "adamw" and cfg.detector.alpha == 0.05
    evo = EvolutionConfig(population=5)
    evo2 = evo.copy()
    evo2.population = 6
    assert evo.population == 5


def test_pickle_round_trip():
    cfg = _custom_training_config()
    assert pickle.loads(pickle.dumps(cfg)) == cfg
    evo = create_evo_config(trainer="hebbian")
    assert pickle.loads(pickle.dumps(evo)) == evo


def test_equality():
    assert TrainingConfig() == TrainingConfig()
    assert TrainingConfig(lr=0.02) != TrainingConfig()
    a, b = TrainingConfig(), TrainingConfig()
    b.grad.momentum = 0.8
    assert a != b


# ---------------------------------------------------------------------------
# Display and documentation
# ---------------------------------------------------------------------------

def test_repr_shows_changed_fields_and_evaluates_back():
    assert repr(TrainingConfig()) == "TrainingConfig()"
    cfg = create_config(lr=0.2, optimizer="adam")
    text = repr(cfg)
    assert text == "TrainingConfig(lr=0.2, grad=GradConfig(optimizer='adam'))"
    namespace = {"TrainingConfig": TrainingConfig, "GradConfig": GradConfig}
    assert eval(text, namespace) == cfg
    assert repr(EvolutionConfig(sigma_w=0.1)) == "EvolutionConfig(sigma_w=0.1)"


def test_public_names_have_docstrings_with_examples():
    names = ["OutputDetectorConfig", "GradConfig", "TopologyPolicy", "TrainingConfig",
             "EvolutionConfig", "create_config", "create_evo_config", "ConfigTypeError"]
    for name in names:
        doc = getattr(config_module, name).__doc__
        assert doc and ">>>" in doc, name
    for method in ("validate", "copy", "to_dict", "from_dict", "to_json", "from_json", "update"):
        doc = getattr(TrainingConfig, method).__doc__
        assert doc and ">>>" in doc, method


def test_docstring_examples_run():
    import glia._config_base as base_module
    attempted = 0
    for module in (config_module, base_module):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS,
                                 extraglobs=vars(config_module))
        assert result.failed == 0, module.__name__
        attempted += result.attempted
    assert attempted >= 25

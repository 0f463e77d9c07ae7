"""Tests of glia.config: defaults, checking, factories, the engine's field table (conversion,
files and display: test_config_io.py)."""

import doctest
import math
import re
from pathlib import Path

import numpy as np
import pytest

import glia._core as _core
import glia.config as config_module
from glia.config import (ConfigTypeError, EvolutionConfig, GradConfig, OutputDetectorConfig,
                         TopologyPolicy, TrainingConfig, create_config, create_evo_config)


# ---------------------------------------------------------------------------
# Defaults (GliaGL's values, except the ones that kept GliaGL from learning: episode
# timing, lr, reward mode, temperature, momentum, detector; listed in the README)
# ---------------------------------------------------------------------------

TRAINING_DEFAULTS = {
    "warmup_ticks": 0, "decision_window": 0,
    "lr": None, "elig_lambda": 0.95, "weight_decay": 1e-4, "margin_delta": 0.05,
    "reward_pos": 1.2, "reward_neg": -0.8, "reward_mode": "binary",
    "reward_gain": 1.0, "reward_min": -1.0, "reward_max": 1.0, "update_gating": "none",
    "no_update_if_satisfied": True, "use_advantage_baseline": True, "baseline_beta": 0.1,
    "r_target": 0.05, "rate_alpha": 0.05, "elig_post_use_rate": True,
    "eta_theta": 0.0, "eta_leak": 0.0, "prune_epsilon": 1e-4, "prune_patience": 3,
    "grow_edges": 0, "init_weight": 0.01, "weight_clip": 0.0, "batch_size": 1,
    "shuffle": True, "seed": 123456,
    "weight_jitter_std": 0.0, "timing_jitter": 0, "usage_boost_gain": 0.0,
    "inactive_rate_threshold": 0.0, "inactive_rate_patience": 0, "prune_inactive_max": 0,
    "prune_inactive_out": True, "prune_inactive_in": False, "checkpoints_enable": True,
    "ckpt_l0": 4, "ckpt_l1": 2, "ckpt_l2": 1, "revert_enable": False,
    "revert_metric": "accuracy", "revert_window": 1, "revert_drop": 0.2,
    # GliaGL's fields that the engine does not read
    "episode_ticks": 200, "verbose": False, "log_every": 1,
}
GRAD_DEFAULTS = {
    "loss": "softmax_xent", "temperature": 0.2, "optimizer": "sgd", "momentum": 0.0,
    "adam_beta1": 0.9, "adam_beta2": 0.999, "adam_eps": 1e-8, "clip_grad_norm": 0.0,
    "adam_unit": "weights", "surrogate_slope": 5.0, "floor_gradient": 0.0,
}
DETECTOR_DEFAULTS = {"type": "count", "alpha": 0.05, "threshold": 0.01, "default_id": ""}
TOPOLOGY_DEFAULTS = {"allow_inbound_to_sensory": False, "allow_feedback_to_outputs": False,
                     "allow_self_loops": False}
EVOLUTION_DEFAULTS = {
    "population": 8, "generations": 10, "elite": 2, "parents_pool": 4, "train_epochs": 3,
    "sigma_w": 0.05, "sigma_thr": 0.0, "sigma_leak": 0.0, "w_acc": 1.0, "w_margin": 0.5,
    "w_sparsity": 0.0, "seed": 123456, "lamarckian": True, "lineage_json": "",
    "trainer": "gradient",
}


def test_training_defaults_match_gliagl():
    cfg = TrainingConfig()
    for name, expected in TRAINING_DEFAULTS.items():
        value = getattr(cfg, name)
        assert value == expected, name
        assert type(value) is type(expected), name
    assert cfg.warmup_ticks == 0
    assert cfg.decision_window == 0
    assert cfg.lr is None    # the optimizer's own default: 0.05 for SGD, 0.003 for Adam
    assert cfg.reward_mode == "binary"
    assert cfg.seed == 123456
    assert cfg.ckpt_l0 == 4 and cfg.ckpt_l1 == 2 and cfg.ckpt_l2 == 1


def test_nested_defaults_match_gliagl():
    cfg = TrainingConfig()
    assert cfg.grad.to_dict() == GRAD_DEFAULTS
    assert cfg.detector.to_dict() == DETECTOR_DEFAULTS
    assert cfg.topology.to_dict() == TOPOLOGY_DEFAULTS
    assert cfg.grad.optimizer == "sgd"
    assert cfg.grad.adam_beta2 == 0.999
    assert cfg.grad.adam_eps == 1e-8
    assert cfg.detector.alpha == 0.05
    assert cfg.detector.threshold == 0.01
    assert GradConfig() == cfg.grad
    assert OutputDetectorConfig() == cfg.detector


def test_evolution_defaults_match_gliagl():
    evo = EvolutionConfig()
    for name, expected in EVOLUTION_DEFAULTS.items():
        assert getattr(evo, name) == expected, name
    assert evo.to_dict() == EVOLUTION_DEFAULTS


def test_field_lists_are_exact():
    # The engine's structs mirror these fields one to one.
    assert TrainingConfig.field_names() == list(TRAINING_DEFAULTS) + ["detector", "topology", "grad"]
    assert GradConfig.field_names() == list(GRAD_DEFAULTS)
    assert OutputDetectorConfig.field_names() == list(DETECTOR_DEFAULTS)
    assert TopologyPolicy.field_names() == list(TOPOLOGY_DEFAULTS)
    assert EvolutionConfig.field_names() == list(EVOLUTION_DEFAULTS)


def test_create_config_uses_the_training_defaults():
    # one set of defaults: create_config() is TrainingConfig() (GliaGL's create_config had
    # a 50 + 50 tick episode that ran past the end of shorter episodes)
    cfg = create_config()
    assert cfg.lr is None
    assert cfg.batch_size == 1
    assert cfg.warmup_ticks == 0
    assert cfg.decision_window == 0
    assert cfg.grad.optimizer == "sgd"
    assert (cfg.grad.adam_beta1, cfg.grad.adam_beta2, cfg.grad.adam_eps) == (0.9, 0.999, 1e-8)
    assert cfg == TrainingConfig()
    # explicit values are taken as given
    cfg = create_config(warmup_ticks=50, decision_window=50, lr=0.01, momentum=0.9)
    assert (cfg.warmup_ticks, cfg.decision_window, cfg.lr, cfg.grad.momentum) == (50, 50, 0.01, 0.9)


@pytest.mark.parametrize("trainer", ["gradient", "hebbian", "surrogate"])
@pytest.mark.parametrize("optimizer, lr", [("sgd", 0.05), ("adam", 0.003), ("adamw", 0.003)])
def test_unset_lr_is_the_optimizers_default(trainer, optimizer, lr):
    # lr=None trains bit for bit as the optimizer's default given explicitly, and differs
    # from another optimizer's default
    import glia
    from glia.datasets import three_class, three_class_network
    data = three_class()[:12]
    weights = {}
    for given in (None, lr, 0.05 if lr != 0.05 else 0.001):
        net = three_class_network(seed=3)
        tr = glia.Trainer(net, create_config(optimizer=optimizer, lr=given, batch_size=4),
                          method=trainer)
        tr.train(data, epochs=2, verbose=False)
        weights[given] = net.edge_weights.tobytes()
    assert weights[None] == weights[lr]
    assert len(set(weights.values())) == 2


def test_lr_rule_names_none():
    with pytest.raises(ValueError, match=r"TrainingConfig.lr must be >= 0 or None, got -1"):
        TrainingConfig(lr=-1)
    cfg = TrainingConfig(lr=0.2)
    cfg.lr = None
    assert cfg.lr is None and TrainingConfig.from_json(cfg.to_json()).lr is None
    with pytest.raises(ValueError, match="lr must be >= 0 or None, got nan"):
        TrainingConfig(lr=float("nan"))   # NaN is never taken for "unset"
    assert TrainingConfig.__dataclass_fields__["lr"].type == (float | None)


def test_create_evo_config_uses_gliagl_defaults():
    evo = create_evo_config()
    assert (evo.population, evo.generations, evo.elite, evo.train_epochs) == (10, 20, 2, 5)
    assert evo.parents_pool == 4 and evo.sigma_w == 0.05 and evo.lamarckian is True


# ---------------------------------------------------------------------------
# create_config / create_evo_config / update
# ---------------------------------------------------------------------------

def test_create_config_sets_top_level_grad_and_detector_fields():
    cfg = create_config(
        lr=0.005, batch_size=16, warmup_ticks=10, decision_window=80, optimizer="adam",
        adam_beta1=0.8, adam_beta2=0.99, adam_eps=1e-6,
        reward_mode="binary", update_gating="winner_only", seed=7, shuffle=False,
        temperature=2.5, momentum=0.5, clip_grad_norm=1.0, loss="softmax_xent", surrogate_slope=2.0,
        alpha=0.2, threshold=0.02, default_id="O1",
        allow_feedback_to_outputs=True,
    )
    assert (cfg.lr, cfg.batch_size, cfg.warmup_ticks, cfg.decision_window) == (0.005, 16, 10, 80)
    assert (cfg.reward_mode, cfg.update_gating, cfg.seed, cfg.shuffle) == ("binary", "winner_only", 7, False)
    assert cfg.grad.to_dict() == {
        "loss": "softmax_xent", "temperature": 2.5, "optimizer": "adam", "momentum": 0.5,
        "adam_beta1": 0.8, "adam_beta2": 0.99, "adam_eps": 1e-6, "clip_grad_norm": 1.0,
        "adam_unit": "weights", "surrogate_slope": 2.0, "floor_gradient": 0.0}
    assert (cfg.detector.alpha, cfg.detector.threshold, cfg.detector.default_id) == (0.2, 0.02, "O1")
    assert cfg.topology.allow_feedback_to_outputs is True


def test_create_config_positional_order_is_gliagl():
    cfg = create_config(0.1, 4, 5, 6, "adamw")
    assert (cfg.lr, cfg.batch_size, cfg.warmup_ticks, cfg.decision_window) == (0.1, 4, 5, 6)
    assert cfg.grad.optimizer == "adamw"


def test_create_config_accepts_nested_configs_and_dicts():
    cfg = create_config(grad=GradConfig(optimizer="adamw", temperature=3.0),
                        detector={"default_id": "O2"})
    assert cfg.grad.optimizer == "adamw" and cfg.grad.temperature == 3.0
    assert cfg.detector.default_id == "O2" and cfg.detector.alpha == 0.05


def test_create_config_rejects_contradicting_settings():
    with pytest.raises(ValueError, match="grad.optimizer"):
        create_config(optimizer="adam", grad={"optimizer": "sgd"})
    with pytest.raises(ValueError, match="detector.alpha"):
        create_config(alpha=0.1, detector={"alpha": 0.3})


def test_unknown_name_raises_type_error_listing_sorted_valid_names():
    with pytest.raises(TypeError) as info:
        create_config(learning_rate=0.1)
    msg = str(info.value)
    assert "'learning_rate'" in msg
    listed = msg.split("valid names: ")[1].split(", ")
    assert listed == sorted(listed)
    for name in ("lr", "batch_size", "optimizer", "temperature", "alpha", "reward_mode", "grad"):
        assert name in listed
    assert not isinstance(info.value, ValueError)


def test_unknown_name_suggests_close_match():
    with pytest.raises(TypeError, match=r"'optimiser' \(did you mean 'optimizer'\?\)"):
        create_config(optimiser="adam")
    with pytest.raises(TypeError, match=r"did you mean 'grad.momentum'"):
        create_config(grad={"momentun": 0.5})


def test_create_evo_config_unknown_name_and_invalid_values():
    with pytest.raises(TypeError) as info:
        create_evo_config(pop=4)
    listed = str(info.value).split("valid names: ")[1].split(", ")
    assert listed == sorted(EVOLUTION_DEFAULTS)
    with pytest.raises(ValueError, match="elite"):
        create_evo_config(elite=11)
    with pytest.raises(ValueError, match="parents_pool"):
        create_evo_config(population=3, elite=1, parents_pool=4)
    with pytest.raises(ValueError, match="trainer"):
        create_evo_config(trainer="genetic")
    evo = create_evo_config(population=3, elite=1, parents_pool=3, trainer="hebbian",
                            lineage_json=Path("lineage.json"))
    assert (evo.population, evo.parents_pool, evo.trainer) == (3, 3, "hebbian")
    assert evo.lineage_json == "lineage.json"


def test_update_is_all_or_nothing():
    cfg = TrainingConfig()
    cfg.update(lr=0.3, optimizer="adam", threshold=0.05)
    assert (cfg.lr, cfg.grad.optimizer, cfg.detector.threshold) == (0.3, "adam", 0.05)
    before = cfg.to_dict()
    with pytest.raises(ValueError, match="batch_size"):
        cfg.update(lr=0.9, batch_size=0)
    with pytest.raises(ValueError, match="reward_min"):
        cfg.update(lr=0.9, reward_min=5.0)
    with pytest.raises(TypeError):
        cfg.update(lr=0.9, nope=1)
    assert cfg.to_dict() == before


# ---------------------------------------------------------------------------
# Checking of values
# ---------------------------------------------------------------------------

INVALID_TRAINING = [
    ("lr", -0.1), ("lr", float("nan")), ("lr", float("inf")), ("weight_decay", -1e-3),
    ("batch_size", 0), ("batch_size", -2), ("decision_window", -1), ("decision_window", -5),
    ("warmup_ticks", -1), ("episode_ticks", 0), ("log_every", 0), ("revert_window", 0),
    ("elig_lambda", 1.5), ("elig_lambda", -0.1), ("baseline_beta", 2.0), ("rate_alpha", -0.5),
    ("r_target", 1.01), ("inactive_rate_threshold", 3.0), ("reward_mode", "linear"),
    ("update_gating", "all"), ("revert_metric", "loss"), ("reward_gain", -1.0),
    ("reward_pos", float("inf")), ("prune_patience", -1), ("ckpt_l0", -1),
    ("seed", -1), ("seed", 2**64), ("timing_jitter", -3), ("weight_clip", -0.5),
    ("eta_theta", -0.1), ("batch_size", 2**40), ("rate_alpha", 0.0),
]


@pytest.mark.parametrize("name,value", INVALID_TRAINING)
def test_invalid_training_values_raise_value_error_naming_field(name, value):
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        TrainingConfig(**{name: value})
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        create_config(**{name: value})
    cfg = TrainingConfig()
    before = getattr(cfg, name)
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        setattr(cfg, name, value)
    assert getattr(cfg, name) == before  # a rejected assignment changes nothing


INVALID_GRAD = [
    ("optimizer", "rmsprop"), ("loss", "mse"), ("temperature", 0.0), ("temperature", -1.0),
    ("momentum", 1.0), ("momentum", -0.1), ("adam_beta1", 1.0), ("adam_beta2", 1.2),
    ("adam_eps", 0.0), ("clip_grad_norm", -1.0), ("adam_eps", float("nan")),
]


@pytest.mark.parametrize("name,value", INVALID_GRAD)
def test_invalid_grad_values_raise_value_error_naming_field(name, value):
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        create_config(**{name: value})
    cfg = TrainingConfig()
    with pytest.raises(ValueError, match=rf"GradConfig\.{name}\b"):
        setattr(cfg.grad, name, value)
    assert getattr(cfg.grad, name) == GRAD_DEFAULTS[name]


@pytest.mark.parametrize("name,value", [("alpha", 0.0), ("alpha", 1.5), ("threshold", -0.01),
                                        ("threshold", 2.0), ("type", "softmax")])
def test_invalid_detector_values(name, value):
    with pytest.raises(ValueError, match=rf"OutputDetectorConfig\.{name}\b"):
        OutputDetectorConfig(**{name: value})


def test_wrong_types_raise_an_error_that_is_both_type_and_value_error():
    cases = [("lr", "0.1"), ("lr", True), ("weight_decay", None), ("batch_size", 2.5), ("batch_size", "8"),
             ("batch_size", True), ("shuffle", "yes"), ("shuffle", 2), ("reward_mode", 3),
             ("grad", 5), ("detector", "ema")]
    for name, value in cases:
        cfg = TrainingConfig()
        with pytest.raises(ConfigTypeError, match=name) as info:
            setattr(cfg, name, value)
        assert isinstance(info.value, TypeError) and isinstance(info.value, ValueError)


def test_values_are_converted_to_canonical_types():
    cfg = TrainingConfig(lr=1, batch_size=8.0, shuffle=0, verbose=1, seed=np.uint32(5))
    assert cfg.lr == 1.0 and type(cfg.lr) is float
    assert cfg.batch_size == 8 and type(cfg.batch_size) is int
    assert cfg.shuffle is False and cfg.verbose is True
    assert cfg.seed == 5 and type(cfg.seed) is int
    cfg.lr = np.float32(0.5)
    cfg.batch_size = np.int64(4)
    cfg.checkpoints_enable = np.bool_(False)
    cfg.grad.optimizer = " Adam "
    assert (cfg.lr, cfg.batch_size, cfg.checkpoints_enable, cfg.grad.optimizer) == (0.5, 4, False, "adam")
    assert type(cfg.lr) is float and type(cfg.batch_size) is int
    cfg.detector.default_id = None
    assert cfg.detector.default_id == ""
    cfg.seed = 2**64 - 1
    assert cfg.seed == 2**64 - 1


def test_attribute_typos_raise_attribute_error():
    cfg = TrainingConfig()
    with pytest.raises(AttributeError, match=r"'lrr' \(did you mean 'lr'\?\)"):
        cfg.lrr = 0.1
    with pytest.raises(AttributeError, match=r"use \.grad\.optimizer"):
        cfg.optimizer = "adam"
    with pytest.raises(AttributeError, match="alpha"):
        cfg.alpha = 0.1
    with pytest.raises(AttributeError):
        cfg.grad.optimiser = "adam"
    with pytest.raises(AttributeError):
        cfg.detector.thresh = 0.1
    evo = EvolutionConfig()
    with pytest.raises(AttributeError, match="populaton"):
        evo.populaton = 3
    with pytest.raises(AttributeError):
        cfg.lrr  # reading an unknown attribute fails too
    with pytest.raises(AttributeError):
        del cfg.lr
    assert cfg == TrainingConfig()


def test_nested_assignment_and_aliasing():
    cfg = TrainingConfig()
    g = GradConfig(optimizer="adam")
    cfg.grad = g
    g.optimizer = "sgd"  # the config holds its own copy, as GliaGL's did
    assert cfg.grad.optimizer == "adam"
    cfg.grad.momentum = 0.5
    assert cfg.grad.momentum == 0.5
    cfg.detector = {"alpha": 0.5}
    assert cfg.detector == OutputDetectorConfig(alpha=0.5)


def test_validate_checks_relations_and_construction_does_too():
    cfg = TrainingConfig()
    cfg.reward_min = 2.0  # fine alone: reward_max could be raised next
    with pytest.raises(ValueError, match="reward_min"):
        cfg.validate()
    cfg.reward_max = 3.0
    assert cfg.validate() is cfg
    with pytest.raises(ValueError, match="reward_min"):
        TrainingConfig(reward_min=2.0)
    with pytest.raises(ValueError, match="allow_self_loops"):
        cfg.topology.allow_self_loops = True  # a value no config may hold: refused at once
    assert cfg.topology.allow_self_loops is False
    with pytest.raises(ValueError, match="allow_inbound_to_sensory"):
        TopologyPolicy(allow_inbound_to_sensory=True)
    assert TopologyPolicy(allow_feedback_to_outputs=True).allow_feedback_to_outputs is True


def test_validate_catches_values_set_behind_its_back():
    cfg = TrainingConfig()
    object.__setattr__(cfg, "lr", -1.0)
    with pytest.raises(ValueError, match="lr"):
        cfg.validate()
    cfg = TrainingConfig()
    object.__setattr__(cfg.grad, "optimizer", "rmsprop")
    with pytest.raises(ValueError, match="optimizer"):
        cfg.validate()


def test_evolution_config_validation():
    for kw, name in [({"population": 0}, "population"), ({"generations": 0}, "generations"),
                     ({"elite": -1}, "elite"), ({"elite": 9}, "elite"),
                     ({"parents_pool": 0}, "parents_pool"), ({"parents_pool": 9}, "parents_pool"),
                     ({"train_epochs": -1}, "train_epochs"), ({"sigma_w": -0.1}, "sigma_w"),
                     ({"sigma_thr": float("nan")}, "sigma_thr"), ({"sigma_leak": -1}, "sigma_leak"),
                     ({"w_acc": -1}, "w_acc"), ({"w_margin": float("inf")}, "w_margin"),
                     ({"seed": -5}, "seed"), ({"trainer": "sgd"}, "trainer"),
                     ({"lineage_json": 3}, "lineage_json")]:
        with pytest.raises(ValueError, match=rf"EvolutionConfig\.{name}\b"):
            EvolutionConfig(**kw)
    edge = EvolutionConfig(population=1, elite=1, parents_pool=1, train_epochs=0)
    assert (edge.population, edge.elite, edge.parents_pool, edge.train_epochs) == (1, 1, 1, 0)
    assert EvolutionConfig(elite=0, lineage_json=None).lineage_json == ""
    evo = EvolutionConfig()
    evo.elite = 9  # relations are checked by validate(), not per assignment
    with pytest.raises(ValueError, match=r"elite \(9\) must be <= EvolutionConfig\.population \(8\)"):
        evo.validate()
    evo.population = 9
    assert evo.validate() is evo


# ---------------------------------------------------------------------------
# One rule in one place: the engine's field table
# ---------------------------------------------------------------------------

def _at(cfg, path):
    *outer, leaf = path.split(".")
    for part in outer:
        cfg = getattr(cfg, part)
    return cfg, leaf


def test_every_engine_field_is_a_python_field_with_the_tables_default_and_doc():
    table = _core._train_config_fields()
    assert len(table) == len({row[0] for row in table}) >= 55
    cfg = TrainingConfig()
    for name, kind, default, choices, doc in table:
        obj, leaf = _at(cfg, name)
        assert getattr(obj, leaf) == default and type(obj)._fields[leaf].doc == doc, name
        if kind == "choice":
            assert type(obj)._fields[leaf].choices == choices and default in choices


BOUNDS = [("rate_alpha", 0.0, "in (0, 1]"), ("lr", -1.0, ">= 0 or None"), ("decision_window", -1, "an integer >= 0"),
          ("grad.temperature", 0.0, "> 0"), ("detector.alpha", 0.0, "in (0, 1]"),
          ("batch_size", 0, "an integer >= 1"), ("grad.momentum", 1.0, "in [0, 1)"),
          ("detector.threshold", 1.5, "in [0, 1]"), ("reward_gain", -1.0, ">= 0"),
          ("topology.allow_self_loops", True, "False")]


@pytest.mark.parametrize("path,bad,rule", BOUNDS)
def test_python_refuses_exactly_what_the_engine_refuses(path, bad, rule):
    cfg = TrainingConfig()
    obj, leaf = _at(cfg, path)
    with pytest.raises(ValueError, match=re.escape(f"{type(obj).__name__}.{leaf} must be {rule}")):
        setattr(obj, leaf, bad)
    object.__setattr__(obj, leaf, bad)  # behind Python's back: the engine's check alone
    with pytest.raises(ValueError, match=re.escape(f"config.{path} must be {rule}, got")):
        _core._engine_validate(cfg.to_dict())
    with pytest.raises(ValueError, match=re.escape(leaf)):
        cfg.validate()


def test_engine_relation_rule_reaches_python():
    cfg = TrainingConfig()
    object.__setattr__(cfg, "reward_min", 2.0)
    with pytest.raises(ValueError, match=re.escape("config.reward_min (2) must be <= reward_max (1)")):
        _core._engine_validate(cfg.to_dict())
    with pytest.raises(ValueError, match=re.escape("TrainingConfig: reward_min (2) must be <=")):
        cfg.validate()


def test_config_module_docstring_examples_run():
    # the classes' and GliaGL's factories' examples (create_config, create_evo_config)
    result = doctest.testmod(config_module, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 14 and result.failed == 0


def test_str_and_html_list_every_field():
    cfg = create_config(lr=0.2)
    text = str(cfg)
    for name in TRAINING_DEFAULTS:
        assert f"  {name} " in text
    assert "grad.optimizer" in text and "detector.default_id" in text
    page = cfg._repr_html_()
    assert page.startswith("<table>") and page.endswith("</table>")
    assert "<b>0.2</b>" in page and "grad.adam_beta2" in page
    assert page.count("<tr>") == 1 + len(TRAINING_DEFAULTS) + len(GRAD_DEFAULTS) \
        + len(DETECTOR_DEFAULTS) + len(TOPOLOGY_DEFAULTS)


def test_float_defaults_are_exact_decimal_values():
    # Stored as Python floats, so they read back exactly as written.
    cfg = TrainingConfig()
    assert cfg.weight_decay == 0.0001 and cfg.prune_epsilon == 0.0001
    assert cfg.grad.adam_eps == 1e-8 and not math.isclose(cfg.grad.adam_eps, 0.0)


def test_create_evo_config_clamps_default_parents_pool_to_small_populations():
    # GliaGL clamped parents_pool (and elite) to the population: its code runs unchanged
    evo = create_evo_config(population=3)
    assert (evo.population, evo.elite, evo.parents_pool) == (3, 2, 3)
    assert create_evo_config(population=3, elite=1).parents_pool == 3
    assert create_evo_config(population=3, parents_pool=2).parents_pool == 2
    assert create_evo_config(population=1).elite == 1
    assert create_evo_config(population=1).parents_pool == 1
    assert create_evo_config().parents_pool == 4
    assert create_evo_config(population=100).parents_pool == 4
    with pytest.raises(ValueError, match="parents_pool"):
        create_evo_config(population=3, parents_pool=4)   # explicit values are not changed
    with pytest.raises(ValueError, match="population"):
        create_evo_config(population=0)


def test_a_config_is_checked_by_one_engine_call(monkeypatch):
    import glia
    calls = []
    real = _core._config_problem

    def counting(rows, relations=None):
        calls.append((len(rows), relations is not None))
        return real(rows, relations)

    monkeypatch.setattr(_core, "_config_problem", counting)

    def count(fn):
        calls.clear()
        fn()
        return list(calls)

    # a whole config, nested fields and the relations between fields included: one call
    many = count(lambda: create_config(lr=0.1, batch_size=4, optimizer="adam", alpha=0.2))
    assert len(many) == 1 and many[0][1] and many[0][0] > 40
    assert len(count(lambda: TrainingConfig(lr=0.1, batch_size=2))) == 1
    assert len(count(lambda: TrainingConfig.from_dict({"lr": 0.1, "grad": {"momentum": 0.5}}))) == 1
    assert len(count(lambda: EvolutionConfig(population=4, elite=1))) == 1
    assert count(TrainingConfig) == []            # the table's defaults: nothing to check
    cfg = TrainingConfig()
    assert count(lambda: setattr(cfg, "lr", 0.2)) == [(1, False)]   # one field: that field
    net = glia.datasets.xor_network()
    assert len(count(lambda: glia.Trainer(net, cfg))) == 1
    with pytest.raises(ValueError, match=r"TrainingConfig\.batch_size must be an integer >= 1, got 0"):
        create_config(batch_size=0)


def test_positional_and_unknown_constructor_arguments():
    assert GradConfig("softmax_xent", 2.0).temperature == 2.0   # in field order, as before
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'lrr' \(did you mean 'lr'\?\)"):
        TrainingConfig(lrr=0.1)
    with pytest.raises(TypeError, match="multiple values for argument 'type'"):
        OutputDetectorConfig("ema", type="count")
    import inspect
    assert list(inspect.signature(GradConfig).parameters)[:3] == ["loss", "temperature", "optimizer"]

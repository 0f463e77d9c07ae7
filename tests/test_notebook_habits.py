"""What users do in notebooks: plots that show inline, validation curves, arrays handed to
train(), misspelt config names, CLI errors, Cython tracebacks and signatures."""
import inspect
import math
import pydoc
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import glia  # noqa: E402
from glia import viz  # noqa: E402

ROOT = Path(glia.__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def three():
    train, val = glia.datasets.three_class(n_per_class=12, ticks=40).split(0.75, seed=0)
    return train, val


def _trainer(**cfg):
    cfg = {"lr": 0.05, "optimizer": "adam", **cfg}
    return glia.Trainer(glia.datasets.three_class_network(), glia.create_config(**cfg))


# ---------------------------------------------------------------- validation in train()
def test_validation_history_is_evaluate_dataset_after_each_epoch(three):
    train, val = three
    tr = _trainer(batch_size=4)
    after = []
    h = tr.train(train, epochs=4, verbose=False, validation=val,
                 on_epoch=lambda e, a, m: after.append(tr.evaluate_dataset(val)))
    assert h["val_accuracy"] == [r["accuracy"] for r in after]
    assert h["val_margin"] == [r["margin"] for r in after]
    assert len(h["val_loss"]) == len(h["accuracy"]) == 4
    assert tr.history == h


def test_validation_loss_is_the_training_loss(three):
    # One batch per epoch and no noise: epoch e+1's training metrics are measured on the
    # network as it was after epoch e, which is what validating on the training set sees.
    train, _ = three
    tr = _trainer(batch_size=len(train), shuffle=False)
    h = tr.train(train, epochs=3, verbose=False, validation=train)
    assert h["val_accuracy"][:-1] == h["accuracy"][1:]
    assert h["val_loss"][:-1] == pytest.approx(h["loss"][1:], rel=1e-6)
    assert h["val_margin"][:-1] == pytest.approx(h["margin"][1:], rel=1e-6)
    assert h["val_loss"][0] != pytest.approx(h["val_loss"][-1])     # it learned something


def test_epochs_without_validation_hold_nan(three):
    train, val = three
    tr = _trainer()
    h = tr.train(train, epochs=1, verbose=False)
    assert set(h) == {"accuracy", "margin", "loss"}
    h = tr.train(train, epochs=2, verbose=False, validation=val)
    assert math.isnan(h["val_accuracy"][0]) and not math.isnan(h["val_accuracy"][1])
    assert len(h["val_loss"]) == 3


def test_validation_targets_must_be_outputs(three):
    train, val = three
    tr = _trainer()
    bad = glia.Dataset.from_arrays(np.zeros((1, 5, 3), np.float32), ["O7"])
    with pytest.raises(KeyError, match="O7"):
        tr.train(train, epochs=1, verbose=False, validation=bad)
    assert tr.history["accuracy"] == []


def test_plot_training_history_draws_validation_curves(three):
    train, val = three
    tr = _trainer()
    tr.train(train, epochs=3, verbose=False, validation=val)
    fig = viz.plot_training_history(tr)
    labels = {ln.get_label() for ax in fig.axes for ln in ax.get_lines()}
    assert {"accuracy", "val accuracy", "loss", "val loss"} <= labels
    acc_ax = next(ax for ax in fig.axes if ax.get_title() == "Training accuracy")
    val_line = next(ln for ln in acc_ax.get_lines() if ln.get_label() == "val accuracy")
    assert list(val_line.get_ydata()) == tr.history["val_accuracy"]


# ---------------------------------------------------------------- arrays in train()
def test_train_with_arrays_names_from_arrays(three):
    train, _ = three
    X = np.zeros((4, 10, 3), np.float32)
    y = np.array([0, 1, 2, 0])
    tr = _trainer()
    with pytest.raises(TypeError, match=re.escape("glia.Dataset.from_arrays(X, y)")):
        tr.train(X, y)
    with pytest.raises(TypeError, match=re.escape("glia.Dataset.from_arrays(X, y)")):
        tr.train(X, epochs=2)
    with pytest.raises(TypeError, match=re.escape("glia.Dataset.from_arrays(X, y)")):
        tr.evaluate_dataset(X)
    assert tr.history["accuracy"] == []
    h = tr.train(glia.Dataset.from_arrays(X, y), epochs=1, verbose=False)   # what it says works
    assert len(h["accuracy"]) == 1


# ---------------------------------------------------------------- config names
@pytest.mark.parametrize("name, meant", [("learning_rate", "lr"), ("beta1", "adam_beta1"),
                                         ("random_state", "seed"), ("batch_sise", "batch_size"),
                                         ("clipnorm", "clip_grad_norm"), ("burn_in", "warmup_ticks")])
def test_unknown_config_names_suggest_the_field(name, meant):
    hint = f"did you mean {meant!r}?"
    with pytest.raises(TypeError, match=re.escape(hint)):
        glia.create_config(**{name: 1})
    with pytest.raises(ValueError, match=re.escape(hint)):
        glia.TrainingConfig.from_dict({name: 1})
    cfg = glia.TrainingConfig()
    with pytest.raises(AttributeError, match=re.escape(hint)):
        setattr(cfg, name, 1)
    assert cfg == glia.TrainingConfig()


def test_unknown_evolution_names_suggest_the_field():
    with pytest.raises(TypeError, match=re.escape("did you mean 'population'?")):
        glia.create_evo_config(pop_size=8)
    with pytest.raises(TypeError, match=re.escape("did you mean 'train_epochs'?")):
        glia.create_evo_config(epochs=3)


def test_an_alias_that_is_no_field_of_the_class_suggests_nothing_wrong():
    with pytest.raises(TypeError) as e:
        glia.create_config(epochs=3)          # train_epochs is EvolutionConfig's, not here
    assert "train_epochs" not in str(e.value)


# ---------------------------------------------------------------- confusion matrix names
def test_digits_name_their_classes():
    train, test = glia.datasets.digits(ticks=4)
    names = {f"O{k}": str(k) for k in range(10)}
    assert train.class_names == names and test.class_names == names
    assert test[:10].class_names == names and test.split(0.5, seed=0)[1].class_names == names


def test_confusion_matrix_labels_classes_by_name():
    X = np.zeros((4, 3, 2), np.float32)
    ds = glia.Dataset.from_arrays(X, [0, 1, 1, 0], class_names=["cat", "dog"])
    assert ds.class_names == {"O0": "cat", "O1": "dog"}
    fig = viz.plot_confusion_matrix(ds, ["O0", "O1", "O0", ""])
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["cat", "dog"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["cat", "dog", "none"]
    counts = [int(t.get_text()) for t in ax.texts]
    assert counts == [1, 0, 1, 1, 1, 0]        # rows cat, dog; columns cat, dog, none
    fig = viz.plot_confusion_matrix(ds.targets, ["O0"] * 4)          # ids without a data set
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["O0", "O1"]
    fig = viz.plot_confusion_matrix(ds.targets, ["O0"] * 4, class_names={"O1": "dog"})
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["O0", "dog"]


def test_class_names_survive_sums_and_conflicts_are_errors():
    X = np.zeros((2, 3, 2), np.float32)
    a = glia.Dataset.from_arrays(X, [0, 1], class_names=["cat", "dog"])
    b = glia.Dataset.from_arrays(X, [0, 1], class_names=["cat", "dog"])
    assert (a + b).class_names == a.class_names
    c = glia.Dataset.from_arrays(X, [0, 1], class_names=["cat", "cow"])
    with pytest.raises(ValueError, match="O1"):
        a + c
    with pytest.raises(ValueError, match="class_names has 3 names"):
        glia.Dataset.from_arrays(X, [0, 1], class_names=["a", "b", "c"], target_ids=["O0", "O1"])


# ---------------------------------------------------------------- CLI errors
@pytest.fixture(scope="module")
def cli_folder(tmp_path_factory):
    """base.net (three-class network) and data/ with .seq files whose names give no class."""
    root = tmp_path_factory.mktemp("cli")
    (root / "data").mkdir()
    rows = []
    for i, ep in enumerate(glia.datasets.three_class(n_per_class=3, ticks=20)):
        glia.InputSequence.from_array(ep.array).save(root / "data" / f"sample{i}.seq")
        rows.append(f"sample{i}.seq,{ep.target_id}")
    (root / "labels_elsewhere.csv").write_text("\n".join(rows) + "\n")
    (root / "short.csv").write_text("\n".join(rows[:-1]) + "\n")
    glia.datasets.three_class_network().save(root / "base.net")
    (root / "bad.json").write_text('{"learning_rate": 0.1}')
    return root


def _cli(capsys, *args):
    from glia.cli import main
    try:
        code = main([str(a) for a in args])
    except SystemExit as e:
        code = e.code
    err = capsys.readouterr().err
    return code, err


def _cli_options():
    from glia.cli import build_parser
    names = set()
    for action in build_parser()._subparsers._group_actions[0].choices.values():
        for a in action._actions:
            names.update(o for o in a.option_strings if o.startswith("--"))
    return names


@pytest.mark.parametrize("extra, option", [
    ([], "--labels"),                                              # names give no class
    (["--labels", "{root}/short.csv"], "--labels"),                # a file without a row
    (["--labels", "{root}/missing.csv"], "--labels"),
    (["--pattern", "*.nothing"], "--pattern"),
    (["--config", "{root}/missing.json"], "--config"),
    (["--config", "{root}/bad.json"], "--config"),
    (["--labels", "{root}/labels_elsewhere.csv", "--history", "{root}/no/such/h.json"], "--history"),
    (["--val-fraction", "1.5"], "--val-fraction"),
])
def test_every_cli_error_names_an_option_the_cli_has(cli_folder, capsys, extra, option):
    args = ["train", cli_folder / "base.net", cli_folder / "data", "--epochs", "1",
            "--out", cli_folder / "out.net"] + [a.format(root=cli_folder) for a in extra]
    code, err = _cli(capsys, *args)
    assert code in (1, 2) and "Traceback" not in err, err
    assert option in err, err
    assert set(re.findall(r"--[a-z][a-z-]*", err)) <= _cli_options(), err
    for python_only in ("target_mapping", "train_fraction", "from_dict("):
        assert python_only not in err, err


def test_cli_labels_option_trains(cli_folder, capsys):
    code, err = _cli(capsys, "train", cli_folder / "base.net", cli_folder / "data", "--epochs", "1",
                     "--labels", cli_folder / "labels_elsewhere.csv", "--out", cli_folder / "ok.net")
    assert code == 0, err
    assert glia.Network.from_file(cli_folder / "ok.net").num_neurons > 0


def test_cli_config_error_suggests_the_field(cli_folder, capsys):
    code, err = _cli(capsys, "train", cli_folder / "base.net", cli_folder / "data",
                     "--labels", cli_folder / "labels_elsewhere.csv", "--config", cli_folder / "bad.json")
    assert code == 1 and "did you mean 'lr'?" in err, err


# ---------------------------------------------------------------- figures and pyplot
def test_figures_are_pyplot_figures():
    plt.close("all")
    fig = viz.plot_training_history({"accuracy": [0.5, 0.7]})
    assert plt.get_fignums() == [fig.number] and plt.gcf() is fig
    plt.close(fig)
    assert plt.get_fignums() == []
    _, ax = plt.subplots()
    assert viz.plot_training_history({"accuracy": [0.5]}, ax=ax).axes == [ax]
    assert len(plt.get_fignums()) == 1                # drawing into an Axes makes no figure


def test_rendering_a_figure_in_a_notebook_releases_it_from_pyplot():
    plt.close("all")
    fig = viz.plot_training_history({"accuracy": [0.5, 0.7]})
    assert fig._repr_mimebundle_() == {}
    assert plt.get_fignums() == []
    assert fig._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"


# ---------------------------------------------------------------- signatures
def test_signatures_are_real():
    sig = inspect.signature(glia.Network)
    assert [(p.name, p.default) for p in sig.parameters.values()] == [("num_sensory", 0), ("num_neurons", 0)]
    assert list(inspect.signature(glia.Network.step).parameters) == ["self", "n_steps", "n_threads"]
    assert list(inspect.signature(glia.InputSequence).parameters) == []
    text = pydoc.render_doc(glia.Network, renderer=pydoc.plaintext)
    assert "Network(num_sensory=0, num_neurons=0)" in text
    assert "*args, **kwargs" not in text.split("Methods defined here")[0]


def test_network_init_keeps_its_checks():
    assert glia.Network(2, 3).num_neurons == 5
    with pytest.raises(TypeError, match="num_sensory must be an int"):
        glia.Network("2")
    assert glia.Network.__new__(glia.Network).num_neurons == 0

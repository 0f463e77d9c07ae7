"""Learning with the defaults: held-out accuracy after training (never the best epoch),
seeded and deterministic, for both trainers, on glia's data sets, the suite's 3-class
workload (files on disk) and a GliaGL-style data folder."""
import statistics

import numpy as np
import pytest

import glia
from _workloads import cls3_held_out_accuracies
import glia.datasets as D

from sklearn.datasets import load_digits


@pytest.fixture(scope="module")
def digits():
    return D.digits()


@pytest.mark.parametrize("trainer,floor", [("gradient", 0.95), ("hebbian", 0.90)])
def test_defaults_learn_the_three_class_workload(workloads, trainer, floor):
    # train on the first 40 episodes, score the other 20; median over 5 seeds
    accs = cls3_held_out_accuracies(workloads, trainer)
    assert statistics.median(accs) >= floor, accs


@pytest.mark.parametrize("trainer,floor", [("gradient", 0.95), ("hebbian", 0.90)])
def test_defaults_learn_three_class(trainer, floor):
    train, held_out = D.three_class().split(0.7, seed=0)
    tr = glia.Trainer(D.three_class_network(), glia.create_config(), method=trainer)
    tr.train(train, epochs=30, verbose=False)
    assert tr.evaluate_dataset(held_out)["accuracy"] >= floor


@pytest.mark.parametrize("trainer,floor", [("gradient", 0.90), ("hebbian", 0.80)])
def test_defaults_learn_digits(digits, trainer, floor):
    train, test = digits
    tr = glia.Trainer(D.digits_network(), glia.create_config(), method=trainer)
    before = tr.evaluate_dataset(test)["accuracy"]
    h = tr.train(train, epochs=10, verbose=False)
    after = tr.evaluate_dataset(test)["accuracy"]
    assert before < 0.3 and after >= floor, (before, after)
    # the learning curve falls, and the loss ends well below ln(10) (a well-scaled softmax)
    assert h["loss"][-1] < h["loss"][0] and h["loss"][-1] < 0.5 * np.log(10)
    assert h["accuracy"][-1] > h["accuracy"][0]


def test_gliagl_style_data_folder_trains(tmp_path):
    # GliaGL's layout: one .seq per sample and labels.csv, Poisson-coded digits over 40
    # ticks, a generated 64 -> 128 -> 10 network, GliaGL's usual settings
    d = load_digits()
    X = D.poisson_encode(d.data / 16.0, 40, 1.0, seed=0)
    names = [f"S{c}" for c in range(64)]
    rows = ["file,label"]
    for i in range(len(X)):
        glia.create_sequence_from_array(X[i], names).save(str(tmp_path / f"d{i:04d}.seq"))
        rows.append(f"d{i:04d}.seq,{d.target[i]}")
    (tmp_path / "labels.csv").write_text("\n".join(rows) + "\n")
    (tmp_path / "net.net").write_text("NEWNET S=64 H=128 O=10\nSEED 1\n")
    data = glia.load_dataset_from_directory(tmp_path)
    assert len(data) == len(X) and data[5].target_id == f"O{d.target[5]}"
    train, held_out = data.split(0.75, seed=0)
    net = glia.Network.from_file(str(tmp_path / "net.net"), verbose=False)
    # Adam's steps in |threshold|: NEWNET's weights start ~100x below its thresholds and must
    # grow that much (in the default unit, a fraction of the weights' own RMS: 0.944 here)
    tr = glia.Trainer(net, glia.create_config(optimizer="adamw", lr=0.05, batch_size=32,
                                              adam_unit="threshold"))
    tr.train(train, epochs=20, lr_schedule="cosine", verbose=False)
    assert tr.evaluate_dataset(held_out)["accuracy"] >= 0.95


def test_labels_csv_errors_name_the_line(tmp_path):
    (tmp_path / "a.seq").write_text("DURATION 3\n0 S0 200\n")
    (tmp_path / "labels.csv").write_text("file,label\na.seq\n")
    with pytest.raises(ValueError, match="labels.csv:2"):
        glia.load_dataset_from_directory(tmp_path)
    (tmp_path / "labels.csv").write_text("b.seq,1\n")
    with pytest.raises(KeyError, match="a.seq"):
        glia.load_dataset_from_directory(tmp_path)

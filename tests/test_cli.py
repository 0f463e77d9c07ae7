"""The command line: demo, info, train, evolve; bad arguments never give a traceback."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import glia


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "glia", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=600)


def test_demo_quick(tmp_path):
    r = run("demo", "--quick", "--out", str(tmp_path / "out"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "XOR (4 patterns)" in r.stdout and "4/4 correct" in r.stdout
    assert "digits" in r.stdout and "evolution" in r.stdout and "steps/s" in r.stdout
    pngs = sorted(p.name for p in (tmp_path / "out").glob("*.png"))
    assert {"xor_training.png", "digits_confusion.png", "evolution.png", "lineage.png",
            "raster.png"} <= set(pngs)
    assert glia.Network.from_file(tmp_path / "out" / "evolved_best.net").num_neurons == 18


def test_info():
    r = run("info")
    assert r.returncode == 0 and "OpenMP" in r.stdout and "threads" in r.stdout


@pytest.mark.parametrize("args", [[], ["frobnicate"], ["demo", "--threads", "0"],
                                  ["train", "only_one_arg"], ["train", "a.net", "d", "--epochs", "x"]])
def test_bad_arguments_give_usage(args):
    r = run(*args)
    assert r.returncode == 2 and "usage:" in r.stderr and "Traceback" not in r.stderr


@pytest.fixture
def seq_folder(tmp_path):
    ds = glia.datasets.three_class(n_per_class=8)
    d = tmp_path / "data"
    d.mkdir()
    for i, ep in enumerate(ds):
        glia.InputSequence.from_array(ep.array).save(d / f"class{ep.target_id[1]}_{i:03d}.seq")
    glia.datasets.three_class_network().save(tmp_path / "base.net")
    return tmp_path


def test_train_and_evolve_commands(seq_folder):
    cfg = seq_folder / "cfg.json"
    cfg.write_text(json.dumps(glia.datasets.THREE_CLASS_GRADIENT_CONFIG))
    r = run("train", str(seq_folder / "base.net"), str(seq_folder / "data"), "--config", str(cfg),
            "--epochs", "20", "--out", str(seq_folder / "t.net"), "--history", str(seq_folder / "h.json"))
    assert r.returncode == 0, r.stderr
    assert "validation accuracy" in r.stdout
    assert len(json.loads((seq_folder / "h.json").read_text())["accuracy"]) == 20
    glia.Network.from_file(seq_folder / "t.net")
    evo = seq_folder / "evo.json"
    evo.write_text(json.dumps({"population": 4, "generations": 2, "train_epochs": 1}))
    r = run("evolve", str(seq_folder / "base.net"), str(seq_folder / "data"), "--config", str(evo),
            "--train-config", str(cfg), "--out", str(seq_folder / "e.net"), "--plot", str(seq_folder / "e.png"))
    assert r.returncode == 0, r.stderr
    assert "2 generations" in r.stdout and (seq_folder / "e.png").stat().st_size > 1000


def test_command_errors_are_messages(seq_folder):
    r = run("train", str(seq_folder / "missing.net"), str(seq_folder / "data"))
    assert r.returncode == 1 and "No such file" in r.stderr and "Traceback" not in r.stderr
    (seq_folder / "bad.json").write_text("{not json")
    r = run("train", str(seq_folder / "base.net"), str(seq_folder / "data"), "--config", str(seq_folder / "bad.json"))
    assert r.returncode == 1 and "not valid JSON" in r.stderr
    (seq_folder / "bad.net").write_text("NEURON S0 1 1\n")
    r = run("evolve", str(seq_folder / "bad.net"), str(seq_folder / "data"))
    assert r.returncode == 1 and "bad.net:1:" in r.stderr


def test_unbuilt_source_folder_names_the_fix(tmp_path):
    """Importing a source folder that has no compiled extension (what a regular install
    run from the clone's root meets) says what to do instead of a bare ModuleNotFoundError."""
    src = Path(glia.__file__).resolve().parent
    pkg = tmp_path / "glia"
    pkg.mkdir()
    for f in src.glob("*.py"):
        shutil.copy(f, pkg / f.name)
    # -S: no site-packages, so no installed (or editable-installed) glia can answer first
    r = subprocess.run([sys.executable, "-S", "-c", "import glia"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert "ModuleNotFoundError" in r.stderr and "pip install -e ." in r.stderr, r.stderr

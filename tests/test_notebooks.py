"""Every notebook runs top to bottom (small sizes: CI is set for the kernel)."""
import html
import os
import re
import shutil
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

import glia

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


def test_notebooks_exist():
    names = [p.name for p in NOTEBOOKS]
    assert names == ["01_quickstart.ipynb", "02_training.ipynb", "03_evolution.ipynb",
                     "04_threads_and_gil.ipynb", "05_nir.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path, monkeypatch):
    monkeypatch.setenv("CI", os.environ.get("CI", "true") or "true")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    # the kernel imports the same glia as this test process
    import glia
    root = str(Path(glia.__file__).resolve().parent.parent)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([root] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    # the kernel runs in tmp_path (nothing written into the tree): files a notebook reads
    # from the data folder beside it are copied there
    if (path.parent / "data").is_dir():
        shutil.copytree(path.parent / "data", tmp_path / "data")
    nb = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), \
        "notebooks are committed without outputs"
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors


# ---------------------------------------------------------------- notebook habits in a real kernel
# (what a figure and a glia error look like in a cell: tests/test_notebook_habits.py has the rest)


def _run_notebook(cells, tmp_path, monkeypatch):
    """Executes code cells in a fresh kernel whose working folder is ``tmp_path`` (not the
    source tree) with the default (inline) matplotlib backend."""
    monkeypatch.delenv("MPLBACKEND", raising=False)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [str(Path(glia.__file__).resolve().parent.parent)]
        + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    return [c.outputs for c in nb.cells]


def _images(outputs):
    return [o for o in outputs if "image/png" in o.get("data", {})]


def test_notebook_shows_figures_once_and_cython_source_lines(tmp_path, monkeypatch):
    h = "{'accuracy': [0.2, 0.5, 0.7], 'loss': [1.0, 0.6, 0.4]}"
    out = _run_notebook([
        "import glia, glia.viz as viz",
        f"fig = viz.plot_training_history({h})",                # assigned: shown once
        f"viz.plot_training_history({h})",                      # the cell's value: once
        f"a = viz.plot_training_history({h})\nb = viz.plot_weight_distribution(glia.Network(2, 1))",
        "display(a)\nprint('after')",                           # shown where asked, only there
        "glia.Network(1, 1).inject('nope', 1.0)",
    ], tmp_path, monkeypatch)
    assert len(_images(out[1])) == 1
    assert len(_images(out[2])) == 1
    assert len(_images(out[3])) == 2
    assert len(_images(out[4])) == 1
    err = [o for o in out[5] if o.output_type == "error"]
    assert len(err) == 1 and err[0].ename == "KeyError"
    tb = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(err[0].traceback))
    frames = re.findall(r"File (\S+\.pxi?|\S+\.pyx):(\d+)", tb)
    assert frames, tb
    for path, line in frames:                 # every Cython frame shows its source line
        src = Path(path).read_text().splitlines()[int(line) - 1].strip()
        assert src and src in tb, (path, line, tb)


# ---------------------------------------------------------------- NetworkView's live mode in
# IPython's display machinery (the player itself: tests/test_view.py)
def test_live_view_updates_its_display_handle(monkeypatch):
    import IPython.display as disp
    shown = []

    class Handle:
        def update(self, obj):
            shown.append(("update", obj._repr_html_()))

    def display(obj, display_id=None):
        shown.append(("display", obj._repr_html_()))
        return Handle()

    monkeypatch.setattr(disp, "display", display)
    from glia.viz import NetworkView
    hand = glia.Network.from_string("NEURON S0 100 1 0\nNEURON O0 60 1 0\nCONNECTION S0 O0 100\n")
    live = NetworkView.live(hand, np.array([[150], [0], [0]], np.float32))
    live._ipython_display_()
    live(0, 0.5, 0.25)
    assert [k for k, _ in shown] == ["display", "update"]
    assert all(d.startswith("<iframe srcdoc=") for _, d in shown)
    assert "epoch 0: accuracy 0.500, margin 0.250" in html.unescape(shown[1][1])

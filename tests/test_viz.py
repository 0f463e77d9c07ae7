"""glia.viz: every plot renders to a real PNG, draws into a given Axes, and shows the
data it was given (spike positions, weights, curves, lineage path)."""
import json
import subprocess
import sys
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.image as mpimg  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

import glia  # noqa: E402
from glia import viz  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# the chain fixture (S0 -> H0 -> H1 -> O0, one step per edge) comes from conftest.py


@pytest.fixture
def mixed():
    """2 sensory, 2 hidden, 1 output; excitatory, inhibitory and zero weights."""
    net = glia.Network.from_string("""
        NEURON S0 100 1 0
        NEURON S1 100 1 0
        NEURON H0 50 1 0
        NEURON H1 50 1 0
        NEURON O0 50 1 0
        CONNECTION S0 H0 60
        CONNECTION S1 H1 -20
        CONNECTION H0 H1 0
        CONNECTION H1 H0 5
        CONNECTION H0 O0 30
        CONNECTION H1 O0 -45
    """)
    return net


def assert_png(path, fig, dpi=viz.DEFAULT_DPI):
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    assert len(data) > 5000
    img = mpimg.imread(path)
    h, w = img.shape[:2]
    fw, fh = fig.get_size_inches() * dpi
    # bbox_inches="tight" trims or pads the margins a little around the full figure.
    assert abs(w - fw) <= 0.15 * fw, (w, fw)
    assert abs(h - fh) <= 0.15 * fh, (h, fh)
    assert img[..., :3].std() > 0.02          # not a blank canvas


def gid_artists(fig, gid):
    return [a for a in fig.findobj() if getattr(a, "get_gid", lambda: None)() == gid]


def one(fig, gid):
    found = gid_artists(fig, gid)
    assert len(found) == 1, (gid, found)
    return found[0]


def offsets(coll):
    return sorted(map(tuple, np.asarray(coll.get_offsets()).round(6).tolist()))


# ---------------------------------------------------------------- basics
def test_import_glia_does_not_import_matplotlib():
    code = "import sys, glia, glia.viz; assert 'matplotlib' not in sys.modules, 'eager import'"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")     # figures are pyplot's (as pandas' are): the caller closes them


def test_each_plot_makes_one_pyplot_figure(chain):
    plt.close("all")
    figs = [viz.plot_network_graph(chain), viz.plot_weight_distribution(chain),
            viz.plot_neuron_activity(chain, 5)]
    assert plt.get_fignums() == [f.number for f in figs]


# ---------------------------------------------------------------- network graph
@pytest.mark.parametrize("layout", viz.LAYOUTS)
def test_network_graph_each_layout(mixed, layout, tmp_path):
    path = tmp_path / f"graph_{layout}.png"
    fig = viz.plot_network_graph(mixed, layout=layout, save_path=path)
    assert_png(path, fig)
    nodes = one(fig, "nodes")
    xy = np.asarray(nodes.get_offsets())
    assert xy.shape == (5, 2)
    assert len(np.unique(xy.round(6), axis=0)) == 5      # no two neurons on one spot
    assert {t.get_text() for t in fig.axes[0].texts} >= set(mixed.neuron_ids)


def test_layered_columns_follow_depth(chain):
    fig = viz.plot_network_graph(chain)
    xy = np.asarray(one(fig, "nodes").get_offsets())
    assert xy[:, 0].tolist() == [0, 1, 2, 3]               # S0, H0, H1, O0
    face = [to_hex(c) for c in one(fig, "nodes").get_facecolors()]
    assert face[0] != face[1] and face[1] == face[2] and face[2] != face[3]   # coloured by kind


def test_edge_colour_by_sign_and_width_by_magnitude(mixed):
    fig = viz.plot_network_graph(mixed, show_weights=True)
    arrows = gid_artists(fig, "edge")
    assert len(arrows) == mixed.num_connections
    by_colour = {}
    for a in arrows:
        by_colour.setdefault(to_hex(a.get_edgecolor()), []).append(a.get_linewidth())
    assert set(by_colour) == {viz._EXC, viz._INH, viz._ZERO}
    assert len(by_colour[viz._EXC]) == 3 and len(by_colour[viz._INH]) == 2
    assert max(by_colour[viz._EXC]) > min(by_colour[viz._EXC])      # |60| drawn wider than |5|
    labels = {t.get_text() for t in fig.axes[0].texts}
    assert {"60.00", "-20.00", "-45.00", "0.00"} <= labels


def test_weights_not_written_when_disabled(mixed):
    fig = viz.plot_network_graph(mixed, show_weights=False)
    assert {t.get_text() for t in fig.axes[0].texts} == set(mixed.neuron_ids)


def test_big_network_no_labels_strongest_edges(tmp_path):
    rng = np.random.default_rng(1)
    net = glia.Network(20, 400)
    src = rng.integers(0, 420, 3000)
    dst = rng.integers(20, 420, 3000)
    ok = src != dst
    net.set_edges(src[ok], dst[ok], rng.normal(0, 1, ok.sum()))
    path = tmp_path / "big.png"
    fig = viz.plot_network_graph(net, max_edges=500, save_path=path)
    assert_png(path, fig)
    ax = fig.axes[0]
    assert len(ax.texts) == 0
    lines = one(fig, "edges")
    assert len(lines.get_segments()) == 500
    w = np.abs(net.edge_weights)
    s, d, _ = net.edges()
    kept_min = np.sort(w)[-500]
    pos = np.asarray(one(fig, "nodes").get_offsets())
    drawn = {tuple(np.round(seg, 9).ravel()) for seg in lines.get_segments()}
    strongest = np.flatnonzero(w >= kept_min)
    assert strongest.size == 500
    for k in strongest:
        assert tuple(np.round(np.stack([pos[s[k]], pos[d[k]]]), 9).ravel()) in drawn
    assert "500 strongest shown" in ax.get_title()


def test_unknown_layout_raises(chain):
    with pytest.raises(ValueError, match="unknown layout"):
        viz.plot_network_graph(chain, layout="hexagonal")


def test_missing_networkx_message(chain, monkeypatch):
    monkeypatch.setitem(sys.modules, "networkx", None)
    with pytest.raises(ImportError, match="networkx"):
        viz.plot_network_graph(chain, layout="spring")
    assert viz.plot_network_graph(chain, layout="layered") is not None


def test_graph_into_given_axes(chain):
    from matplotlib.figure import Figure
    fig = Figure(figsize=(5, 4))
    ax = fig.add_subplot()
    out = viz.plot_network_graph(chain, ax=ax)
    assert out is fig
    assert one(fig, "nodes") in ax.collections


# ---------------------------------------------------------------- weights
def test_weight_distribution(mixed, tmp_path):
    path = tmp_path / "w.png"
    fig = viz.plot_weight_distribution(mixed, bins=10, save_path=path)
    assert_png(path, fig)
    hist, types = fig.axes[:2]
    assert sum(p.get_height() for p in hist.patches) == mixed.num_connections
    assert [p.get_height() for p in types.patches] == [3, 2, 1]     # excitatory, inhibitory, zero


def test_weight_distribution_into_axes_and_array():
    from matplotlib.figure import Figure
    fig = Figure()
    ax = fig.add_subplot()
    out = viz.plot_weight_distribution(np.array([-1.0, 0.5, 0.5, 2.0]), bins=4, ax=ax)
    assert out is fig and len(fig.axes) == 1
    assert sum(p.get_height() for p in ax.patches) == 4


def test_weight_distribution_empty_and_bad_bins(tmp_path):
    path = tmp_path / "empty.png"
    fig = viz.plot_weight_distribution(glia.Network(2, 2), save_path=path)
    assert path.read_bytes()[:8] == PNG_MAGIC
    assert "no connections" in [t.get_text() for t in fig.axes[0].texts]
    with pytest.raises(ValueError):
        viz.plot_weight_distribution(glia.Network(1, 1), bins=0)


# ---------------------------------------------------------------- training history
HIST = {"accuracy": [0.2, 0.5, 0.75, 0.9], "margin": [0.1, 0.4, 0.8, 1.2], "loss": [2.0, 1.5, 1.0, 0.6]}


def test_training_history(tmp_path):
    path = tmp_path / "h.png"
    fig = viz.plot_training_history(HIST, save_path=path)
    assert_png(path, fig)
    assert len(fig.axes) == 3
    for ax, key in zip(fig.axes, ("accuracy", "margin", "loss")):
        line = ax.get_lines()[0]
        assert line.get_xdata().tolist() == [1, 2, 3, 4]
        assert np.allclose(line.get_ydata(), HIST[key])


def test_training_history_sources():
    partial = viz.plot_training_history({"accuracy": [0.5, 0.6], "margin": [], "loss": None})
    assert len(partial.axes) == 1
    trainer = SimpleNamespace(history={"accuracy": [0.1, 0.2], "margin": [1.0, 2.0]})
    assert len(viz.plot_training_history(trainer).axes) == 2
    gliagl = SimpleNamespace(epoch_accuracy=[0.3, 0.4, 0.5], epoch_margin=[0.0, 0.1, 0.3])
    fig = viz.plot_training_history(gliagl)
    assert np.allclose(fig.axes[1].get_lines()[0].get_ydata(), [0.0, 0.1, 0.3])
    empty = viz.plot_training_history({})
    assert "no training history" in [t.get_text() for t in empty.axes[0].texts]


def test_training_history_single_axes_and_bad_input():
    from matplotlib.figure import Figure
    fig = Figure()
    ax = fig.add_subplot()
    assert viz.plot_training_history(HIST, ax=ax) is fig
    assert len(fig.axes) == 1 and len(ax.get_lines()) == 3
    with pytest.raises(ValueError):
        viz.plot_training_history({"accuracy": [[0.1, 0.2], [0.3, 0.4]]})
    with pytest.raises(TypeError):
        viz.plot_training_history(42)


# ---------------------------------------------------------------- neuron activity
def test_activity_from_network_exact_spikes(chain, tmp_path):
    path = tmp_path / "act.png"
    fig = viz.plot_neuron_activity(chain, simulation_steps=6, input_pattern={"S0": 1.0}, save_path=path)
    assert_png(path, fig)
    # S0 fires every step from 0, H0 from 1, H1 from 2, O0 from 3.
    expected = sorted((t, r) for r in range(4) for t in range(r, 6))
    assert offsets(one(fig, "raster")) == expected
    rates = [p.get_width() for p in gid_artists(fig, "rates")]
    assert np.allclose(rates, [6 / 6, 5 / 6, 4 / 6, 3 / 6])
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["S0", "H0", "H1", "O0"]


def test_activity_leaves_network_untouched(chain):
    chain.inject("S0", 1.0)
    chain.step()
    before = (chain.values.copy(), chain.get_firing_neurons())
    viz.plot_neuron_activity(chain, 10, input_pattern={"S0": 1.0})
    assert np.array_equal(chain.values, before[0])
    assert chain.get_firing_neurons() == before[1]


def test_activity_non_sensory_input_and_subset(chain):
    fig = viz.plot_neuron_activity(chain, 4, input_pattern={"H1": 1.0}, neuron_ids=["H1", "O0", "S0"])
    # rows: H1 = 0, O0 = 1, S0 = 2 (never fires)
    assert offsets(one(fig, "raster")) == [(0, 0), (1, 0), (1, 1), (2, 0), (2, 1), (3, 0), (3, 1)]
    with pytest.raises(KeyError):
        viz.plot_neuron_activity(chain, 4, neuron_ids=["nope"])


def test_activity_from_raster_and_events(chain):
    X = np.zeros((6, 1), np.float32)
    X[0, 0] = 1.0
    raster = chain.run(X)
    fig = viz.plot_neuron_activity(raster, neuron_ids=chain.neuron_ids)
    assert offsets(one(fig, "raster")) == [(0, 0), (1, 1), (2, 2), (3, 3)]
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == chain.neuron_ids

    chain.reset()
    steps, neurons = chain.run(X, record="events")
    fig2 = viz.plot_neuron_activity((steps, neurons), neuron_ids=chain.neuron_ids)
    assert offsets(one(fig2, "raster")) == [(0, 0), (1, 1), (2, 2), (3, 3)]


def test_activity_into_axes(chain):
    from matplotlib.figure import Figure
    fig = Figure()
    ax = fig.add_subplot()
    raster = np.eye(3, dtype=bool)
    assert viz.plot_neuron_activity(raster, ax=ax) is fig
    assert len(fig.axes) == 1
    assert offsets(one(fig, "raster")) == [(0, 0), (1, 1), (2, 2)]
    fig2 = Figure()
    axes = fig2.subplots(1, 2)
    assert viz.plot_neuron_activity(raster, ax=axes) is fig2
    assert [p.get_width() for p in axes[1].patches] == [1 / 3, 1 / 3, 1 / 3]


def test_activity_bad_input(chain):
    with pytest.raises(ValueError, match="2-D"):
        viz.plot_neuron_activity(np.zeros(10, bool))
    with pytest.raises(ValueError, match="2-D"):
        viz.plot_neuron_activity(np.zeros((2, 3, 4), bool))
    with pytest.raises(ValueError, match="labels"):
        viz.plot_neuron_activity(np.zeros((5, 3), bool), neuron_ids=["a", "b"])
    with pytest.raises(ValueError):
        viz.plot_neuron_activity((np.array([0, 1]), np.array([0])))
    with pytest.raises(ValueError):
        viz.plot_neuron_activity(chain, simulation_steps=-1)
    with pytest.raises(ValueError):
        viz.plot_neuron_activity(np.zeros((4, 2)), ax=[plt.figure().add_subplot()])
    plt.close("all")


def test_activity_raster_from_log(chain, tmp_path):
    chain.inject("S0", 1.0)
    log = []
    for t in range(5):
        chain.step()
        log.append((t, chain.get_firing_neurons()))
    path = tmp_path / "log.png"
    fig = viz.plot_activity_raster(log, path)
    assert_png(path, fig)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["H0", "H1", "O0", "S0"]              # ordered by id
    assert offsets(one(fig, "raster")) == [(0, 3), (1, 0), (2, 1), (3, 2)]


# ---------------------------------------------------------------- evolution
EVO = {"best_fitness_hist": [0.5, 0.8, 1.1], "best_acc_hist": [0.4, 0.6, 0.9],
       "best_margin_hist": [0.1, 0.3, 0.2], "mean_fitness_hist": [0.2, 0.4, 0.7],
       "median_fitness_hist": [0.25, 0.35, 0.6]}


def test_evolution_result(tmp_path):
    path = tmp_path / "evo.png"
    fig = viz.plot_evolution_result(SimpleNamespace(**EVO), save_path=path)
    assert_png(path, fig)
    assert len(fig.axes) == 3
    fit_lines = fig.axes[0].get_lines()
    assert [l.get_label() for l in fit_lines] == ["best fitness", "mean fitness", "median fitness"]
    assert np.allclose(fit_lines[0].get_ydata(), EVO["best_fitness_hist"])
    assert fit_lines[0].get_xdata().tolist() == [0, 1, 2]
    assert np.allclose(fig.axes[1].get_lines()[0].get_ydata(), EVO["best_acc_hist"])
    assert np.allclose(fig.axes[2].get_lines()[0].get_ydata(), EVO["best_margin_hist"])


def test_evolution_result_dict_axes_and_bad():
    only_best = {k: EVO[k] for k in ("best_fitness_hist", "best_acc_hist", "best_margin_hist")}
    assert len(viz.plot_evolution_result(only_best).axes[0].get_lines()) == 1
    from matplotlib.figure import Figure
    fig = Figure()
    ax = fig.add_subplot()
    assert viz.plot_evolution_result(EVO, ax=ax) is fig
    assert len(ax.get_lines()) == 5
    with pytest.raises(ValueError):
        viz.plot_evolution_result({"something": [1, 2]})


# ---------------------------------------------------------------- lineage
LINEAGE = [
    {"id": 0, "parent": None, "generation": 0, "fitness": 0.3, "accuracy": 0.5},
    {"id": 1, "parent": None, "generation": 0, "fitness": 0.6, "accuracy": 0.6},
    {"id": 2, "parent": 1, "generation": 1, "fitness": 0.5, "accuracy": 0.6},
    {"id": 3, "parent": 0, "generation": 1, "fitness": 0.7, "accuracy": 0.7},
    {"id": 4, "parent": 3, "generation": 2, "fitness": 0.9, "accuracy": 0.8},
    {"id": 5, "parent": 2, "generation": 2, "fitness": 0.4, "accuracy": 0.5},
]


def test_lineage(tmp_path):
    path = tmp_path / "lin.png"
    fig = viz.plot_lineage(LINEAGE, save_path=path)
    assert_png(path, fig)
    # best = id 4; its ancestry 0 -> 3 -> 4; (generation, rank by fitness)
    best = one(fig, "best_path")
    assert best.get_xdata().tolist() == [0, 1, 2]
    assert best.get_ydata().tolist() == [1, 0, 0]
    assert len(one(fig, "lineage_edges").get_segments()) == 4
    assert offsets(one(fig, "lineage_nodes")) == [(0, 0), (0, 1), (1, 0), (1, 1), (2, 0), (2, 1)]


def test_lineage_json_gliagl_format_and_axes(tmp_path):
    nodes = [{"id": d["id"], "parent": -1 if d["parent"] is None else d["parent"], "gen": d["generation"],
              "fitness": d["fitness"], "acc": d["accuracy"]} for d in LINEAGE]
    p = tmp_path / "lineage.json"
    p.write_text(json.dumps({"nodes": nodes}))
    from matplotlib.figure import Figure
    fig = Figure()
    ax = fig.add_subplot()
    assert viz.plot_lineage(str(p), ax=ax) is fig
    assert one(fig, "best_path").get_ydata().tolist() == [1, 0, 0]
    with pytest.raises(ValueError, match="duplicate"):
        viz.plot_lineage(LINEAGE + [LINEAGE[0]])
    with pytest.raises(ValueError):
        viz.plot_lineage([{"id": 1, "fitness": 0.1}])


# ---------------------------------------------------------------- GliaGL names
def test_gliagl_shorthands(mixed, tmp_path):
    fig = viz.plot_network(mixed, tmp_path / "n.png")
    assert_png(tmp_path / "n.png", fig)
    fig = viz.plot_weights(mixed, output_path=tmp_path / "w.png")
    assert_png(tmp_path / "w.png", fig)
    fig = viz.plot_training_history(HIST, tmp_path / "h.png")
    assert_png(tmp_path / "h.png", fig)
    fig = viz.plot_neuron_activity(mixed, 20, {"S0": 150.0}, None, output_path=tmp_path / "a.png", dpi=100)
    assert_png(tmp_path / "a.png", fig, dpi=100)


def test_figure_displays_in_notebooks_and_pickles(chain):
    import pickle
    fig = viz.plot_network_graph(chain)
    png = fig._repr_png_()
    assert png[:8] == PNG_MAGIC and len(png) > 5000
    back = pickle.loads(pickle.dumps(fig))
    assert len(back.axes) == 1


def test_confusion_matrix(tmp_path):
    import matplotlib.image as mpimg
    from glia import viz
    t = ["O0", "O0", "O1", "O1", "O2"]
    p = ["O0", "O1", "O1", "", "O2"]
    fig = viz.plot_confusion_matrix(t, p, save_path=tmp_path / "cm.png")
    img = mpimg.imread(tmp_path / "cm.png")
    assert img.shape[0] > 50 and img.shape[1] > 50
    ax = fig.axes[0]
    texts = [x.get_text() for x in ax.texts]
    assert texts == ["1", "1", "0", "0", "0", "1", "0", "1", "0", "0", "1", "0"]
    assert [l.get_text() for l in ax.get_xticklabels()] == ["O0", "O1", "O2", "none"]
    assert "accuracy 0.600" in ax.get_title()
    with pytest.raises(ValueError):
        viz.plot_confusion_matrix(["O0"], ["O0", "O1"])

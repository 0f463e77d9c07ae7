"""glia.to_nir / glia.from_nir: round trips bit for bit, hand-built NIR graphs against a
NumPy simulation of NIR's discrete semantics, error cases, the graph never modified."""
import copy
import sys

import nir            # in the test extra: a missing nir fails here, it is never skipped
import numpy as np
import pytest

import glia

F32 = np.float32
DT = 1e-4


# ------------------------------------------------------------------------------ helpers
def f32(x):
    return np.asarray(x, np.float64).astype(F32)


def graph_equal(a, b):
    """Deep comparison of two NIR nodes (arrays by value and dtype, dicts, lists)."""
    def eq(x, y):
        if isinstance(x, nir.NIRNode) or isinstance(y, nir.NIRNode):
            return type(x) is type(y) and eq(vars(x), vars(y))
        if isinstance(x, dict):
            return isinstance(y, dict) and x.keys() == y.keys() and all(eq(x[k], y[k]) for k in x)
        if isinstance(x, (list, tuple)):
            return isinstance(y, (list, tuple)) and len(x) == len(y) and all(map(eq, x, y))
        if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
            x, y = np.asarray(x), np.asarray(y)
            return x.dtype == y.dtype and x.shape == y.shape and np.array_equal(x, y, equal_nan=True)
        return x == y
    return eq(a, b)


def lif(beta, thr, *, r_scale=1.0, v_leak=None):
    beta = np.asarray(beta, np.float64)
    tau = DT / (1.0 - beta)
    return nir.LIF(tau=tau, r=r_scale * tau / DT, v_leak=np.zeros_like(tau) if v_leak is None else v_leak,
                   v_threshold=np.asarray(thr, np.float64), v_reset=np.zeros_like(tau))


def cubalif(alpha, beta, thr):
    alpha, beta = np.asarray(alpha, np.float64), np.asarray(beta, np.float64)
    tau_syn, tau_mem = DT / (1.0 - alpha), DT / (1.0 - beta)
    return nir.CubaLIF(tau_syn=tau_syn, tau_mem=tau_mem, r=tau_mem / DT, v_leak=np.zeros_like(tau_mem),
                       v_threshold=np.asarray(thr, np.float64), w_in=tau_syn / DT)


def reference(layers, X):
    """NIR's discrete semantics in plain NumPy float32, layer after layer in one time step.

    Each layer: kind, beta, alpha (synaptic decay), thr (None: never fires), W (its input
    weights, already scaled: n x n_prev), R (recurrent weights or None: the previous step's
    spikes), b (constant input or None). One step of layer k at time t:
        I = alpha*I + W s_{k-1}(t) + R s_k(t-1) + b     (summed source by source, in order)
        v = beta*v + I;  s = v > thr;  v = 0 where s
    (reset "subtract_delayed": v = beta*v + I - thr where s(t-1);  s = v > thr; no reset).
    Returns per layer the spikes (T, n) and the values (T, n)."""
    T = X.shape[0]
    n = [lay["W"].shape[0] for lay in layers]
    v = [np.zeros(k, F32) for k in n]
    cur = [np.zeros(k, F32) for k in n]
    last = [np.zeros(k, bool) for k in n]
    spikes = [np.zeros((T, k), bool) for k in n]
    values = [np.zeros((T, k), F32) for k in n]
    for t in range(T):
        below = X[t] > 0
        for k, lay in enumerate(layers):
            acc = (F32(lay.get("alpha", 0.0)) * cur[k]).astype(F32)
            for j in np.flatnonzero(below):
                acc = (acc + lay["W"][:, j]).astype(F32)
            if lay.get("R") is not None:
                for j in np.flatnonzero(last[k]):
                    acc = (acc + lay["R"][:, j]).astype(F32)
            if lay.get("b") is not None:
                acc = (acc + lay["b"]).astype(F32)
            cur[k] = acc
            u = (lay["beta"] * v[k] + acc).astype(F32)
            delayed = lay.get("reset") == "subtract_delayed"
            if delayed:         # snnTorch's default: the threshold of a spike comes off next step
                u = np.where(last[k], (u - lay["thr"]).astype(F32), u)
            s = u > lay["thr"] if lay["thr"] is not None else np.zeros(n[k], bool)
            v[k] = u if delayed else np.where(s, F32(0), u).astype(F32)
            spikes[k][t], values[k][t] = s, v[k]
            last[k] = s
            below = s
    return spikes, values


def chain_graph(rng, sizes, *, kinds=None, bias=True, recurrent=(), r_scale=1.0):
    """Input -> (Affine -> neuron node) per layer -> Output, random weights of both signs;
    returns the graph and the reference's layer list."""
    kinds = kinds or ["LIF"] * (len(sizes) - 1)
    nodes = {"input": nir.Input(input_type=np.array([sizes[0]]))}
    edges, layers, prev = [], [], "input"
    for k, (n_prev, n) in enumerate(zip(sizes[:-1], sizes[1:])):
        W = rng.normal(0.45, 0.5, (n, n_prev)).astype(F32)
        b = rng.normal(0.05, 0.1, n).astype(F32) if bias else None
        beta = f32(rng.uniform(0.5, 0.95, n))
        thr = f32(rng.uniform(0.8, 1.5, n))
        kind = kinds[k]
        lay = {"beta": beta, "thr": thr, "R": None, "b": None}
        if kind == "LIF":
            node = lif(beta, thr, r_scale=r_scale)
            scale = np.full(n, r_scale)
        elif kind == "IF":
            node = nir.IF(r=np.full(n, r_scale), v_threshold=thr.astype(np.float64))
            lay["beta"] = np.ones(n, F32)
            scale = np.full(n, r_scale)
        elif kind == "LI":
            tau = DT / (1.0 - beta.astype(np.float64))
            node = nir.LI(tau=tau, r=r_scale * tau / DT, v_leak=np.zeros(n))
            lay["thr"] = None
            scale = np.full(n, r_scale)
        elif kind == "CubaLIF":
            alpha = f32(rng.uniform(0.3, 0.9, n))
            node = cubalif(alpha, beta, thr)
            lay["alpha"] = alpha
            scale = np.ones(n)
        else:
            raise AssertionError(kind)
        name, wname = f"{kind.lower()}{k}", f"fc{k}"
        nodes[wname] = nir.Affine(weight=W, bias=b) if bias else nir.Linear(weight=W)
        nodes[name] = node
        edges += [(prev, wname), (wname, name)]
        lay["W"] = f32(W.astype(np.float64) * scale[:, None])
        if bias:
            lay["b"] = f32(b.astype(np.float64) * scale)
        if k in recurrent:
            R = rng.normal(0.0, 0.4, (n, n)).astype(F32)
            nodes[f"rec{k}"] = nir.Linear(weight=R)
            edges += [(name, f"rec{k}"), (f"rec{k}", name)]
            lay["R"] = f32(R.astype(np.float64) * scale[:, None])
        layers.append(lay)
        prev = name
    nodes["output"] = nir.Output(output_type=np.array([sizes[-1]]))
    edges.append((prev, "output"))
    return nir.NIRGraph(nodes=nodes, edges=edges, metadata={"dt": DT}), layers


def layer_columns(net, sizes):
    """Columns of each neuron layer in a from_nir network's raster: inputs S, then the
    layers in order (hidden H…, the last O…)."""
    ids = net.neuron_ids
    cols, start = [], sizes[0]
    for n in sizes[1:]:
        cols.append(list(range(start, start + n)))
        start += n
    return cols, ids


def check_against_reference(graph, layers, sizes, *, T=300, seed=1, values_of_last=False):
    net = glia.from_nir(graph)
    X = (np.random.default_rng(seed).random((T, sizes[0])) < 0.3).astype(F32)
    trace = [i for i in net.neuron_ids if i.startswith("O")] if values_of_last else None
    out = net.run(X, reset=True, trace=trace)
    raster, tr = (out if trace else (out, None))
    spikes, values = reference(layers, X)
    cols, ids = layer_columns(net, sizes)
    for k, c in enumerate(cols):
        d = k + 1                                   # layer k is k+1 steps behind the input
        np.testing.assert_array_equal(raster[d:, c], spikes[k][:T - d], err_msg=f"layer {k}")
    if values_of_last:
        d = len(cols)
        np.testing.assert_array_equal(tr[d:], values[-1][:T - d])
    return net, raster, spikes


# ------------------------------------------------------------------------------ import
def test_lif_chain_with_biases_matches_nir_semantics():
    rng = np.random.default_rng(0)
    sizes = [6, 10, 5]
    graph, layers = chain_graph(rng, sizes)
    net, raster, spikes = check_against_reference(graph, layers, sizes)
    assert all(s.sum() > 20 for s in spikes)                       # every layer is active
    assert all((~s).sum() > 20 for s in spikes)
    ids = net.neuron_ids
    assert ids[:6] == [f"S{i}" for i in range(6)]
    assert ids[6:16] == [f"H{i}" for i in range(10)] and ids[16:21] == [f"O{i}" for i in range(5)]
    assert ids[21:] == ["B1", "B2"]                              # the biases of layers 1 and 2
    f = net.get_features()
    assert not f["floor"][6:21].any()                              # NIR has no floor
    assert np.array_equal(f["bias"], np.r_[np.zeros(21), 1.0, 0.0].astype(F32))


def test_lif_input_scale_other_than_one():
    rng = np.random.default_rng(5)
    sizes = [4, 7, 3]
    graph, layers = chain_graph(rng, sizes, r_scale=1.7, bias=False)
    _, raster, spikes = check_against_reference(graph, layers, sizes)
    assert spikes[0].sum() > 20


def test_if_and_li_layers():
    rng = np.random.default_rng(2)
    sizes = [5, 8, 4]
    graph, layers = chain_graph(rng, sizes, kinds=["IF", "LI"], bias=True)
    for lay in layers[:1]:
        lay["thr"] = lay["thr"] * F32(3)
    graph.nodes["if0"].v_threshold = graph.nodes["if0"].v_threshold * 3
    net, raster, spikes = check_against_reference(graph, layers, sizes, values_of_last=True)
    assert spikes[0].sum() > 10
    o = [k for k, i in enumerate(net.neuron_ids) if i.startswith("O")]
    assert not raster[:, o].any()                                  # LI readouts never fire


def test_cubalif_with_recurrence():
    rng = np.random.default_rng(3)
    sizes = [5, 9, 4]
    graph, layers = chain_graph(rng, sizes, kinds=["CubaLIF", "CubaLIF"], recurrent=(0,))
    net, raster, spikes = check_against_reference(graph, layers, sizes)
    assert spikes[0].sum() > 20 and spikes[1].sum() > 10
    f = net.get_features()
    a = f["alpha"][5:5 + 9]
    assert np.array_equal(a, layers[0]["alpha"])


def test_recurrent_subgraph_as_snntorch_writes_it():
    """snnTorch writes RLeaky as a subgraph {input, lif, w_rec, output}."""
    rng = np.random.default_rng(4)
    sizes = [5, 8]
    n = 8
    W = rng.normal(0.4, 0.5, (n, 5)).astype(F32)
    R = rng.normal(0.0, 0.4, (n, n)).astype(F32)
    beta, thr = f32(rng.uniform(0.6, 0.9, n)), f32(np.full(n, 1.0))
    sub = nir.NIRGraph(nodes={"input": nir.Input(input_type=np.array([n])), "lif": lif(beta, thr),
                              "w_rec": nir.Linear(weight=R), "output": nir.Output(output_type=np.array([n]))},
                       edges=[("input", "lif"), ("lif", "w_rec"), ("w_rec", "lif"), ("lif", "output")])
    graph = nir.NIRGraph(nodes={"input": nir.Input(input_type=np.array([5])), "fc": nir.Linear(weight=W),
                                "rnn": sub, "output": nir.Output(output_type=np.array([n]))},
                         edges=[("input", "fc"), ("fc", "rnn"), ("rnn", "output")], metadata={"dt": DT})
    layers = [{"beta": beta, "thr": thr, "W": W, "R": R}]
    _, raster, spikes = check_against_reference(graph, layers, sizes)
    assert spikes[0].sum() > 20


def test_direct_input_is_injected_without_delay():
    """Input -> LIF (identity): the LIF neurons are the sensory neurons, no layer of delay;
    real-valued inputs act as currents."""
    n = 4
    beta, thr = f32([0.9, 0.8, 0.5, 0.0]), f32([1.0, 0.7, 2.0, 0.3])
    graph = nir.NIRGraph(nodes={"input": nir.Input(input_type=np.array([n])), "lif": lif(beta, thr),
                                "output": nir.Output(output_type=np.array([n]))},
                         edges=[("input", "lif"), ("lif", "output")], metadata={"dt": DT})
    net = glia.from_nir(graph)
    assert net.neuron_ids == ["S0", "S1", "S2", "S3"] and net.num_sensory == 4
    X = np.random.default_rng(0).uniform(-0.5, 1.0, (200, n)).astype(F32)
    raster = net.run(X, reset=True)
    v = np.zeros(n, F32)
    for t in range(200):
        u = (beta * v + X[t]).astype(F32)
        s = u > thr
        np.testing.assert_array_equal(raster[t], s)
        v = np.where(s, F32(0), u)


def test_file_path_and_dt_from_argument(tmp_path):
    rng = np.random.default_rng(6)
    sizes = [3, 4]
    graph, layers = chain_graph(rng, sizes, bias=False)
    graph.metadata = {}
    path = tmp_path / "g.nir"
    nir.write(path, graph)
    with pytest.raises(ValueError, match=r"node 'lif0' \(LIF\) needs the time step.*pass dt="):
        glia.from_nir(path)
    a = glia.from_nir(path, dt=DT)
    b = glia.from_nir(graph, dt=DT)
    assert a.get_weights()[2].tolist() == b.get_weights()[2].tolist()
    with pytest.raises(FileNotFoundError):
        glia.from_nir(tmp_path / "missing.nir")
    with pytest.raises(TypeError, match="graph_or_path"):
        glia.from_nir(42)


def test_graph_is_not_modified():
    rng = np.random.default_rng(7)
    graph, _ = chain_graph(rng, [4, 6, 3], kinds=["CubaLIF", "LIF"], recurrent=(0, 1))
    before = copy.deepcopy(graph)
    glia.from_nir(graph)
    assert graph_equal(graph, before)


# ------------------------------------------------------------------------------ errors
def test_unknown_node_type_names_the_node():
    g = nir.NIRGraph(nodes={"input": nir.Input(input_type=np.array([3])),
                            "thr": nir.Threshold(threshold=np.ones(3)),
                            "output": nir.Output(output_type=np.array([3]))},
                     edges=[("input", "thr"), ("thr", "output")], metadata={"dt": DT})
    with pytest.raises(ValueError, match=r"node 'thr': NIR Threshold has no glia equivalent"):
        glia.from_nir(g)


def _one_node(node, n=3):
    return nir.NIRGraph(nodes={"input": nir.Input(input_type=np.array([n])),
                               "fc": nir.Linear(weight=np.full((n, n), 0.5)), "pop": node,
                               "output": nir.Output(output_type=np.array([n]))},
                        edges=[("input", "fc"), ("fc", "pop"), ("pop", "output")], metadata={"dt": DT})


def test_unsupported_parameters():
    node = lif(np.full(3, 0.9), np.ones(3))
    node.v_reset = np.full(3, 0.2)
    with pytest.raises(ValueError, match=r"node 'pop' \(LIF\): v_reset other than 0"):
        glia.from_nir(_one_node(node))
    with pytest.warns(UserWarning, match="v_reset other than 0"):
        net = glia.from_nir(_one_node(node), strict=False)
    assert net.get_neuron("O0").resting == pytest.approx(0.2)
    cl = cubalif(np.full(3, 0.5), np.full(3, 0.9), np.ones(3))
    cl.v_leak = np.full(3, 0.1)
    with pytest.raises(ValueError, match=r"node 'pop' \(CubaLIF\): v_leak other than 0"):
        glia.from_nir(_one_node(cl))
    fast = lif(np.full(3, 0.9), np.ones(3))
    fast.tau = np.full(3, DT / 2)
    with pytest.raises(ValueError, match=r"tau < dt"):
        glia.from_nir(_one_node(fast))
    wide = nir.LIF(tau=np.ones((2, 2)), r=np.ones((2, 2)), v_leak=np.zeros((2, 2)),
                   v_threshold=np.ones((2, 2)))
    with pytest.raises(ValueError, match="1-D neuron nodes only"):
        glia.from_nir(nir.NIRGraph(nodes={"pop": wide}, edges=[], metadata={"dt": DT}, type_check=False))


def test_paths_of_different_length_are_an_error():
    n = 3
    nodes = {"input": nir.Input(input_type=np.array([n])), "a": nir.Linear(weight=np.eye(n) * 0.7),
             "l1": lif(np.full(n, 0.9), np.ones(n)), "b": nir.Linear(weight=np.eye(n) * 0.7),
             "skip": nir.Linear(weight=np.eye(n) * 0.3), "l2": lif(np.full(n, 0.9), np.ones(n)),
             "output": nir.Output(output_type=np.array([n]))}
    edges = [("input", "a"), ("a", "l1"), ("l1", "b"), ("b", "l2"), ("input", "skip"), ("skip", "l2"),
             ("l2", "output")]
    g = nir.NIRGraph(nodes=nodes, edges=edges, metadata={"dt": DT})
    with pytest.raises(ValueError, match=r"nodes \['l2'\] are reached through paths of different "
                                         r"lengths \(layer 1, 2\)"):
        glia.from_nir(g)
    with pytest.warns(UserWarning, match="placed at layer 2"):
        glia.from_nir(g, strict=False)


def test_missing_nir_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "nir", None)
    with pytest.raises(ImportError, match=r"pip install 'glia\[nir\]'"):
        glia.to_nir(glia.Network())
    with pytest.raises(ImportError, match=r"pip install 'glia\[nir\]'"):
        glia.from_nir("x.nir")


# ------------------------------------------------------------------------------ export
def small_network():
    net = glia.Network()
    for i in range(3):
        net.add_neuron(f"S{i}", 0.5, 1.0)
    net.add_neuron("H0", 1.0, 0.9)
    net.add_neuron("H1", 0.8, 0.75)
    net.add_neuron("O0", 1.5, 1.0)
    net.set_weights(["S0", "S1", "S2", "H0", "H1", "H0", "H1", "O0"],
                    ["H0", "H1", "H1", "H1", "O0", "H0", "H0", "H0"],
                    [0.7, 0.6, 0.5, 0.4, 1.2, 0.3, 0.25, 0.1])
    return net


def test_export_structure_and_metadata():
    net = small_network()
    g = glia.to_nir(net, dt=1e-3)
    assert g.metadata["dt"] == 1e-3
    assert g.metadata["glia_ids"].split("\n") == net.neuron_ids
    assert g.metadata["glia_num_sensory"] == 3 and "glia_approximations" not in g.metadata
    lif_, if_ = g.nodes["lif"], g.nodes["if"]
    assert lif_.tau.dtype == np.float64 and np.array_equal(lif_.metadata["glia_index"], [3, 4])
    assert np.array_equal(if_.metadata["glia_index"], [0, 1, 2, 5])
    np.testing.assert_array_equal(f32(1 - 1e-3 / lif_.tau), f32([0.9, 0.75]))
    np.testing.assert_array_equal(lif_.r * 1e-3 / lif_.tau, [1.0, 1.0])
    assert np.array_equal(g.nodes["w_lif_lif"].weight, f32([[0.3, 0.25], [0.4, 0.0]]))
    assert np.array_equal(g.nodes["w_if_lif"].weight, f32([[0.7, 0, 0, 0.1], [0, 0.6, 0.5, 0]]))
    assert np.array_equal(g.nodes["w_lif_if"].weight, f32([[0, 0], [0, 0], [0, 0], [0, 1.2]]))
    assert "w_if_if" not in g.nodes                     # no IF -> IF edge: nothing written
    assert np.array_equal(g.nodes["in_if"].weight, f32(np.eye(4, 3)))
    g.check_types()


def test_round_trip_today_model(tmp_path):
    net = small_network()
    g = glia.to_nir(net)
    back = glia.from_nir(g)
    assert_same_network(net, back)
    nir.write(tmp_path / "n.nir", g)
    assert_same_network(net, glia.from_nir(tmp_path / "n.nir"))


def assert_same_network(a, b, T=200, seed=0):
    assert a.neuron_ids == b.neuron_ids and a.num_sensory == b.num_sensory
    sa, sb = a.get_state(), b.get_state()
    for x, y in zip(sa[2:], sb[2:]):
        assert x.dtype == y.dtype and np.array_equal(x, y)
    ra = np.array([a.get_neuron(i).resting for i in a.neuron_ids], F32)
    rb = np.array([b.get_neuron(i).resting for i in b.neuron_ids], F32)
    assert np.array_equal(ra, rb)
    wa, wb = a.get_weights(), b.get_weights()
    assert wa[0] == wb[0] and wa[1] == wb[1] and np.array_equal(wa[2], wb[2])
    if hasattr(a, "get_features"):
        fa, fb = a.get_features(), b.get_features()
        for k in ("floor", "reset", "alpha", "bias"):
            assert np.array_equal(np.asarray(fa[k]), np.asarray(fb[k])), k
    X = (np.random.default_rng(seed).random((T, a.num_sensory)) < 0.3).astype(F32)
    assert np.array_equal(a.run(X, reset=True), b.run(X, reset=True))


def random_network(seed, *, features=True, n_s=4, n_h=12, n_o=3, p=0.35):
    rng = np.random.default_rng(seed)
    net = glia.Network()
    ids = [f"S{i}" for i in range(n_s)] + [f"H{i}" for i in range(n_h)] + [f"O{i}" for i in range(n_o)]
    for i in ids:
        leak = float(rng.choice([1.0, 0.0, rng.uniform(0.3, 0.99)]))
        net.add_neuron(i, float(rng.uniform(0.3, 1.5)), leak, float(rng.choice([0.0, rng.uniform(-0.2, 0.2)])))
    n = len(ids)
    mask = (rng.random((n, n)) < p) & ~np.eye(n, dtype=bool)
    s, d = np.nonzero(mask)
    net.set_edges(s.astype(np.int32), d.astype(np.int32), rng.normal(0.3, 0.6, s.size).astype(F32))
    if features:
        net.set_features(floor=rng.random(n) < 0.5,
                         reset=list(rng.choice(["resting", "subtract", "subtract_delayed"], n)),
                         alpha=np.where(rng.random(n) < 0.5, rng.uniform(0, 0.95, n), 0).astype(F32),
                         bias=np.where(rng.random(n) < 0.5, rng.normal(0, 0.1, n), 0).astype(F32))
    return net


@pytest.mark.parametrize("seed", range(6))
def test_round_trip_random_networks_with_every_feature(seed, tmp_path):
    net = random_network(seed)
    with pytest.raises(ValueError, match="not exactly representable in NIR"):
        glia.to_nir(net)
    g = glia.to_nir(net, strict=False)
    approx = g.metadata["glia_approximations"]
    assert "floor" in approx and "resting value" in approx and "subtract reset" in approx
    back = glia.from_nir(g)
    assert_same_network(net, back)
    nir.write(tmp_path / "r.nir", g)
    assert_same_network(net, glia.from_nir(tmp_path / "r.nir"))


@pytest.mark.parametrize("seed", range(3))
def test_round_trip_random_networks_today_model(seed):
    net = random_network(seed, features=False)
    g = glia.to_nir(net, strict=False)
    assert_same_network(net, glia.from_nir(g))


def test_strict_export_errors_name_the_neurons():
    net = small_network()
    net.set_weights(["H0"], ["O0"], [-0.5])
    with pytest.raises(ValueError, match=r"the 0 floor can act.*\(neurons O0\)"):
        glia.to_nir(net)
    net.set_weights(["H0"], ["O0"], [0.5])
    net.get_neuron("H1").resting = 0.25
    with pytest.raises(ValueError, match=r"resting value other than 0: NIR neurons start at 0 \(neurons H1\)"):
        glia.to_nir(net)
    g = glia.to_nir(net, strict=False)
    assert g.metadata["glia_approximations"].startswith("resting value other than 0")
    with pytest.raises(ValueError, match="dt must be a positive finite number"):
        glia.to_nir(net, dt=0)


def test_export_does_not_change_the_network():
    net = small_network()
    before = net.to_string()
    glia.to_nir(net)
    assert net.to_string() == before


def test_v_leak_and_affine_readout():
    """LIF's v_leak is a constant input (dt/tau)*v_leak from the layer's first step; an
    Affine read out directly gives neurons of leak 0 that never fire, valued W s + b."""
    rng = np.random.default_rng(8)
    n_in, n, n_out = 4, 6, 3
    W1 = rng.normal(0.4, 0.4, (n, n_in)).astype(F32)
    W2 = rng.normal(0.0, 1.0, (n_out, n)).astype(F32)
    b2 = rng.normal(0.0, 0.5, n_out).astype(F32)
    beta, thr = f32(rng.uniform(0.6, 0.9, n)), f32(np.full(n, 1.0))
    v_leak = rng.uniform(0.5, 2.0, n)
    node = lif(beta, thr, v_leak=v_leak)
    g = nir.NIRGraph(nodes={"input": nir.Input(input_type=np.array([n_in])), "fc": nir.Linear(weight=W1),
                            "lif": node, "ro": nir.Affine(weight=W2, bias=b2),
                            "output": nir.Output(output_type=np.array([n_out]))},
                     edges=[("input", "fc"), ("fc", "lif"), ("lif", "ro"), ("ro", "output")],
                     metadata={"dt": DT})
    net = glia.from_nir(g)
    ids = net.neuron_ids
    assert ids == [f"S{i}" for i in range(n_in)] + [f"H{i}" for i in range(n)] + \
        [f"O{i}" for i in range(n_out)] + ["B1", "B2"]
    drive = f32(v_leak * DT / node.tau)
    ro = {"beta": np.zeros(n_out, F32), "thr": None, "W": W2, "b": b2}
    layers = [{"beta": beta, "thr": thr, "W": W1, "b": drive}, ro]
    T = 200
    X = (np.random.default_rng(9).random((T, n_in)) < 0.3).astype(F32)
    raster, vals = net.run(X, reset=True, trace=[f"O{i}" for i in range(n_out)])
    spikes, values = reference(layers, X)
    np.testing.assert_array_equal(raster[1:, n_in:n_in + n], spikes[0][:T - 1])
    np.testing.assert_array_equal(vals[2:], values[1][:T - 2])
    assert spikes[0].sum() > 50 and not raster[:, n_in + n:n_in + n + n_out].any()


def test_two_inputs_channels_in_node_order():
    n = 3
    g = nir.NIRGraph(nodes={"a": nir.Input(input_type=np.array([2])), "b": nir.Input(input_type=np.array([1])),
                            "fa": nir.Linear(weight=np.full((n, 2), 0.6)), "fb": nir.Linear(weight=np.full((n, 1), 2.0)),
                            "lif": lif(np.full(n, 0.5), np.ones(n)), "output": nir.Output(output_type=np.array([n]))},
                     edges=[("a", "fa"), ("b", "fb"), ("fa", "lif"), ("fb", "lif"), ("lif", "output")],
                     metadata={"dt": DT})
    net = glia.from_nir(g)
    assert net.sensory_ids == ["S0", "S1", "S2"]
    w = dict(zip(zip(*net.get_weights()[:2]), net.get_weights()[2].tolist()))
    assert w[("S0", "O0")] == pytest.approx(0.6) and w[("S2", "O0")] == 2.0


def test_empty_network_round_trip():
    g = glia.to_nir(glia.Network())
    back = glia.from_nir(g)
    assert back.num_neurons == 0 and g.metadata["glia_ids"] == ""


def test_delayed_subtract_reset_from_node_metadata():
    """snnTorch's default reset, which its exporter leaves out: a node's
    metadata["glia_reset"] = "subtract_delayed" selects it."""
    rng = np.random.default_rng(10)
    sizes = [5, 8, 4]
    graph, layers = chain_graph(rng, sizes, recurrent=(0,))
    for name in ("lif0", "lif1"):
        graph.nodes[name].metadata = {"glia_reset": "subtract_delayed"}
    for lay in layers:
        lay["reset"] = "subtract_delayed"
    net, raster, spikes = check_against_reference(graph, layers, sizes)
    assert spikes[0].sum() > 50 and spikes[1].sum() > 20
    assert set(net.get_features()["reset"][5:17]) == {"subtract_delayed"}
    graph.nodes["lif0"].metadata = {"glia_reset": "sometimes"}
    with pytest.raises(ValueError, match=r"node 'lif0': metadata glia_reset 'sometimes' is not one of"):
        glia.from_nir(graph)

"""NIR in and out: :func:`to_nir` and :func:`from_nir`.

NIR, the Neuromorphic Intermediate Representation (the ``nir`` package, ``pip install
'glia[nir]'``), is how spiking models move between snnTorch, Norse, Sinabs, Rockpool, Lava
and neuromorphic hardware. What maps to what, the discretisation and the time shift per
layer are in docs/nir.md; in short:

- NIR describes neurons in continuous time; a step of ``dt`` follows snnTorch's (Euler)
  convention: a LIF node's leak is ``1 - dt/tau`` and its input is scaled by ``r*dt/tau``
  (CubaLIF: the synaptic decay is ``1 - dt/tau_syn``, the input scaled by
  ``(r*dt/tau_mem)*(dt/tau_syn)*w_in``); IF and I add ``r*input`` per step (Norse's
  convention). Every factor is computed in float64 and rounded once to glia's float32.
- glia delays every edge by one step. NIR's feed-forward edges take no time, its recurrent
  edges (those on a cycle of neuron nodes) one step. So a graph imports with each layer one
  step later than the one before it: the neurons of a node ``d`` layers from the input fire
  at glia step ``t + d`` where the NIR graph has them fire at time ``t``.
- An input channel that feeds one neuron with weight 1 becomes that neuron's injection
  (glia's sensory neurons are those neurons); any other input gets a sensory neuron per
  channel that fires at the step its input is positive (feed it 0/1 spikes), one layer.
- :func:`to_nir` writes glia's neurons as one LIF or CubaLIF node (leak < 1) and one IF node
  (leak 1) joined by Linear nodes, every edge on the recurrent loop, so every edge keeps its
  one step; neuron ids, ``dt`` and glia's own per-neuron settings travel in the metadata,
  so ``from_nir(to_nir(net))`` gives ``net`` back bit for bit.

Example::

    graph = glia.to_nir(net)              # a nir.NIRGraph
    nir.write("model.nir", graph)
    net2 = glia.from_nir("model.nir")     # the same network
"""
from __future__ import annotations

import math
import os
import warnings
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from glia._core import RESET_MODES, Network
from glia._info import __version__

__all__ = ["to_nir", "from_nir", "DEFAULT_DT"]

DEFAULT_DT = 1e-4
"""The time step ``to_nir`` writes by default: snnTorch's NIR import assumes 1e-4 s."""

_NEVER_FIRES = float(np.finfo(np.float32).max)   # threshold of readout neurons (LI, CubaLI, I)
_POPULATION_TYPES = ("LIF", "IF", "CubaLIF", "LI", "CubaLI", "I")
_META_IDS = "glia_ids"


def _nir():
    try:
        import nir
    except ImportError:
        raise ImportError("glia.to_nir and glia.from_nir need the nir package: "
                          "pip install 'glia[nir]'") from None
    return nir


def _reset_modes():
    return tuple(RESET_MODES)


def _features(net) -> Dict[str, np.ndarray]:
    """The per-neuron features in neuron_ids order."""
    f = net.get_features()
    return {"floor": np.asarray(f["floor"], bool), "reset": np.asarray(f["reset"], dtype=object),
            "alpha": np.asarray(f["alpha"], np.float32), "bias": np.asarray(f["bias"], np.float32)}


def _check_dt(dt, name="dt") -> float:
    try:
        v = float(dt)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a positive number, got {dt!r}") from None
    if not (math.isfinite(v) and v > 0):
        raise ValueError(f"{name} must be a positive finite number, got {dt!r}")
    return v


def _f32(x) -> np.ndarray:
    return np.asarray(x, dtype=np.float64).astype(np.float32)


def _fmt_ids(ids: List[str], limit: int = 5) -> str:
    s = ", ".join(ids[:limit])
    return s + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


# ------------------------------------------------------------------------------ to_nir
def to_nir(net, *, dt: float = DEFAULT_DT, strict: bool = True):
    """Exports ``net`` as a ``nir.NIRGraph``.

    The neurons become one ``LIF`` node (or ``CubaLIF`` when any neuron has a synaptic
    current) for leaks below 1 and one ``IF`` node for leak 1; the edges become ``Linear``
    nodes between them, all on the recurrent loop, so that each keeps glia's one step. The
    input ``Input`` (one channel per sensory neuron) reaches its sensory neuron with weight 1
    in the same step, as ``run`` injects it; biases ride on that input ``Affine``. A leak λ
    is written as ``tau = dt / (1 - λ)`` (float64) with ``r = tau / dt``, so a NIR reader
    stepping ``dt`` computes ``V = λ·V + input`` as glia does (docs/nir.md).

    Args:
        net: the :class:`glia.Network` (not changed).
        dt: the time step (seconds) the graph's time constants assume; stored in the
            graph's metadata. snnTorch's NIR import assumes 1e-4 (the default).
        strict: True (default) raises ValueError, naming the neurons and the reason, for
            whatever a NIR reader would not compute exactly: the 0 floor where a neuron can
            fall below 0 (a negative incoming weight or bias, a delayed subtract reset),
            a resting value other than 0 (NIR neurons start at 0), a subtract reset (NIR
            resets to ``v_reset``), a synaptic current on a neuron of leak 1. False
            exports anyway and lists what was approximated in
            ``graph.metadata["glia_approximations"]``; glia's exact settings always
            travel in the metadata, so :func:`from_nir` restores the network either way.

    Returns:
        nir.NIRGraph with nodes ``input``, ``in_<pop>``, ``<pop>`` (``lif``/``cubalif``,
        ``if``), ``w_<from>_<to>`` and ``output_<pop>``; metadata ``dt``, ``glia_ids``
        (neuron ids, newline-separated), ``glia_num_sensory``, ``glia_version``.

    Example::

        graph = glia.to_nir(net)
        nir.write("net.nir", graph)
    """
    nir = _nir()
    dt = _check_dt(dt)
    if not isinstance(strict, (bool, np.bool_)):
        raise TypeError(f"strict must be True or False, got {strict!r}")
    arr = net._get_arrays()
    ids: List[str] = list(arr["ids"])
    n = len(ids)
    n_s = net.num_sensory
    thr = np.asarray(arr["threshold"], np.float32)
    lk = np.asarray(arr["leak"], np.float32)
    rest = np.asarray(arr["resting"], np.float32)
    src = np.asarray(arr["src"], np.int64)
    dst = np.asarray(arr["dst"], np.int64)
    w = np.asarray(arr["weight"], np.float32)
    feat = _features(net)
    floor, reset, alpha, bias = feat["floor"], feat["reset"], feat["alpha"], feat["bias"]
    modes = _reset_modes()

    problems: List[str] = []

    def flag(mask, reason):
        if np.any(mask):
            problems.append(f"{reason} (neurons {_fmt_ids([ids[i] for i in np.flatnonzero(mask)])})")

    neg_in = np.zeros(n, bool)
    if src.size:
        neg_in[dst[w < 0]] = True
    can_fall = neg_in | (bias < 0) | (rest < 0) | (reset == "subtract_delayed")
    flag(floor & can_fall, "the 0 floor can act (a negative weight or bias, a negative resting "
                           "value or a delayed subtract reset): NIR neurons have no floor")
    flag(rest != 0, "resting value other than 0: NIR neurons start at 0")
    flag(reset != "resting", "subtract reset: NIR's LIF, IF and CubaLIF reset to v_reset")
    if_mask = (lk == 1) & (alpha == 0)
    flag((lk == 1) & (alpha > 0), "leak 1 with a synaptic current: NIR's CubaLIF needs a finite "
                                  "tau_mem (exported with the leak just below 1)")
    cuba = bool(np.any(alpha > 0))

    pops: List[Tuple[str, np.ndarray]] = []   # (node name, neuron indices in neuron_ids order)
    leaky = np.flatnonzero(~if_mask)
    if leaky.size:
        pops.append(("cubalif" if cuba else "lif", leaky))
    idx_if = np.flatnonzero(if_mask)
    if idx_if.size:
        pops.append(("if", idx_if))

    nodes: Dict[str, Any] = {"input": nir.Input(input_type=np.array([n_s]))}
    edges: List[Tuple[str, str]] = []
    reset_code = {m: k for k, m in enumerate(modes)}
    pos = np.empty(n, np.int64)                 # row of each neuron in its population
    pop_of = np.empty(n, np.int64)
    for p, (name, idx) in enumerate(pops):
        pos[idx] = np.arange(idx.size)
        pop_of[idx] = p
    for p, (name, idx) in enumerate(pops):
        m = idx.size
        meta = {"glia_index": idx.astype(np.int64),
                "glia_floor": floor[idx].astype(np.uint8),
                "glia_reset": np.array([reset_code[str(r)] for r in reset[idx]], np.int8)}
        if name != "if" and np.any(lk[idx] == 1):
            meta["glia_leak_one"] = (lk[idx] == 1).astype(np.uint8)   # written just below 1
        vthr = thr[idx].copy()
        vreset = rest[idx].copy()
        if name == "if":
            node = nir.IF(r=np.ones(m), v_threshold=vthr, v_reset=vreset, metadata=meta)
            back_leak = np.ones(m, np.float32)
            back_alpha = np.zeros(m, np.float32)
        else:
            lam = lk[idx].astype(np.float64)
            lam = np.where(lam == 1.0, float(np.nextafter(np.float32(1), np.float32(0))), lam)
            tau = dt / (1.0 - lam)
            r = tau / dt
            back_leak = _f32(1.0 - dt / tau)
            if name == "lif":
                node = nir.LIF(tau=tau, r=r, v_leak=np.zeros(m), v_threshold=vthr, v_reset=vreset,
                               metadata=meta)
                back_alpha = np.zeros(m, np.float32)
            else:
                a = alpha[idx].astype(np.float64)
                tau_syn = dt / (1.0 - a)
                node = nir.CubaLIF(tau_syn=tau_syn, tau_mem=tau, r=r, v_leak=np.zeros(m),
                                   v_threshold=vthr, v_reset=vreset, w_in=tau_syn / dt,
                                   metadata=meta)
                back_alpha = _f32(1.0 - dt / tau_syn)
        bad = (back_leak != lk[idx]) | (back_alpha != alpha[idx])
        if np.any(bad & ~((lk[idx] == 1) & (alpha[idx] > 0))):
            flag(np.isin(np.arange(n), idx[bad]),
                 f"leak or synaptic decay not recovered exactly from tau with dt={dt!r}")
        nodes[name] = node
        # the input: channel c reaches sensory neuron c with weight 1; biases ride along
        sens = idx[idx < n_s]
        b = bias[idx]
        if sens.size or np.any(b != 0):
            win = np.zeros((m, n_s), np.float32)
            win[pos[sens], sens] = 1.0
            key = f"in_{name}"
            nodes[key] = (nir.Affine(weight=win, bias=b.copy()) if np.any(b != 0)
                          else nir.Linear(weight=win))
            edges += [("input", key), (key, name)]
        out = f"output_{name}"
        nodes[out] = nir.Output(output_type=np.array([m]))
        edges.append((name, out))
    for p, (pname, pidx) in enumerate(pops):
        for q, (qname, qidx) in enumerate(pops):
            sel = (pop_of[src] == p) & (pop_of[dst] == q) if src.size else np.zeros(0, bool)
            if p == q and not np.any(sel):
                continue              # no recurrence: nothing to write
            # between two populations both ways, even when empty: every edge stays on the
            # recurrent loop and so keeps its one step
            W = np.zeros((qidx.size, pidx.size), np.float32)
            W[pos[dst[sel]], pos[src[sel]]] = w[sel]
            key = f"w_{pname}_{qname}"
            nodes[key] = nir.Linear(weight=W)
            edges += [(pname, key), (key, qname)]
    meta = {"dt": dt, _META_IDS: "\n".join(ids), "glia_num_sensory": int(n_s),
            "glia_version": __version__}
    if problems:
        if strict:
            raise ValueError("to_nir: not exactly representable in NIR (strict=True): "
                             + "; ".join(problems)
                             + ". Pass strict=False to export an approximation.")
        meta["glia_approximations"] = "\n".join(problems)
    return nir.NIRGraph(nodes=nodes, edges=edges, metadata=meta, type_check=False)


# ------------------------------------------------------------------------------ from_nir
class _Pop:
    """A neuron node of the flattened graph, discretised."""

    def __init__(self, name, kind, size):
        self.name, self.kind, self.size = name, kind, size
        self.leak = np.zeros(size, np.float32)
        self.threshold = np.zeros(size, np.float32)
        self.resting = np.zeros(size, np.float32)
        self.alpha = np.zeros(size, np.float32)
        self.scale = np.ones(size, np.float64)       # input scale (float64)
        self.drive = np.zeros(size, np.float64)      # constant input per step (v_leak)
        self.floor = np.zeros(size, bool)
        self.reset = np.array(["resting"] * size, dtype=object)
        self.glia_index: Optional[np.ndarray] = None
        self.depth: Optional[int] = None
        self.bias = np.zeros(size, np.float64)       # from Affine biases, scaled
        self.inject: Dict[int, int] = {}             # row -> input channel (direct injection)
        self.is_output = False


def _arr(node, field, name):
    a = np.asarray(getattr(node, field), dtype=np.float64)
    if a.ndim == 0:
        a = a.reshape(1)
    if a.ndim != 1:
        raise ValueError(f"from_nir: node {name!r} ({type(node).__name__}): {field} has shape "
                         f"{a.shape}; glia maps 1-D neuron nodes only")
    if not np.all(np.isfinite(a)) and field not in ("tau", "tau_mem", "tau_syn"):
        raise ValueError(f"from_nir: node {name!r} ({type(node).__name__}): {field} must be finite")
    return a


def _flatten(nir, graph, prefix, nodes, edges, passthrough):
    """Subgraphs inlined: names joined with '.', their Input/Output nodes pass-through."""
    for name, node in graph.nodes.items():
        full = prefix + name
        if isinstance(node, nir.NIRGraph):
            _flatten(nir, node, full + ".", nodes, edges, passthrough)
        else:
            nodes[full] = node
            if prefix and isinstance(node, (nir.Input, nir.Output)):
                passthrough.add(full)
    for a, b in graph.edges:
        for end in (a, b):
            if end not in graph.nodes:
                raise ValueError(f"from_nir: edge ({a!r}, {b!r}) names node {prefix + end!r}, "
                                 "which is not in the graph")
        na, nb = graph.nodes[a], graph.nodes[b]
        srcs = ([prefix + a + "." + k for k, v in na.nodes.items() if isinstance(v, nir.Output)]
                if isinstance(na, nir.NIRGraph) else [prefix + a])
        dsts = ([prefix + b + "." + k for k, v in nb.nodes.items() if isinstance(v, nir.Input)]
                if isinstance(nb, nir.NIRGraph) else [prefix + b])
        if len(srcs) != 1 or len(dsts) != 1:
            raise ValueError(f"from_nir: edge ({prefix + a!r}, {prefix + b!r}) joins a subgraph "
                             "with other than one Input or Output node")
        edges.append((srcs[0], dsts[0]))


def _population(nir, name, node, dt, strict, notes, glia_meta):
    kind = type(node).__name__

    def need_dt():
        if dt is None:
            raise ValueError(f"from_nir: node {name!r} ({kind}) needs the time step: the graph's "
                             "metadata has no 'dt', pass dt= (snnTorch writes its graphs for "
                             "dt=1e-4, Norse for 1e-3)")
        return dt

    def check_taus(tau, field):
        if np.any(np.isnan(tau)):
            raise ValueError(f"from_nir: node {name!r} ({kind}): {field} must not be NaN")
        if np.any(tau < dt):
            msg = (f"node {name!r} ({kind}): {field} < dt={dt!r} gives a decay outside [0, 1]")
            if strict:
                raise ValueError("from_nir: " + msg)
            notes.append(msg + "; clipped to dt")
        return np.maximum(tau, dt)

    if kind in ("LIF", "LI"):
        need_dt()
        tau = check_taus(_arr(node, "tau", name), "tau")
        r = _arr(node, "r", name)
        v_leak = _arr(node, "v_leak", name)
        p = _Pop(name, kind, tau.size)
        p.leak = _f32(1.0 - dt / tau)
        p.scale = r * dt / tau
        p.drive = v_leak * dt / tau
    elif kind in ("CubaLIF", "CubaLI"):
        need_dt()
        tau_mem = check_taus(_arr(node, "tau_mem", name), "tau_mem")
        tau_syn = check_taus(_arr(node, "tau_syn", name), "tau_syn")
        r = _arr(node, "r", name)
        w_in = _arr(node, "w_in", name)
        v_leak = _arr(node, "v_leak", name)
        p = _Pop(name, kind, tau_mem.size)
        p.leak = _f32(1.0 - dt / tau_mem)
        p.alpha = _f32(1.0 - dt / tau_syn)
        p.scale = (r * dt / tau_mem) * (dt / tau_syn) * w_in
        if np.any(v_leak != 0):
            msg = (f"node {name!r} ({kind}): v_leak other than 0 drives the membrane, and "
                   "glia's constant input enters the synaptic current")
            if strict:
                raise ValueError("from_nir: " + msg)
            notes.append(msg + "; added to the synaptic current instead")
            p.drive = v_leak * dt / tau_mem
    elif kind in ("IF", "I"):
        r = _arr(node, "r", name)
        p = _Pop(name, kind, r.size)
        p.leak = np.ones(r.size, np.float32)
        p.scale = r.copy()
    else:
        raise AssertionError(kind)
    if kind in ("LIF", "IF", "CubaLIF"):
        p.threshold = _f32(_arr(node, "v_threshold", name))
        v_reset = _arr(node, "v_reset", name) if node.v_reset is not None else np.zeros(p.size)
        p.resting = _f32(v_reset)
    else:
        p.threshold = np.full(p.size, _NEVER_FIRES, np.float32)
    for a, field in ((p.threshold, "v_threshold"), (p.resting, "v_reset")):
        if a.size != p.size:
            raise ValueError(f"from_nir: node {name!r} ({kind}): {field} has {a.size} entries, "
                             f"the node {p.size} neurons")
    md = getattr(node, "metadata", None) or {}
    modes = _reset_modes()
    if "glia_floor" in md:
        p.floor = np.asarray(md["glia_floor"]).astype(bool).reshape(-1)
    if "glia_reset" in md:
        rv = md["glia_reset"]
        if isinstance(rv, (str, bytes)):
            rv = rv.decode() if isinstance(rv, bytes) else rv
            if rv not in modes:
                raise ValueError(f"from_nir: node {name!r}: metadata glia_reset {rv!r} is not one "
                                 f"of {modes}")
            p.reset = np.array([rv] * p.size, dtype=object)
        else:
            codes = np.asarray(rv).reshape(-1).astype(np.int64)
            if codes.size != p.size or codes.min(initial=0) < 0 or codes.max(initial=0) >= len(modes):
                raise ValueError(f"from_nir: node {name!r}: metadata glia_reset must hold "
                                 f"{p.size} codes in [0, {len(modes)})")
            p.reset = np.array([modes[c] for c in codes], dtype=object)
    if "glia_leak_one" in md and glia_meta:
        one = np.asarray(md["glia_leak_one"]).reshape(-1).astype(bool)
        if one.size == p.size:
            p.leak[one] = 1.0
    if "glia_index" in md and glia_meta:
        p.glia_index = np.asarray(md["glia_index"]).reshape(-1).astype(np.int64)
    if np.any(p.resting != 0) and not glia_meta:
        msg = (f"node {name!r} ({kind}): v_reset other than 0: a glia neuron starts at its "
               "reset value, a NIR neuron at 0")
        if strict:
            raise ValueError("from_nir: " + msg)
        notes.append(msg)
    if np.any(~np.isfinite(p.leak)) or np.any(p.leak < 0) or np.any(p.leak > 1):
        raise ValueError(f"from_nir: node {name!r} ({kind}): decay outside [0, 1]")
    return p


def from_nir(graph_or_path, *, dt: Optional[float] = None, strict: bool = True):
    """Builds a :class:`glia.Network` from a NIR graph (or a ``.nir`` file).

    Maps ``Input``, ``Output``, ``Affine``, ``Linear``, ``LIF``, ``IF``, ``CubaLIF``, ``LI``,
    ``CubaLI``, ``I`` and subgraphs of them; the table, the discretisation and the time
    shift are in docs/nir.md. Neuron ids: inputs ``S0…`` (in channel order), neurons of
    nodes that feed an ``Output`` ``O0…``, others ``H0…``; constant inputs (``Affine``
    biases, ``v_leak``) of nodes after the first layer come from hidden neurons ``B1…``
    (``Bd`` fires every step from step d-1, so the constant starts with that layer's first
    input). NIR neurons get no 0 floor. A graph written by :func:`to_nir` gets its ids
    and glia's own settings back from the metadata.

    Args:
        graph_or_path: a ``nir.NIRGraph`` (never modified) or the path of a ``.nir`` file.
        dt: the time step; default the graph's ``metadata["dt"]``. Required for LIF-like
            nodes of graphs without one (snnTorch exports assume 1e-4, Norse 1e-3).
        strict: True (default) raises ValueError naming the node and why for anything
            glia cannot run exactly; False builds an approximation and lists what was
            approximated in a warning.

    Returns:
        glia.Network. Feed ``run`` the inputs as 0/1 spikes, one column per channel.

    Example::

        net = glia.from_nir("snntorch_model.nir", dt=1e-4)
        raster = net.run(spikes)    # layer d's spikes of NIR time t at step t + d
    """
    nir = _nir()
    if isinstance(graph_or_path, (str, bytes, os.PathLike)):
        path = os.fsdecode(graph_or_path)
        if not os.path.exists(path):
            raise FileNotFoundError(f"from_nir: no such file: {path!r}")
        graph = nir.read(path)
    elif isinstance(graph_or_path, nir.NIRGraph):
        graph = graph_or_path
    else:
        raise TypeError("from_nir: graph_or_path must be a nir.NIRGraph or the path of a .nir "
                        f"file, got {type(graph_or_path).__name__}")
    if not isinstance(strict, (bool, np.bool_)):
        raise TypeError(f"strict must be True or False, got {strict!r}")
    meta = dict(graph.metadata) if isinstance(graph.metadata, dict) else {}
    if dt is None and "dt" in meta:
        dt = float(np.asarray(meta["dt"]))
    if dt is not None:
        dt = _check_dt(dt)
    glia_ids = meta.get(_META_IDS)
    if isinstance(glia_ids, bytes):
        glia_ids = glia_ids.decode()
    glia_meta = isinstance(glia_ids, str)
    notes: List[str] = []

    nodes: Dict[str, Any] = {}
    edges: List[Tuple[str, str]] = []
    passthrough: set = set()
    _flatten(nir, graph, "", nodes, edges, passthrough)
    # pass-through nodes (a subgraph's Input/Output) contracted
    for p in list(passthrough):
        ins = [a for a, b in edges if b == p]
        outs = [b for a, b in edges if a == p]
        edges = [e for e in edges if p not in e] + [(a, b) for a in ins for b in outs]
        del nodes[p]
    edges = list(dict.fromkeys(edges))

    pops: Dict[str, _Pop] = {}
    weights: Dict[str, Tuple[np.ndarray, Optional[np.ndarray]]] = {}
    inputs: Dict[str, int] = {}
    outputs: List[str] = []
    for name, node in nodes.items():
        kind = type(node).__name__
        if isinstance(node, nir.Input):
            shape = np.asarray(node.input_type["input"]).reshape(-1)
            if shape.size != 1:
                raise ValueError(f"from_nir: node {name!r} (Input): shape {tuple(shape)}; glia "
                                 "maps 1-D inputs only")
            inputs[name] = int(shape[0])
        elif isinstance(node, nir.Output):
            outputs.append(name)
        elif kind in ("Affine", "Linear"):
            W = np.asarray(node.weight, dtype=np.float64)
            if W.ndim != 2:
                raise ValueError(f"from_nir: node {name!r} ({kind}): weight of shape {W.shape}; "
                                 "glia maps 2-D weights only")
            if not np.all(np.isfinite(W)):
                raise ValueError(f"from_nir: node {name!r} ({kind}): weights must be finite")
            b = None
            if kind == "Affine" and node.bias is not None:
                b = np.asarray(node.bias, dtype=np.float64).reshape(-1)
                if b.size != W.shape[0] or not np.all(np.isfinite(b)):
                    raise ValueError(f"from_nir: node {name!r} (Affine): bias must be {W.shape[0]} "
                                     "finite values")
                if not np.any(b != 0):
                    b = None
            weights[name] = (W, b)
        elif kind in _POPULATION_TYPES:
            pops[name] = _population(nir, name, node, dt, strict, notes, glia_meta)
        else:
            raise ValueError(f"from_nir: node {name!r}: NIR {kind} has no glia equivalent (glia "
                             f"maps Input, Output, Affine, Linear, {', '.join(_POPULATION_TYPES)} "
                             "and subgraphs of them)")

    succ: Dict[str, List[str]] = {k: [] for k in nodes}
    pred: Dict[str, List[str]] = {k: [] for k in nodes}
    for a, b in edges:
        succ[a].append(b)
        pred[b].append(a)

    # connections: (source, weights node or None, target); targets are populations or Outputs
    conns: List[Tuple[str, Optional[str], str]] = []
    readout_of: Dict[str, str] = {}
    for wname in weights:
        if not pred[wname]:
            raise ValueError(f"from_nir: node {wname!r} has no input")
        for s in pred[wname]:
            if s in weights:
                raise ValueError(f"from_nir: node {wname!r} follows {s!r}: two weight nodes in a row "
                                 "(multiply them out first)")
            if s in outputs:
                raise ValueError(f"from_nir: edge from Output {s!r}")
    for src in list(inputs) + list(pops):
        for y in succ[src]:
            if y in weights:
                for z in succ[y]:   # (a weight node after y was refused above)
                    if z in inputs:
                        raise ValueError(f"from_nir: edge into Input {z!r}")
                    if z in outputs:
                        # an Affine read out directly: neurons of leak 0 that never fire, whose
                        # value is the Affine's output
                        rname = readout_of.setdefault(y, f"{y}.readout")
                        if rname not in pops:
                            W, _ = weights[y]
                            rp = _Pop(rname, "readout", W.shape[0])
                            rp.threshold[:] = _NEVER_FIRES
                            pops[rname] = rp
                        if (src, y, rname) not in conns:
                            conns.append((src, y, rname))
                        pops[rname].is_output = True
                    else:
                        conns.append((src, y, z))
            elif y in pops:
                conns.append((src, None, y))
            elif y in outputs:
                if src in pops:
                    pops[src].is_output = True
                # an Input read out directly: its sensory neurons are the output
            elif y in inputs:
                raise ValueError(f"from_nir: edge into Input {y!r}")

    def size_of(name):
        return inputs[name] if name in inputs else pops[name].size

    def matrix(src, wname, dst):
        """The weights (float64, before scaling) from src's neurons into dst's."""
        if wname is None:
            if size_of(src) != pops[dst].size:
                raise ValueError(f"from_nir: edge ({src!r}, {dst!r}) joins {size_of(src)} to "
                                 f"{pops[dst].size} neurons")
            return np.eye(pops[dst].size), None
        W, b = weights[wname]
        if W.shape != (pops[dst].size, size_of(src)):
            raise ValueError(f"from_nir: node {wname!r}: weight of shape {W.shape} between "
                             f"{src!r} ({size_of(src)}) and {dst!r} ({pops[dst].size})")
        return W, b

    # direct injection: an Input whose connections map each channel onto one neuron with
    # weight 1 (and nothing else) becomes those neurons' injection: no sensory layer, no delay
    direct: Dict[str, List[str]] = {}
    for iname, n_in in inputs.items():
        mine = [c for c in conns if c[0] == iname]
        if not mine or any(pops[d].kind == "readout" or pops[d].inject for _, _, d in mine):
            continue
        hits: List[Tuple[int, str, int]] = []   # (channel, node, row)
        ok = True
        for _, wname, d in mine:
            W, _ = matrix(iname, wname, d)
            eff = _f32(W * pops[d].scale[:, None])
            rows, cols = np.nonzero(eff)
            if not np.all(eff[rows, cols] == 1):
                ok = False
                break
            hits += [(c_, d, r_) for r_, c_ in zip(rows.tolist(), cols.tolist())]
        if not ok or sorted(h[0] for h in hits) != list(range(n_in)):
            continue
        if len({(h[1], h[2]) for h in hits}) != len(hits):
            continue
        direct[iname] = sorted({d for _, _, d in mine})
        for c_, d, r_ in hits:
            pops[d].inject[r_] = c_

    # depths: feed-forward connections take a layer (glia's step), recurrent ones (between
    # nodes of one strongly connected component) take NIR's one step, i.e. none
    pnames = list(pops)
    adj = {p: set() for p in pnames}
    for s, _, d in conns:
        if s in pops:
            adj[s].add(d)

    def reach(a):
        seen, stack = set(), [a]
        while stack:
            x = stack.pop()
            for y in adj[x]:
                if y not in seen:
                    seen.add(y)
                    stack.append(y)
        return seen

    reaches = {p: reach(p) for p in pnames}
    comp = {p: frozenset([p] + [q for q in reaches[p] if p in reaches[q]]) for p in pnames}
    comps = list(dict.fromkeys(comp.values()))
    # feed-forward sources of each component: inputs (depth 0, or -1 when injected directly)
    # and populations of other components
    depth: Dict[frozenset, int] = {}
    ff_src: Dict[frozenset, List[Tuple[str, int]]] = {c: [] for c in comps}
    cdeps: Dict[frozenset, set] = {c: set() for c in comps}
    for s, _, d in conns:
        c = comp[d]
        if s in inputs:
            ff_src[c].append((s, -1 if s in direct else 0))
        elif comp[s] != c:
            ff_src[c].append((s, None))
            cdeps[c].add(comp[s])
    remaining = list(comps)
    while remaining:
        progress = False
        for c in list(remaining):
            if cdeps[c] - set(depth):
                continue
            cands = sorted({(dv if dv is not None else depth[comp[s]]) + 1 for s, dv in ff_src[c]})
            if not cands:
                cands = [0]
            if len(cands) > 1:
                msg = (f"nodes {sorted(c)} are reached through paths of different lengths "
                       f"(layer {', '.join(map(str, cands))}): glia delays every edge one step, so "
                       "only graphs whose feed-forward paths into a node have equal length run "
                       "exactly")
                if strict:
                    raise ValueError("from_nir: " + msg)
                notes.append(msg + f"; placed at layer {cands[-1]}")
            depth[c] = cands[-1]
            remaining.remove(c)
            progress = True
        if not progress:
            raise AssertionError("component graph has a cycle")
    for p in pnames:
        pops[p].depth = depth[comp[p]]

    # constant inputs: Affine biases (scaled; one per weights node and target, however many
    # sources feed the weights node) and v_leak drives
    for wname, d in dict.fromkeys((wn, d) for _, wn, d in conns if wn is not None):
        _, b = weights[wname]
        if b is not None:
            pops[d].bias = pops[d].bias + b * pops[d].scale

    # --------------------------------------------------------------- neurons and ids
    ids_all: List[str] = []
    thr_all, leak_all, rest_all = [], [], []
    floor_all, reset_all, alpha_all, bias_all = [], [], [], []
    index_of: Dict[Tuple[str, int], int] = {}   # (node, row) -> neuron index
    sensory_rows: List[Tuple[int, str, int]] = []   # (channel, node, row)
    channel0: Dict[str, int] = {}
    n_channels = 0
    for iname, n_in in inputs.items():
        channel0[iname] = n_channels
        n_channels += n_in

    # sensory neurons first, in channel order
    for iname, n_in in inputs.items():
        for c in range(n_in):
            ch = channel0[iname] + c
            if iname in direct:
                dst, row = next((d, r_) for d in direct[iname]
                                for r_, c_ in pops[d].inject.items() if c_ == c)
                sensory_rows.append((ch, dst, row))
            else:
                sensory_rows.append((ch, iname, c))
    order: List[Tuple[str, int]] = [(node, row) for _, node, row in sorted(sensory_rows)]
    injected = {(node, row) for _, node, row in sensory_rows if node in pops}
    pop_order = sorted(pnames, key=lambda p: (pops[p].depth, pnames.index(p)))
    for p in pop_order:
        for row in range(pops[p].size):
            if (p, row) not in injected:
                order.append((p, row))
    max_depth = max([pops[p].depth for p in pnames] + [0])
    need_relay = sorted({pops[p].depth for p in pnames
                         if pops[p].depth >= 1 and np.any(_f32(pops[p].bias + pops[p].drive) != 0)})
    relays = list(range(1, (need_relay[-1] if need_relay else 0) + 1))

    if glia_meta:
        gids = glia_ids.split("\n") if glia_ids else []
        assign: Dict[Tuple[str, int], str] = {}
        for p in pnames:
            gi = pops[p].glia_index
            if gi is None or gi.size != pops[p].size:
                glia_meta = False
                break
            for row in range(pops[p].size):
                assign[(p, row)] = gids[int(gi[row])]
        if glia_meta and (len(assign) != len(gids) or any(k[0] in inputs for k in order)):
            glia_meta = False
        if glia_meta:
            pos_of = {g: k for k, g in enumerate(gids)}
            order = sorted(order, key=lambda k: pos_of[assign[k]])
    if not glia_meta:
        assign = {}
        counts = {"S": 0, "O": 0, "H": 0}
        for key in order:
            node, row = key
            if key in injected or node in inputs:
                pre = "S"
            elif pops[node].is_output:
                pre = "O"
            else:
                pre = "H"
            assign[key] = f"{pre}{counts[pre]}"
            counts[pre] += 1
    for key in order:
        node, row = key
        ids_all.append(assign[key])
        index_of[key] = len(ids_all) - 1
        if node in inputs:        # a sensory neuron: fires at the step its input is positive
            thr_all.append(0.0); leak_all.append(0.0); rest_all.append(0.0)
            floor_all.append(True); reset_all.append("resting"); alpha_all.append(0.0)
            bias_all.append(0.0)
            continue
        p = pops[node]
        thr_all.append(p.threshold[row]); leak_all.append(p.leak[row]); rest_all.append(p.resting[row])
        floor_all.append(bool(p.floor[row])); reset_all.append(str(p.reset[row]))
        alpha_all.append(p.alpha[row])
        const = float(_f32(p.bias[row] + p.drive[row])) if p.depth == 0 else 0.0
        bias_all.append(const)
    relay_index: Dict[int, int] = {}
    for d in relays:
        ids_all.append(f"B{d}")
        relay_index[d] = len(ids_all) - 1
        thr_all.append(0.5); leak_all.append(0.0); rest_all.append(0.0)
        floor_all.append(True); reset_all.append("resting"); alpha_all.append(0.0)
        bias_all.append(1.0 if d == 1 else 0.0)

    rows_of: Dict[str, np.ndarray] = {}           # node -> neuron index of each row
    for (node, row), k in index_of.items():
        rows_of.setdefault(node, np.full(size_of(node), -1, np.int64))[row] = k
    src_l, dst_l, w_l = [], [], []                # arrays, concatenated below
    for s, wname, d in conns:
        if s in direct:
            continue                       # injected: no edges
        W, _ = matrix(s, wname, d)
        eff = _f32(W * pops[d].scale[:, None])
        rows, cols = np.nonzero(eff)
        src_l.append(rows_of[s][cols])
        dst_l.append(rows_of[d][rows])
        w_l.append(eff[rows, cols])
    for k in range(1, len(relays)):
        src_l.append([relay_index[relays[k - 1]]]); dst_l.append([relay_index[relays[k]]]); w_l.append([1.0])
    for p in pnames:
        dp = pops[p].depth
        if dp >= 1:
            const = _f32(pops[p].bias + pops[p].drive)
            nz = np.flatnonzero(const != 0)
            src_l.append(np.full(nz.size, relay_index[dp] if nz.size else 0, np.int64))
            dst_l.append(rows_of[p][nz])
            w_l.append(const[nz])
    src_l = np.concatenate([np.asarray(a, np.int64) for a in src_l]) if src_l else np.zeros(0, np.int64)
    dst_l = np.concatenate([np.asarray(a, np.int64) for a in dst_l]) if dst_l else np.zeros(0, np.int64)
    w_l = np.concatenate([np.asarray(a, np.float32) for a in w_l]) if w_l else np.zeros(0, np.float32)

    net = Network()
    for k, nid in enumerate(ids_all):
        net.add_neuron(nid, float(thr_all[k]), float(leak_all[k]), float(rest_all[k]))
    if src_l.size:
        # duplicates (two connections between the same pair) add up, as NIR sums its inputs
        key = np.asarray(src_l, np.int64) * len(ids_all) + np.asarray(dst_l, np.int64)
        uniq, inv = np.unique(key, return_inverse=True)
        if uniq.size != key.size:
            msg = "two connections join the same pair of neurons: their weights are added"
            if strict:
                raise ValueError("from_nir: " + msg + " (rounding differs from NIR's sum)")
            notes.append(msg)
            wsum = np.zeros(uniq.size, np.float64)
            np.add.at(wsum, inv, w_l.astype(np.float64))
            s_arr, d_arr, w_arr = uniq // len(ids_all), uniq % len(ids_all), _f32(wsum)
        else:
            s_arr, d_arr, w_arr = src_l, dst_l, w_l
        # set_edges takes positions in neuron_ids (sensory first): map through the ids
        pos_now = {nid: k for k, nid in enumerate(net.neuron_ids)}
        perm = np.array([pos_now[nid] for nid in ids_all], np.int64)
        net.set_edges(perm[s_arr].astype(np.int32), perm[d_arr].astype(np.int32), w_arr)
    floor_a = np.asarray(floor_all, bool)
    reset_a = np.asarray(reset_all, dtype=object)
    alpha_a = np.asarray(alpha_all, np.float32)
    bias_a = np.asarray(bias_all, np.float32)
    if (not floor_a.all()) or np.any(reset_a != "resting") or np.any(alpha_a != 0) or np.any(bias_a != 0):
        net.set_features(ids_all, floor=floor_a, reset=list(reset_a), alpha=alpha_a, bias=bias_a)
    if notes:
        warnings.warn("from_nir: approximated (strict=False): " + "; ".join(notes), stacklevel=2)
    return net

"""The neuron model of DESIGN.md section 2 in plain NumPy, and readers of the two text formats
of section 3 (explicit NEURON / CONNECTION lines and .seq events), written from the contract
and sharing no code with glia: the engine is checked against it.

    net = load_net("net_medium.net")
    X = load_seq("drive_s32.seq", net.ids[:net.n_sensory], length=300)
    raster, values = simulate(net, X)          # (T, N) bool, (T, N) float32

``X[t]`` is added to the sensory neurons' accumulators just before step t. Arithmetic is
float32, one operation at a time in the order the model states, so values match an engine
that does the same (no fused multiply-add). The spikes of a step are delivered source by
source: on networks whose weights are multiples of a power of two (the test workloads) the
sums are exact and any delivery order gives the same bits.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class RefNet:
    ids: list            # sensory first, then the others in the order they were created
    n_sensory: int
    threshold: np.ndarray
    leak: np.ndarray
    resting: np.ndarray
    offsets: np.ndarray  # edges by source (CSR): source j's edges are offsets[j]:offsets[j+1]
    targets: np.ndarray
    weights: np.ndarray
    # the optional features of DESIGN §2a per neuron; None: all off
    floor: np.ndarray | None = None    # bool: V = max(0, ...)
    reset: np.ndarray | None = None    # 0 to resting, 1 subtract, 2 subtract a step later
    alpha: np.ndarray | None = None    # float32: share of the current kept per step
    bias: np.ndarray | None = None     # float32: constant current per step

    @property
    def extended(self) -> bool:
        return self.floor is not None


def _fields(path):
    with open(path) as f:
        for number, line in enumerate(f, 1):
            words = line.split("#", 1)[0].split()
            if words:
                yield number, words


def load_net(path) -> RefNet:
    """A network from NEURON and CONNECTION lines: a repeated NEURON updates the neuron, a
    repeated CONNECTION the edge's weight."""
    params, edges = {}, {}
    for number, words in _fields(path):
        key = words[0]
        if key == "NEURON" and len(words) >= 5:
            extra = dict(w.split("=", 1) for w in words[5:])
            params[words[1]] = tuple(np.float32(x) for x in words[2:5]) + (
                extra.get("floor", "1") == "1", _RESETS.index(extra.get("reset", "resting")),
                np.float32(extra.get("alpha", 0)), np.float32(extra.get("bias", 0)))
        elif key == "CONNECTION" and len(words) == 4:
            if words[1] not in params or words[2] not in params:
                raise ValueError(f"{path}:{number}: edge between unknown neurons")
            edges[words[1], words[2]] = np.float32(words[3])
        else:
            raise ValueError(f"{path}:{number}: not a NEURON or CONNECTION line: {words}")
    created = list(params)                       # dicts keep the order of creation
    ids = [n for n in created if n.startswith("S")] + [n for n in created if not n.startswith("S")]
    index = {n: i for i, n in enumerate(ids)}
    out_edges = [[] for _ in ids]
    for (a, b), w in edges.items():
        out_edges[index[a]].append((index[b], w))
    offsets = np.cumsum([0] + [len(e) for e in out_edges])
    flat = [e for row in out_edges for e in row]
    column = lambda k, dt=np.float32: np.array([params[n][k] for n in ids], dtype=dt)  # noqa: E731
    net = RefNet(ids=ids, n_sensory=sum(n.startswith("S") for n in ids),
                 threshold=column(0), leak=column(1), resting=column(2), offsets=offsets,
                 targets=np.array([t for t, _ in flat], dtype=np.int64),
                 weights=np.array([w for _, w in flat], dtype=np.float32))
    if any(params[n][3:] != (True, 0, 0, 0) for n in ids):
        net.floor, net.reset = column(3, bool), column(4, np.int64)
        net.alpha, net.bias = column(5), column(6)
    return net


_RESETS = ("resting", "subtract", "subtract_delayed")


def load_seq(path, sensory_ids, length: int) -> np.ndarray:
    """A .seq file as a (length, len(sensory_ids)) float32 array: ``<tick> <id> <value>`` or
    ``EVENT <tick> <id> <value>`` lines, a repeated (tick, id) keeping the last value.
    Looping sequences are not modelled (the workloads do not loop)."""
    column = {n: c for c, n in enumerate(sensory_ids)}
    events = {}
    for number, words in _fields(path):
        if words[0] == "DURATION" or words == ["LOOP", "false"]:
            continue
        if words[0] == "EVENT":
            words = words[1:]
        if len(words) != 3:
            raise ValueError(f"{path}:{number}: not an event: {words}")
        events[int(words[0]), words[1]] = np.float32(words[2])
    X = np.zeros((length, len(sensory_ids)), dtype=np.float32)
    for (t, n), v in events.items():
        if n in column and t < length:
            X[t, column[n]] = v
    return X


def simulate(net: RefNet, X):
    """(raster, values) of ``len(X)`` steps from the reset state: ``raster[t, i]`` is True
    when neuron i fired in step t and ``values[t, i]`` is its value after that step."""
    X = np.asarray(X, dtype=np.float32)
    n = len(net.ids)
    V = net.resting.copy()
    I = np.zeros(n, dtype=np.float32)
    raster = np.zeros((len(X), n), dtype=bool)
    values = np.zeros((len(X), n), dtype=np.float32)
    fired = np.zeros(n, dtype=bool)
    for t in range(len(X)):
        I[: net.n_sensory] += X[t]
        if not net.extended:
            V = np.maximum(np.float32(0), net.leak * V + I)    # 1. integrate
            fired = V > net.threshold
            V = np.where(fired, net.resting, V)                  #    and reset who fired
            I = np.zeros(n, dtype=np.float32)                    # 2. clear the accumulators
        else:                                                    # DESIGN §2a
            c = I + net.bias                                     # the step's current
            u = net.leak * V + c
            u = np.where((net.reset == 2) & fired, u - net.threshold, u)
            v = np.where(net.floor, np.maximum(np.float32(0), u), u)
            fired = v > net.threshold
            V = np.where(fired & (net.reset == 0), net.resting,
                         np.where(fired & (net.reset == 1), v - net.threshold, v))
            I = net.alpha * c                                    # the current kept
        for j in np.flatnonzero(fired):                          # 3. deliver the spikes
            edges = slice(net.offsets[j], net.offsets[j + 1])
            I[net.targets[edges]] += net.weights[edges]          # at most one edge per pair
        raster[t], values[t] = fired, V
    return raster, values

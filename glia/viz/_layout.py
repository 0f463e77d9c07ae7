"""The player's layout: sensory → hidden → outputs, force-directed within layers.

Columns from left to right: the sensory neurons, the hidden neurons by hop distance from
the sensory ones (unreachable hidden neurons last), the outputs. All neurons sit on one
grid of square cells sized to fill a picture ASPECT times as wide as high, so a column
with many neurons wraps into several sub-columns. Sensory and output neurons keep their id order; hidden neurons are placed
by a spring relaxation that works within their column: each round pulls every neuron
towards the |weight|-weighted mean height of the neurons it is connected to (springs
along the edges), then spreads the column back to evenly spaced rows by rank (the
repulsion that keeps neurons apart). A round costs O(edges + n log n), so 10,000 neurons
with 100,000 edges lay out in well under a second. The start is a seeded permutation:
the same network and seed give the same picture, bit for bit.
"""
from __future__ import annotations

import numpy as np

from glia.viz.network import _bfs_depth

#: Rounds of the within-layer spring relaxation.
LAYOUT_ROUNDS = 40
#: How far a round moves a neuron towards its neighbours' mean height (0..1).
SPRING = 0.6
#: Width / height of the picture the layout is made for (the player's canvas).
ASPECT = 2.2
#: Empty grid cells between two columns.
GAP = 2


def _columns(kind: np.ndarray, src: np.ndarray, dst: np.ndarray) -> list[np.ndarray]:
    """Neuron indices per column: sensory, hidden by hop depth, outputs."""
    cols = []
    if (kind == 0).any():
        cols.append(np.flatnonzero(kind == 0))
    hidden = np.flatnonzero(kind == 1)
    if hidden.size:
        depth = _bfs_depth(kind.size, np.flatnonzero(kind == 0), src, dst)[hidden]
        depth = np.where(depth < 0, depth.max(initial=0) + 1, depth)
        for d in np.unique(depth):
            cols.append(hidden[depth == d])
    if (kind == 2).any():
        cols.append(np.flatnonzero(kind == 2))
    return cols


def _relax(order_key: np.ndarray, members: list[np.ndarray], movable: np.ndarray,
           src: np.ndarray, dst: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Heights in [0, 1] after the spring rounds; fixed neurons keep their rank height."""
    n = order_key.size
    y = np.zeros(n)

    def spread(y):
        for m in members:
            if m.size == 1:
                y[m] = 0.5
            elif m.size:
                rank = np.empty(m.size)
                rank[np.lexsort((order_key[m], y[m]))] = np.arange(m.size)
                y[m] = rank / (m.size - 1)
        return y

    for m in members:   # the start: fixed columns by id order, the others by the seeded key
        y[m] = order_key[m]
    y = spread(y)
    if src.size == 0 or not movable.any():
        return y
    a = np.abs(w)
    deg = np.bincount(src, a, n) + np.bincount(dst, a, n)
    has = (deg > 0) & movable
    for _ in range(LAYOUT_ROUNDS):
        pull = np.bincount(src, a * y[dst], n) + np.bincount(dst, a * y[src], n)
        target = np.divide(pull, deg, out=y.copy(), where=deg > 0)
        y = np.where(has, (1 - SPRING) * y + SPRING * target, y)
        y = spread(y)
    return y


def layout(kind: np.ndarray, src: np.ndarray, dst: np.ndarray, w: np.ndarray,
           seed: int = 0) -> tuple[np.ndarray, float]:
    """``(n, 2)`` float64 positions in [0, 1]² (x left to right, y top to bottom) and the
    grid's cell size as a fraction of the height (the player sizes neurons by it).

    ``kind`` holds 0/1/2 (sensory/hidden/output) per neuron; ``src``, ``dst``, ``w`` the
    edges by neuron index. Deterministic for a given ``seed``.
    """
    n = kind.size
    pos = np.zeros((n, 2))
    if n == 0:
        return pos, 1.0
    cols = _columns(kind, src, dst)
    rng = np.random.default_rng(seed)
    key = np.arange(n, dtype=np.float64)
    hidden = kind == 1
    key[hidden] = rng.permutation(int(hidden.sum()))
    y = _relax(key, cols, hidden, src, dst, w)
    # a grid of square cells filling the picture: the fewest rows R for which the columns,
    # each wrapped into ceil(size / R) sub-columns, fit the width
    sizes = np.array([c.size for c in cols])
    R = 1
    while (np.ceil(sizes / R).sum() + GAP * (len(cols) - 1)) > ASPECT * R:
        R += 1
    widths = np.ceil(sizes / R)
    edges = np.concatenate([[0.0], np.cumsum(widths + GAP)])
    total = edges[-1] - GAP
    for c, x0, k in zip(cols, edges[:-1], widths):
        k = int(k)
        rows = -(-c.size // k)
        rank = np.empty(c.size, np.int64)
        rank[np.lexsort((key[c], y[c]))] = np.arange(c.size)
        row, sub = rank // k, rank % k
        # alternate rows run right to left, so that neighbours in rank stay close
        sub = np.where(row % 2 == 1, k - 1 - sub, sub)
        pos[c, 0] = (x0 + sub + 0.5) / total
        pos[c, 1] = (row + 0.5) / rows
    return pos, 1.0 / R

"""GliaGL's plain genome records: ``NetworkSnapshot`` (``neurons``, ``edges``),
``NeuronRecord`` (``id``, ``thr``, ``leak``) and ``EdgeRecord`` (``from``, ``to``, ``w``).

glia's genomes are Networks (``EvolutionResult.best_genome`` is one); these records are
for code written against GliaGL's engine types: ``NetworkSnapshot.from_network(net)``
makes one, ``Evolution.load_best_genome(base, snapshot)`` and ``snapshot.apply_to(net)``
put one back into a network.
"""
from __future__ import annotations

import numpy as np

__all__ = ["NetworkSnapshot", "NeuronRecord", "EdgeRecord"]


class NeuronRecord:
    """One neuron of a snapshot: ``id``, ``thr`` (threshold) and ``leak``.

    Example::

        r = glia.NeuronRecord(); r.id, r.thr, r.leak = "H0", 45.0, 0.9
    """

    __slots__ = ("id", "thr", "leak")

    def __init__(self, id: str = "", thr: float = 0.0, leak: float = 0.0):
        self.id, self.thr, self.leak = id, float(thr), float(leak)

    def __repr__(self):
        return f"NeuronRecord(id={self.id!r}, thr={self.thr:g}, leak={self.leak:g})"


class EdgeRecord:
    """One edge of a snapshot: ``from`` (a Python keyword: read it with
    ``getattr(e, 'from')``), ``to`` and ``w``.

    Example::

        e = glia.EdgeRecord("S0", "H0", 1.5); print(getattr(e, "from"), e.to, e.w)
    """

    __slots__ = ("from", "to", "w")

    def __init__(self, from_id: str = "", to: str = "", w: float = 0.0):
        setattr(self, "from", from_id)
        self.to, self.w = to, float(w)

    def __repr__(self):
        return f"EdgeRecord(from={getattr(self, 'from')!r}, to={self.to!r}, w={self.w:g})"


class NetworkSnapshot:
    """A network's neuron parameters and edges as plain records (GliaGL's genome type).

    Example::

        snap = glia.NetworkSnapshot.from_network(net)
        ids = [n.id for n in snap.neurons]
        snap.apply_to(other)               # same neurons: thresholds, leaks and weights
    """

    def __init__(self, neurons=None, edges=None):
        self.neurons = list(neurons or [])
        self.edges = list(edges or [])

    @classmethod
    def from_network(cls, net) -> "NetworkSnapshot":
        """The records of ``net`` (neurons in ``neuron_ids`` order, edges in ``edges()`` order)."""
        ids, _, thr, leak = net.get_state()
        f, t, w = net.get_weights()
        return cls([NeuronRecord(i, a, b) for i, a, b in zip(ids, thr.tolist(), leak.tolist())],
                   [EdgeRecord(a, b, c) for a, b, c in zip(f, t, w.tolist())])

    def apply_to(self, net) -> None:
        """Sets ``net``'s thresholds, leaks and weights (creating missing edges) from the records."""
        net.set_state([n.id for n in self.neurons],
                      np.array([n.thr for n in self.neurons], np.float32),
                      np.array([n.leak for n in self.neurons], np.float32))
        net.set_weights([getattr(e, "from") for e in self.edges], [e.to for e in self.edges],
                        np.array([e.w for e in self.edges], np.float32))

    def __repr__(self):
        return f"<NetworkSnapshot: {len(self.neurons)} neurons, {len(self.edges)} edges>"

# Neuron: one neuron of a Network, looked up by id (included by _core.pyx before _network.pxi).

_KIND_NAMES = ("sensory", "hidden", "output")

# What Neuron's properties read: one neuron's parameters, state and kind name.
_NeuronRecord = namedtuple("_NeuronRecord", "threshold leak resting value fired kind")


class _FiredFlag(int):
    """Whether a neuron fired in the last step; usable as ``n.did_fire()`` (glia) and as
    a plain truth value ``if n.did_fire:`` (GliaGL scripts)."""

    def __call__(self):
        return bool(self)

    def __repr__(self):
        return repr(bool(self))


class Neuron:
    """One neuron of a network, looked up by id on every access.

    Example::

        n = net.get_neuron("H0")
        n.threshold = 45.0
        print(n.value, n.did_fire())
    """

    __slots__ = ("_net", "id")

    def __init__(self, net, neuron_id):
        self._net = net
        self.id = neuron_id

    def _record(self):
        return _neuron_record(<Network>self._net, self.id)

    def _set(self, name, v):
        _set_neuron_param(<Network>self._net, self.id, name, v)

    @property
    def threshold(self) -> float:
        return self._record().threshold

    @threshold.setter
    def threshold(self, v):
        self._set("threshold", v)

    @property
    def leak(self) -> float:
        return self._record().leak

    @leak.setter
    def leak(self, v):
        self._set("leak", v)

    @property
    def resting(self) -> float:
        return self._record().resting

    @resting.setter
    def resting(self, v):
        self._set("resting", v)

    @property
    def floor(self) -> bool:
        """Whether the value is kept at or above 0 (V = max(0, ...); the default)."""
        return bool(self._features()["floor"])

    @floor.setter
    def floor(self, v):
        (<Network>self._net).set_features([self.id], floor=v)

    @property
    def reset(self) -> str:
        """What the value becomes on firing: one of :data:`glia.RESET_MODES`."""
        return str(self._features()["reset"])

    @reset.setter
    def reset(self, v):
        (<Network>self._net).set_features([self.id], reset=v)

    @property
    def alpha(self) -> float:
        """The share of the synaptic current kept per step (0: cleared, the default)."""
        return float(self._features()["alpha"])

    @alpha.setter
    def alpha(self, v):
        (<Network>self._net).set_features([self.id], alpha=v)

    @property
    def bias(self) -> float:
        """A constant current added every step (default 0)."""
        return float(self._features()["bias"])

    @bias.setter
    def bias(self, v):
        (<Network>self._net).set_features([self.id], bias=v)

    def _features(self):
        return _neuron_features(<Network>self._net, self.id)

    @property
    def value(self) -> float:
        return self._record().value

    @property
    def kind(self) -> str:
        """'sensory', 'hidden' or 'output'."""
        return self._record().kind

    @property
    def did_fire(self):
        return _FiredFlag(self._record().fired)

    # GliaGL's accessor methods (its C++ Neuron's names)
    def get_id(self) -> str:
        """GliaGL's name for :attr:`id`."""
        return self.id

    def get_value(self) -> float:
        """GliaGL's name for :attr:`value`."""
        return self.value

    def get_threshold(self) -> float:
        """GliaGL's name for :attr:`threshold`."""
        return self.threshold

    def set_threshold(self, threshold):
        """GliaGL's name for setting :attr:`threshold`."""
        self.threshold = threshold

    def get_leak(self) -> float:
        """GliaGL's name for :attr:`leak`."""
        return self.leak

    def set_leak(self, leak):
        """GliaGL's name for setting :attr:`leak` (in [0, 1])."""
        self.leak = leak

    def get_resting(self) -> float:
        """GliaGL's name for :attr:`resting`."""
        return self.resting

    def set_resting(self, resting):
        """GliaGL's name for setting :attr:`resting`."""
        self.resting = resting

    def __repr__(self):
        return (f"Neuron({self.id!r}, threshold={self.threshold:g}, leak={self.leak:g}, "
                f"resting={self.resting:g}, value={self.value:g})")


cdef object _neuron_record(Network net, neuron_id):
    """One neuron's parameters and state (a _NeuronRecord), read under the guard."""
    cdef int32_t i
    net._enter()
    try:
        i = net._net.index(_to_cpp_str(neuron_id))
        return _NeuronRecord(float(net._net.threshold()[i]), float(net._net.leak()[i]),
                             float(net._net.resting()[i]), float(net._net.state().value[i]),
                             int(net._net.state().fired_mask[i]),
                             _KIND_NAMES[net._net.kind_code(i)])
    finally:
        net._leave()


cdef dict _neuron_features(Network net, neuron_id):
    """One neuron's optional features by name, read under the guard."""
    cdef CNeuronFeatures f
    net._enter()
    try:
        f = net._net.features(net._net.index(_to_cpp_str(neuron_id)))
    finally:
        net._leave()
    return {"floor": bool(f.floor), "reset": RESET_MODES[<int>f.reset], "alpha": float(f.alpha),
            "bias": float(f.bias)}


cdef int _set_neuron_param(Network net, neuron_id, str name, value) except -1:
    """Sets one of a neuron's parameters: name is 'threshold', 'leak' or 'resting'."""
    cdef float v = _finite(value, name)
    cdef int32_t i
    net._enter()
    try:
        i = net._net.index(_to_cpp_str(neuron_id))
        p = {"threshold": net._net.threshold()[i], "leak": net._net.leak()[i],
             "resting": net._net.resting()[i]}
        p[name] = v
        net._net.set_params(i, p["threshold"], p["leak"], p["resting"])
    finally:
        net._leave()
    return 0

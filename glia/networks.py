"""Networks users build: layered feed-forward and recurrent networks whose initial weights
put hidden and output firing in a useful range for the input they will receive.

``layered([n_in, n_hidden..., n_out])`` makes sensory neurons ``S0…``, hidden neurons
``H0…`` (every hidden layer in order) and outputs ``O0…``, with edges from each layer to the
next (and, with ``recurrent=True``, among the neurons of each hidden layer), built with one
index-based :meth:`glia.Network.set_edges` call (10^6 edges take well under a second).

Neuron model (glia's step, docs/model.md): ``V = leak V + I``, a spike when
``V > threshold``, then ``V = resting`` (0). Hidden and output neurons have no floor
(``floor=False``, one of the model's optional features): a neuron pushed below 0 keeps a
gradient, so an output the surrogate-gradient trainer has silenced can come back; with
the model's floor (``V = max(0, ...)``, ``floor=True``) such an output has no gradient left
and stays silent, the dead outputs of docs/networks.md.

* Sensory neurons are relays: threshold ``SENSORY_THRESHOLD`` (0.5) and leak 0, so an
  injection above 0.5 (glia's event input, ``value=1.0``, and the 200 of
  :mod:`glia.datasets`) is one spike that step, and nothing is carried over.
* Hidden and output neurons: threshold ``threshold`` (1.0) and leak ``leak`` (0.9, a
  membrane time constant of about 10 steps).

The weight rule (stated once, in :func:`weight_scale`): a neuron with ``n`` inbound
feed-forward edges, each source firing with probability ``r`` per step, receives on
average ``m = n r mu`` per step when its inbound weights have mean ``mu``. Integrating
``m`` with leak ``l`` from rest crosses the threshold ``theta`` after ``K`` steps when
``m (1 - l^K) / (1 - l) = theta``. The constructor picks ``K = 1 / target_rate`` so that
a neuron fires about once every ``K`` steps::

    mu    = theta (1 - l) / ((1 - l^K) n r)        K = 1 / target_rate
    w     = mu + spread * mu * N(0, 1)             (feed-forward edges)
    w_rec = spread * mu * N(0, 1)                  (recurrent edges: mean 0)

``r`` is ``input_rate`` for the first hidden layer (and the outputs when there is no
hidden layer) and ``target_rate`` for every later layer. The weights' spread (``spread``,
default 1) breaks symmetry and gives some neurons more drive than others; recurrent edges
have mean 0 so that they shape activity without running it away.

With ``bias=True`` (the default) a tonic neuron ``B`` (threshold 0.5, leak 1, resting 1:
it fires every step) feeds every hidden and output neuron through learnable edges of
weight ``0.1 m N(0, 1)``, ``m = theta (1 - l) / (1 - l^K)`` the mean input per step the rule
aims at (``n r mu``): the network's biases, small beside the drive at the start. Without it every neuron's rate
grows with the input's overall rate, and a rate trainer's outputs cannot tell two inputs
apart that differ only in intensity (their argmax is the same at every intensity).

Example::

    net = glia.networks.layered([700, 256, 20], recurrent=True, density=0.1,
                                input_rate=0.02, seed=0)
    net.num_connections        # about 700*256*0.1 + 256*255*0.1 + 256*20*0.1
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from glia._core import Network

__all__ = ["layered", "weight_scale", "SENSORY_THRESHOLD"]

#: Threshold of the sensory relays (leak 0): an injection above it is a spike.
SENSORY_THRESHOLD = 0.5


def weight_scale(fan_in: float, rate: float, threshold: float = 1.0, leak: float = 0.9,
                 target_rate: float = 0.1) -> float:
    """The mean inbound weight ``mu`` that makes a neuron with ``fan_in`` inbound edges,
    whose sources fire with probability ``rate`` per step, reach ``threshold`` after
    ``K = 1 / target_rate`` steps of its mean input (the module docstring's rule):
    ``mu = threshold (1 - leak) / ((1 - leak**K) fan_in rate)`` (``leak`` 1: ``threshold /
    (K fan_in rate)``).

    Example::

        glia.networks.weight_scale(fan_in=70, rate=0.02)   # 700 inputs at 10 % density
    """
    if not fan_in > 0 or not rate > 0:
        raise ValueError(f"fan_in and rate must be > 0, got {fan_in} and {rate}")
    if not 0 < target_rate <= 1:
        raise ValueError(f"target_rate must be in (0, 1], got {target_rate}")
    K = 1.0 / target_rate
    gain = K if leak >= 1.0 else (1.0 - leak ** K) / (1.0 - leak)
    return float(threshold) / (gain * float(fan_in) * float(rate))


def _check_prob(name, v, open_low=True):
    v = float(v)
    if not (0.0 < v <= 1.0) if open_low else not (0.0 <= v <= 1.0):
        raise ValueError(f"{name} must be in {'(0' if open_low else '[0'}, 1], got {v}")
    return v


def layered(sizes: Sequence[int], *, recurrent: bool = False, density: float = 1.0,
            recurrent_density: float | None = None, input_rate: float = 0.1,
            target_rate: float = 0.1, threshold: float = 1.0, leak: float = 0.9,
            spread: float = 1.0, bias: bool = True, floor: bool = False,
            seed: int = 0) -> Network:
    """A layered network: ``sizes[0]`` sensory neurons ``S…``, ``sizes[1:-1]`` hidden
    layers (neurons ``H0…`` numbered across layers), ``sizes[-1]`` outputs ``O…``.

    - ``density``: probability of each feed-forward edge (layer k → layer k+1).
    - ``recurrent``: also edges within each hidden layer (no self edges), with probability
      ``recurrent_density`` (default: ``density``), mean-0 weights.
    - ``input_rate``: the probability per step that an input channel spikes (for Poisson
      inputs, the mean over channels and time); ``target_rate``: the firing probability per
      step the weights aim at for hidden and output neurons.
    - ``threshold``, ``leak``: of hidden and output neurons; ``spread``: the weights'
      standard deviation relative to their mean (module docstring).
    - ``bias``: add the tonic neuron ``B`` with an edge to every hidden and output neuron
      (module docstring).
    - ``floor``: whether hidden and output neurons keep the model's floor ``V = max(0, ...)``
      (default False: no floor, so that silenced outputs keep a gradient; module docstring).

    Every random draw comes from ``seed``: the same arguments build the same network.

    Example::

        net = glia.networks.layered([64, 64, 10], input_rate=0.3, seed=1)
        tr = glia.SurrogateTrainer(net)
    """
    sizes = [int(s) for s in sizes]
    if len(sizes) < 2:
        raise ValueError(f"sizes must list at least the inputs and the outputs, got {sizes}")
    if any(s <= 0 for s in sizes):
        raise ValueError(f"every layer size must be > 0, got {sizes}")
    density = _check_prob("density", density)
    rd = density if recurrent_density is None else _check_prob("recurrent_density", recurrent_density)
    input_rate = _check_prob("input_rate", input_rate)
    target_rate = _check_prob("target_rate", target_rate)
    if not (np.isfinite(threshold) and threshold > 0):
        raise ValueError(f"threshold must be finite and > 0, got {threshold}")
    if not 0.0 <= leak <= 1.0:
        raise ValueError(f"leak must be in [0, 1], got {leak}")
    if not (np.isfinite(spread) and spread >= 0):
        raise ValueError(f"spread must be finite and >= 0, got {spread}")
    rng = np.random.default_rng(seed)
    n_in, hidden, n_out = sizes[0], sizes[1:-1], sizes[-1]
    ids = ([f"S{i}" for i in range(n_in)] + [f"H{i}" for i in range(sum(hidden))]
           + [f"O{i}" for i in range(n_out)])
    net = Network()
    starts = np.cumsum([0] + sizes)
    for k, nid in enumerate(ids):
        if k < n_in:
            net.add_neuron(nid, SENSORY_THRESHOLD, 0.0, 0.0)
        else:
            net.add_neuron(nid, threshold, leak, 0.0, floor=bool(floor))
    src, dst, w = [], [], []
    n_total = len(ids)
    if bias:
        net.add_neuron("B", 0.5, 1.0, 1.0)

    def block(a0, na, b0, nb, p, mean, sd, no_self):
        if p >= 1.0:
            s = np.repeat(np.arange(na), nb)
            d = np.tile(np.arange(nb), na)
        else:   # each pair kept with probability p: the kept flat indices, drawn directly
            total = na * nb
            k = rng.binomial(total, p)
            flat = np.sort(rng.choice(total, size=k, replace=False)) if k else np.zeros(0, np.int64)
            s, d = flat // nb, flat % nb
        if no_self:
            keep = s != d
            s, d = s[keep], d[keep]
        src.append(a0 + s)
        dst.append(b0 + d)
        w.append(mean + sd * rng.standard_normal(s.size))
        return s.size

    for layer in range(len(sizes) - 1):
        a0, na, b0, nb = starts[layer], sizes[layer], starts[layer + 1], sizes[layer + 1]
        rate = input_rate if layer == 0 else target_rate
        fan_in = max(1.0, density * na)
        mu = weight_scale(fan_in, rate, threshold, leak, target_rate)
        block(a0, na, b0, nb, density, mu, spread * mu, False)
        if recurrent and 0 < layer + 1 < len(sizes) - 1 and rd > 0 and nb > 1:
            block(b0, nb, b0, nb, rd, 0.0, spread * mu, True)
    if bias:
        targets = np.arange(n_in, n_total)
        src.append(np.full(targets.size, n_total))
        dst.append(targets)
        drive = weight_scale(1.0, 1.0, threshold, leak, target_rate)   # m = n r mu
        w.append(0.1 * drive * rng.standard_normal(targets.size))
    net.set_edges(np.concatenate(src).astype(np.int32), np.concatenate(dst).astype(np.int32),
                  np.concatenate(w).astype(np.float32))
    return net

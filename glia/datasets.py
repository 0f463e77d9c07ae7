"""Ready-made tasks: XOR, a noisy three-class task and scikit-learn's 8×8 digits,
Poisson-encoded into spike inputs, each with a matching baseline network.

Everything is generated from a seed (nothing is downloaded): the digits ship inside
scikit-learn (the optional ``datasets`` extra).

Example::

    train, test = glia.datasets.digits()
    net = glia.datasets.digits_network()
"""
from __future__ import annotations

import numpy as np

from glia._core import Network
from glia.data import Dataset

__all__ = ["xor", "xor_network", "XOR_CONFIG", "THREE_CLASS_GRADIENT_CONFIG",
           "THREE_CLASS_HEBBIAN_CONFIG", "DIGITS_CONFIG", "three_class", "three_class_network", "digits", "digits_network",
           "poisson_encode"]

SPIKE_VALUE = 200.0   # an injection that makes a sensory neuron (threshold 100) fire


def poisson_encode(intensity, ticks: int, max_rate: float, seed: int = 0, value: float = SPIKE_VALUE):
    """Bernoulli spike trains: ``intensity`` (n, k) in [0, 1] → float32 (n, ticks, k) where
    each tick carries ``value`` with probability ``intensity * max_rate``."""
    p = np.clip(np.asarray(intensity, dtype=np.float64), 0.0, 1.0) * float(max_rate)
    rng = np.random.default_rng(seed)
    n, k = p.shape
    out = np.zeros((n, ticks, k), dtype=np.float32)
    for i in range(n):                       # row by row keeps peak memory small
        out[i] = (rng.random((ticks, k)) < p[i]) * np.float32(value)
    return out


# ---------------------------------------------------------------- XOR
XOR_PATTERNS = ((0, 0, "O0"), (0, 1, "O1"), (1, 0, "O1"), (1, 1, "O0"))

#: A configuration that trains :func:`xor_network` to 4/4 with the rate-gradient trainer.
XOR_CONFIG = dict(optimizer="adam", lr=0.05, temperature=0.1, batch_size=4, warmup_ticks=20)
#: A configuration that trains :func:`three_class_network` with the rate-gradient trainer.
THREE_CLASS_GRADIENT_CONFIG = dict(optimizer="adam", lr=0.01, temperature=0.1, batch_size=1,
                                   warmup_ticks=20)
#: A configuration for the reward-modulated trainer on :func:`three_class`: the defaults
#: train it (kept so that code naming it still runs).
THREE_CLASS_HEBBIAN_CONFIG = dict(warmup_ticks=20)


def _uniform_net(n_sensory, n_hidden, outputs, seed, extra=(), out_bias=0.0, direct=0.0):
    """Sensory S0.. (threshold 100), hidden H0.. and outputs (threshold 1, leak 0.5),
    all-to-all S->H (U(-1.5, 1.5)) and H->O (out_bias + U(-1, 1)) edges drawn from
    ``seed``, plus S->O edges U(-direct, direct) when ``direct`` > 0."""
    rng = np.random.default_rng(seed)
    net = Network()
    for i in range(n_sensory):
        net.add_neuron(f"S{i}", 100.0, 1.0, 0.0)
    for nid, thr, leak, rest in extra:
        net.add_neuron(nid, thr, leak, rest)
    h0 = n_sensory + len(extra)
    for h in range(n_hidden):
        net.add_neuron(f"H{h}", 1.0, 0.5, 0.0)
    for o in outputs:
        net.add_neuron(o, 1.0, 0.5, 0.0)
    o0 = h0 + n_hidden
    src = np.repeat(np.arange(h0), n_hidden)
    dst = np.tile(np.arange(h0, o0), h0)
    w = rng.uniform(-1.5, 1.5, src.size)
    hs = np.repeat(np.arange(n_sensory, o0), len(outputs))
    hd = np.tile(np.arange(o0, o0 + len(outputs)), o0 - n_sensory)
    hw = out_bias + rng.uniform(-1.0, 1.0, hs.size)
    srcs, dsts, ws = [src, hs], [dst, hd], [w, hw]
    if direct > 0:
        srcs.append(np.repeat(np.arange(n_sensory), len(outputs)))
        dsts.append(np.tile(np.arange(o0, o0 + len(outputs)), n_sensory))
        ws.append(rng.uniform(-direct, direct, n_sensory * len(outputs)))
    net.set_edges(np.concatenate(srcs), np.concatenate(dsts), np.concatenate(ws).astype(np.float32))
    return net


def xor(ticks: int = 70, repeats: int = 1) -> Dataset:
    """The four XOR patterns (``repeats`` copies each): S0 and S1 carry the two bits
    (driven every tick when 1); the target is O1 when exactly one bit is set, else O0.

    Example::

        net = glia.datasets.xor_network()
        tr = glia.Trainer(net, glia.create_config(**glia.datasets.XOR_CONFIG))
        tr.train(glia.datasets.xor(), epochs=100)
    """
    X, y = [], []
    for _ in range(int(repeats)):
        for a, b, t in XOR_PATTERNS:
            x = np.zeros((ticks, 2), np.float32)
            x[:, 0] = SPIKE_VALUE * a
            x[:, 1] = SPIKE_VALUE * b
            X.append(x)
            y.append(t)
    return Dataset.from_arrays(np.stack(X), np.array(y))


def xor_network(n_hidden: int = 6, seed: int = 1, out_bias: float = 0.0) -> Network:
    """A neutral XOR baseline: S0, S1 and a tonic neuron ``B`` (resting 1 above its
    threshold 0.5, so it fires every step: a bias) → ``n_hidden`` hidden → O0, O1, with
    small uniform random weights on every S/B→H and H/B→O edge (``out_bias`` + U(-1, 1)
    on the H/B→O ones).

    For :class:`glia.SurrogateTrainer` use ``xor_network(n_hidden=16, out_bias=0.3)``: an
    output whose input is never above 0 gets no gradient there (∂v/∂u = [u > 0]), and a
    positive start keeps both outputs reachable (4/4 from every seed tried, with
    :data:`XOR_CONFIG`)."""
    return _uniform_net(2, n_hidden, ["O0", "O1"], seed, extra=[("B", 0.5, 1.0, 1.0)],
                        out_bias=out_bias)


# ---------------------------------------------------------------- three classes
def three_class(n_per_class: int = 40, ticks: int = 70, noise: float = 0.1,
                p_drive: float = 0.5, seed: int = 0) -> Dataset:
    """Three classes over three sensory inputs: in class k, S{k} fires with probability
    ``p_drive`` per tick and the others with probability ``noise``. Classes interleave."""
    if not 0.0 <= noise <= 1.0 or not 0.0 <= p_drive <= 1.0:
        raise ValueError("noise and p_drive must be probabilities in [0, 1]")
    rng = np.random.default_rng(seed)
    n = 3 * int(n_per_class)
    y = np.arange(n) % 3
    p = np.full((n, ticks, 3), noise)
    p[np.arange(n), :, y] = p_drive
    X = ((rng.random((n, ticks, 3)) < p) * SPIKE_VALUE).astype(np.float32)
    return Dataset.from_arrays(X, y)


def three_class_network(n_hidden: int = 12, seed: int = 1) -> Network:
    """A neutral baseline for :func:`three_class`: 3 sensory → ``n_hidden`` hidden →
    O0, O1, O2, all-to-all with small uniform random weights (near chance), H→O weights
    centred on 0.5 so the outputs fire from the start, plus direct S→O edges."""
    return _uniform_net(3, n_hidden, ["O0", "O1", "O2"], seed, out_bias=0.5, direct=1.0)


# ---------------------------------------------------------------- digits
def digits(ticks: int = 40, max_rate: float = 1.0, seed: int = 0, test_fraction: float = 0.25):
    """scikit-learn's 8×8 digits (1,797 images), Poisson-encoded over 64 sensory inputs:
    pixel intensity / 16 × ``max_rate`` is the spike probability per tick (a full-intensity
    pixel fires every tick by default). Returns
    ``(train, test)`` with a fixed stratified split (the same for every ``seed``; the seed
    only changes the spike trains)."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ImportError("glia.datasets.digits needs scikit-learn: pip install 'glia[datasets]'") from None
    d = load_digits()
    X = poisson_encode(d.data / 16.0, ticks, max_rate, seed=seed)
    y = d.target.astype(np.int64)
    order = np.random.default_rng(12345).permutation(len(y))   # fixed split
    test = np.zeros(len(y), bool)
    for k in range(10):
        idx = order[y[order] == k]
        test[idx[: int(round(len(idx) * test_fraction))]] = True
    tr, te = np.nonzero(~test)[0], np.nonzero(test)[0]
    names = [str(n) for n in d.target_names]          # output O<k> is the digit k
    return (Dataset.from_arrays(X[tr], y[tr], class_names=names),
            Dataset.from_arrays(X[te], y[te], class_names=names))


#: The README's quickstart configuration for :func:`digits_network` on :func:`digits`
#: (rate-gradient trainer, Adam, batches of 16, 30 epochs; the accuracy it reaches is in
#: the README's learning table, regenerated by ``benchmarks/bench_train.py``).
DIGITS_CONFIG = dict(optimizer="adam", lr=0.01, batch_size=16)


def digits_network(n_hidden: int = 0, seed: int = 0) -> Network:
    """A baseline for :func:`digits`: 64 sensory inputs S0…S63 and 10 outputs O0…O9
    (threshold 1, leak 0.5), every input connected to every output with weights
    0.1 + U(-0.3, 0.3); with ``n_hidden`` > 0 also a hidden layer H0… (all-to-all from the
    inputs, U(-1.5, 1.5), and to the outputs, 0.1 + U(-1, 1)).

    Example::

        train, test = glia.datasets.digits()
        net = glia.datasets.digits_network()
        tr = glia.Trainer(net, glia.create_config(**glia.datasets.DIGITS_CONFIG))
        tr.train(train, epochs=30)
        tr.evaluate_dataset(test)["accuracy"]
    """
    rng = np.random.default_rng(seed)
    net = Network()
    for i in range(64):
        net.add_neuron(f"S{i}", 100.0, 1.0, 0.0)
    for h in range(n_hidden):
        net.add_neuron(f"H{h}", 1.0, 0.5, 0.0)
    for o in range(10):
        net.add_neuron(f"O{o}", 1.0, 0.5, 0.0)
    o0 = 64 + n_hidden
    src = [np.repeat(np.arange(64), 10)]
    dst = [np.tile(np.arange(o0, o0 + 10), 64)]
    w = [0.1 + 0.3 * rng.uniform(-1, 1, 640)]
    if n_hidden:
        src += [np.repeat(np.arange(64), n_hidden), np.repeat(np.arange(64, o0), 10)]
        dst += [np.tile(np.arange(64, o0), 64), np.tile(np.arange(o0, o0 + 10), n_hidden)]
        w += [rng.uniform(-1.5, 1.5, 64 * n_hidden), 0.1 + rng.uniform(-1, 1, 10 * n_hidden)]
    net.set_edges(np.concatenate(src), np.concatenate(dst), np.concatenate(w).astype(np.float32))
    return net

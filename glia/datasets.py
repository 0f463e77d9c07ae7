"""Ready-made tasks: XOR, a noisy three-class task and scikit-learn's 8×8 digits,
Poisson-encoded into spike inputs, each with a matching baseline network.

Everything is generated from a seed (nothing is downloaded): the digits ship inside
scikit-learn (the optional ``datasets`` extra).

Example::

    train, test = glia.datasets.digits()
    net = glia.datasets.digits_network()
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from glia._core import Network
from glia.data import Dataset

__all__ = ["xor", "xor_network", "XOR_CONFIG", "THREE_CLASS_GRADIENT_CONFIG",
           "THREE_CLASS_HEBBIAN_CONFIG", "DIGITS_CONFIG", "three_class", "three_class_network", "digits", "digits_network",
           "DIGITS_HIDDEN_SPREAD", "poisson_encode", "temporal_order", "rate_intensity", "delayed_recall", "randman",
           "DELAYED_RECALL_WARMUP", "TASKS", "Task", "task"]

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

# The configurations below were tuned on this module's baseline networks with Adam's steps
# measured in |threshold| (grad.adam_unit="threshold"), and keep that unit.

#: A configuration that trains :func:`xor_network` to 4/4 with the rate-gradient trainer.
XOR_CONFIG = dict(optimizer="adam", lr=0.05, temperature=0.1, batch_size=4, warmup_ticks=20,
                  adam_unit="threshold")
#: A configuration that trains :func:`three_class_network` with the rate-gradient trainer.
THREE_CLASS_GRADIENT_CONFIG = dict(optimizer="adam", lr=0.01, temperature=0.1, batch_size=1,
                                   adam_unit="threshold",
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
DIGITS_CONFIG = dict(optimizer="adam", lr=0.01, batch_size=16, adam_unit="threshold")


#: The half-width of :func:`digits_network`'s input -> hidden weights: its docstring's rule,
#: sqrt(3 / (64 · 0.3)) = 0.395, rounded.
DIGITS_HIDDEN_SPREAD = 0.4


def digits_network(n_hidden: int = 0, seed: int = 0) -> Network:
    """A baseline for :func:`digits`: 64 sensory inputs S0…S63 and 10 outputs O0…O9
    (threshold 1, leak 0.5), every input connected to every output with weights
    0.1 + U(-0.3, 0.3); with ``n_hidden`` > 0 also a hidden layer H0… (threshold 1, leak
    0.5), all-to-all from the inputs with weights U(-a, a) and to the outputs with weights
    0.1 + U(-0.5, 0.5).

    The rule for ``a`` (:data:`DIGITS_HIDDEN_SPREAD`, 0.4): with the inputs firing at r ≈ 0.3
    per tick on average (:func:`digits`' mean pixel intensity / 16), a hidden neuron's input
    per tick, a sum of about 64 r weights, then has a standard deviation of about its
    threshold: a = threshold · sqrt(3 / (64 r)). Much wider weights saturate the layer (with
    U(-1.5, 1.5), 40% of the hidden neurons of an episode fire at 0.45 per tick or more), and
    the surrogate gradient, largest at the threshold, gives saturated neurons little to learn
    from. In ``benchmarks/bench_train_scale.py``'s digits recipe (surrogate slope 2) the
    validation split first reached 0.97 after 10–12 epochs with U(-1.5, 1.5) and U(-1, 1)
    (seeds 0–2), and after 6–12, median 7.5, with these weights (seeds 0–7).

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
        a = DIGITS_HIDDEN_SPREAD
        w += [rng.uniform(-a, a, 64 * n_hidden), 0.1 + rng.uniform(-0.5, 0.5, 10 * n_hidden)]
    net.set_edges(np.concatenate(src), np.concatenate(dst), np.concatenate(w).astype(np.float32))
    return net


# ---------------------------------------------------------------- tasks of the task suite
# (tests/test_tasks.py, benchmarks/bench_tasks.py). Inputs carry ``value`` per spike (1.0:
# what a sensory relay of glia.networks.layered needs; 200 drives the 100-threshold sensory
# neurons of the baseline networks above).

def _labels(n, n_classes, rng):
    y = np.arange(n) % n_classes
    return y[rng.permutation(n)]


def temporal_order(n: int = 200, ticks: int = 40, burst: int = 6, p_spike: float = 0.8,
                   jitter: int = 3, value: float = 1.0, seed: int = 0) -> Dataset:
    """Two inputs that burst once each, in either order: class 0 when S0 bursts first,
    class 1 when S1 does. Both bursts have the same length and spike probability
    (``p_spike`` per tick over ``burst`` ticks), so every episode carries the same expected
    number of spikes on each input: only the order tells the classes apart (a rate trainer
    cannot learn it). The first burst starts at tick 2 + U{0..jitter}, the second
    ``burst`` + 4 + U{0..jitter} ticks later."""
    rng = np.random.default_rng(seed)
    y = _labels(n, 2, rng)
    X = np.zeros((n, ticks, 2), np.float32)
    for i in range(n):
        t1 = 2 + rng.integers(0, jitter + 1)
        t2 = t1 + burst + 4 + rng.integers(0, jitter + 1)
        first, second = (0, 1) if y[i] == 0 else (1, 0)
        for ch, t in ((first, t1), (second, t2)):
            X[i, t:t + burst, ch] = (rng.random(min(burst, ticks - t)) < p_spike) * value
    return Dataset.from_arrays(X, y)


def rate_intensity(n: int = 200, ticks: int = 40, channels: int = 10, low: float = 0.1,
                   high: float = 0.2, value: float = 1.0, seed: int = 0) -> Dataset:
    """Two classes that differ only in their overall Poisson rate: every channel spikes
    with probability ``low`` per tick in class 0 and ``high`` in class 1 (a new user's
    first task)."""
    rng = np.random.default_rng(seed)
    y = _labels(n, 2, rng)
    p = np.where(y == 1, high, low)[:, None, None]
    X = ((rng.random((n, ticks, channels)) < p) * value).astype(np.float32)
    return Dataset.from_arrays(X, y)


#: The ticks before :func:`delayed_recall`'s decision window (cue + delay): train and
#: evaluate it with ``warmup_ticks=DELAYED_RECALL_WARMUP`` so that only the answer after
#: the delay counts.
DELAYED_RECALL_WARMUP = 20


def delayed_recall(n: int = 200, n_classes: int = 2, cue: int = 5, delay: int = 15,
                   recall: int = 15, p_cue: float = 0.9, p_noise: float = 0.02,
                   value: float = 1.0, seed: int = 0) -> Dataset:
    """Recall a cue after a delay: class k's cue channel S{k} spikes with probability
    ``p_cue`` per tick for ``cue`` ticks; then ``delay`` ticks of background noise (every
    channel, ``p_noise``); then a go signal on channel S{n_classes} (every tick of the
    ``recall`` period, with the noise). The answer is read after cue and delay: train with
    ``warmup_ticks = cue + delay`` (:data:`DELAYED_RECALL_WARMUP` for the defaults), so the
    network must hold the cue across the delay."""
    rng = np.random.default_rng(seed)
    y = _labels(n, n_classes, rng)
    T = cue + delay + recall
    C = n_classes + 1
    X = (rng.random((n, T, C)) < p_noise).astype(np.float32)
    X[:, :cue, :n_classes] = 0.0
    for i in range(n):
        X[i, :cue, y[i]] = rng.random(cue) < p_cue
    X[:, cue + delay:, n_classes] = 1.0
    return Dataset.from_arrays(X * np.float32(value), y)


def randman(n: int = 300, n_classes: int = 3, units: int = 20, ticks: int = 50,
            manifold_dim: int = 1, alpha: float = 2.0, n_freq: int = 20, value: float = 1.0,
            seed: int = 0) -> Dataset:
    """A synthetic spike-timing task after Zenke & Vogels (2021), "The remarkable robustness
    of surrogate gradient learning for instilling complex function in spiking neural
    networks" (Neural Computation 33(4)): each class is a smooth random manifold of spike
    times, and every input unit spikes exactly once per episode, so spike counts carry no
    information at all: only timing does.

    Class c has, for every unit i, a random smooth function f_ci of a latent point
    x in [0, 1]^manifold_dim: a product over latent dimensions d of
    sum_{k=1..n_freq} a_k k^-alpha sin(2 pi (k b_k x_d + c_k)), a, b, c uniform in [0, 1)
    (a random Fourier series whose spectrum falls as k^-alpha: larger ``alpha``, smoother
    manifolds). An episode draws a class and x uniformly; unit i spikes at tick
    floor(g_ci(x) (ticks - 1)), g the function rescaled to [0, 1] over the class's sampled
    points (per unit)."""
    rng = np.random.default_rng(seed)
    y = _labels(n, n_classes, rng)
    k = np.arange(1, n_freq + 1, dtype=np.float64)
    spectrum = k ** -float(alpha)
    X = np.zeros((n, ticks, units), np.float32)
    for c in range(n_classes):
        idx = np.nonzero(y == c)[0]
        a, b, ph = (rng.random((3, units, manifold_dim, n_freq)))
        x = rng.random((idx.size, manifold_dim))
        # f[s, i] = prod_d sum_k a spectrum sin(2 pi (k b x + ph))
        arg = 2 * np.pi * (k * b[None] * x[:, None, :, None] + ph[None])
        f = np.prod(np.sum((a * spectrum)[None] * np.sin(arg), axis=-1), axis=-1)
        lo, hi = f.min(axis=0), f.max(axis=0)
        g = (f - lo) / np.where(hi > lo, hi - lo, 1.0)
        t = np.floor(g * (ticks - 1)).astype(np.int64)
        X[idx[:, None], t, np.arange(units)[None, :]] = value
    return Dataset.from_arrays(X, y)


#: The task suite (tests/test_tasks.py, benchmarks/bench_tasks.py): name -> what the task
#: tests. Build one with :func:`task`.
TASKS = {
    "xor": "XOR of two inputs (rates)",
    "three_class": "which of three noisy inputs drives hardest (rates)",
    "digits": "scikit-learn's 8x8 digits, Poisson-coded (rates)",
    "temporal_order": "which of two equal-rate bursts comes first (timing only)",
    "rate_intensity": "two classes that differ only in their overall rate",
    "delayed_recall": "which cue came before a 15-tick delay (memory)",
    "randman": "Zenke & Vogels' random manifolds, one spike per input (timing only)",
}


class Task(NamedTuple):
    """One task of the suite: its splits, the network to build and the episode timing."""
    train: Dataset
    validation: Dataset
    test: Dataset
    network: dict   #: keyword arguments of glia.networks.layered (sizes, input_rate, ...)
    episode: dict   #: the task's episode timing, for glia.create_config (warmup_ticks)


def task(name: str, seed: int = 0) -> Task:
    """One task of :data:`TASKS` as a :class:`Task`: the three splits (60/20/20, stratified
    by class), the keyword arguments of :func:`glia.networks.layered` that suit it (layer
    sizes, mean input rate, recurrence) and the episode timing the task prescribes
    (``{"warmup_ticks": ...}``: the ticks before the decision window). ``seed`` draws the
    spikes and the split.

    Example::

        t = glia.datasets.task("rate_intensity")
        net = glia.networks.layered(**t.network, seed=0)
        tr = glia.SurrogateTrainer(net, glia.create_config(**t.episode))
        tr.train(t.train, epochs=30)
        tr.evaluate_dataset(t.test)["accuracy"]
    """
    episode = {"warmup_ticks": 0}
    recurrent = False
    if name == "xor":
        # each bit on two channels (one fires for 0, the other for 1), at 0.5 per tick
        rng = np.random.default_rng(seed)
        bits = np.arange(160)[:, None] // np.array([1, 2]) % 2
        onehot = np.stack([1 - bits[:, 0], bits[:, 0], 1 - bits[:, 1], bits[:, 1]], axis=1)
        X = ((rng.random((160, 30, 4)) < 0.5 * onehot[:, None, :]) * 1.0).astype(np.float32)
        data, sizes, rate = Dataset.from_arrays(X, bits[:, 0] ^ bits[:, 1]), [4, 16, 2], 0.25
    elif name == "three_class":
        data = three_class(n_per_class=70, ticks=30, seed=seed)
        data = Dataset.from_arrays(np.stack([e.array for e in data]) / SPIKE_VALUE,
                                   np.array([int(e.target_id[1:]) for e in data]))
        sizes, rate = [3, 16, 3], 0.23
    elif name == "digits":
        try:
            from sklearn.datasets import load_digits
        except ImportError:
            raise ImportError("the digits task needs scikit-learn: pip install 'glia[datasets]'") from None
        d = load_digits()
        X = poisson_encode(d.data / 16.0, 20, 1.0, seed=seed, value=1.0)
        data = Dataset.from_arrays(X, d.target.astype(np.int64))
        sizes, rate = [64, 64, 10], float((d.data / 16.0).mean())
    elif name == "temporal_order":
        data, sizes, rate = temporal_order(n=300, seed=seed), [2, 32, 2], 0.12
    elif name == "rate_intensity":
        data, sizes, rate = rate_intensity(n=300, seed=seed), [10, 16, 2], 0.15
    elif name == "delayed_recall":
        data, sizes, rate = delayed_recall(n=300, seed=seed), [3, 32, 2], 0.2
        episode = {"warmup_ticks": DELAYED_RECALL_WARMUP}
        recurrent = True
    elif name == "randman":
        data, sizes, rate = randman(n=450, seed=seed), [20, 64, 3], 0.02
    else:
        raise ValueError(f"name must be one of {', '.join(map(repr, TASKS))}, got {name!r}")
    y = np.array([e.target_id for e in data])
    rng = np.random.default_rng(seed + 1)
    parts = [[], [], []]
    for c in sorted(set(y)):
        idx = rng.permutation(np.nonzero(y == c)[0])
        a, b = int(round(0.6 * idx.size)), int(round(0.8 * idx.size))
        for p, sl in zip(parts, (idx[:a], idx[a:b], idx[b:])):
            p.extend(sl.tolist())
    eps = data.episodes
    train, val, test = (Dataset([eps[i] for i in sorted(p)]) for p in parts)
    return Task(train, val, test, {"sizes": sizes, "input_rate": rate, "recurrent": recurrent},
                episode)

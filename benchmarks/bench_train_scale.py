"""The surrogate-gradient trainer at the field's scale, against PyTorch and JAX on the CPU.

Four workloads, each trained by ``glia.SurrogateTrainer`` and by the same model written as a
user would in torch 2.13.0 (CPU build; dense batched back-propagation through time, a plain
loop over the steps) and in JAX (``jit`` of the whole update, ``lax.scan`` over the steps):

    shd256_10   700 Poisson input channels (2% per step) -> 256 recurrent hidden neurons
                (all-to-all, self edges included) -> 20 outputs, T = 100 steps; initial
                weights scaled for ~10% hidden activity (spikes per neuron per step)
    shd256_33   the same at ~33% hidden activity
    shd1024     700 -> 1,024 recurrent hidden -> 20, T = 100; the input and recurrent edges
                at 10% density (the outputs see every hidden neuron), ~10% hidden activity
    digits      sklearn's digits (glia.datasets.digits(): 40 ticks of Poisson spikes over 64
                inputs) on glia.datasets.digits_network(n_hidden=64): 64 -> 64 -> 10 plus the
                direct input -> output edges

The SHD-shaped workloads train on 2,048 episodes (random labels: they measure speed) in
batches of 128; digits trains on its training set less a validation split (20%, stratified)
in batches of 16 (Adam, lr 0.01, slope 2: ``DIGITS_LR``, ``DIGITS_SLOPE``), and is also timed to accuracy: each
side trains epoch by epoch until the validation split reaches ``--digits-target`` (0.97),
then that epoch's network is scored on the held-out test set; reported are the training
seconds up to that epoch (median over ``--digits-seeds`` config seeds, which set the shuffle
order) and the held-out accuracy there.

The same model on every side (the README's "Surrogate-gradient trainer" contract): per
step ``u = leak V + a``, ``v = max(0, u)``, ``s = [v > threshold]``, ``V = v (1 - s)`` (the
resting value is 0, the reset detached), ``a`` the next step's input (every edge delays a
spike by one step: the input channels' spikes reach the hidden layer a step later, the
hidden layer's reach the outputs and the hidden layer a step later); the spike's derivative
is the fast sigmoid ``1 / (1 + k |v - threshold|)**2`` (k = 5; 2 on digits) and ``dv/du = [u > 0]``; the
loss is the softmax cross-entropy of the output counts / (window x temperature) (the count
detector, temperature 0.2); Adam with L2 weight decay 1e-4 (torch's ``Adam(weight_decay=)``;
thresholds are 1, so glia's |threshold|-scaled step is the same step) and no pruning. The
sides get the same spikes (generated once, handed over as spike events) and the same
initial weights. Before anything is timed each side computes, from the initial weights,
the mean gradient of each group of 16 of the first 128 episodes and, from the same pass,
every hidden and output neuron's spike count and sum of spike times in each episode; the
peers' gradients are compared with glia's (``SurrogateTrainer.gradients``) on the groups
whose every episode spiked exactly as in glia's (the same counts and sums of times) (a membrane value within float rounding of the threshold can
fire on one side only, when sums run in another order; that episode's gradient then differs
by a whole spike): the largest difference relative to the group's largest gradient entry.

Every side runs in its own process (``--worker``) with 2 threads (``--threads``): glia's
``num_threads``, ``torch.set_num_threads``, and XLA's CPU thread pool (``XLA_FLAGS``, and the
process bound to that many cores). Every side's process gets ``OMP_WAIT_POLICY=passive``
(``--omp-wait``): on a machine with other load, OpenMP threads that spin at each barrier
wait for a partner the kernel has descheduled, which made torch's small per-step operations
(two threads, batch 128 x 256 neurons) 34x slower than one thread here, and passive
waiting 3x slower (``--omp-wait unset`` keeps the runtime's default). The sides take
turns in ``--rounds`` rounds (3), each a fresh process per side that times ``--repeats``
epochs (2) after an untimed warm-up of two batches (which holds JAX's compilation and
torch's first allocations; the first round's warm-up time is reported too): a shared
machine whose speed drifts over minutes drifts for every side alike. Reported: seconds per
epoch (the median over every round's timed epochs) and the CPU seconds the process used in them, the process's peak resident
memory (``VmHWM``) and its resident memory once its data are loaded, and the cores
other processes kept busy while the epochs ran (on a shared machine figures are medians,
and the load says how far to trust them). torch.compile is not used: compiling the step
function did not finish within 5 minutes on the loaded machine this was written on.

torch and JAX are never dependencies of glia: each lives in its own virtual environment,
by default ``$GLIA_BENCH_VENVS/torch`` and ``$GLIA_BENCH_VENVS/jax`` (``GLIA_BENCH_VENVS``
defaults to ``venvs/`` next to the repository), created when missing with
``python -m venv`` and ``pip install torch==2.13.0 numpy`` / ``pip install jax jaxlib
numpy`` (``--no-create`` reports a missing side as unavailable instead). ``--torch-python``
/ ``--jax-python`` (or ``GLIA_TORCH_PYTHON`` / ``GLIA_JAX_PYTHON``) name an interpreter to
use instead. Those interpreters run this file with ``--worker`` and never import glia.

glia takes its input as the spike events themselves (``Dataset.from_events``, what a user
with spike data hands it); ``--glia-input arrays`` gives it a dense float32 episodes x
ticks x channels array (``Dataset.from_arrays``) instead, which for the SHD-shaped
workloads alone holds 573 MB.

    python benchmarks/bench_train_scale.py [--quick] [--workloads shd256_10,digits]
        [--sides glia,torch,jax] [--repeats N] [--rounds N] [--threads 2] [--episodes 2048]
        [--glia-input events|arrays] [--omp-wait passive|active|unset]
        [--digits-seeds N] [--digits-max-epochs N] [--torch-python PATH] [--jax-python PATH]
        [--no-create] [--no-json]
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

WORKLOADS = {   # name: (hidden, input and recurrent density, target hidden activity)
    "shd256_10": dict(hidden=256, density=1.0, activity=0.10),
    "shd256_33": dict(hidden=256, density=1.0, activity=0.33),
    "shd1024": dict(hidden=1024, density=0.10, activity=0.10),
}
SHD_INPUTS, SHD_OUTPUTS, SHD_TICKS, SHD_RATE = 700, 20, 100, 0.02
SHD_BATCH = 128
LEAK = 0.95                     # hidden and output leak of the SHD-shaped networks
OUTPUT_ACTIVITY = 0.05          # their outputs' initial activity (spikes per step)
# digits' recipe, the same on every side: plain Adam at lr 0.01 and the fast sigmoid's
# slope k = 2, chosen on glia's validation split (epochs until it first reached 0.97, the
# median of seeds 0-7 on digits_network's weights: k = 5 10.5, k = 3 7.5, k = 2 7.5;
# lr 0.02 10, batches of 32 10-11, of 8 at lr 0.005 8.5; temperature 0.1 9.5, 0.3 10)
DIGITS_BATCH, DIGITS_LR, DIGITS_SLOPE = 16, 0.01, 2.0
SHD_SLOPE = 5.0                 # the SHD-shaped workloads' slope (speed only: no labels)
DIGITS_VALIDATION = 0.2
WEIGHT_DECAY = 1e-4
PEERS = {"torch": (["torch==2.13.0", "numpy"], "torch"),
         "jax": (["jax", "jaxlib", "numpy"], "jax")}


# ============================================================================ shared by the sides
def dense_spikes(d, prefix: str, dtype=np.uint8, value=1, first: int | None = None) -> np.ndarray:
    """The (episodes, ticks, channels) array of a set's spike events (of its ``first``
    episodes only, when given)."""
    n = int(d[f"{prefix}_n"]) if first is None else min(first, int(d[f"{prefix}_n"]))
    X = np.zeros((n, int(d["n_ticks"]), int(d["n_channels"])), dtype)
    e = d[f"{prefix}_episode"]
    keep = e < n
    X[e[keep], d[f"{prefix}_tick"][keep], d[f"{prefix}_channel"][keep]] = value
    return X


CHECK_EPISODES, CHECK_GROUP = 128, 16   # the gradient check: the first 128 episodes, by 16


def check_groups() -> list:
    return [slice(g, g + CHECK_GROUP) for g in range(0, CHECK_EPISODES, CHECK_GROUP)]


def peak_rss_bytes() -> int:
    """This process's peak resident memory (VmHWM; getrusage's ru_maxrss would include the
    parent's, which Linux carries across fork and exec)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise OSError("no VmHWM in /proc/self/status")


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def matrices(d) -> dict:
    """The weight matrices of a workload (``W[j, i]`` the edge j -> i) and their masks:
    ``in`` (inputs -> hidden), ``rec`` (hidden -> hidden), ``out`` (hidden -> outputs),
    ``io`` (inputs -> outputs); absent ones are left out."""
    return {k: d[f"W_{k}"].astype(np.float32) for k in ("in", "rec", "out", "io")
            if f"W_{k}" in d}


def masks(d) -> dict:
    return {k: d[f"M_{k}"].astype(bool) for k in ("in", "rec", "out", "io") if f"M_{k}" in d}


def batches(n: int, batch: int, rng, warmup: bool = False) -> list:
    """An epoch's batches of episode indices in the order ``rng`` draws; with ``warmup``
    only its first and last (the last may be smaller: JAX compiles each shape once)."""
    perm = rng.permutation(n)
    out = [perm[i:i + batch] for i in range(0, n, batch)]
    return [out[0], out[-1]] if warmup and len(out) > 1 else out


def detector_correct(counts: np.ndarray, y: np.ndarray, window: int, threshold: float) -> float:
    """glia's count detector: the first output with the top rate wins, none when no rate
    reaches the threshold."""
    top = counts.max(axis=1)
    return float(np.mean((counts.argmax(axis=1) == y) & (top / window >= threshold)))


class Timer:
    """Epoch times with the load other processes put on the machine meanwhile."""

    def __init__(self):
        from _common import foreign_load
        self._fl = foreign_load
        self.times, self.cpu, self.loads = [], [], []

    def run(self, fn):
        load = {}
        with self._fl(load):
            t0, c0 = time.perf_counter(), time.process_time()
            fn()
            dt, dc = time.perf_counter() - t0, time.process_time() - c0
        self.times.append(dt)
        self.cpu.append(dc)
        if load.get("foreign_cores") is not None:
            self.loads.append(load["foreign_cores"])
        return dt


def speed_run(epoch, d, result: dict) -> None:
    """An untimed warm-up of two batches (JAX compiles there), then ``repeats`` timed
    epochs. ``epoch(rng, warmup=False)`` trains one epoch in the order ``rng`` draws (with
    ``warmup``, two of its batches: see ``batches``)."""
    t0 = time.perf_counter()
    epoch(np.random.default_rng(10_000), True)
    result["warmup_s"] = time.perf_counter() - t0
    result["rss_after_warmup"] = rss_bytes()
    timer = Timer()
    for r in range(int(d["repeats"])):
        timer.run(lambda: epoch(np.random.default_rng(10_001 + r)))
    result["s_per_epoch"] = timer.times
    result["cpu_s_per_epoch"] = timer.cpu
    result["foreign_cores"] = timer.loads


def to_accuracy(make_trainer, d, result: dict) -> None:
    """Per config seed: a fresh model from the initial weights trained epoch by epoch until
    the validation split reaches the target (at most ``max_epochs``); the training seconds
    up to then (evaluation not counted) and the held-out accuracy of that epoch's model."""
    runs = []
    for seed in range(int(d["digits_seeds"])):
        epoch, val_acc, test_acc = make_trainer(seed)
        rng = np.random.default_rng(seed)
        secs, hit, vals = 0.0, None, []
        for e in range(int(d["max_epochs"])):
            t0 = time.perf_counter()
            epoch(rng)
            secs += time.perf_counter() - t0
            vals.append(val_acc())
            if vals[-1] >= float(d["target"]):
                hit = e + 1
                break
        runs.append({"seed": seed, "epochs": hit, "train_s": secs if hit else None,
                     "validation": vals, "held_out": test_acc()})
    result["to_accuracy"] = runs


# ============================================================================ torch side
def torch_side(d, result: dict) -> None:
    import torch
    nt = int(d["threads"])
    torch.set_num_threads(nt)
    torch.set_num_interop_threads(1)
    result["version"] = f"torch {torch.__version__}"
    slope, temp = float(d["slope"]), float(d["temperature"])
    th_h, lk_h, th_o, lk_o = (float(d[n]) for n in ("thr_h", "leak_h", "thr_o", "leak_o"))
    window = int(d["n_ticks"])

    class Spike(torch.autograd.Function):
        """[x > 0] forward; the fast sigmoid 1 / (1 + slope |x|)^2 backward."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return (x > 0).to(x.dtype)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g / (1.0 + slope * x.abs()) ** 2

    spike = Spike.apply
    init = {name: torch.from_numpy(W) for name, W in matrices(d).items()}
    mask = {name: torch.from_numpy(M.astype(np.float32)) for name, M in masks(d).items()}

    def step(V_h, V_o, a_h, a_o):
        v_h = torch.relu(lk_h * V_h + a_h)
        s_h = spike(v_h - th_h)
        v_o = torch.relu(lk_o * V_o + a_o)
        s_o = spike(v_o - th_o)
        return v_h * (1.0 - s_h.detach()), v_o * (1.0 - s_o.detach()), s_h, s_o

    def forward(P, x, hidden: bool = False):
        """Output counts of a batch x (B, T, channels), batch-major state (B, neurons);
        with ``hidden``, also the hidden neurons' counts and every neuron's sum of spike
        times (hidden, then outputs; times from 1)."""
        W = {n: P[n] * mask[n] if n in mask else P[n] for n in P}
        xt = x.transpose(0, 1)                           # (T, B, C): one matmul for every step
        I_h = xt @ W["in"]                               # the inputs' share of a_{t+1}
        I_o = xt @ W["io"] if "io" in W else None
        B, T = x.shape[0], x.shape[1]
        V_h = torch.zeros(B, W["in"].shape[1])
        V_o = torch.zeros(B, W["out"].shape[1])
        a_h, a_o = torch.zeros_like(V_h), torch.zeros_like(V_o)
        counts = torch.zeros_like(V_o)
        counts_h = torch.zeros_like(V_h)
        timed = torch.zeros(B, V_h.shape[1] + V_o.shape[1])
        for t in range(T):
            V_h, V_o, s_h, s_o = step(V_h, V_o, a_h, a_o)
            counts = counts + s_o
            if hidden:
                counts_h = counts_h + s_h.detach()
                timed = timed + (t + 1) * torch.cat([s_h, s_o], 1).detach()
            a_h = I_h[t] + s_h @ W["rec"] if "rec" in W else I_h[t]
            a_o = s_h @ W["out"] + I_o[t] if I_o is not None else s_h @ W["out"]
        return (counts, counts_h, timed) if hidden else counts

    def loss_of(P, x, y):
        return torch.nn.functional.cross_entropy(forward(P, x) / (window * temp), y)

    def fresh():
        return {n: torch.nn.Parameter(W.clone()) for n, W in init.items()}

    X = torch.from_numpy(dense_spikes(d, "train"))      # uint8 spikes; a batch -> float32
    y = torch.from_numpy(d["train_y"].astype(np.int64))
    result["rss_data"] = rss_bytes()
    batch = int(d["batch"])

    check, counts = {}, []
    for j, sl in enumerate([] if d["speed_only"] else check_groups()):  # spikes and gradient from one pass
        P = fresh()
        c_o, c_h, c_t = forward(P, X[sl].float(), hidden=True)
        torch.nn.functional.cross_entropy(c_o / (window * temp), y[sl]).backward()
        counts.append(torch.cat([c_h, c_o.detach(), c_t], 1).numpy())
        check.update({f"g{j}_{n}": p.grad.numpy() for n, p in P.items()})
    if counts:
        result["check"] = {"counts": np.concatenate(counts), **check}

    def trainer(P):
        opt = torch.optim.Adam(list(P.values()), lr=float(d["lr"]),
                               weight_decay=float(d["weight_decay"]))

        def epoch(rng, warmup=False):
            for idx in batches(len(y), batch, rng, warmup):
                i = torch.from_numpy(idx)
                loss = loss_of(P, X[i].float(), y[i])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
        return epoch

    speed_run(trainer(fresh()), d, result)
    if "val_n" in d and not d["speed_only"]:
        Xv, Xte = (torch.from_numpy(dense_spikes(d, s)).float() for s in ("val", "test"))
        thr = float(d["detector_threshold"])

        def make(seed):
            torch.manual_seed(seed)
            P = fresh()

            def acc(Xs, ys):
                with torch.inference_mode():
                    return detector_correct(forward(P, Xs).numpy(), ys, window, thr)
            return (trainer(P), lambda: acc(Xv, d["val_y"]), lambda: acc(Xte, d["test_y"]))
        to_accuracy(make, d, result)


# ============================================================================ JAX side
def jax_side(d, result: dict) -> None:
    nt = int(d["threads"])
    # XLA's CPU client sizes its thread pool from the cores the process may use
    try:
        os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:nt])
    except (AttributeError, OSError):
        pass
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") +
                               f" --xla_cpu_multi_thread_eigen={'true' if nt > 1 else 'false'}"
                               f" intra_op_parallelism_threads={nt}").strip()
    import jax
    import jax.numpy as jnp
    from jax import lax
    result["version"] = f"jax {jax.__version__}"
    slope, temp = float(d["slope"]), float(d["temperature"])
    th_h, lk_h, th_o, lk_o = (float(d[n]) for n in ("thr_h", "leak_h", "thr_o", "leak_o"))
    window = int(d["n_ticks"])
    lr, wd = float(d["lr"]), float(d["weight_decay"])
    b1, b2, eps = 0.9, 0.999, 1e-8

    @jax.custom_jvp
    def spike(x):
        return (x > 0).astype(x.dtype)

    @spike.defjvp
    def _spike_jvp(primals, tangents):
        (x,), (dx,) = primals, tangents
        return spike(x), dx / (1.0 + slope * jnp.abs(x)) ** 2

    mask = {n: jnp.asarray(M, jnp.float32) for n, M in masks(d).items()}
    init = {n: jnp.asarray(W) for n, W in matrices(d).items()}

    def relu(u):                                         # dv/du = [u > 0], also at u = 0
        return jnp.where(u > 0, u, 0.0)

    def forward(P, x, hidden: bool = False):
        W = {n: P[n] * mask[n] if n in mask else P[n] for n in P}
        xt = jnp.swapaxes(x, 0, 1)                       # (T, B, C)
        I_h = xt @ W["in"]
        I_o = xt @ W["io"] if "io" in W else jnp.zeros(I_h.shape[:2] + (W["out"].shape[1],))
        B = x.shape[0]
        H, O = W["in"].shape[1], W["out"].shape[1]

        def step(carry, inputs):
            V_h, V_o, a_h, a_o, counts, counts_h, timed = carry
            i_h, i_o, tt = inputs
            v_h = relu(lk_h * V_h + a_h)
            s_h = spike(v_h - th_h)
            v_o = relu(lk_o * V_o + a_o)
            s_o = spike(v_o - th_o)
            V_h = v_h * (1.0 - lax.stop_gradient(s_h))
            V_o = v_o * (1.0 - lax.stop_gradient(s_o))
            a_h = i_h + s_h @ W["rec"] if "rec" in W else i_h
            a_o = s_h @ W["out"] + i_o
            if hidden:
                counts_h = counts_h + s_h
                timed = timed + tt * lax.stop_gradient(jnp.concatenate([s_h, s_o], 1))
            return (V_h, V_o, a_h, a_o, counts + s_o, counts_h, timed), None

        zh, zo = jnp.zeros((B, H)), jnp.zeros((B, O))
        times = jnp.arange(1, I_h.shape[0] + 1, dtype=jnp.float32)
        (_, _, _, _, counts, counts_h, timed), _ = lax.scan(
            step, (zh, zo, zh, zo, zo, zh, jnp.zeros((B, H + O))), (I_h, I_o, times))
        return (counts, counts_h, timed) if hidden else counts

    def loss_of(P, x, y, hidden=False):
        c = forward(P, x, hidden)
        z = (c[0] if hidden else c) / (window * temp)
        loss = jnp.mean(jax.nn.logsumexp(z, axis=1) - jnp.take_along_axis(z, y[:, None], 1)[:, 0])
        return (loss, jnp.concatenate([c[1], c[0], c[2]], 1)) if hidden else loss

    # the gradient check: the spikes come out of the very pass that gives the gradient
    check_fn = jax.jit(jax.grad(lambda P, x, y: loss_of(P, x, y, True), has_aux=True))

    @jax.jit
    def update(P, m, v, n, x, y):
        """One Adam step as torch.optim.Adam(weight_decay=wd) takes it."""
        g = jax.grad(loss_of)(P, x, y)
        g = jax.tree.map(lambda gi, p: gi + wd * p, g, P)
        m = jax.tree.map(lambda mi, gi: b1 * mi + (1 - b1) * gi, m, g)
        v = jax.tree.map(lambda vi, gi: b2 * vi + (1 - b2) * gi * gi, v, g)
        c1, c2 = 1 - b1 ** n, 1 - b2 ** n
        P = jax.tree.map(lambda p, mi, vi: p - lr * (mi / c1) / (jnp.sqrt(vi / c2) + eps),
                         P, m, v)
        return P, m, v

    counts_fn = jax.jit(forward)
    X = dense_spikes(d, "train")
    y = d["train_y"].astype(np.int32)
    result["rss_data"] = rss_bytes()
    batch = int(d["batch"])
    check, counts = {}, []
    for j, sl in enumerate([] if d["speed_only"] else check_groups()):
        g, c = check_fn(init, jnp.asarray(X[sl], jnp.float32), jnp.asarray(y[sl]))
        counts.append(np.asarray(c))
        check.update({f"g{j}_{n}": np.asarray(gi) for n, gi in g.items()})
    if counts:
        result["check"] = {"counts": np.concatenate(counts), **check}

    def trainer():
        state = {"P": dict(init), "m": jax.tree.map(jnp.zeros_like, init),
                 "v": jax.tree.map(jnp.zeros_like, init), "n": 0}

        def epoch(rng, warmup=False):
            for idx in batches(len(y), batch, rng, warmup):
                state["n"] += 1
                state["P"], state["m"], state["v"] = update(
                    state["P"], state["m"], state["v"], jnp.float32(state["n"]),
                    jnp.asarray(X[idx], jnp.float32), jnp.asarray(y[idx]))
            jax.block_until_ready(state["P"])
        return epoch, state

    speed_run(trainer()[0], d, result)
    if "val_n" in d and not d["speed_only"]:
        Xv, Xte = (jnp.asarray(dense_spikes(d, s), jnp.float32) for s in ("val", "test"))
        thr = float(d["detector_threshold"])

        def make(seed):
            epoch, state = trainer()

            def acc(Xs, ys):
                return detector_correct(np.asarray(counts_fn(state["P"], Xs)), ys, window, thr)
            return epoch, lambda: acc(Xv, d["val_y"]), lambda: acc(Xte, d["test_y"])
        to_accuracy(make, d, result)


# ============================================================================ glia side
def glia_network(d):
    """The workload's glia.Network: S0.. (threshold 100, leak 1: an injection of
    SPIKE_VALUE fires it that step), H0.., O0.., every weight from ``matrices(d)``."""
    import glia
    n_in, H = d["W_in"].shape
    O = d["W_out"].shape[1]
    net = glia.Network()
    for i in range(n_in):
        net.add_neuron(f"S{i}", 100.0, 1.0, 0.0)
    for h in range(H):
        net.add_neuron(f"H{h}", float(d["thr_h"]), float(d["leak_h"]), 0.0)
    for o in range(O):
        net.add_neuron(f"O{o}", float(d["thr_o"]), float(d["leak_o"]), 0.0)
    offset = {"in": (0, n_in), "rec": (n_in, n_in), "out": (n_in, n_in + H), "io": (0, n_in + H)}
    M = masks(d)
    src, dst, w = [], [], []
    for name, W in matrices(d).items():
        j, i = np.nonzero(M[name]) if name in M else np.nonzero(np.ones(W.shape, bool))
        src.append(j + offset[name][0])
        dst.append(i + offset[name][1])
        w.append(W[j, i])
    net.set_edges(np.concatenate(src).astype(np.int32), np.concatenate(dst).astype(np.int32),
                  np.concatenate(w).astype(np.float32))
    return net


def glia_dataset(d, prefix: str, how: str):
    """A set's glia.Dataset: dense float32 arrays (``Dataset.from_arrays``) or the spike
    events themselves (``Dataset.from_events``)."""
    import glia
    from glia.datasets import SPIKE_VALUE
    y = d[f"{prefix}_y"]
    if how == "events":
        return glia.Dataset.from_events(d[f"{prefix}_episode"], d[f"{prefix}_tick"],
                                        d[f"{prefix}_channel"], y, int(d["n_ticks"]),
                                        int(d["n_channels"]), value=SPIKE_VALUE)
    return glia.Dataset.from_arrays(dense_spikes(d, prefix, np.float32, SPIKE_VALUE), y)


def glia_config(d, seed: int = 0):
    import glia
    # adam_unit "threshold": glia's Adam step in units of |threshold| (1 here), torch's and
    # JAX's plain Adam (the default unit, the inbound weights' RMS, is glia's own rule)
    return glia.create_config(optimizer="adam", lr=float(d["lr"]), batch_size=int(d["batch"]),
                              weight_decay=float(d["weight_decay"]), prune_epsilon=0.0,
                              adam_unit="threshold",
                              seed=seed, grad=dict(temperature=float(d["temperature"]),
                                                   surrogate_slope=float(d["slope"])))


def glia_dense_grad(net, g: np.ndarray, d) -> dict:
    """glia's edge-ordered gradient as the workload's matrices."""
    ids = net.neuron_ids
    index = {n: i for i, n in enumerate(ids)}
    src, dst, _ = net.get_weights()
    si = np.array([index[n] for n in src])
    di = np.array([index[n] for n in dst])
    n_in, H = d["W_in"].shape
    out = {}
    for name, W in matrices(d).items():
        r0, c0 = {"in": (0, n_in), "rec": (n_in, n_in), "out": (n_in, n_in + H),
                  "io": (0, n_in + H)}[name]
        G = np.zeros(W.shape, np.float32)
        sel = (si >= r0) & (si < r0 + W.shape[0]) & (di >= c0) & (di < c0 + W.shape[1])
        G[si[sel] - r0, di[sel] - c0] = g[sel]
        out[name] = G
    return out


def glia_side(d, result: dict) -> None:
    sys.path.insert(0, str(BENCH_DIR.parent))      # this checkout's glia
    import glia
    result["version"] = f"glia {glia.__version__}"
    nt, how = int(d["threads"]), str(d["glia_input"])
    data = glia_dataset(d, "train", how)
    result["rss_data"] = rss_bytes()
    batch = int(d["batch"])
    net = glia_network(d)
    if not d["speed_only"]:
        from glia.datasets import SPIKE_VALUE
        X = dense_spikes(d, "train", first=CHECK_EPISODES)   # (not the whole set: glia's memory)
        n_in = d["W_in"].shape[0]
        rasters = [net.run(x.astype(np.float32) * np.float32(SPIKE_VALUE), record="raster",
                           reset=True)[:, n_in:] for x in X]
        times = np.arange(1, X.shape[1] + 1, dtype=np.float32)[:, None]
        check = {"counts": np.stack([np.concatenate([r.sum(0), (times * r).sum(0)])
                                     for r in rasters]).astype(np.float32)}
        for k, sl in enumerate(check_groups()):
            g = glia.SurrogateTrainer(net.copy(), glia_config(d)).gradients(data[sl], num_threads=nt)
            check.update({f"g{k}_{n}": G for n, G in glia_dense_grad(net, g, d).items()})
        result["check"] = check
    tr = glia.SurrogateTrainer(net.copy(), glia_config(d))
    speed_run(lambda rng, warmup=False: tr.train_fast(
        data[:2 * batch] if warmup else data, epochs=1, num_threads=nt), d, result)
    if "val_n" in d and not d["speed_only"]:
        val, test = glia_dataset(d, "val", how), glia_dataset(d, "test", how)

        def make(seed):
            t = glia.SurrogateTrainer(net.copy(), glia_config(d, seed))
            return (lambda rng: t.train_fast(data, epochs=1, num_threads=nt),
                    lambda: t.evaluate_dataset(val, num_threads=nt)["accuracy"],
                    lambda: t.evaluate_dataset(test, num_threads=nt)["accuracy"])
        to_accuracy(make, d, result)


SIDES = {"glia": glia_side, "torch": torch_side, "jax": jax_side}


def worker(side: str, npz: str, out: str, speed_only: bool = False) -> None:
    d = dict(np.load(npz))
    d["speed_only"] = speed_only
    result = {"side": side, "rss_start": rss_bytes()}
    SIDES[side](d, result)
    result["peak_rss"] = peak_rss_bytes()
    if "check" in result:
        np.savez(out + ".npz", **result.pop("check"))   # the gradient check's arrays
    Path(out).write_text(json.dumps(result))


# ============================================================================ workloads (glia's process)
def events_of(X: np.ndarray, prefix: str) -> dict:
    e, t, c = np.nonzero(X)
    return {f"{prefix}_episode": e.astype(np.int32), f"{prefix}_tick": t.astype(np.int32),
            f"{prefix}_channel": c.astype(np.int32), f"{prefix}_n": np.int64(len(X))}


def hidden_activity(d, X: np.ndarray) -> tuple[float, float]:
    """Spikes per hidden and per output neuron per step of the network ``d`` (glia's run)."""
    from glia.datasets import SPIKE_VALUE
    net = glia_network(d)
    H = d["W_in"].shape[1]
    n_in = d["W_in"].shape[0]
    c = sum(net.run(x.astype(np.float32) * np.float32(SPIKE_VALUE), record="counts", reset=True)
            for x in X)
    steps = len(X) * X.shape[1]
    return float(c[n_in:n_in + H].sum() / (H * steps)), float(c[n_in + H:].sum() / (c.size - n_in - H) / steps)


def bisect_scale(make, measure, target: float, lo: float = 0.0, hi: float = 4.0,
                 iters: int = 14) -> tuple[float, float]:
    """The scale s in [lo, hi] at which measure(make(s)) (increasing in s) meets target."""
    while measure(make(hi)) < target and hi < 1e3:
        lo, hi = hi, hi * 2
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        if measure(make(mid)) < target:
            lo = mid
        else:
            hi = mid
    s = 0.5 * (lo + hi)
    return s, measure(make(s))


def shd_workload(name: str, episodes: int, seed: int = 0) -> dict:
    """Spikes, labels and initial weights of an SHD-shaped workload, the weights scaled
    (by bisection on glia's own runs of 64 episodes) so that the hidden layer and then the
    outputs fire at the wanted activity."""
    spec = WORKLOADS[name]
    rng = np.random.default_rng(seed)
    H, dens = spec["hidden"], spec["density"]
    X = rng.random((episodes, SHD_TICKS, SHD_INPUTS)) < SHD_RATE
    y = rng.integers(0, SHD_OUTPUTS, episodes)
    # shapes of the initial weights: inputs excitatory on average, recurrence balanced
    base_in = rng.normal(0.5, 1.0, (SHD_INPUTS, H)) / np.sqrt(SHD_INPUTS * dens * SHD_RATE)
    base_rec = rng.normal(0.0, 1.0, (H, H)) / np.sqrt(H * dens)
    base_out = rng.normal(0.5, 1.0, (H, SHD_OUTPUTS)) / np.sqrt(H)
    d = dict(thr_h=1.0, leak_h=LEAK, thr_o=1.0, leak_o=LEAK, n_ticks=SHD_TICKS,
             n_channels=SHD_INPUTS, batch=SHD_BATCH, lr=1e-3)
    if dens < 1.0:
        d["M_in"] = rng.random((SHD_INPUTS, H)) < dens
        d["M_rec"] = rng.random((H, H)) < dens
    calib = X[:64]

    def with_scale(s, s_out=0.0):
        return {**d, "W_in": (s * base_in).astype(np.float32),
                "W_rec": (s * base_rec).astype(np.float32),
                "W_out": (s_out * base_out).astype(np.float32)}

    s, act = bisect_scale(with_scale, lambda dd: hidden_activity(dd, calib)[0], spec["activity"])
    s_out, out_act = bisect_scale(lambda so: with_scale(s, so),
                                  lambda dd: hidden_activity(dd, calib)[1], OUTPUT_ACTIVITY)
    d = with_scale(s, s_out)
    d.update(events_of(X, "train"), train_y=y.astype(np.int64))
    d["info"] = json.dumps({"hidden_activity": act, "output_activity": out_act,
                            "input_scale": s, "output_scale": s_out,
                            "edges": int(sum((d[f"M_{k}"].sum() if f"M_{k}" in d else d[f"W_{k}"].size)
                                             for k in ("in", "rec", "out")))})
    return d


def digits_workload() -> dict:
    """digits: glia.datasets.digits() with a stratified validation split cut from its
    training set, and digits_network(n_hidden=64)'s weights."""
    import glia.datasets as D
    train, test = D.digits()
    net = D.digits_network(n_hidden=64)

    def arr(ds):
        return (np.stack([ep.array for ep in ds]) > 0,
                np.array([int(ep.target_id[1:]) for ep in ds], np.int64))
    Xtr, ytr = arr(train)
    Xte, yte = arr(test)
    rng = np.random.default_rng(2024)
    val = np.zeros(len(ytr), bool)
    for k in range(10):
        idx = rng.permutation(np.nonzero(ytr == k)[0])
        val[idx[:int(round(len(idx) * DIGITS_VALIDATION))]] = True
    ids = net.neuron_ids
    index = {n: i for i, n in enumerate(ids)}
    src, dst, w = net.get_weights()
    Wf = np.zeros((len(ids), len(ids)), np.float32)
    Wf[[index[s] for s in src], [index[t] for t in dst]] = w
    S = [index[f"S{i}"] for i in range(64)]
    Hh = [index[f"H{i}"] for i in range(64)]
    O = [index[f"O{i}"] for i in range(10)]
    h0, o0 = net.get_neuron("H0"), net.get_neuron("O0")
    d = dict(W_in=Wf[np.ix_(S, Hh)], W_out=Wf[np.ix_(Hh, O)], W_io=Wf[np.ix_(S, O)],
             thr_h=h0.threshold, leak_h=h0.leak, thr_o=o0.threshold, leak_o=o0.leak,
             n_ticks=Xtr.shape[1], n_channels=64, batch=DIGITS_BATCH, lr=DIGITS_LR,
             train_y=ytr[~val], val_y=ytr[val], test_y=yte,
             info=json.dumps({"train": int((~val).sum()), "validation": int(val.sum()),
                              "test": len(yte)}))
    d.update(events_of(Xtr[~val], "train"), **events_of(Xtr[val], "val"), **events_of(Xte, "test"))
    return d


# ============================================================================ main
def peer_python(side: str, args) -> str | None:
    from _common import venv_python, venvs_dir
    given = getattr(args, f"{side}_python") or os.environ.get(f"GLIA_{side.upper()}_PYTHON")
    if given:
        return given
    reqs, probe = PEERS[side]
    return venv_python(venvs_dir() / side, reqs, create=not args.no_create, probe=probe)


def compare_check(mine, theirs) -> dict:
    """A side's gradient check against glia's. Both computed, from the initial weights, the
    spike counts and sums of spike times of every hidden and output neuron in the first 128
    episodes (a spike one step early or late changes the sum) and the mean
    gradient of each group of 16 of them. A group is compared when every one of its
    episodes spiked exactly as in glia (a membrane value within float rounding of the
    threshold can fire on one side and not on the other: float32 sums in another order;
    such an episode's gradient differs by a whole spike's worth): the largest difference
    over those groups, relative to the largest gradient entry of its group. The figure
    over every group is kept too."""
    same = (np.asarray(mine["counts"]) == np.asarray(theirs["counts"])).all(axis=1)
    names = sorted(k[3:] for k in mine.files if k.startswith("g0_"))
    worst = worst_all = 0.0
    compared = 0
    for k, sl in enumerate(check_groups()):
        a = np.concatenate([mine[f"g{k}_{n}"].astype(np.float64).ravel() for n in names])
        b = np.concatenate([theirs[f"g{k}_{n}"].astype(np.float64).ravel() for n in names])
        rel = float(np.abs(a - b).max() / max(np.abs(a).max(), 1e-30))
        worst_all = max(worst_all, rel)
        if same[sl].all():
            compared += 1
            worst = max(worst, rel)
    return {"grad_rel_diff": worst if compared else None, "grad_rel_diff_all": worst_all,
            "grad_groups_compared": f"{compared}/{len(check_groups())}",
            "episodes_spiking_differently": int((~same).sum())}


def run_workload(name: str, d: dict, args, pythons: dict) -> dict:
    common = dict(threads=args.threads, repeats=args.repeats_n,
                  slope=DIGITS_SLOPE if name == "digits" else SHD_SLOPE, temperature=0.2,
                  weight_decay=WEIGHT_DECAY, glia_input=args.glia_input,
                  digits_seeds=args.digits_seeds,
                  max_epochs=args.digits_max_epochs, target=args.digits_target,
                  detector_threshold=0.01)
    out = {"workload": name, "info": json.loads(str(d.pop("info"))), "sides": {}}
    checks = {}
    with tempfile.TemporaryDirectory() as tmp:
        npz = Path(tmp) / f"{name}.npz"
        np.savez(npz, **d, **common)
        # the sides take turns, round after round: a machine whose speed drifts (a shared
        # host) drifts for every side alike; the first round also checks the gradients
        # and runs the time to accuracy
        for rnd in range(args.rounds):
            for side, py in pythons.items():
                if rnd and "error" in out["sides"].get(side, {}):
                    continue
                res = Path(tmp) / f"{side}.{rnd}.json"
                print(f"# {name}: {side}, round {rnd + 1} of {args.rounds} ...", file=sys.stderr,
                      flush=True)
                t0 = time.perf_counter()
                env = dict(os.environ)
                if args.omp_wait != "unset":
                    env["OMP_WAIT_POLICY"] = args.omp_wait
                p = subprocess.run([py, str(Path(__file__).resolve()), "--worker", side, str(npz),
                                    str(res)] + (["--speed-only"] if rnd else []), env=env)
                if p.returncode != 0 or not res.exists():
                    out["sides"][side] = {"error": f"worker exited {p.returncode}"}
                    continue
                r = json.loads(res.read_text())
                if rnd == 0:
                    r["wall_s"] = time.perf_counter() - t0
                    out["sides"][side] = r
                    checks[side] = np.load(str(res) + ".npz")
                else:   # a later round adds its timed epochs
                    first = out["sides"][side]
                    for k in ("s_per_epoch", "cpu_s_per_epoch", "foreign_cores"):
                        first[k] = first[k] + r[k]
                    first["peak_rss"] = max(first["peak_rss"], r["peak_rss"])
        if "glia" in checks:
            for side, c in checks.items():
                if side != "glia":
                    out["sides"][side].update(compare_check(checks["glia"], c))
    return out


def summarize(out: dict, target: float) -> list[dict]:
    rows = []
    glia_s = None
    for side, r in out["sides"].items():
        if "error" in r:
            rows.append({"workload": out["workload"], "side": side, "version": r["error"]})
            continue
        t = r["s_per_epoch"]
        row = {"workload": out["workload"], "side": side, "version": r["version"],
               "s_per_epoch": statistics.median(t), "s_min": min(t), "s_max": max(t),
               "cpu_s": statistics.median(r["cpu_s_per_epoch"]),
               "warmup_s": r["warmup_s"], "peak_rss_MB": r["peak_rss"] / 2**20,
               "rss_before_MB": r["rss_data"] / 2**20,
               "grad_rel_diff": r.get("grad_rel_diff"),
               "grad_groups": r.get("grad_groups_compared"),
               "foreign_cores": statistics.median(r["foreign_cores"]) if r["foreign_cores"] else None}
        if side == "glia":
            glia_s = row["s_per_epoch"]
        runs = r.get("to_accuracy")
        if runs:
            hit = [x["train_s"] for x in runs if x["train_s"] is not None]
            row["to_acc_s"] = statistics.median(hit) if len(hit) * 2 > len(runs) else None
            row["to_acc_epochs"] = statistics.median([x["epochs"] for x in runs if x["epochs"]]) if hit else None
            row["reached"] = f"{len(hit)}/{len(runs)}"
            row["held_out"] = statistics.median([x["held_out"] for x in runs])
        rows.append(row)
    for row in rows:
        if glia_s and row.get("s_per_epoch"):
            row["x_glia"] = row["s_per_epoch"] / glia_s
    return rows


def main() -> None:
    if len(sys.argv) in (5, 6) and sys.argv[1] == "--worker":
        worker(sys.argv[2], sys.argv[3], sys.argv[4], speed_only=sys.argv[5:] == ["--speed-only"])
        return
    from _common import make_parser, print_machine, print_table, repeats_of, venvs_dir

    p = make_parser(__doc__, default_repeats=2)
    p.add_argument("--workloads", default=",".join([*WORKLOADS, "digits"]),
                   help="comma-separated workloads (default: all)")
    p.add_argument("--sides", default="glia,torch,jax", help="comma-separated sides")
    p.add_argument("--threads", type=int, default=2, help="threads on every side")
    p.add_argument("--episodes", type=int, default=None,
                   help="episodes per epoch of the SHD-shaped workloads (2048; 256 with --quick)")
    p.add_argument("--glia-input", choices=["arrays", "events"], default="events",
                   help="glia's input: Dataset.from_events (the default) or Dataset.from_arrays (dense)")
    p.add_argument("--rounds", type=int, default=None,
                   help="rounds of the sides taking turns, each timing --repeats epochs "
                        "(3; 1 with --quick)")
    p.add_argument("--digits-seeds", type=int, default=None,
                   help="config seeds of digits' time to accuracy (3; 1 with --quick)")
    p.add_argument("--digits-max-epochs", type=int, default=None,
                   help="epochs at most in digits' time to accuracy (40; 2 with --quick)")
    p.add_argument("--digits-target", type=float, default=0.97,
                   help="validation accuracy that stops digits' training")
    p.add_argument("--torch-python", default=None,
                   help="interpreter with torch (default $GLIA_TORCH_PYTHON, else the venv)")
    p.add_argument("--jax-python", default=None,
                   help="interpreter with jax (default $GLIA_JAX_PYTHON, else the venv)")
    p.add_argument("--omp-wait", choices=["passive", "active", "unset"], default="passive",
                   help="OMP_WAIT_POLICY of every side's process (default passive: see above)")
    p.add_argument("--no-create", action="store_true",
                   help="report a peer whose venv is missing as unavailable instead of creating it")
    args = p.parse_args()
    args.repeats_n = repeats_of(args, quick_repeats=1)
    args.rounds = max(1, args.rounds or (1 if args.quick else 3))
    args.episodes = args.episodes or (256 if args.quick else 2048)
    args.digits_seeds = args.digits_seeds or (1 if args.quick else 3)
    args.digits_max_epochs = args.digits_max_epochs or (2 if args.quick else 40)
    print_machine()

    pythons, unavailable = {}, {}
    for side in [s.strip() for s in args.sides.split(",") if s.strip()]:
        if side not in SIDES:
            raise SystemExit(f"--sides: unknown side {side!r} (expected glia, torch or jax)")
        py = sys.executable if side == "glia" else peer_python(side, args)
        if py is None:
            unavailable[side] = (f"no interpreter: {venvs_dir() / side} is missing and "
                                 f"--no-create was given")
        else:
            pythons[side] = py
    results, rows = [], []
    for name in [w.strip() for w in args.workloads.split(",") if w.strip()]:
        if name not in WORKLOADS and name != "digits":
            raise SystemExit(f"--workloads: unknown workload {name!r}")
        print(f"# {name}: making the workload ...", file=sys.stderr, flush=True)
        d = digits_workload() if name == "digits" else shd_workload(name, args.episodes)
        out = run_workload(name, d, args, pythons)
        results.append(out)
        rows += summarize(out, args.digits_target)
        print_table([r for r in rows if r["workload"] == name],
                    columns=["workload", "side", "version", "s_per_epoch", "s_min", "s_max",
                             "x_glia", "cpu_s", "warmup_s", "peak_rss_MB", "rss_before_MB",
                             "grad_rel_diff", "grad_groups", "foreign_cores"]
                    + (["to_acc_s", "to_acc_epochs", "reached", "held_out"] if name == "digits" else []),
                    title=f"{name}: {out['info']}")
        if not args.no_json:      # after every workload: a long run keeps what it measured
            path = save(args, unavailable, rows, results)
    print("\n" + markdown(rows))
    for side, why in unavailable.items():
        print(f"{side}: not measured, {why}")
    if not args.no_json:
        print(f"wrote {path}")


def save(args, unavailable: dict, rows: list, results: list):
    from _common import write_json
    return write_json("bench_train_scale", {
        "threads": args.threads, "episodes": args.episodes, "repeats": args.repeats_n,
        "rounds": args.rounds,
        "quick": args.quick, "glia_input": args.glia_input, "omp_wait": args.omp_wait,
        "digits_target": args.digits_target,
        "digits_seeds": args.digits_seeds, "unavailable": unavailable,
        "rows": rows, "workloads": results})


def markdown(rows: list[dict]) -> str:
    from _common import format_number as num
    head = ("| workload | side | s per epoch (min–max) | × glia | peak RSS MB | "
            "gradient rel. diff (groups) | other load (cores) | to 0.97 s (epochs) | held-out |\n"
            "|---|---|---:|---:|---:|---:|---:|---:|---:|\n")
    body = ""
    for r in rows:
        if "s_per_epoch" not in r:
            body += f"| {r['workload']} | {r['side']} | {r['version']} | | | | | | |\n"
            continue
        acc = (f"{num(r['to_acc_s'])} ({num(r['to_acc_epochs'])})" if r.get("to_acc_s") else
               ("not reached" if "reached" in r else "–"))
        body += (f"| {r['workload']} | {r['version']} | {num(r['s_per_epoch'])} "
                 f"({num(r['s_min'])}–{num(r['s_max'])}) | {num(r.get('x_glia'))} | "
                 f"{num(r['peak_rss_MB'])} | {num(r['grad_rel_diff'], 2)} ({r.get('grad_groups') or '–'}) | "
                 f"{num(r['foreign_cores'], 2)} | {acc} | {num(r.get('held_out'))} |\n")
    return head + body


if __name__ == "__main__":
    main()

"""The surrogate-gradient trainer against snnTorch, and its memory per episode-step.

1. Speed and accuracy. sklearn's digits (``glia.datasets.digits()``: 1,347 training
   episodes, 450 held out, 40 ticks of Poisson spikes over 64 inputs) on
   ``digits_network(n_hidden=64)`` (64 sensory -> 64 hidden -> 10 outputs plus direct
   sensory -> output edges), ``compare_config()`` (``DIGITS_CONFIG``: Adam, lr 0.01, batches
   of 16; with pruning off, as snnTorch has none), the fast-sigmoid surrogate with the
   default slope, for ``--epochs`` epochs. glia trains with ``glia.SurrogateTrainer`` on
   ``--threads`` threads; snnTorch trains the same network from the same initial weights
   on the same spike arrays, with the same loss (cross-entropy of window counts / (window
   x temperature)), the same neuron model written as a loop of tensor operations (u =
   leak V + a, v = relu(u), s = snntorch.surrogate.fast_sigmoid(slope=k)(v - threshold),
   reset to resting detached, one step of synaptic delay) and torch.optim.Adam with the
   same lr, batch size and L2 weight decay, on torch's CPU build with ``--threads``
   intra-op threads, once per config seed (``--seeds``, default 10: seeds 0-9, which set
   the shuffle order on both sides). Before training, both sides' gradients of one batch
   are compared (the same computation: they agree to float rounding). Reported: seconds
   per epoch (median over every epoch) and held-out accuracy after the last epoch (median
   and range over the seeds, and a permutation test of the difference of the means: the
   accuracies are equal unless p < 0.05);
   then glia alone with DIGITS_CONFIG (pruning on, its default), with pruning off, with a
   cosine learning-rate schedule and with the defaults and Adam.

   torch and snnTorch are never a dependency of glia: the snnTorch side runs in
   ``$GLIA_SNNTORCH_PYTHON`` (an interpreter with ``torch==2.13.0`` and ``snntorch``, e.g.
   ``python -m venv /tmp/snnvenv && /tmp/snnvenv/bin/pip install torch==2.13.0 snntorch
   numpy``), or in this interpreter when it imports snntorch; otherwise it is reported as
   unavailable. That interpreter runs this file with ``--worker`` and never imports glia.

2. Memory. Random networks of 1,000 to 10,000 neurons (100 synapses per neuron, so up to
   10^6 synapses) train one 100-step episode (batch 1, one thread); the table gives the
   model's bytes, the trainer's own buffers (``SurrogateTrainer.scratch_bytes``), the
   process's resident-memory growth from before the trainer existed to after the batch,
   its ratio to the model, and the trainer's per-thread episode buffers per
   episode-step (the forward pass keeps v_t as float32 and s_t as bits: 4N + N/8 bytes).

    python benchmarks/bench_surrogate.py [--quick] [--epochs N] [--threads N] [--seeds N] [--no-json]
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


# ---------------------------------------------------------------------------- snnTorch side
def torch_worker(npz_path: str, out_path: str) -> None:
    """Trains the exported network with torch + snntorch; writes the timings as JSON."""
    import snntorch
    import torch
    from snntorch import surrogate

    d = np.load(npz_path)
    nt = int(d["threads"])
    torch.set_num_threads(nt)
    torch.manual_seed(int(d["seed"]))
    k, temp, lr, wd = float(d["slope"]), float(d["temperature"]), float(d["lr"]), float(d["wd"])
    batch, epochs, warmup = int(d["batch"]), int(d["epochs"]), int(d["warmup"])
    spike = surrogate.fast_sigmoid(slope=k)
    Xtr = torch.from_numpy(d["X_train"].astype(np.float32))   # (n, T, 64) input spikes
    ytr = torch.from_numpy(d["y_train"].astype(np.int64))
    Xte = torch.from_numpy(d["X_test"].astype(np.float32))
    yte = torch.from_numpy(d["y_test"].astype(np.int64))
    W_sh = torch.nn.Parameter(torch.from_numpy(d["W_sh"].astype(np.float32)))
    W_so = torch.nn.Parameter(torch.from_numpy(d["W_so"].astype(np.float32)))
    W_ho = torch.nn.Parameter(torch.from_numpy(d["W_ho"].astype(np.float32)))
    th_h, lk_h = float(d["thr_h"]), float(d["leak_h"])
    th_o, lk_o = float(d["thr_o"]), float(d["leak_o"])
    T = Xtr.shape[1]
    window = T - warmup

    def forward(x):
        # glia's step: the input neurons fire where x > 0 (they reset every step), their
        # spikes reach the hidden layer and the outputs one step later, and so on
        B = x.shape[0]
        V_h = torch.zeros(B, W_sh.shape[1])
        V_o = torch.zeros(B, W_ho.shape[1])
        a_h = torch.zeros_like(V_h)
        a_o = torch.zeros_like(V_o)
        counts = torch.zeros_like(V_o)
        for t in range(T):
            s_in = x[:, t]
            v_h = torch.relu(lk_h * V_h + a_h)
            s_h = spike(v_h - th_h)
            v_o = torch.relu(lk_o * V_o + a_o)
            s_o = spike(v_o - th_o)
            V_h = v_h * (1.0 - s_h.detach())          # reset to 0, detached
            V_o = v_o * (1.0 - s_o.detach())
            a_h = s_in @ W_sh
            a_o = s_in @ W_so + s_h @ W_ho
            if t >= warmup:
                counts = counts + s_o
        return counts

    # the gradient of the first batch from the initial weights (compared with glia's)
    loss = torch.nn.functional.cross_entropy(forward(Xtr[:batch]) / (window * temp), ytr[:batch])
    loss.backward()
    first_grad = {name: P.grad.numpy().ravel().tolist()
                  for name, P in (("W_sh", W_sh), ("W_so", W_so), ("W_ho", W_ho))}
    for P in (W_sh, W_so, W_ho):
        P.grad = None
    opt = torch.optim.Adam([W_sh, W_so, W_ho], lr=lr, weight_decay=wd)
    times = []
    for _ in range(epochs):
        t0 = time.perf_counter()
        perm = torch.randperm(Xtr.shape[0])
        for i in range(0, len(perm), batch):
            idx = perm[i:i + batch]
            counts = forward(Xtr[idx])
            loss = torch.nn.functional.cross_entropy(counts / (window * temp), ytr[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        times.append(time.perf_counter() - t0)
    with torch.no_grad():
        counts = forward(Xte)
        # glia's detector: the first output with the top count wins; none below threshold
        acc = float(((counts.argmax(1) == yte) & (counts.max(1).values > 0)).float().mean())
    Path(out_path).write_text(json.dumps({
        "seconds_per_epoch": times, "accuracy": acc, "torch": torch.__version__,
        "snntorch": snntorch.__version__, "threads": nt, "first_grad": first_grad}))


def snntorch_python() -> str | None:
    env = os.environ.get("GLIA_SNNTORCH_PYTHON")
    if env:
        return env
    try:
        import snntorch  # noqa: F401
        return sys.executable
    except ImportError:
        return None


# ---------------------------------------------------------------------------- glia side
def speed_and_accuracy(args, rows_out: dict) -> list[dict]:
    import glia
    import glia.datasets as D
    from _common import target

    train, test = D.digits()
    net = D.digits_network(n_hidden=64)
    cfg = glia.create_config(**compare_config())
    ids = net.neuron_ids
    idx = {n: i for i, n in enumerate(ids)}
    S = [idx[f"S{i}"] for i in range(64)]
    H = [idx[f"H{i}"] for i in range(64)]
    O = [idx[f"O{i}"] for i in range(10)]
    src, dst, w = net.get_weights()
    Wfull = np.zeros((len(ids), len(ids)), np.float32)
    Wfull[[idx[s] for s in src], [idx[t] for t in dst]] = w
    def arr(ds):
        return np.stack([ep.array for ep in ds]) > 0, np.array([int(ep.target_id[1:]) for ep in ds])
    Xtr, ytr = arr(train)
    Xte, yte = arr(test)
    h0, o0 = net.get_neuron("H0"), net.get_neuron("O0")
    export = dict(X_train=Xtr.astype(np.uint8), y_train=ytr, X_test=Xte.astype(np.uint8),
                  y_test=yte, W_sh=Wfull[np.ix_(S, H)], W_so=Wfull[np.ix_(S, O)],
                  W_ho=Wfull[np.ix_(H, O)], thr_h=h0.threshold, leak_h=h0.leak,
                  thr_o=o0.threshold, leak_o=o0.leak, slope=cfg.grad.surrogate_slope,
                  temperature=cfg.grad.temperature, lr=cfg.lr, wd=cfg.weight_decay,
                  batch=cfg.batch_size, epochs=args.epochs, warmup=cfg.warmup_ticks,
                  threads=args.threads)

    seeds = SEEDS[:1] if args.quick else tuple(range(args.seeds))
    g_times, g_accs = [], []
    for seed in seeds:       # the seed sets the shuffle order on both sides
        tr = glia.SurrogateTrainer(net.copy(), glia.create_config(**compare_config(), seed=seed))
        times = []
        for _ in range(args.epochs):
            t0 = time.perf_counter()
            tr.train_fast(train, epochs=1, num_threads=args.threads)
            times.append(time.perf_counter() - t0)
        g_times.append(times)
        g_accs.append(tr.evaluate_dataset(test, num_threads=args.threads)["accuracy"])
    g_sec = float(np.median(np.concatenate(g_times)))
    rows = [side_row("glia SurrogateTrainer", args, g_times, g_accs)]
    rows_out["glia"] = {"seconds_per_epoch": g_times, "accuracy": g_accs, "seeds": list(seeds)}

    py = snntorch_python()
    if py is None:
        rows.append({"trainer": "snnTorch", "threads": args.threads, "epochs": args.epochs,
                     "s_per_epoch": "unavailable (set GLIA_SNNTORCH_PYTHON)"})
        return rows
    t_times, t_accs = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in seeds:
            npz, out = Path(tmp) / "digits.npz", Path(tmp) / "torch.json"
            np.savez(npz, **{**export, "seed": seed})
            subprocess.run([py, str(Path(__file__).resolve()), "--worker", str(npz), str(out)],
                           check=True)
            r = json.loads(out.read_text())
            t_times.append(r["seconds_per_epoch"])
            t_accs.append(r["accuracy"])
    t_sec = float(np.median(np.concatenate(t_times)))
    # the same computation: glia's gradient of the first batch against torch's autograd
    g = glia.SurrogateTrainer(net.copy(), cfg).gradients(train[:cfg.batch_size])
    G = np.zeros_like(Wfull)
    G[[idx[s] for s in src], [idx[t] for t in dst]] = g
    mine = np.concatenate([G[np.ix_(S, H)].ravel(), G[np.ix_(S, O)].ravel(), G[np.ix_(H, O)].ravel()])
    theirs = np.concatenate([np.asarray(r["first_grad"][k], np.float32) for k in ("W_sh", "W_so", "W_ho")])
    grad_rel = float(np.abs(mine - theirs).max() / np.abs(theirs).max())
    rows.append(side_row(f"snnTorch {r['snntorch']} (torch {r['torch']})", args, t_times, t_accs))
    rows_out["snntorch"] = {"seconds_per_epoch": t_times, "accuracy": t_accs, "torch": r["torch"],
                            "snntorch": r["snntorch"], "threads": r["threads"]}
    gap = float(np.median(g_accs) - np.median(t_accs))
    p_value = permutation_p(g_accs, t_accs)
    rows_out["speedup"] = t_sec / g_sec
    rows_out["speedup_target"] = target(t_sec / g_sec, 10.0)
    rows_out["gradient_max_rel_diff"] = grad_rel
    rows_out["accuracy_p_value"] = p_value
    # equal unless the seeds show a difference; better when the median is higher
    rows_out["accuracy_target"] = ("ok" if gap >= 0 else
                                   f"ok (equal: p = {p_value:.2f})" if p_value >= 0.05 else "MISS")
    rows_out.setdefault("targets", []).extend([
        {"figure": f"epoch time, snnTorch / glia, {args.threads} threads each",
         "measured": t_sec / g_sec, "target": 10.0, "status": rows_out["speedup_target"]},
        {"figure": f"digits held-out, glia minus snnTorch (medians of {len(seeds)} seeds; "
                   f"equal unless a permutation test gives p < 0.05)", "measured": gap,
         "target": 0.0, "status": rows_out["accuracy_target"]}])
    return rows


def permutation_p(a, b, n: int = 20000) -> float:
    """Two-sided permutation test of the difference of the means of ``a`` and ``b``: the
    share of random relabellings whose difference is at least as large as the observed one."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    both = np.concatenate([a, b])
    observed = abs(a.mean() - b.mean())
    rng = np.random.default_rng(0)
    hits = 0
    for _ in range(n):
        rng.shuffle(both)
        hits += abs(both[:a.size].mean() - both[a.size:].mean()) >= observed - 1e-12
    return hits / n


def side_row(name: str, args, times: list, accs: list) -> dict:
    """One trainer's row: seconds per epoch (median over every epoch of every seed), the
    median seed's total, held-out accuracy (median, min, max over the seeds)."""
    return {"trainer": name, "threads": args.threads, "epochs": args.epochs, "seeds": len(accs),
            "s_per_epoch": float(np.median(np.concatenate(times))),
            "total_s": float(np.median([sum(t) for t in times])),
            "held_out_acc": float(np.median(accs)), "held_out_min": min(accs),
            "held_out_max": max(accs)}


def trim() -> None:
    """Hands freed heap memory back to the system (glibc), so that the resident-memory
    growth counts the trainer's allocations, not reuse of memory freed earlier."""
    try:
        import ctypes
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


SEEDS = (0, 1, 2, 3, 4)


def compare_config() -> dict:
    """The comparison's config: DIGITS_CONFIG with pruning off and Adam's step in units of
    |threshold| (1 here), the update rule snnTorch runs (glia's default prune_epsilon
    removes weights that stay near 0, torch keeps them; glia's default Adam unit is each
    neuron's inbound weight RMS, torch's plain Adam has none)."""
    import glia.datasets as D
    return dict(D.DIGITS_CONFIG, prune_epsilon=0.0, adam_unit="threshold")


def glia_variants(args, extra: dict) -> list[dict]:
    """glia alone: held-out accuracy after ``--epochs`` epochs, one run per config seed (the
    seed drives the shuffle order), for ``create_config(optimizer="adam")`` (the defaults
    and Adam at its own default learning rate) and for DIGITS_CONFIG, with pruning on (its
    default) and off, and with a cosine learning-rate schedule."""
    import glia
    import glia.datasets as D
    from _common import target

    train, test = D.digits()
    seeds = SEEDS[:2] if args.quick else SEEDS
    rows = []
    for name, kw, schedule in [("create_config(optimizer='adam')", {"optimizer": "adam"}, None),
                               ("DIGITS_CONFIG", D.DIGITS_CONFIG, None),
                               ("DIGITS_CONFIG, prune_epsilon=0", compare_config(), None),
                               ("DIGITS_CONFIG, lr_schedule='cosine'", D.DIGITS_CONFIG, "cosine")]:
        accs, secs = [], []
        for seed in seeds:
            tr = glia.SurrogateTrainer(D.digits_network(n_hidden=64),
                                       glia.create_config(**kw, seed=seed))
            t0 = time.perf_counter()
            tr.train(train, epochs=args.epochs, verbose=False, lr_schedule=schedule,
                     num_threads=args.threads)
            secs.append(time.perf_counter() - t0)
            accs.append(tr.evaluate_dataset(test)["accuracy"])
        rows.append({"config": name, "epochs": args.epochs, "seeds": len(seeds),
                     "held_out_acc": float(np.median(accs)), "held_out_min": min(accs),
                     "held_out_max": max(accs), "train_s": float(np.median(secs)),
                     "per_seed": accs})
    defaults = rows[0]
    extra.setdefault("targets", []).extend([
        {"figure": f"digits held-out, defaults + Adam, {args.epochs} epochs (median of "
                   f"{len(seeds)} seeds)", "measured": defaults["held_out_acc"],
         "target": 0.97, "status": target(defaults["held_out_acc"], 0.97)},
        {"figure": f"digits training s, defaults + Adam, {args.epochs} epochs, {args.threads} threads",
         "measured": defaults["train_s"], "target": 10.0, "higher_is_better": False,
         "status": target(defaults["train_s"], 10.0, higher_is_better=False)},
    ])
    return rows


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def memory(args) -> list[dict]:
    import gc

    import glia

    sizes = [1000, 3000] if args.quick else [1000, 3000, 10000]
    rows = []
    for N in sizes:
        rng = np.random.default_rng(N)
        n_in, n_out, fan = 100, 10, 100
        net = glia.Network()
        for i in range(n_in):
            net.add_neuron(f"S{i}", 100.0, 1.0, 0.0)
        for i in range(N - n_in - n_out):
            net.add_neuron(f"H{i}", 1.0, 0.8, 0.0)
        for i in range(n_out):
            net.add_neuron(f"O{i}", 1.0, 0.8, 0.0)
        E = N * fan
        src = rng.integers(0, N - n_out, E)
        dst = rng.integers(n_in, N, E)
        keep = src != dst
        net.set_edges(src[keep], dst[keep], rng.normal(0.02, 0.15, keep.sum()).astype(np.float32))
        X = ((rng.random((1, 100, n_in)) < 0.2) * 200).astype(np.float32)
        data = glia.Dataset.from_arrays(X, [0])
        del src, dst, keep
        gc.collect()
        trim()
        model = net.memory_bytes
        before = rss_bytes()
        tr = glia.SurrogateTrainer(net, glia.create_config(optimizer="adam", lr=0.001))
        t0 = time.perf_counter()
        tr.train_batch(data, num_threads=1)
        dt = time.perf_counter() - t0
        spikes = net.run(X[0], record="counts", reset=True)
        grown = rss_bytes() - before
        per_step = 100 * (4 * N + (N + 63) // 64 * 8)   # v_t float32 + s_t bits, 100 steps
        rows.append({"neurons": N, "synapses": net.num_connections, "model_MB": model / 2**20,
                     "trainer_buffers_MB": tr.scratch_bytes / 2**20,
                     "rss_growth_MB": grown / 2**20, "growth_x_model": grown / model,
                     "episode_bytes_per_step": per_step / 100,
                     "spikes_per_step": float(np.sum(spikes)) / 100, "batch_s": dt})
        del tr, net, data
        gc.collect()
    return rows


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--worker":
        torch_worker(sys.argv[2], sys.argv[3])
        return
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _common import make_parser, print_machine, print_table, write_json

    p = make_parser(__doc__, default_repeats=1)
    p.add_argument("--epochs", type=int, default=None, help="epochs (default 30, 3 with --quick)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seeds", type=int, default=10,
                   help="config seeds of the comparison with snnTorch (default 10; 1 with --quick)")
    p.add_argument("--only", choices=["speed", "variants", "memory"], default=None,
                   help="one part only")
    args = p.parse_args()
    if args.epochs is None:
        args.epochs = 3 if args.quick else 30
    print_machine()
    extra: dict = {}
    speed = mem = []
    if args.only in (None, "speed"):
        speed = speed_and_accuracy(args, extra)
        print_table(speed, title=f"digits, 64-64-10, {args.epochs} epochs (held-out accuracy after "
                                 "the last epoch; seconds per epoch: median over epochs)")
    if "speedup" in extra:
        print(f"glia is {extra['speedup']:.1f}x faster per epoch (target >= 10x: "
              f"{extra['speedup_target']}); accuracy {extra['accuracy_target']} against snnTorch; "
              f"first-batch gradients agree to {extra['gradient_max_rel_diff']:.1e} (relative)")
    variants = []
    if args.only in (None, "variants"):
        variants = glia_variants(args, extra)
        print_table(variants, title=f"glia alone, digits 64-64-10, {args.epochs} epochs, "
                                    f"{args.threads} threads")
    if args.only in (None, "memory"):
        mem = memory(args)
        print_table(mem, title="memory: one 100-step episode, batch 1, one thread")
    if not args.no_json:
        path = write_json("bench_surrogate", {"speed": speed, "variants": variants, "memory": mem, **extra})
        print(f"wrote {path}")


if __name__ == "__main__":
    main()

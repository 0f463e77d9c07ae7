"""Trains a small snnTorch model on glia's digits episodes and writes it as NIR for
notebooks/05_nir.ipynb.

The model is ``Linear(64→48)``, ``Leaky`` (48 neurons), ``Linear(48→10)``, ``Leaky`` (10
outputs): snnTorch's defaults (subtract reset, delayed), β = 0.9 and threshold 1 per neuron.
It trains by surrogate-gradient BPTT on the spike trains of ``glia.datasets.digits()`` (the
same split and the same Poisson spikes glia scores it on; a spike is 1.0 here where glia's
episodes carry 200.0), cross-entropy of the output spike counts, Adam, a few epochs (seconds
of CPU). The settings are fixed in advance; the validation accuracy (a split cut from the
training episodes) is printed, the test accuracy measured once at the end.

It is exported with snnTorch's own NIR exporter, with the workarounds for its defects that
docs/nir.md lists (benchmarks/interop_nir.py's ``fix_snntorch_export``: float64 time
constants from the modules' β, the dropped reset mechanism put back as the node metadata
``glia_reset`` that ``glia.from_nir`` reads), checked to run in glia with snnTorch's output
spike counts on every test episode, and written to
``notebooks/data/snntorch_digits.nir`` together with ``snntorch_digits.json``: snnTorch's
test accuracy and its output spike count for every test episode.

torch and snnTorch are never glia's dependencies: run it in a virtual environment of its own,
with glia imported from the tree (its extension is built for the same Python, and NumPy must
be the version it was built against):

    python -m venv /work/venvs/snn
    /work/venvs/snn/bin/pip install torch==2.13.0 snntorch nir scikit-learn
    PYTHONPATH=. /work/venvs/snn/bin/python benchmarks/make_nir_example.py [--out notebooks/data]
"""
import argparse
import json
import os
import sys
import time

import numpy as np

import glia
from glia import datasets as D

try:
    import nir
    import snntorch as snn
    import torch
    from snntorch import surrogate
    from snntorch.export_nir import export_to_nir
except ImportError as e:
    sys.exit(f"make_nir_example.py needs torch, snntorch and nir in this interpreter ({e}); see "
             "the module docstring for the venv")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# the workarounds for snnTorch's NIR defects, written once (docs/nir.md)
from interop_nir import SNN_DT, fix_snntorch_export, quiet   # noqa: E402

N_IN, N_HIDDEN, N_OUT = 64, 48, 10
BETA, THRESHOLD = 0.9, 1.0
OUT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "notebooks",
                                   "data"))
TICKS = 40             # glia.datasets.digits()' defaults: 40 ticks, max_rate 1.0, seed 0
SEED = 0


def make_model():
    torch.manual_seed(SEED)
    # snnTorch defect: its exporter fails NIR's own checks unless the decays and the
    # threshold are given per neuron (docs/nir.md)
    def leaky(n):
        return snn.Leaky(beta=torch.full((n,), BETA), threshold=torch.full((n,), THRESHOLD),
                         spike_grad=surrogate.fast_sigmoid(slope=25), init_hidden=True)
    return torch.nn.Sequential(torch.nn.Linear(N_IN, N_HIDDEN), leaky(N_HIDDEN),
                               torch.nn.Linear(N_HIDDEN, N_OUT), leaky(N_OUT))


def spike_counts(model, X):
    """X: (batch, T, 64) 0/1 → output spike counts (batch, 10), stepping the model T times."""
    for m in model:
        if isinstance(m, snn.Leaky):
            m.reset_hidden()
    count = 0
    for t in range(X.shape[1]):
        count = count + model(X[:, t])
    return count


def as_tensors(data):
    X = np.stack([ep.array for ep in data]) > 0
    y = np.array([int(ep.target_id[1:]) for ep in data])   # output O<k> is the digit k
    return torch.from_numpy(X.astype(np.float32)), torch.from_numpy(y)


def accuracy(model, X, y):
    with torch.no_grad():
        c = spike_counts(model, X)
    return float((c.argmax(1) == y).float().mean()), c


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=OUT, help="folder for snntorch_digits.nir and snntorch_digits.json")
    ap.add_argument("--epochs", type=int, default=6)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    t0 = time.perf_counter()
    train, test = D.digits(ticks=TICKS)                  # glia's episodes, fixed split
    fit, val = train.split(0.85, seed=0)
    Xf, yf = as_tensors(fit)
    Xv, yv = as_tensors(val)
    Xt, yt = as_tensors(test)

    model = make_model()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    g = torch.Generator().manual_seed(SEED)
    for epoch in range(args.epochs):
        order = torch.randperm(len(yf), generator=g)
        for i in range(0, len(yf), 32):
            b = order[i:i + 32]
            loss = torch.nn.functional.cross_entropy(spike_counts(model, Xf[b]) / 4.0, yf[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
        print(f"epoch {epoch + 1}: loss {loss.item():.3f}, validation accuracy "
              f"{accuracy(model, Xv, yv)[0]:.3f}")
    acc, counts = accuracy(model, Xt, yt)
    counts = counts.numpy().astype(int)
    ties = int(sum((c == c.max()).sum() > 1 for c in counts))
    print(f"snnTorch test accuracy {acc:.4f} ({len(yt)} episodes, {ties} ties broken by argmax)")

    with quiet():                                          # snnTorch prints warnings on stdout
        graph = export_to_nir(model, torch.zeros(1, N_IN), ignore_dims=[0])
    # float64 time constants from the modules' beta, the reset snnTorch's exporter drops
    # (subtract, one step late) put back as the metadata glia.from_nir reads; and the dt
    graph = fix_snntorch_export(graph, model)
    graph.metadata = dict(graph.metadata or {}, dt=SNN_DT)
    # the exported graph runs in glia with the same output spike counts (layers shifted)
    net = glia.from_nir(graph)
    depth = 2
    same = 0
    for ep, c in zip(test, counts):
        x = np.vstack([ep.array > 0, np.zeros((depth, N_IN), bool)]).astype(np.float32)
        r = net.run(x, reset=True)
        o = [net.neuron_ids.index(f"O{k}") for k in range(N_OUT)]
        same += int(np.array_equal(r[depth:, o].sum(0), c))
    print(f"glia (from_nir) output spike counts equal snnTorch's on {same}/{len(yt)} test episodes")
    if same != len(yt):
        sys.exit("the exported model does not run in glia as in snnTorch: nothing written")

    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "snntorch_digits.nir")
    nir.write(path, graph)
    info = {"model": f"Linear({N_IN}->{N_HIDDEN}), Leaky, Linear({N_HIDDEN}->{N_OUT}), Leaky "
                     f"(beta {BETA}, threshold {THRESHOLD}, subtract reset)",
            "data": f"glia.datasets.digits(ticks={TICKS}) spikes as 0/1, train {len(yf)} / "
                    f"validation {len(yv)} / test {len(yt)} episodes",
            "epochs": args.epochs, "dt": SNN_DT,
            "test_accuracy": round(acc, 6), "test_ties": ties,
            "validation_accuracy": round(accuracy(model, Xv, yv)[0], 6),
            "test_output_spike_counts": counts.tolist(),
            "versions": {"torch": torch.__version__, "snntorch": snn.__version__,
                         "nir": getattr(nir, "version", "?"), "glia": glia.__version__},
            "seconds": round(time.perf_counter() - t0, 1)}
    with open(os.path.join(args.out, "snntorch_digits.json"), "w") as f:
        json.dump(info, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path):,} bytes) in {info['seconds']} s")


if __name__ == "__main__":
    main()

"""The test suite's workloads: seeded .net and .seq files written with NumPy alone.

    python tests/_workloads.py OUT_DIR     # writes them (the suite does it once per session)

What it writes into OUT_DIR (formats of DESIGN.md section 3):

- ``net_small.net``: an XOR-shaped network written by hand: S0, S1 -> H0 (fires only when
  both inputs fire, leak 0) and -> O1, H0 inhibits O1 and excites O0 (resting 0.5);
- ``net_medium.net``: 32 sensory, 1000 hidden, 8 outputs, about 50,000 edges: sparse random
  S->H, recurrent H->H with excitatory and inhibitory hidden neurons (a neuron's sign holds
  for all its outgoing edges), H->O; about one hidden neuron in eight fires per step under
  ``drive_s32.seq``;
- ``drive_s2.seq``, ``drive_s32.seq``: 1000 ticks, every sensory neuron injected with 200
  (enough to fire it) with probability 0.2 per tick;
- ``cls3_baseline.net`` (3 sensory, 12 hidden, 3 outputs, near chance) and ``cls3/epNN.seq``:
  60 episodes of 70 ticks, classes interleaved; in class k, S<k> is driven with
  probability 0.5 per tick and the other two with a noise probability drawn per episode
  in [0.05, 0.2]; ``cls3_dataset.tsv`` pairs each file with its target O<k>.

Every parameter and weight is a multiple of 1/64 (exact in float32 and in decimal), so a
reader gets the same values whatever its parser, and spike rasters computed in any order
of summation are identical. Each part has its own seed: the same files on every machine.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

SEED = 271828
QUANTUM = 64                       # weights are multiples of 1/QUANTUM
SPIKE = 200.0                      # an injection that makes a sensory neuron fire
SENSORY = (100.0, 1.0, 0.0)        # threshold, leak, resting

MEDIUM = dict(n_s=32, n_h=1000, n_o=8, p_sh=0.3, hh_per_neuron=36, p_ho=0.5,
              w_sh=4.0, w_exc=4.0, w_inh=12.0, w_ho=1.0, excitatory=0.8,
              hidden=(60.0, 0.875, 0.0), output=(60.0, 0.875, 0.0))
CLS3 = dict(n_per_class=20, ticks=70, p_drive=0.5, noise=(0.05, 0.2),
            hidden=(50.0, 0.875, 0.0), output=(50.0, 0.875, 0.0))


def _num(x: float) -> str:
    """A dyadic number in decimal, exactly (repr of a double is its shortest exact form)."""
    x = float(x)
    return "0" if x == 0 else repr(x).removesuffix(".0")


def _quantise(w) -> np.ndarray:
    return np.round(np.asarray(w, dtype=np.float64) * QUANTUM) / QUANTUM


def _rng(part: int) -> np.random.Generator:
    return np.random.default_rng([SEED, part])


def _net_text(title: str, neurons, edges) -> str:
    """``neurons``: (id, threshold, leak, resting) rows; ``edges``: (from, to, weight)."""
    lines = [f"# {title} (tests/_workloads.py, seeded)"]
    lines += [f"NEURON {n} {_num(t)} {_num(l)} {_num(r)}" for n, t, l, r in neurons]
    lines += [f"CONNECTION {a} {b} {_num(w)}" for a, b, w in edges]
    return "\n".join(lines) + "\n"


def _seq_text(title: str, duration: int, driven: np.ndarray, ids) -> str:
    """``driven``: (ticks, channels) bool, True where channel c gets SPIKE at that tick."""
    ticks, chans = np.nonzero(driven)
    lines = [f"# {title} (tests/_workloads.py, seeded)", f"DURATION {duration}", "LOOP false"]
    lines += [f"{t} {ids[c]} {_num(SPIKE)}" for t, c in zip(ticks.tolist(), chans.tolist())]
    return "\n".join(lines) + "\n"


def small_net() -> str:
    neurons = [("S0", *SENSORY), ("S1", *SENSORY), ("H0", 150.0, 0.0, 0.0),
               ("O0", 50.0, 0.5, 0.5), ("O1", 50.0, 0.5, 0.0)]
    edges = [("S0", "H0", 100.0), ("S1", "H0", 100.0), ("S0", "O1", 64.0),
             ("S1", "O1", 64.0), ("H0", "O1", -128.0), ("H0", "O0", 64.0)]
    return _net_text("net_small: XOR-shaped, written by hand", neurons, edges)


def _pairs(rng, n_src: int, n_dst: int, p: float, no_self: bool = False):
    """(source, target) index pairs, each of the n_src x n_dst kept with probability p."""
    keep = rng.random((n_src, n_dst)) < p
    if no_self:
        np.fill_diagonal(keep, False)
    return np.nonzero(keep)


def medium_net() -> str:
    m, rng = MEDIUM, _rng(1)
    S = [f"S{i}" for i in range(m["n_s"])]
    H = [f"H{i}" for i in range(m["n_h"])]
    O = [f"O{i}" for i in range(m["n_o"])]
    sign = np.where(rng.random(m["n_h"]) < m["excitatory"], 1.0, -1.0)
    neurons = ([(n, *SENSORY) for n in S] + [(n, *m["hidden"]) for n in H]
               + [(n, *m["output"]) for n in O])
    edges = []

    def add(src_ids, dst_ids, s, d, w):
        edges.extend(zip([src_ids[i] for i in s], [dst_ids[j] for j in d], _quantise(w)))

    s, d = _pairs(rng, len(S), len(H), m["p_sh"])
    add(S, H, s, d, m["w_sh"] * rng.uniform(0.5, 1.5, len(s)))
    s, d = _pairs(rng, len(H), len(H), m["hh_per_neuron"] / (len(H) - 1), no_self=True)
    scale = np.where(sign[s] > 0, m["w_exc"], m["w_inh"]) * sign[s]
    add(H, H, s, d, scale * rng.uniform(0.5, 1.5, len(s)))
    s, d = _pairs(rng, len(H), len(O), m["p_ho"])
    add(H, O, s, d, m["w_ho"] * sign[s] * rng.uniform(0.5, 1.5, len(s)))
    return _net_text("net_medium: 32 sensory, 1000 hidden (E/I), 8 outputs", neurons, edges)


def drive(n_sensory: int, part: int, ticks: int = 1000, p: float = 0.2) -> str:
    driven = _rng(part).random((ticks, n_sensory)) < p
    return _seq_text(f"drive: {n_sensory} sensory, p={p}, value {SPIKE:g}", ticks, driven,
                     [f"S{c}" for c in range(n_sensory)])


def cls3_net() -> str:
    c, rng = CLS3, _rng(4)
    neurons = ([(f"S{i}", *SENSORY) for i in range(3)] + [(f"H{i}", *c["hidden"]) for i in range(12)]
               + [(f"O{i}", *c["output"]) for i in range(3)])
    edges = []
    for h in range(12):                     # one or two sensory inputs per hidden neuron
        for s in sorted(rng.choice(3, size=1 + int(rng.random() < 0.5), replace=False)):
            edges.append((f"S{s}", f"H{h}", _quantise(rng.uniform(40.0, 80.0))))
    for h in range(12):                     # all-to-all H->O, small enough to start near chance
        for o in range(3):
            edges.append((f"H{h}", f"O{o}", _quantise(rng.uniform(0.0, 12.0))))
    return _net_text("cls3_baseline: 3 sensory, 12 hidden, 3 outputs", neurons, edges)


def cls3_episodes():
    """(class, .seq text) of each episode, classes interleaved."""
    c, rng = CLS3, _rng(5)
    out = []
    for i in range(3 * c["n_per_class"]):
        k = i % 3
        noise = rng.uniform(*c["noise"])
        p = np.full(3, noise)
        p[k] = c["p_drive"]
        driven = rng.random((c["ticks"], 3)) < p
        out.append((k, _seq_text(f"cls3 episode {i}: class {k}, noise {noise:.3f}",
                                 c["ticks"], driven, ["S0", "S1", "S2"])))
    return out


def write_all(out) -> Path:
    """Writes every workload into the folder ``out`` (made if missing); returns it."""
    out = Path(out)
    (out / "cls3").mkdir(parents=True, exist_ok=True)
    (out / "net_small.net").write_text(small_net())
    (out / "net_medium.net").write_text(medium_net())
    (out / "drive_s2.seq").write_text(drive(2, part=2))
    (out / "drive_s32.seq").write_text(drive(32, part=3))
    (out / "cls3_baseline.net").write_text(cls3_net())
    rows = []
    for i, (k, text) in enumerate(cls3_episodes()):
        rel = f"cls3/ep{i:02d}.seq"
        (out / rel).write_text(text)
        rows.append(f"{rel}\tO{k}\n")
    (out / "cls3_dataset.tsv").write_text("".join(rows))
    return out


def load_cls3(folder):
    """(network, dataset) of the 3-class workload in ``folder`` (written by write_all): the
    baseline network and the 60 episodes in file order."""
    import glia
    folder = Path(folder)
    rows = [line.split("\t") for line in (folder / "cls3_dataset.tsv").read_text().splitlines()]
    data = glia.Dataset.from_files([str(folder / p) for p, _ in rows], [t for _, t in rows])
    return glia.Network.from_file(folder / "cls3_baseline.net", verbose=False), data


def cls3_held_out_accuracies(folder, trainer: str, seeds: int = 5, epochs: int = 50,
                             **surrogate) -> list:
    """Held-out accuracy of ``trainer`` ('gradient', 'hebbian' or 'surrogate': Adam at lr
    0.01, and any ``surrogate`` config overrides) trained on the 3-class workload's first 40
    episodes and scored on the other 20, one per seed; checks on the way that each run
    starts near chance and its loss falls."""
    import glia
    accs = []
    for seed in range(seeds):
        net, data = load_cls3(folder)
        train, held_out = data[:40], data[40:]
        if trainer == "surrogate":
            cfg = {"optimizer": "adam", "lr": 0.01, **surrogate}
            tr = glia.SurrogateTrainer(net, glia.create_config(seed=seed, **cfg))
        else:
            tr = glia.Trainer(net, glia.TrainingConfig(seed=seed), method=trainer)
        assert tr.evaluate_dataset(held_out)["accuracy"] < 0.7        # starts near chance
        h = tr.train(train, epochs=epochs, verbose=False)
        assert h["loss"][-1] < h["loss"][0]
        accs.append(tr.evaluate_dataset(held_out)["accuracy"])
    return accs


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python tests/_workloads.py OUT_DIR")
    print(write_all(sys.argv[1]))

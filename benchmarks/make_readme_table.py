"""Writes the generated parts of the performance and threads pages from the benchmarks' results.

    python benchmarks/run.py            # measure (writes results/all.json)
    python benchmarks/make_readme_table.py [--input results/all.json] [--output docs/performance.md]
    python benchmarks/make_readme_table.py --train-scale     # after bench_train_scale.py alone

The tables of docs/performance.md are written between its ``performance`` marker comments
(the page's hand-written text around them is kept). ``--free-threaded`` fills only the
free-threaded table of docs/threads.md (between its ``free-threaded`` markers), from the
results of ``bench_threads.py --python-threads`` run on each build
(results/threads_python_gil.json and results/threads_python_nogil.json); without it that table
is filled too when both exist. The README carries no generated figures: it links these pages.
``--train-scale`` refreshes only the train-scale section of docs/performance.md (between its
``train-scale`` markers), from results/bench_train_scale.json (``bench_train_scale.py`` alone,
without a full run).

Tables name the machine they were measured on; every timed figure is the median of the
repeats, with the min-max range where it matters.
"""
from __future__ import annotations

import argparse
import json
import os
import textwrap
from pathlib import Path

from _common import PYTHON_THREADS_JSON, RESULTS_DIR
from _common import format_number as num

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
PERFORMANCE_DOC = REPO_ROOT / "docs" / "performance.md"
THREADS_DOC = REPO_ROOT / "docs" / "threads.md"
README = REPO_ROOT / "README.md"


def eng(v) -> str:
    """1.23 M, 456 k... for rates."""
    if v is None:
        return "–"
    for unit, s in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= unit:
            return f"{v / unit:.3g} {s}"
    return f"{v:.3g}"


def rng(med, lo, hi, f=num) -> str:
    if lo is None or hi is None:
        return f(med)
    return f"{f(med)} ({f(lo)}–{f(hi)})"


def table(headers: list[str], rows: list[list]) -> str:
    out = ["| " + " | ".join(headers) + " |",
           "|" + "|".join("---" if i == 0 else "---:" for i in range(len(headers))) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------- sections
def sec_sim(b) -> str:
    rows = [[r["network"], r["record"], num(r["neurons"]), num(r["synapses"]),
             rng(r["steps_per_s"], 1e6 / r["ms_max"] if r.get("ms_max") else None,
                 1e6 / r["ms_min"] if r.get("ms_min") else None, eng),
             eng(r["syn_events_per_s"])]
            for r in b.get("throughput", [])]
    s = "### Simulation (`net.run`, 1000 steps, one thread)\n\n"
    s += table(["network", "record", "neurons", "synapses", "steps/s (min–max)", "synaptic events/s"], rows)
    intra = b.get("intra_step", [])
    if intra:
        s += (f"\nOne network on 2 threads inside each step against 1 (`run(n_threads=...)`; networks "
              f"of at least {num(b.get('parallel_step_min_work'))} neurons + edges get the team, "
              f"\"forced\" shows a network below that on two threads anyway):\n\n")
        s += table(["network", "cut-off", "threads used", "1 thread steps/s", "2 threads steps/s",
                    "speedup (best)", "two processes at once", "other processes' load (cores)"],
                   [[r["network"], r["cut_off"], r["threads_used"], eng(r["steps_per_s_1"]),
                     eng(r["steps_per_s_2"]), f"{r['speedup']:.2f}× ({r['speedup_best']:.2f}×)",
                     f"{r['two_processes']:.2f}×" if r.get("two_processes") else "–",
                     num(r.get("foreign_cores"))] for r in intra])
        s += ("\n\"Two processes at once\": two processes each running its own copy of the "
              "one-thread loop at the same moment, their summed throughput over one process "
              "alone: how much of a second core this loop can get on this machine (its caches "
              "and memory are shared), for comparison with the team of two threads in one step.\n")
    st = b.get("step_overhead")
    if st:
        s += (f"\n`net.step()` on net_small: {num(st['step_ns'])} ns per call "
              f"({num(st['step_busy_ns'])} ns beside a busy Python thread).\n")
    return s


def sec_brian2(b) -> str:
    if b.get("skipped"):
        return f"### Against Brian2\n\nNot measured: {b['skipped']}\n"
    rows = [[r["network"], r["simulator"],
             rng(r["steps_per_s"], r.get("steps_per_s_min"), r.get("steps_per_s_max"), eng),
             eng(r.get("run_call_steps_per_s")),
             f"{r.get('glia_1_thread_speedup', r.get('glia_speedup', float('nan'))):.1f}×",
             "yes" if r.get("identical", True) else "NO"]
            for r in b.get("throughput", [])]
    load = {r["network"]: r["foreign_cores"] for r in b.get("throughput", [])
            if r.get("foreign_cores") is not None}
    eq = b.get("equivalence", [])
    cases = sorted({r["case"] for r in eq})
    same = b.get("identical")
    s = (f"### Against Brian2 {b.get('brian2', '')} (same model)\n\n"
         f"The same discrete-time network (DESIGN §2) in Brian2: float32, `dt` = one step, the "
         f"update in `run_regularly`, `on_pre='I_post += w'`. Spike counts of every neuron were "
         f"**{'identical' if same else 'NOT identical'}** to glia's on {', '.join(cases)} "
         f"(numpy and Cython targets), and in every timed run (C++ standalone included). "
         f"Brian2's runtime targets run on one thread; its steady rate excludes code generation, "
         f"compilation and its per-`run()` set-up. The C++ standalone device (OpenMP, 1 and 2 "
         f"threads) is timed by its own loop time (`device._last_run_time`); its whole call adds "
         f"the process start, loading the arrays and writing the results. net_large_sparse is "
         f"net_large with ~1% of neurons firing per step. Other processes' load during the "
         f"timing: {', '.join(f'{k} {num(v)}' for k, v in load.items()) if load else '?'} cores.\n\n")
    s += table(["network", "simulator", "steps/s (min–max)", "whole call, steps/s",
                "glia (1 thread) is faster by", "spike counts identical"], rows)
    return s


def sec_scale(b) -> str:
    def two(r):
        if "speedup_2_threads" not in r:
            return "-"
        return (f"{r['speedup_2_threads']:.2f}×{'' if r.get('above_cut_off') else ' (below cut-off)'}, "
                f"load {num(r.get('foreign_cores'))}")

    rows = [[num(r["neurons"]), num(r["synapses"]), num(r["load_s"]),
             f"{r['firing_pct_per_step']:.1f}%", eng(r["steps_per_s"]), eng(r["syn_events_per_s"]),
             num(r["ns_per_event"]), num(r["bytes_per_synapse"]), num(r["rss_model_mb"]), two(r)]
            for r in b.get("scale", [])]
    rows += [[f"{r['network']} ({num(r['neurons'])})", num(r["synapses"]), num(r["load_s"]),
              f"{r['firing_pct_per_step']:.1f}%", eng(r["steps_per_s"]), eng(r["syn_events_per_s"]),
              num(r["ns_per_event"]), num(r["bytes_per_synapse"]), num(r["rss_model_mb"]), two(r)]
             for r in b.get("net_large", [])]
    c, m = b.get("cost_fit", {}), b.get("memory_fit", {})
    s = "### Scale (NEWNET networks, random drive, 200 steps)\n\n"
    s += table(["neurons", "synapses", "load s", "firing/step", "steps/s (1 thread)", "events/s",
                "ns/event", "model B/synapse", "RSS MB", "2 threads in a step, other load (cores)"], rows)
    loads = [r.get("foreign_cores") for r in b.get("scale", []) + b.get("net_large", [])
             if r.get("foreign_cores") is not None]
    if loads:
        s += (f"\n2 threads in a step: `run(n_threads=2)` against `n_threads=1`, alternated, the "
              f"cut-off forced to 0, with the cores other processes kept busy meanwhile "
              f"({min(loads):.2f}–{max(loads):.2f} of 2).\n")
    if c:
        s += (f"\nCost fit: {c['ns_per_event']:.2f} ns per synaptic event + "
              f"{c['ns_per_neuron']:.2f} ns per neuron per step (worst error {c['max_abs_error_pct']:.0f}%; "
              f"the per-event cost grows once the synapses no longer fit in the caches). "
              f"Model memory: {m.get('bytes_per_synapse', 0):.2f} B per synapse + "
              f"{m.get('bytes_per_neuron', 0):.0f} B per neuron.\n")
    t = b.get("train_big")
    if t:
        s += (f"\nThe {num(t['neurons'])}-neuron, {num(t['synapses_before'])}-synapse network trains: "
              f"{num(t['s_per_epoch'])} s per epoch ({t['episodes']} episodes × {t['ticks']} ticks, "
              f"rate-gradient, Adam), the trainer adding {num(t['trainer_rss_mb'])} MB of RSS.\n")
    bw, roof = b.get("bandwidth"), b.get("roofline", [])
    if bw and roof:
        s += (f"\n**Physical limit.** A large NumPy copy moves {bw['dram']['copy_GBps']:.1f} GB/s "
              f"(read + write; an 8 MiB copy: {bw['l3']['copy_GBps']:.0f} GB/s). A step must read at "
              f"least 8 B per synaptic event (target index + weight), 16 B per spike and 29 B per neuron:\n\n")
        s += table(["network", "CSR MB", "events/step", "events/s", "GB/s needed",
                    "of DRAM bandwidth", "events/s at bandwidth"],
                   [[r["network"], num(r["csr_mb"]), eng(r["events_per_step"]), eng(r["syn_events_per_s"]),
                     num(r["achieved_GBps"]), f"{100 * r['fraction_of_bandwidth']:.0f}%",
                     eng(r["events_per_s_at_bandwidth"])] for r in roof])
    return s


def sec_train(b) -> str:
    s = "### Training (3-class workload: 60 episodes × 70 ticks, one thread)\n\n"
    s += table(["", "ms (min–max)"],
               [[r["case"], rng(r["ms"], r.get("ms_min"), r.get("ms_max"))]
                for r in b.get("cls3_one_thread", [])])
    th = b.get("threads", [])
    if th:
        s += "\nTwo threads against one:\n\n" + table(
            ["", "1 thread ms", "2 threads ms", "speedup", "other processes' load (cores)"],
            [[r["case"], num(r["ms_1_thread"]), num(r["ms_2_threads"]), f"{r['speedup']:.2f}×",
              num(r.get("foreign_cores"), 2)] for r in th])
    lr = b.get("learning", [])
    if lr:
        s += (f"\nLearning: held-out accuracy of the network after its last epoch (never the "
              f"best epoch), median over the runs, {b.get('learning_threads')} thread(s):\n\n")
        s += table(["trainer", "data", "config", "epochs", "runs", "held-out accuracy",
                    "training s", "final loss"],
                   [[r["trainer"], r["data"], r["config"], r["epochs"], r["runs"],
                     f"{100 * r['accuracy']:.1f}%", num(r["seconds"]), num(r["final_loss"])]
                    for r in lr])
    return s


def sec_overhead(b) -> str:
    s = "### Python overhead\n\n"
    s += table(["call", "ns per call", "× a Python call"],
               [[r["call"], num(r["ns_per_call"]), num(r["x_plain_call"], 2)] for r in b.get("calls", [])])
    fr = b.get("epoch_fraction", [])
    if fr:
        s += "\n" + table(["trainer", "train_fast ms/epoch", "train ms/epoch", "outside C++ per epoch"],
                          [[r["trainer"], num(r["train_fast_ms_per_epoch"]), num(r["train_ms_per_epoch"]),
                            f"{num(r['outside_cpp_us_per_epoch'])} µs ({100 * r['outside_cpp_fraction']:.1f}%)"]
                           for r in fr])
    return s


def rate(row: dict, key: str, unit: bool = True) -> str:
    """A Python-threads row's rate, e.g. '9.5M steps/s' (``unit=False``: without the unit)."""
    v = row[key]
    text = next((f"{v / d:.3g}{p}" for d, p in ((1e9, "G"), (1e6, "M"), (1e3, "k")) if v >= d),
                f"{v:.3g}")
    return f"{text} {row['unit']}" if unit else text


def sec_threads(b) -> str:
    s = "### Threads\n\n"
    s += table(["OpenMP threads (num_threads)", "1 thread ms", "2 threads ms", "speedup",
                "other processes' load (cores)"],
               [[r["case"], num(r["ms_1_thread"]), num(r["ms_2_threads"]), f"{r['speedup']:.2f}×",
                 num(r.get("foreign_cores"), 2)] for r in b.get("openmp", [])])
    py = b.get("python_threads", [])
    if py:
        s += "\n" + table(["two Python threads, separate objects", "1 thread", "2 threads", "speedup",
                           "other processes' load (cores)"],
                          [[r["case"], rate(r, "per_s_1_thread"), rate(r, "per_s_2_threads"),
                            f"{r['speedup']:.2f}×", num(r.get("foreign_cores"), 2)] for r in py])
    cnt = b.get("counter", [])
    if cnt:
        s += "\nA Python thread counting (`x += 1`) beside each call, relative to its idle rate:\n\n"
        s += table(["beside", "rate vs idle"], [[r["beside"], f"{r['ratio_to_idle']:.2f}"] for r in cnt])
    return s


def sec_surrogate(b) -> str:
    s = "### Surrogate-gradient trainer against snnTorch (digits, 64-64-10)\n\n"
    sp = b.get("speed", [])
    if sp:
        s += ("`DIGITS_CONFIG` (Adam, lr 0.01, batches of 16) with pruning off "
              "(`prune_epsilon=0`: snnTorch has none), the same initial weights, spike "
              "arrays, loss, neuron model, surrogate and optimizer on both sides; seconds per "
              "epoch are medians over every epoch, accuracy is held out after the last epoch "
              "(median and range over the config seeds, which set the shuffle order):\n\n")
        s += table(["trainer", "threads", "seeds", "s per epoch", "all epochs s",
                    "held-out accuracy"],
                   [[r["trainer"], r["threads"], r.get("seeds", 1), num(r["s_per_epoch"]),
                     num(r.get("total_s")),
                     rng(r.get("held_out_acc"), r.get("held_out_min"), r.get("held_out_max"))]
                    for r in sp])
        if "speedup" in b:
            s += f"\nglia is {b['speedup']:.1f}× faster per epoch.\n"
        if "accuracy_p_value" in b:
            s += (f"The two compute the same thing: their gradients of the first batch from the "
                  f"initial weights differ by at most {b['gradient_max_rel_diff']:.1e} of the "
                  f"largest. A permutation test of the difference of the mean accuracies over "
                  f"the seeds gives p = {b['accuracy_p_value']:.2f} "
                  + ("(no significant difference).\n" if b["accuracy_p_value"] >= 0.05 else
                     "(a significant difference).\n"))
    va = b.get("variants", [])
    if va:
        s += ("\nglia alone, held-out accuracy after the last epoch, one run per config seed "
              "(it sets the shuffle order):\n\n")
        s += table(["config", "epochs", "seeds", "held-out median (min–max)", "training s (median)"],
                   [[f"`{r['config']}`", r["epochs"], r["seeds"],
                     rng(r["held_out_acc"], r["held_out_min"], r["held_out_max"]),
                     num(r["train_s"])] for r in va])
    mem = b.get("memory", [])
    if mem:
        s += ("\nMemory, one 100-step episode (batch 1, one thread; random networks, 100 synapses "
              "per neuron):\n\n")
        s += table(["neurons", "synapses", "model MB", "trainer's buffers MB", "RSS growth MB",
                    "growth / model", "bytes per episode-step"],
                   [[num(r["neurons"]), num(r["synapses"]), num(r["model_MB"]), num(r["trainer_buffers_MB"]),
                     num(r["rss_growth_MB"]), f"{r['growth_x_model']:.1f}×",
                     num(int(r["episode_bytes_per_step"]))] for r in mem])
    return s


TS_START, TS_END = "<!-- train-scale:start -->", "<!-- train-scale:end -->"
TS_JSON = "bench_train_scale"
TS_WORKLOADS = {
    "shd256_10": "700 Poisson inputs (2% per step) → 256 recurrent hidden (all-to-all, self "
                 "edges included) → 20 outputs, T = 100, weights scaled for ~10% hidden activity",
    "shd256_33": "the same at ~33% hidden activity",
    "shd1024": "700 → 1,024 recurrent hidden → 20, T = 100, the input and recurrent edges at "
               "10% density, ~10% hidden activity",
    "digits": "sklearn digits, 64 → 64 → 10 plus 64 → 10 (`digits_network(n_hidden=64)`), 40 "
              "ticks, `DIGITS_CONFIG` (Adam, lr 0.01, batches of 16), surrogate slope 2",
}


def sec_train_scale(b) -> str:
    """bench_train_scale's table (glia's SurrogateTrainer, torch and JAX on the same model),
    between its markers, so that ``--train-scale`` can refresh it alone."""
    rows = b.get("rows", [])
    info = {w["workload"]: w.get("info", {}) for w in b.get("workloads", [])}
    m = b.get("machine", {})
    loads = sorted(r["foreign_cores"] for r in rows if r.get("foreign_cores") is not None)
    episodes = b.get("episodes")
    text = (f"glia's `SurrogateTrainer` against the same model written in torch (dense batched "
            f"BPTT, a loop over the steps) and in JAX (`jit`, `lax.scan`), each side in its own "
            f"process with {b.get('threads', '?')} threads (`python benchmarks/bench_train_scale.py`"
            f"{' --quick' if b.get('quick') else ''}; every side's OpenMP waits "
            f"`{b.get('omp_wait', '?')}`), the same spikes and initial weights; the SHD-shaped "
            f"epochs are {num(episodes)} episodes in batches of 128 (random labels: speed "
            f"only), digits' is its training set less a 20% validation split. Seconds per "
            f"epoch: median of {b.get('rounds', 1)} × {b.get('repeats', '?')} timed epochs "
            f"(min–max; the sides take turns, round after round, each round a fresh process "
            f"per side), CPU seconds the process used in that epoch; peak RSS is the whole "
            f"process (imports and data included; glia reads "
            + ("the spike events, `Dataset.from_events`" if b.get("glia_input") == "events"
               else "a dense float32 array, `Dataset.from_arrays`") + "). Gradient vs glia: "
            f"from the initial weights, each side's mean gradient of each group of 16 of the "
            f"first 128 episodes; the groups whose every episode spiked exactly as in glia "
            f"(count brackets; a value within float rounding of the threshold can fire on one "
            f"side only) are compared, the largest difference relative to the group's largest "
            f"gradient. Digits to {b.get('digits_target', 0.97)}: training seconds until "
            f"the validation split reaches it (median over {b.get('digits_seeds', '?')} config "
            f"seeds; epochs in brackets), and the held-out accuracy there. Measured on "
            f"{m.get('cpu', '?')}, {m.get('usable_cores', '?')} cores, glia at git "
            f"{m.get('git', '?')}, {m.get('time', '')}")
    if loads:
        text += (f"; other processes kept {num(loads[0], 2)}–{num(loads[-1], 2)} cores busy "
                 f"meanwhile (median {num(loads[len(loads) // 2], 2)}), so these are a loaded "
                 f"machine's figures")
    text += "."
    items = ""
    for name, i in info.items():
        items += f"- `{name}`: {TS_WORKLOADS.get(name, name)}"
        if "hidden_activity" in i:
            items += (f"; measured at the start: hidden {i['hidden_activity']:.3f}, outputs "
                      f"{i['output_activity']:.3f} spikes per neuron-step, {num(i['edges'])} edges")
        if "validation" in i:
            items += (f"; {num(i['train'])} training, {num(i['validation'])} validation, "
                      f"{num(i['test'])} held-out episodes")
        items += "\n"
    out = []
    for r in rows:
        if "s_per_epoch" not in r:
            out.append([f"`{r['workload']}`", r["side"],
                        r.get("version", "–"), "", "", "", "", "", ""])
            continue
        acc = "–"
        if "reached" in r:
            acc = (f"{num(r['to_acc_s'])} ({num(r['to_acc_epochs'])}), {num(r.get('held_out'))}"
                   if r.get("to_acc_s") is not None else f"not reached ({r['reached']})")
        out.append([f"`{r['workload']}`", r["version"],
                    rng(r["s_per_epoch"], r.get("s_min"), r.get("s_max")), num(r.get("cpu_s")),
                    f"{r['x_glia']:.2f}×" if r.get("x_glia") else "–", num(r["peak_rss_MB"]),
                    (f"{num(r.get('grad_rel_diff'), 2)} ({r['grad_groups']})" if r.get("grad_groups")
                     else num(r.get("grad_rel_diff"), 2)),
                    num(r.get("foreign_cores"), 2), acc])
    s = (f"{TS_START}\n<!-- generated by benchmarks/make_readme_table.py from "
         f"benchmarks/results/{TS_JSON}.json: do not edit by hand -->\n"
         "### SHD-sized training: glia's surrogate trainer, torch and JAX\n\n"
         + textwrap.fill(text, 95, break_on_hyphens=False) + "\n\n" + items + "\n"
         + table(["workload", "side", "s per epoch", "CPU s", "time / glia's", "peak RSS MB",
                  "gradient vs glia", "other load (cores)",
                  f"digits to {b.get('digits_target', 0.97)}: s (epochs), held-out"], out))
    unavailable = b.get("unavailable") or {}
    if unavailable:
        s += "\nNot measured: " + "; ".join(f"{k} ({v})" for k, v in unavailable.items()) + ".\n"
    return s + TS_END + "\n"


# ---------------------------------------------------------------------------- README summary
SUM_START, SUM_END = "<!-- summary:start -->", "<!-- summary:end -->"
TASK_NAMES = {"xor": "XOR", "three_class": "3-class", "digits": "digits",
              "temporal_order": "temporal order", "rate_intensity": "rate intensity",
              "delayed_recall": "delayed recall", "randman": "Randman"}


def sec_readme_summary(scale: dict | None, tasks: dict | None) -> str:
    """The README's two short tables, markers included: seconds per epoch against torch and
    JAX (bench_train_scale) and held-out accuracy per trainer and task (bench_tasks)."""
    out = [SUM_START, "<!-- generated by benchmarks/make_readme_table.py from "
           "benchmarks/results/bench_train_scale.json and bench_tasks.json: do not edit by hand -->"]
    if scale:
        by = {}
        for r in scale.get("rows", []):
            if "s_per_epoch" in r:
                by.setdefault(r["workload"], {})[r["side"]] = r
        rows = []
        for w, sides in by.items():
            g = sides.get("glia", {})
            cells = [f"`{w}`"]
            for side in ("glia", "torch", "jax"):
                cells.append(num(sides[side]["s_per_epoch"]) if side in sides else "–")
            ratios = [f"{sides[x]['s_per_epoch'] / g['s_per_epoch']:.1f}×" if x in sides and g
                      else "–" for x in ("torch", "jax")]
            cells.append(" / ".join(ratios))
            acc = [f"{num(sides[x]['to_acc_s'])}" if sides.get(x, {}).get("to_acc_s") is not None
                   else "–" for x in ("glia", "torch", "jax")] if "digits" in w else []
            cells.append(" / ".join(acc) if acc else "")
            rows.append(cells)
        m = scale.get("machine", {})
        out += ["", "**Training at the field's scale** — seconds per epoch of the same model, "
                f"{scale.get('threads', '?')} threads on every side, "
                f"{num(scale.get('episodes'))}-episode epochs in batches of 128 for the "
                f"SHD-shaped networks (glia at git {m.get('git', '?')}; workloads, gradient "
                "checks, CPU seconds and memory: [docs/performance.md](docs/performance.md)):", "",
                table(["workload", "glia", "torch 2.13 CPU", "JAX (jit)", "torch / glia, JAX / glia",
                       f"digits: s until validation reaches {scale.get('digits_target', 0.97)} "
                       "(glia / torch / JAX)"], rows)]
    if tasks:
        trainers = []
        for r in tasks.get("rows", []):
            if r["trainer"] not in trainers:
                trainers.append(r["trainer"])
        cell = {(r["task"], r["trainer"]): r for r in tasks.get("rows", [])}
        rows = []
        for t in TASK_NAMES:
            if not any((t, tr) in cell for tr in trainers):
                continue
            row = [TASK_NAMES[t]]
            for tr in trainers:
                r = cell.get((t, tr))
                if r is None:
                    row.append("–")
                    continue
                txt = f"{r['test_mean']:.2f} ({r['test_min']:.2f}), {num(r['seconds'])} s"
                row.append(f"cannot: {txt}" if r.get("note") else txt)
            rows.append(row)
        seeds = len({run.get("seed") for run in tasks.get("runs", [])}) or "?"
        out += ["", "**What each trainer learns with its defaults** — held-out accuracy after "
                f"training, mean (lowest) over {seeds} seeds, and training seconds, on networks "
                "from `glia.networks.layered` (`python benchmarks/bench_tasks.py`; the tasks "
                "and why the rate trainers cannot learn timing-only tasks: "
                "[docs/networks.md](docs/networks.md)):", "",
                table(["task"] + [f"`{t}`" for t in trainers], rows)]
    out.append(SUM_END)
    return "\n".join(out)


def update_readme_summary(readme: Path) -> None:
    """Refreshes the README's summary tables from results/bench_train_scale.json and
    results/bench_tasks.json (either may be missing: its table is left out)."""
    docs = {}
    for key, name in (("scale", TS_JSON), ("tasks", "bench_tasks")):
        path = RESULTS_DIR / f"{name}.json"
        docs[key] = json.loads(path.read_text()) if path.exists() else None
    update_section(readme, sec_readme_summary(docs["scale"], docs["tasks"]), SUM_START, SUM_END)
    print(f"updated the summary tables of {readme}")


def update_train_scale(docs: Path) -> None:
    """Refreshes the train-scale section of ``docs`` (docs/performance.md) from
    results/bench_train_scale.json alone, keeping the rest of the page; a page without its
    markers gets it just before the end of the generated performance section."""
    path = RESULTS_DIR / f"{TS_JSON}.json"
    if not path.exists():
        raise SystemExit(f"missing {path}: run benchmarks/bench_train_scale.py first")
    section = sec_train_scale(json.loads(path.read_text())).rstrip("\n")
    text = docs.read_text()
    if TS_START not in text:
        if END not in text:
            raise SystemExit(f"{docs}: no {END} marker to put the train-scale section before")
        text = text.replace(END, TS_START + TS_END + "\n" + END, 1)
        tmp = docs.with_name(docs.name + ".tmp")
        tmp.write_text(text)
        os.replace(tmp, docs)
    update_section(docs, section, TS_START, TS_END)
    print(f"updated the train-scale section of {docs}")


def sec_generic(name: str, b) -> str:
    """Any other benchmark: its lists of rows as tables."""
    s = f"### {name}\n\n"
    for k, v in b.items():
        if k in ("machine",) or not isinstance(v, list) or not v or not isinstance(v[0], dict):
            continue
        cols = [c for c in v[0].keys() if not isinstance(v[0][c], (list, dict))][:8]
        s += f"{k}:\n\n" + table(cols, [[num(r.get(c)) for c in cols] for r in v]) + "\n"
    return s


def targets_summary(all_: dict) -> str:
    rows = []
    for name, b in all_.get("benchmarks", {}).items():
        for key in ("targets", "checks"):
            v = b.get(key)
            if isinstance(v, list):
                for r in v:
                    if isinstance(r, dict) and "figure" in r and r.get("status") not in (None, "-"):
                        tgt = r.get("target")
                        if isinstance(tgt, (int, float)):
                            tgt = ("≥ " if r.get("higher_is_better", True) else "≤ ") + num(float(tgt))
                        rows.append([name.removeprefix("bench_"), r["figure"], num(r["measured"]),
                                     tgt, r["status"]])
    if not rows:
        return ""
    return "### Targets\n\n" + table(["benchmark", "figure", "measured", "target", "status"], rows)


NOTES = """### What limits these figures (profiles with `perf`)

- **Large networks: the synaptic scatter.** On net_large about 90% of a step is the delivery
  loop `I[col[q]] += w[q]`; the neuron update is under 5%. The CSR (8 MB) sits in L3, so the
  loop is bound by the scalar read-modify-write per event, not by DRAM: a microbenchmark of
  that loop alone, rows already in L1, peaks at 2.0–2.6 G events/s on this machine, and
  glia delivers ~1.7 G/s including everything else. 4x Brian2's steady code-object rate
  on net_large would need ~2.7 G events/s, above that ceiling for an order-preserving
  scalar scatter. Tried and measured without gain: interleaved (target, weight) records,
  unrolling, AVX-512 gather/scatter per row (slower); 16-bit targets gave ~5% at the cost
  of a second layout. Counting Brian2's whole `run()` call (what a user waits for), glia is
  ~30x (net_medium) and ~4x (net_large) faster.
- **Networks larger than the caches** (10^7 synapses): rows are visited in spike order, so
  each row starts cold; the kernel prefetches the rows of the fired neurons 8 places ahead
  (3.3x on the 10^7-synapse network), after which latency, not bandwidth, still limits it.
- **Tiny networks** (the 3-class workload, 18 neurons): with the sparse step, 20% of a step
  was a store-forwarding stall (the vectorised neuron update reading accumulators just
  written one float at a time by the scatter) and most of the rest the scatter's dependent
  chains into the same three outputs. `evaluate_dataset` therefore runs networks of up to
  64 neurons on a dense padded weight matrix: a fired neuron adds a whole row with vector
  adds held in registers, and input rows are prepared 32 ticks ahead; the results are
  bit-identical to the sparse step (a Catch2 test compares both on random networks). About
  20 µs of the call is Python (cached episode conversion, a config fingerprint).
- **One network on two threads** (`run(n_threads=2)` above the cut-off): one team runs the
  whole call with one barrier per step (glia's own: a thread that arrives first spins up
  to 100 µs and then sleeps until the last one arrives, docs/threads.md). Each
  thread updates its own neurons and scatters into them only, so the scatter is split
  without atomics, but every thread reads every fired source's row offsets: per step a
  thread pays its share of events plus the whole fired list. What limits it: the barrier
  and the fired-list pass (a step of a few µs cannot repay them: hence the cut-off of
  200,000 neurons + edges, which keeps net_medium's ~4–15 µs steps on one thread; forced
  onto two threads, networks of 10^3 neurons ran at 0.24–0.75× of one thread in our runs),
  imbalance (ranges are balanced by in-edges, not by the step's actual spikes; on
  net_large the events split 50.4/49.6), and above all other processes: a step needs both
  threads running at once, and a thread descheduled for a time slice stalls the other at
  the barrier. When the wall time since a window of 64 steps began exceeds the threads'
  summed busy time by 200 µs, the call continues on one thread (64 × 8 steps, doubling at
  each relapse) and then retries the team, unless glia's run gauge (docs/threads.md, "Busy
  machines") keeps it on one thread; the thread count never changes a result.
  What the machine offers is not the limit: the "two processes at once" column (two
  processes each running the same one-thread loop at the same moment) shows how much of a
  second core the loop can get here, and on net_large it is far above what the team gets.
  The team's loss was in the split rows: with every thread walking its slice of each
  shared row, a profile of net_large showed each thread delivering its half of the events
  in 63–67 ms against ~85 ms for all of them on one thread (twice the row starts, inner
  loops half as long, and each core's prefetcher pulling in the other thread's half of
  the row), for 1.27× in all. So a team now walks a compact copy of its own slices of the
  rows, made with the team's plan (target and weight side by side, one stream per
  thread): the same additions in the same order, so still bit-identical, at twice the
  edge memory while the plan is cached. A change of weights (training, `set_edge` on an
  existing edge, mutation) makes the copies again on the next team run, each thread
  copying its own part: 1.0–1.3 ms for 1.16 × 10^6 edges, against ~19 ms for a 200-tick episode of
  net_large, so a batch-1 epoch on a team pays it once per episode.
- **Brian2's C++ standalone device** is its fastest mode; with OpenMP on 2 threads it
  synchronises its threads several times per step, and on this 2-vCPU machine its 2-thread
  figure has been anywhere from 8–24× slower to slightly faster than its 1-thread one
  between runs; the target "at its best thread count" takes the faster of the two in the
  same run.
- **Two threads** need both cores free and a well-placed virtual machine: on this 2-vCPU
  machine the same 2-thread measurement can move between ~1.1x and ~1.9x from run to run with
  no other process running (both threads busy, twice the cycles for the same instructions).
  Short parallel regions were also slowed by glia itself until each thread's evaluation
  scratch was kept between calls: buffers allocated by the pool's threads and freed by the
  caller crossed glibc's per-thread caches, and two threads were slower than one on the
  3-class evaluation. glia's parallel calls run on worker threads of its own, not OpenMP's:
  every waiting thread spins at most 100 µs and then sleeps, and while parallel runs do
  not pay (other processes keep the cores busy) calls stay on one thread for a while, so
  no environment variable (`OMP_WAIT_POLICY`, `GOMP_SPINCOUNT`) matters to glia; beside
  CPU burners see `benchmarks/bench_busy.py` and docs/threads.md.
"""


def _foreign_loads(doc) -> list[float]:
    """Every ``foreign_cores`` figure (other processes' load, in cores) found in ``doc``."""
    out = []
    if isinstance(doc, dict):
        for k, v in doc.items():
            if k == "foreign_cores" and isinstance(v, (int, float)):
                out.append(float(v))
            else:
                out += _foreign_loads(v)
    elif isinstance(doc, list):
        for v in doc:
            out += _foreign_loads(v)
    return out


def render(all_: dict) -> str:
    m, v = all_.get("machine", {}), all_.get("versions", {})
    b = all_.get("benchmarks", {})
    head = ("## Results\n\n"
            f"Measured on **{m.get('cpu', '?')}, {m.get('usable_cores', '?')} cores**, "
            f"{m.get('platform', '')}; Python {v.get('python')}, NumPy {v.get('numpy')}, "
            f"glia {v.get('glia')} ({v.get('glia_compiler', '?')}, git {m.get('git', '?')})"
            f"{', Brian2 ' + v['brian2'] if v.get('brian2') else ''}; {m.get('time', '')}"
            f"{' — quick pass' if all_.get('quick') else ''}. Figures are medians of repeated "
            f"runs (min–max in brackets). Reproduce with `python benchmarks/run.py` "
            f"(`python -m glia bench`), then `python benchmarks/make_readme_table.py`. "
            f"Parallel speedups are only meaningful when other processes' load is near 0.\n\n")
    loads = sorted(_foreign_loads(b))
    if loads:
        head += (f"Other processes kept {num(loads[0])}–{num(loads[-1])} of the cores busy "
                 f"(median {num(loads[len(loads) // 2])}) while these figures were measured: on a "
                 f"loaded machine one-thread figures are lower and two-thread figures mostly show "
                 f"the load.\n\n")
    parts = [head]
    known = {"bench_sim": sec_sim, "bench_brian2": sec_brian2, "bench_scale": sec_scale,
             "bench_train": sec_train, "bench_surrogate": sec_surrogate,
             "bench_overhead": sec_overhead, "bench_threads": sec_threads,
             "bench_train_scale": sec_train_scale}
    for name in ("bench_sim", "bench_brian2", "bench_scale", "bench_train", "bench_surrogate",
                 "bench_train_scale", "bench_overhead", "bench_threads"):
        if name in b:
            parts.append(known[name](b[name]))
    for name in b:
        if name not in known:
            parts.append(sec_generic(name.removeprefix("bench_"), b[name]))
    parts.append(targets_summary(all_))
    parts.append(NOTES)
    return "\n".join(p for p in parts if p)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--input", default=str(BENCH_DIR / "results" / "all.json"))
    p.add_argument("--output", default=str(PERFORMANCE_DOC),
                   help="the page whose performance section is written (default: %(default)s)")
    p.add_argument("--free-threaded", action="store_true",
                   help="only the free-threaded table of docs/threads.md (bench_threads.py "
                        "--python-threads on both builds)")
    p.add_argument("--train-scale", action="store_true",
                   help="only the train-scale section of --output, from "
                        "results/bench_train_scale.json (and the README's summary tables)")
    p.add_argument("--readme", action="store_true",
                   help="only the README's summary tables (bench_train_scale, bench_tasks)")
    args = p.parse_args()
    if args.readme:
        update_readme_summary(README)
        return
    if args.train_scale:
        update_train_scale(Path(args.output))
        update_readme_summary(README)
        return
    if args.free_threaded or all(free_threaded_inputs().values()):
        update_free_threaded(THREADS_DOC)
        if args.free_threaded:
            return
    all_ = json.loads(Path(args.input).read_text())
    out = Path(args.output)
    update_section(out, performance_section(all_), START, END, new_page="# Performance\n\n")
    print(f"updated the performance section of {out}")


START, END = "<!-- performance:start -->", "<!-- performance:end -->"


def performance_section(all_: dict) -> str:
    """The generated performance section, markers included: every table rendered from
    ``all_`` (the contents of results/all.json)."""
    return (f"{START}\n<!-- generated by benchmarks/make_readme_table.py from "
            f"benchmarks/results/all.json: do not edit by hand -->\n{render(all_).strip()}\n{END}")


def update_section(path: Path, section: str, start: str, end: str, new_page: str | None = None) -> None:
    """Replaces the text of ``path`` from the ``start`` marker to the ``end`` marker by
    ``section`` (which carries the markers), keeping the rest of the page. A page without
    the markers raises SystemExit, unless ``new_page`` is given and the page does not exist:
    then it is created as ``new_page`` followed by ``section``."""
    if not path.exists() and new_page is not None:
        text = new_page + start + end
    else:
        text = path.read_text()
    if text.count(start) != 1 or text.count(end) != 1 or text.index(start) > text.index(end):
        raise SystemExit(f"{path}: expected one {start} ... {end} pair of markers")
    a = text.index(start)
    b = text.index(end) + len(end)
    text = text[:a] + section + text[b:]
    if not text.endswith("\n"):
        text += "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


# ---------------------------------------------------------------------------- free-threaded
FT_START, FT_END = "<!-- free-threaded:start -->", "<!-- free-threaded:end -->"
QUIET_LOAD = 0.2      # cores of other load up to which a two-thread figure shows the scaling


def free_threaded_inputs() -> dict:
    """``{"gil": path or None, "nogil": path or None}``: bench_threads.py --python-threads'
    results of each build, when present."""
    paths = {k: RESULTS_DIR / f"{name}.json" for k, name in PYTHON_THREADS_JSON.items()}
    return {k: p if p.exists() else None for k, p in paths.items()}


def render_free_threaded(gil: dict, nogil: dict) -> str:
    """The free-threaded table of docs/threads.md and the text on how and under what load it
    was measured, from the two builds' bench_threads.py --python-threads results."""
    cases = [r["case"] for r in gil["python_threads"]]
    if cases != [r["case"] for r in nogil["python_threads"]]:
        raise SystemExit("the two builds' results measure different cases: run bench_threads.py "
                         "--python-threads with the same options (--quick or not) on both")
    m = nogil.get("machine", {})
    first = ("free-threaded, GIL on" if gil.get("machine", {}).get("free_threaded_build")
             else "normal build")

    def cell(r):
        return (f"{rate(r, 'per_s_1_thread', unit=False)} / {rate(r, 'per_s_2_threads')}, "
                f"{r['speedup']:.2f}× ({r['speedup_q1']:.2f}–{r['speedup_q3']:.2f})")

    def loads(doc):
        return sorted(r["foreign_cores"] for r in doc["python_threads"]
                      if r.get("foreign_cores") is not None)

    both = sorted(loads(gil) + loads(nogil))
    quick = " --quick" if gil.get("quick") or nogil.get("quick") else ""
    rounds = sorted({gil.get("repeats"), nogil.get("repeats")}, key=str)
    window = nogil["python_threads"][0].get("window_s", "?")
    text = (f"Two Python threads, each on its own object, against one thread taking both objects "
            f"in turn: calls per second, summed over the threads, in windows of {window} s "
            f"(`python benchmarks/bench_threads.py --python-threads{quick}` on each build; the "
            f"speedup is the median over {' / '.join(map(str, rounds))} alternated rounds, its "
            f"quartiles in brackets), on {m.get('cpu', '?')}, "
            f"{m.get('usable_cores', '?')} cores; Python {gil.get('machine', {}).get('python', '?')} "
            f"({first}) and {m.get('python', '?')} (free-threaded). ")
    if both:
        text += (f"Other processes kept {num(both[0], 2)}–{num(both[-1], 2)} of the cores busy "
                 f"meanwhile (at most {num(max(loads(gil), default=None), 2)} during the first "
                 f"build's run, {num(max(loads(nogil), default=None), 2)} during the second's)")
        text += (": a second core was not free, so these two-thread figures show the load, not "
                 "the scaling (the target without a GIL is ≥ 1.8× for 2 threads)."
                 if both[-1] > QUIET_LOAD else "; the target without a GIL is ≥ 1.8× for 2 threads.")
    s = (f"{FT_START}\n<!-- generated by benchmarks/make_readme_table.py --free-threaded from "
         f"benchmarks/results/{PYTHON_THREADS_JSON['gil']}.json and "
         f"{PYTHON_THREADS_JSON['nogil']}.json: do not edit by hand -->\n"
         + textwrap.fill(text, 95, break_on_hyphens=False))
    s += "\n\n" + table(["two threads, separate objects",
                         f"{first}: 1 thread / 2 threads, speedup",
                         "free-threaded, GIL off: 1 / 2, speedup"],
                        [[c, cell(a), cell(b)] for c, a, b in
                         zip(cases, gil["python_threads"], nogil["python_threads"])])
    return s + "\n" + FT_END


def update_free_threaded(page: Path) -> None:
    """Fills the free-threaded table of ``page`` (docs/threads.md) from both builds' results."""
    paths = free_threaded_inputs()
    missing = [f"{PYTHON_THREADS_JSON[k]}.json" for k, p in paths.items() if p is None]
    if missing:
        raise SystemExit(f"missing {', '.join(missing)} in {RESULTS_DIR}: run "
                         f"benchmarks/bench_threads.py --python-threads on that build first")
    docs = {k: json.loads(p.read_text()) for k, p in paths.items()}
    update_section(page, render_free_threaded(docs["gil"], docs["nogil"]), FT_START, FT_END)
    print(f"updated the free-threaded table of {page}")


if __name__ == "__main__":
    main()

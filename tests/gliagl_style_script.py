"""A script in GliaGL's style, written from GliaGL's documented Python API only (its
README and docstrings): it must run unchanged against glia. tests/test_gliagl.py runs it
in a fresh interpreter from a temporary folder, which holds xor.net and the .seq files."""
import os
import sys

import numpy as np

import glia

print(f"glia {glia.__version__}")
glia.info()

# ---- a network from a file, state and weights as GliaGL's dicts
net = glia.Network.from_file("xor.net", verbose=False)
print(net)
state = net.state
print("ids", state["ids"], "thresholds", state["thresholds"][:5], "leaks", state["leaks"][:5])
assert isinstance(state["values"], np.ndarray) and len(state["ids"]) == net.num_neurons
weights = net.weights
print("edges", len(weights["from"]), "mean |w|", float(np.abs(weights["values"]).mean()))
assert len(weights["from"]) == len(weights["to"]) == len(weights["values"]) == net.num_connections

# ---- simulate: inject, step, firing neurons, neuron accessors
net.inject_dict({"S0": 100.0, "S1": 0.0})
net.step(n_steps=5)
fired = net.get_firing_neurons()
n = net.get_neuron(net.neuron_ids[-1])
print("fired", fired, n.get_id(), n.get_threshold(), n.get_leak(), n.did_fire())
net.inject_array(np.array([120.0, 80.0]))
net.step()
net.reset()
ids, values, thresholds, leaks = net.get_state()
net.set_state(ids, thresholds, leaks)
from_ids, to_ids, w = net.get_weights()
net.set_weights(from_ids, to_ids, w)
adj = net.to_adjacency_matrix(dense=True)
assert adj.shape == (net.num_neurons, net.num_neurons)

# ---- sequences and data sets
seq = glia.InputSequence()
seq.add_timestep({"S0": 100.0})
seq.add_timestep({"S1": 100.0})
seq.reset()
print("tick 0 inputs", seq.get_current_inputs())
seq.advance()
assert seq.get_current_inputs() == {"S1": 100.0}
files = sorted(f for f in os.listdir(".") if f.endswith(".seq"))
targets = [f.split("_")[0] for f in files]
data = glia.Dataset.from_files(files, targets)
more = glia.load_dataset_from_directory(".", pattern="*.seq",
                                        target_mapping={f: t for f, t in zip(files, targets)})
assert len(more) == len(data)
train, test = data.split(train_fraction=0.75, shuffle=True, seed=1)
print("dataset", len(data), len(train), len(test), data[0].target_id)

# ---- training with callbacks, then evaluation
config = glia.create_config(lr=0.05, batch_size=4, optimizer="adam")
trainer = glia.Trainer(net, config)
epochs_seen = []
history = trainer.train(data, epochs=40, on_epoch=lambda e, acc, margin: epochs_seen.append(acc),
                        verbose=False, lr_schedule=None)
assert len(epochs_seen) == 40 and len(history["accuracy"]) == 40
result = trainer.evaluate_dataset(data)
print(f"accuracy {result['accuracy']:.2f}, margin {result['margin']:.3f}, "
      f"{result['correct']}/{result['total']}")
m = trainer.evaluate(data[0].seq)
print("episode", m.winner_id, m.margin, m.rates, m.ticks_run)
trainer.train_fast(data, epochs=2)
trainer.set_seed(3)
net.save("trained.net")
again = glia.Network.from_file("trained.net", verbose=False)
assert again.weights["values"].tolist() == net.weights["values"].tolist()

# ---- evolution
evo_config = glia.create_evo_config(population=4, generations=2, elite=1, train_epochs=1)
evo = glia.Evolution("xor.net", train, test, config, evo_config)
best = evo.run(on_generation=lambda gen, genome, metrics: print("generation", gen, metrics.fitness),
               verbose=False)
print("best fitness", best.best_fitness_hist[-1], "accuracy", best.best_acc_hist[-1])
genome = glia.Evolution.load_best_genome("xor.net", best)
assert genome.num_neurons == net.num_neurons
glia.plot_evolution_result(best, save_path="evolution.png")
assert os.path.exists("evolution.png")
print("GLIAGL-STYLE SCRIPT OK")
sys.exit(0)

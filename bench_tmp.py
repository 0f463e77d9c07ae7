import time, tracemalloc, numpy as np, glia
rng = np.random.default_rng(0)
n, T, C = 2048, 100, 700
S = rng.random((n, T, C), dtype=np.float32) < 0.02
y = rng.integers(0, 20, n)
e, t, c = np.nonzero(S)
print("events", e.size, "int64 index bytes", 3*e.nbytes/1e6, "MB")
tracemalloc.start()
t0=time.perf_counter(); ds = glia.Dataset.from_events(e, t, c, y, T, C); t1=time.perf_counter()
cur, peak = tracemalloc.get_traced_memory(); tracemalloc.stop()
print(f"from_events {t1-t0:.3f}s held {cur/1e6:.1f} MB peak {peak/1e6:.1f} MB nbytes {ds.nbytes/1e6:.1f}")
tracemalloc.start()
t0=time.perf_counter(); ds2 = glia.Dataset.from_spikes(S, y); t1=time.perf_counter()
cur, peak = tracemalloc.get_traced_memory(); tracemalloc.stop()
print(f"from_spikes {t1-t0:.3f}s held {cur/1e6:.1f} MB peak {peak/1e6:.1f} MB")
net = glia.Network.from_string(f"NEWNET S={C} H=256 O=20\nSEED 0\nTHRESHOLDS S 0.5 H 1 O 1\n")
tr = glia.Trainer(net)
t0=time.perf_counter(); core = tr._use(None, ds.episodes); b = core.build(ds.episodes, tr._outputs, True); t1=time.perf_counter()
print(f"build {t1-t0:.3f}s")

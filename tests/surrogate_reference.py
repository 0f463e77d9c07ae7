"""An independent NumPy implementation of the surrogate-gradient trainer's contract (the
README's "Surrogate-gradient trainer"), written from its formulas, in float64 with dense
matrices: forward, loss, and back-propagation through time.

For episode steps t = 0 .. T-1, T = warmup + window, a_t the accumulator entering step t:

    u_t = leak * V_{t-1} + a_t          (V_{-1} = resting)
    v_t = max(0, u_t)
    s_t = [v_t > threshold]
    V_t = v_t * (1 - s_t) + resting * s_t
    a_{t+1} = W^T s_t + x_{t+1}

    c_o = sum_{t >= warmup} s_t[o],  z = c / (window * temperature),  L = -log softmax(z)[target]

Backward: ds_t/dv_t = 1 / (1 + k |v_t - threshold|)^2, dv_t/du_t = [u_t > 0] + beta [u_t <= 0]
(beta = grad.floor_gradient: 0, the exact contract, stops every gradient at the floor; 1
passes it through as if the floor were not there), dV_t/dv_t = 1 - s_t (reset detached),
dL/dw(j->i) = sum_t s_t[j] dL/du_{t+1}[i].

With the optional neuron features (DESIGN §2a: ``floor``, ``reset`` 0 resting / 1 subtract
/ 2 subtract delayed, ``alpha``, ``bias``, per neuron), c_t the current used in step t:

    c_t = a_t + bias
    u_t = leak * V_{t-1} + c_t - threshold * s_{t-1} [reset 2]
    v_t = max(0, u_t) with the floor, u_t without
    V_t = resting where s_t [reset 0], v_t - threshold * s_t [reset 1], v_t [reset 2]
    a_{t+1} = alpha * c_t + W^T s_t + x_{t+1}

and backward dV_t/dv_t = 1 - s_t for reset 0 and 1 for the subtractions (detached),
dv_t/du_t = 1 without the floor, dL/dc_t = dL/du_t + alpha dL/dc_{t+1}, and
dL/dw(j->i) = sum_t s_t[j] dL/dc_{t+1}[i].
"""
import numpy as np


def episode_gradient(thr, leak, rest, W, X, sensory, outputs, target, warmup, window,
                     temperature, slope, floor_gradient=0.0, features=None):
    """dL/dW (N x N, W[j, i] the weight j -> i), the loss and the spike raster of one
    episode. X: (ticks, n_sensory) injections; X[t, c] enters sensory[c] before step t.
    ``features``: None (all off) or a dict of per-neuron arrays ``floor`` (bool), ``reset``
    (0, 1, 2), ``alpha`` and ``bias``."""
    N = len(thr)
    f = features or {}
    floor = np.asarray(f.get("floor", np.ones(N, bool)), bool)
    mode = np.asarray(f.get("reset", np.zeros(N, int)), int)
    alpha = np.asarray(f.get("alpha", np.zeros(N)), np.float64)
    bias = np.asarray(f.get("bias", np.zeros(N)), np.float64)
    T = warmup + window
    x = np.zeros((T + 1, N))
    rows = min(T + 1, len(X))
    x[:rows, sensory] = X[:rows]
    u = np.zeros((T, N))
    s = np.zeros((T, N))
    V = rest.astype(np.float64).copy()
    a = x[0].copy()
    prev = np.zeros(N)
    for t in range(T):
        c = a + bias
        u[t] = leak * V + c - thr * prev * (mode == 2)
        v = np.where(floor, np.maximum(0.0, u[t]), u[t])
        s[t] = v > thr
        V = np.select([mode == 0, mode == 1], [v * (1 - s[t]) + rest * s[t], v - thr * s[t]], v)
        a = alpha * c + W.T @ s[t] + x[t + 1]
        prev = s[t]
    v_all = np.where(floor, np.maximum(0.0, u), u)
    c = s[warmup:, outputs].sum(axis=0)
    z = c / (window * temperature)
    z = z - z.max()
    p = np.exp(z) / np.exp(z).sum()
    loss = -np.log(p[target])
    dz = p.copy()
    dz[target] -= 1.0
    dc = dz / (window * temperature)
    G = np.zeros((N, N))
    du_next = np.zeros(N)                      # dL/du_{t+1}
    dcur_next = np.zeros(N)                    # dL/dc_{t+1}
    for t in range(T - 1, -1, -1):
        G += np.outer(s[t], dcur_next)
        ds = W @ dcur_next
        if t >= warmup:
            ds[outputs] += dc
        surrogate = 1.0 / (1.0 + slope * np.abs(v_all[t] - thr)) ** 2
        keep = np.where(mode == 0, 1 - s[t], 1.0)
        dv = ds * surrogate + leak * du_next * keep
        du_next = dv * np.where(floor, np.where(u[t] > 0, 1.0, floor_gradient), 1.0)
        dcur_next = du_next + alpha * dcur_next
    return G, loss, s


def mean_gradient(net, dataset, warmup, window, temperature, slope, floor_gradient=0.0):
    """The mean dL/dw over a data set of dense episodes, in ``net.get_weights()`` order;
    ``window`` 0 resolves per episode to its input's length minus the warm-up (at least 1).
    Also returns the number of hidden spikes seen."""
    ids, _, thr, leak = net.get_state()
    index = {n: i for i, n in enumerate(ids)}
    rest = np.array([net.get_neuron(n).resting for n in ids], dtype=np.float64)
    src, dst, w = net.get_weights()
    si = np.array([index[n] for n in src])
    di = np.array([index[n] for n in dst])
    W = np.zeros((len(ids), len(ids)))
    W[si, di] = w
    sensory = [index[n] for n in net.sensory_ids]
    outputs = [index[n] for n in net.output_ids]
    hidden = [i for i, n in enumerate(ids) if not n.startswith(("S", "O"))]
    f = net.get_features()
    features = {"floor": f["floor"], "reset": [("resting", "subtract", "subtract_delayed").index(m)
                                               for m in f["reset"]],
                "alpha": f["alpha"].astype(float), "bias": f["bias"].astype(float)}
    total = np.zeros(len(w))
    hidden_spikes = 0
    for ep in dataset:
        win = window if window > 0 else max(1, len(ep.array) - warmup)
        G, _, s = episode_gradient(np.asarray(thr, float), np.asarray(leak, float), rest, W,
                                   ep.array.astype(np.float64), sensory, outputs,
                                   net.output_ids.index(ep.target_id), warmup, win,
                                   temperature, slope, floor_gradient, features)
        total += G[si, di]
        hidden_spikes += int(s[:, hidden].sum())
    return total / len(dataset), hidden_spikes


def assert_gradient_matches(net, data, warmup, temperature, slope, n_threads=2):
    """SurrogateTrainer's mean gradient on ``data`` (decision window 0: to each episode's
    end) equals :func:`mean_gradient`'s to 1e-4 relative, with hidden spikes and a gradient
    worth comparing; returns the gradient."""
    import glia
    cfg = glia.create_config(warmup_ticks=warmup, temperature=temperature, surrogate_slope=slope)
    g = glia.SurrogateTrainer(net, cfg).gradients(data, n_threads=n_threads)
    ref, hidden_spikes = mean_gradient(net, data, warmup, 0, temperature, slope)
    assert hidden_spikes > 20
    scale = np.abs(ref).max()
    assert scale > 1e-3
    np.testing.assert_allclose(g, ref, rtol=1e-4, atol=1e-4 * scale)
    return g

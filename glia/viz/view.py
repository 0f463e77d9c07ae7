"""An interactive player of a network run: inline in Jupyter, or one offline HTML page.

:class:`NetworkView` records a run (which neurons fired at every step, and every neuron's
value) and shows it as a page: the network laid out sensory → hidden → outputs, each
neuron coloured by its value relative to its threshold, a flash when it fires, edges by
sign and weight, the leading output and the decision window marked; play / pause, step,
speed and a scrubber. The page is one self-contained file (a hand-written ES module and
the recording, compressed, inside it): no network fetch, no server, no install.

Example::

    view = glia.viz.NetworkView(net, X)      # runs a copy of net on X (T, num_sensory)
    view                                     # in Jupyter: the player
    view.save_html("run.html")               # open it in any browser; run.html#t=12
    live = glia.viz.NetworkView.live(net, X_val[0])
    live                                     # shown, it is re-run after every epoch:
    trainer.train(data, epochs=20, on_epoch=live)
"""
from __future__ import annotations

import base64
import html
import json
import os
import struct
import zlib
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Optional, Sequence

import numpy as np

from glia.viz._layout import layout

__all__ = ["NetworkView", "LiveView", "MAX_EDGES", "EXACT_VALUES_LIMIT"]

#: Edges drawn at most; a larger network shows its strongest edges (by |weight|).
MAX_EDGES = 4000
#: Recordings up to this many (step, neuron) cells also carry exact float32 values (hover
#: and traces then show them exactly); larger ones carry only the quantised ratio.
EXACT_VALUES_LIMIT = 250_000
#: Levels of the value/threshold ratio shipped to the page (4 bits, two cells to a byte);
#: the page has one colour per level.
RATIO_LEVELS = 16
#: Height of the inline player's frame in a notebook, in CSS pixels.
FRAME_HEIGHT = 660


@lru_cache(maxsize=None)
def _asset(name: str) -> str:
    return resources.files("glia.viz").joinpath("assets", name).read_text(encoding="utf-8")


def _network_structure(net):
    """ids, kind (0/1/2), thresholds, leaks, restings, edges (src, dst, w) of ``net``."""
    if not (hasattr(net, "neuron_ids") and hasattr(net, "edges") and hasattr(net, "run")):
        raise TypeError(f"net must be a glia.Network, got {type(net).__name__}")
    ids = list(net.neuron_ids)
    kind = np.ones(len(ids), np.int8)
    sensory, outputs = set(net.sensory_ids), set(net.output_ids)
    for i, nid in enumerate(ids):
        kind[i] = 0 if nid in sensory else (2 if nid in outputs else 1)
    _, thr, leak = net.get_state()[1:]
    rest = np.array([net.get_neuron(nid).resting for nid in ids], np.float32) \
        if ids else np.zeros(0, np.float32)
    src, dst, w = net.edges()
    return (ids, kind, np.asarray(thr, np.float32), np.asarray(leak, np.float32), rest,
            np.asarray(src, np.int64), np.asarray(dst, np.int64), np.asarray(w, np.float64))


def _window(config, T: int) -> tuple[int, int]:
    """The decision window ``[start, stop)`` of a ``T``-step run under ``config``
    (a TrainingConfig; None: the whole run), clipped to the run."""
    if config is None:
        return 0, T
    warm = int(config.warmup_ticks)
    dw = int(config.decision_window)
    stop = warm + dw if dw > 0 else T
    return min(warm, T), min(max(stop, warm), T)


def _leaders(raster: np.ndarray, outputs: np.ndarray, window: tuple[int, int]) -> np.ndarray:
    """The leading output at every step (index into ``outputs``, -1 for none): the one
    with the most spikes in the decision window so far, the first of a tie (the engine's
    count detector's rule), none before the window or while no output has fired in it."""
    T = raster.shape[0]
    lead = np.full(T, -1, np.int64)
    w0, w1 = window
    if outputs.size == 0 or w1 <= w0:
        return lead
    counts = np.cumsum(raster[w0:w1][:, outputs], axis=0, dtype=np.int64)
    best = counts.argmax(axis=1)
    best[counts.max(axis=1) == 0] = -1
    lead[w0:w1] = best
    lead[w1:] = best[-1]
    return lead


def _short_floats(a: np.ndarray) -> list:
    """float32 values as the shortest decimals that read back to them (for display)."""
    return [float(str(v)) for v in np.asarray(a, np.float32)]


def _check_raster(raster, name: str, n: int) -> np.ndarray:
    r = np.asarray(raster)
    if r.ndim != 2 or r.shape[1] != n:
        raise ValueError(f"{name} must have shape (T, {n}) (one column per neuron), "
                         f"got shape {r.shape}")
    if r.dtype != np.bool_:
        if r.dtype.kind not in "biu":
            raise TypeError(f"{name} must be a bool array, got dtype {r.dtype}")
        if r.size and (r.min() < 0 or r.max() > 1):
            raise ValueError(f"{name} must hold 0/1 or bools")
        r = r.astype(bool)
    return r


class NetworkView:
    """A player of one run of a network, inline in Jupyter and as an offline HTML page.

    ``NetworkView(net, inputs)`` runs a copy of ``net`` (``net`` itself is not changed) on
    ``inputs`` (T, num_sensory), from the reset state unless ``reset=False`` (then from
    ``net``'s current state), recording the raster and every neuron's value. See
    :meth:`from_raster` for a run recorded already and :meth:`from_episode` for an
    episode of a :class:`glia.Dataset`.

    ``config`` (a :class:`glia.TrainingConfig`) marks its decision window (``warmup_ticks``
    then ``decision_window`` steps); without it the window is the whole run. The leading
    output at each step is the one with the most spikes in the window so far.
    ``max_edges`` caps the edges drawn (the strongest are kept), ``seed`` seeds the
    layout, ``title`` is shown above the picture.

    The page (:meth:`to_html`, :meth:`save_html`) opens at step ``t`` from its URL
    fragment ``#t=<step>``; its element ``#glia-view`` keeps ``data-step`` (the step shown),
    ``data-firing`` (the ids firing at that step, space-separated) and ``data-winner``.

    Example::

        net = glia.datasets.three_class_network()
        X = glia.datasets.three_class()[0].array            # (70, 3)
        view = glia.viz.NetworkView(net, X, config=glia.TrainingConfig(warmup_ticks=10))
        view                                   # the player, in Jupyter
        view.save_html("run.html")             # run.html#t=12 opens at step 12
        view.firing(12)                        # the ids firing at step 12
    """

    def __init__(self, net, inputs, *, reset: bool = True, config=None,
                 max_edges: int = MAX_EDGES, seed: int = 0, title: str = "",
                 n_threads: Optional[int] = None):
        structure = _network_structure(net)
        X = np.asarray(inputs)
        if X.ndim != 2:
            raise ValueError(f"inputs must have shape (T, {net.num_sensory}), got shape {X.shape}")
        work = net.copy()
        raster, values = work.run(X, trace=structure[0], reset=reset, n_threads=n_threads)
        self._setup(structure, raster, values, _window(config, raster.shape[0]),
                    max_edges, seed, title)

    # ---------------------------------------------------------------- other constructors
    @classmethod
    def from_raster(cls, net, raster, values=None, *, config=None, max_edges: int = MAX_EDGES,
                    seed: int = 0, title: str = "") -> "NetworkView":
        """A view of a run recorded already on ``net``.

        ``raster`` is a (T, num_neurons) bool array (``net.run(X)``), or the spike events
        ``(steps, neurons)`` of ``net.run(X, record="events")`` (then ``values`` or a
        ``T`` must tell the length: pass ``values``), or the tuple ``(raster, values)`` or
        ``(steps, neurons, values)`` that ``net.run(X, trace=net.neuron_ids)`` returns. ``values`` (T, num_neurons), the
        neurons' values after each step in ``net.neuron_ids`` order, is optional: without
        it neurons are coloured by firing only.
        """
        structure = _network_structure(net)
        n = len(structure[0])
        if isinstance(raster, tuple) and values is None and (
                len(raster) == 3 or (len(raster) == 2 and np.asarray(raster[0]).ndim == 2)):
            raster, values = (raster[:2], raster[2]) if len(raster) == 3 else raster
        if isinstance(raster, tuple) and len(raster) == 2:
            steps, neurons = (np.asarray(a, np.int64) for a in raster)
            if values is None:
                raise ValueError("raster given as events (steps, neurons) needs values "
                                 "(T, num_neurons) to tell the run's length")
            T = np.asarray(values).shape[0]
            if steps.shape != neurons.shape or steps.ndim != 1:
                raise ValueError("raster events must be two 1-D arrays of equal length")
            if steps.size and (steps.min() < 0 or steps.max() >= T or neurons.min() < 0
                               or neurons.max() >= n):
                raise ValueError(f"raster events must have steps in [0, {T}) and neurons "
                                 f"in [0, {n})")
            r = np.zeros((T, n), bool)
            r[steps, neurons] = True
        else:
            r = _check_raster(raster, "raster", n)
        if values is not None:
            v = np.asarray(values, np.float32)
            if v.shape != r.shape:
                raise ValueError(f"values must have shape {r.shape} (like the raster), "
                                 f"got shape {v.shape}")
        else:
            v = None
        self = cls.__new__(cls)
        self._setup(structure, r, v, _window(config, r.shape[0]), max_edges, seed, title)
        return self

    @classmethod
    def from_episode(cls, net, episode, index: int = 0, *, config=None,
                     max_edges: int = MAX_EDGES, seed: int = 0, title: str = "",
                     n_threads: Optional[int] = None) -> "NetworkView":
        """A view of one episode as training and evaluation run it: from the reset
        state, ``warmup_ticks`` + decision-window steps of ``config`` (default
        :class:`glia.TrainingConfig`'s), the window marked. ``episode`` is an
        :class:`glia.EpisodeData` or a :class:`glia.Dataset` (then its episode ``index``).
        The engine's evaluation of the episode gives the number of steps and the winner it
        decides (``view.decided``, '' for none); the title names the target and that winner
        unless ``title`` is given."""
        from glia.config import TrainingConfig
        from glia.data import Dataset, EpisodeData
        if isinstance(episode, Dataset):
            if not -len(episode) <= index < len(episode):
                raise IndexError(f"index {index} out of range for a data set of "
                                 f"{len(episode)} episodes")
            episode = episode[index]
        if not isinstance(episode, EpisodeData):
            raise TypeError(f"episode must be a glia.EpisodeData or glia.Dataset, "
                            f"got {type(episode).__name__}")
        cfg = config if config is not None else TrainingConfig()
        from glia.training import Trainer
        # the engine's own evaluation says how many steps the episode runs, and its winner
        decided = Trainer(net.copy(), cfg).evaluate(episode)
        T = int(decided.ticks_run)
        sensory = list(net.sensory_ids)
        if episode.array is not None:
            A = np.asarray(episode.array, np.float32)
            if A.ndim != 2 or A.shape[1] > len(sensory):
                raise ValueError(f"episode.array must have shape (T, <= {len(sensory)}), "
                                 f"got shape {A.shape}")
        else:
            seq = episode.to_sequence()
            extra = [n for n in seq.neuron_ids if n not in set(sensory)]
            if extra:
                raise ValueError(f"the episode injects into non-sensory neurons {extra[:5]}; "
                                 f"NetworkView plays inputs to sensory neurons only")
        if episode.array is not None:
            X = np.zeros((T, len(sensory)), np.float32)
            rows = min(T, A.shape[0])
            X[:rows, :A.shape[1]] = A[:rows]
        else:
            X = episode.to_sequence().to_array(neuron_ids=sensory, length=T)
        if not title:
            title = f"target {episode.target_id or 'none'} · decided {decided.winner_id or 'none'}"
        view = cls(net, X, reset=True, config=cfg, max_edges=max_edges, seed=seed,
                   title=title, n_threads=n_threads)
        view.decided = decided.winner_id
        return view

    @staticmethod
    def live(net, inputs, *, every: int = 1, path=None, **view_kwargs) -> "LiveView":
        """A callback that re-draws the view during training or evolution: pass it as
        ``Trainer.train(..., on_epoch=live)`` or ``Evolution.run(on_generation=live)``.

        Shown in a notebook (the last expression of a cell, or ``display(live)``), it runs
        ``net`` (for evolution: the best genome so far) on ``inputs`` every ``every``
        epochs or generations and replaces the player in place; with ``path`` it also
        rewrites that HTML file. Neither shown nor given a path, a call does nothing, so it
        costs training nothing. ``view_kwargs`` go to :class:`NetworkView`.
        """
        return LiveView(net, inputs, every=every, path=path, **view_kwargs)

    # ---------------------------------------------------------------- the recording
    def _setup(self, structure, raster, values, window, max_edges, seed, title):
        ids, kind, thr, leak, rest, src, dst, w = structure
        if isinstance(max_edges, bool) or not isinstance(max_edges, (int, np.integer)) \
                or max_edges < 0:
            raise ValueError(f"max_edges must be an int >= 0, got {max_edges!r}")
        if raster.shape[0] == 0:
            raise ValueError("the run has no steps: inputs (or raster) must have at least one row")
        self._ids = ids
        self._kind = kind
        self._thr, self._leak, self._rest = thr, leak, rest
        self._raster = np.ascontiguousarray(raster, bool)
        self._values = None if values is None else np.ascontiguousarray(values, np.float32)
        self._window = window
        self._outputs = np.flatnonzero(kind == 2)
        self._leader = _leaders(self._raster, self._outputs, window)
        self._pos, self._cell = layout(kind, src, dst, w, seed=int(seed))
        keep = np.argsort(-np.abs(w), kind="stable")[:int(max_edges)]
        keep.sort()
        self._edges = (src[keep], dst[keep], w[keep])
        self._n_edges = int(w.size)
        self.title = str(title)
        #: the winner the engine's evaluation decides (:meth:`from_episode`; else None)
        self.decided: Optional[str] = None
        self._raster.flags.writeable = False
        if self._values is not None:
            self._values.flags.writeable = False

    @property
    def raster(self) -> np.ndarray:
        """The (T, num_neurons) bool raster shown (read-only)."""
        return self._raster

    @property
    def values(self) -> Optional[np.ndarray]:
        """The (T, num_neurons) float32 values after each step (read-only), or None."""
        return self._values

    @property
    def neuron_ids(self) -> list:
        """The neuron ids, in the raster's column order (the network's ``neuron_ids``)."""
        return list(self._ids)

    @property
    def num_steps(self) -> int:
        """Steps in the run (T)."""
        return int(self._raster.shape[0])

    @property
    def window(self) -> tuple[int, int]:
        """The decision window ``[start, stop)`` in steps."""
        return self._window

    @property
    def positions(self) -> np.ndarray:
        """(num_neurons, 2) layout positions in [0, 1]² (x right, y down)."""
        return self._pos.copy()

    def firing(self, step: int) -> list:
        """The ids of the neurons firing at ``step``, in neuron order (what the page's
        ``data-firing`` holds there)."""
        if not 0 <= step < self.num_steps:
            raise IndexError(f"step must be in [0, {self.num_steps}), got {step}")
        return [self._ids[i] for i in np.flatnonzero(self._raster[step])]

    def leader(self, step: int) -> str:
        """The leading output at ``step`` ('' for none; the page's ``data-winner``)."""
        k = int(self._leader[step])
        return self._ids[self._outputs[k]] if k >= 0 else ""

    # ---------------------------------------------------------------- the page
    def _payload(self) -> str:
        """The recording as base64 of zlib: a JSON header, then the packed raster, the
        value/threshold ratios in RATIO_LEVELS levels (4 bits each) and, for small runs,
        the exact values. zlib's fastest level: a busy run's raster is close to random
        bits, which no level shrinks much."""
        T, n = self._raster.shape
        thr = self._thr.astype(np.float64)
        if self._values is not None:
            v = self._values.astype(np.float64)
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(thr > 0, v / np.where(thr > 0, thr, 1.0), (v > 0) * 1.0)
            q = np.minimum(np.floor(np.clip(ratio, 0.0, 1.0) * RATIO_LEVELS),
                           RATIO_LEVELS - 1).astype(np.uint8)
            if n % 2:
                q = np.concatenate([q, np.zeros((T, 1), np.uint8)], axis=1)
            q = q[:, 0::2] | (q[:, 1::2] << 4)       # neuron 2k in the low nibble
            exact = self._values.size <= EXACT_VALUES_LIMIT
        else:
            q, exact = np.zeros(0, np.uint8), False
        src, dst, w = self._edges
        header = {
            "version": 1, "n": n, "steps": T, "title": self.title,
            "ids": self._ids, "kind": self._kind.tolist(),
            "threshold": _short_floats(self._thr), "leak": _short_floats(self._leak),
            "resting": _short_floats(self._rest),
            "cell": self._cell, "x": np.round(self._pos[:, 0], 5).tolist(), "y": np.round(self._pos[:, 1], 5).tolist(),
            "src": src.tolist(), "dst": dst.tolist(), "w": _short_floats(w),
            "edges_total": self._n_edges,
            "outputs": self._outputs.tolist(), "window": list(self._window),
            "leader": self._leader.tolist(),
            "has_values": self._values is not None, "exact": bool(exact),
            "levels": RATIO_LEVELS,
        }
        head = json.dumps(header, separators=(",", ":")).encode("utf-8")
        parts = [struct.pack("<I", len(head)), head,
                 np.packbits(self._raster, axis=1, bitorder="little").tobytes(), q.tobytes()]
        if exact:
            parts.append(self._values.astype("<f4").tobytes())
        return base64.b64encode(zlib.compress(b"".join(parts), 1)).decode("ascii")

    def to_html(self) -> str:
        """The whole player as one self-contained HTML page (str)."""
        title = html.escape(self.title or "network run")
        js = _asset("view.js").replace("</script", "<\\/script")
        return (
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width\"><title>glia · {title}</title>"
            f"<style>{_asset('view.css')}</style></head><body>\n"
            f"{_asset('view.html')}\n"
            f"<script type=\"application/octet-stream\" id=\"glia-data\">{self._payload()}</script>\n"
            f"<script type=\"module\">\n{js}</script>\n</body></html>\n")

    def save_html(self, path) -> Path:
        """Writes the page to ``path`` (atomically: a temporary file renamed over it) and
        returns the path. The page works offline, in any current browser."""
        path = Path(os.fspath(path))
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(self.to_html(), encoding="utf-8")
        os.replace(tmp, path)
        return path

    def _repr_html_(self) -> str:
        """The player in an iframe whose ``srcdoc`` is the page: its script and styles
        are kept apart from the notebook's, and it runs the same in JupyterLab,
        Notebook 7 and VS Code."""
        return (f"<iframe srcdoc=\"{html.escape(self.to_html(), quote=True)}\" "
                f"style=\"width:100%;height:{FRAME_HEIGHT}px;border:0\" "
                f"sandbox=\"allow-scripts\" title=\"glia network view\"></iframe>")

    def __repr__(self) -> str:
        T, n = self._raster.shape
        return (f"NetworkView({n} neurons, {T} steps, {int(self._raster.sum())} spikes"
                + (f", {self.title!r}" if self.title else "") + ")")


class LiveView:
    """A training / evolution callback that keeps a :class:`NetworkView` up to date.

    Made by :meth:`NetworkView.live`. ``live(epoch, accuracy, margin)`` (``on_epoch``)
    re-runs its network; ``live(generation, best_genome, best_metrics)``
    (``on_generation``) runs the best genome. It works only once shown in a notebook or
    given a ``path``; otherwise a call returns at once. ``updates`` counts the redraws.

    Example::

        live = glia.viz.NetworkView.live(net, X_val[0], every=5)
        live                                   # shown in the notebook: updated in place
        trainer.train(train, epochs=50, on_epoch=live)
    """

    def __init__(self, net, inputs, *, every: int = 1, path=None, **view_kwargs):
        if isinstance(every, bool) or not isinstance(every, (int, np.integer)) or every < 1:
            raise ValueError(f"every must be an int >= 1, got {every!r}")
        _network_structure(net)
        X = np.asarray(inputs)
        if X.ndim != 2 or X.shape[1] != net.num_sensory or X.shape[0] == 0 \
                or X.dtype.kind not in "biuf":
            raise ValueError(f"inputs must be a real (T, {net.num_sensory}) array with T >= 1, "
                             f"got shape {X.shape} and dtype {X.dtype}")
        self.net = net
        self.inputs = np.array(X, np.float32, copy=True)
        self.every = int(every)
        self.path = None if path is None else Path(os.fspath(path))
        self._kwargs = view_kwargs
        self._handle = None
        self.view: Optional[NetworkView] = None
        self.updates = 0

    def _build(self, net, caption: str) -> NetworkView:
        kw = dict(self._kwargs)
        base = kw.pop("title", "")
        title = f"{base} · {caption}" if base and caption else (base or caption)
        self.view = NetworkView(net, self.inputs, title=title, **kw)
        self.updates += 1
        return self.view

    def __call__(self, index: int, *rest: Any) -> None:
        if self._handle is None and self.path is None:
            return
        if (int(index) + 1) % self.every:
            return
        if rest and hasattr(rest[0], "neuron_ids"):       # on_generation(gen, genome, metrics)
            net, m = rest[0], (rest[1] if len(rest) > 1 else None)
            caption = f"generation {index}"
            if m is not None and hasattr(m, "fitness"):
                caption += f": fitness {m.fitness:.4g}, accuracy {m.accuracy:.3f}"
        else:                                              # on_epoch(epoch, accuracy, margin)
            net = self.net
            caption = f"epoch {index}"
            if len(rest) >= 2:
                caption += f": accuracy {float(rest[0]):.3f}, margin {float(rest[1]):.3f}"
        view = self._build(net, caption)
        if self.path is not None:
            view.save_html(self.path)
        if self._handle is not None:
            self._handle.update(view)

    def _ipython_display_(self) -> None:
        from IPython.display import display
        view = self.view if self.view is not None else self._build(self.net, "before training")
        self._handle = display(view, display_id=True)

    def __repr__(self) -> str:
        return (f"LiveView(every={self.every}, updates={self.updates}, "
                f"shown={self._handle is not None})")

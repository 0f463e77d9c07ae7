"""Where a generation's individuals are trained and scored: in this process (one GIL-free
call over all of them) or one task each on an executor.

The data (:class:`_Data`) reach the workers once, through the executor's own means:

- a Dask ``distributed.Client``: ``Client.scatter(data, broadcast=True)`` once per run;
  every task names the scattered data;
- a process pool made by :meth:`Evolution.process_pool`: its ``initializer`` installs the
  data in each worker process as it starts; tasks carry the genome, its seed and the
  run's small settings only;
- any other ``concurrent.futures`` executor: the data go with each task (a thread pool
  shares them, nothing is copied; a process pool made elsewhere unpickles them per task).

Tasks are combined in individual order whatever their completion order, so the result is
the same as in process, bit for bit.
"""
from __future__ import annotations

import concurrent.futures as cf
import logging

import numpy as np

from glia._core import Network
from glia.evolution._scoring import _Data, _Settings

log = logging.getLogger("glia")

# ---------------------------------------------------------------- worker side
_installed = None   # (token, _Data) in a worker of a pool made by Evolution.process_pool


def _install(token: str, data: _Data) -> None:
    """The initializer of a pool made by Evolution.process_pool: keeps the data for the
    tasks this worker process runs."""
    global _installed
    _installed = (token, data)


def _score_one(data: _Data, settings: _Settings, genome: Network, seed: int):
    """One individual on a worker: trained in place (it arrived as a copy) and scored, on
    one thread."""
    r = data.score([genome], [seed], settings, 1)
    return genome, float(r["accuracy"][0]), float(r["margin"][0]), int(r["edges"][0])


def _score_installed(token: str, settings: _Settings, genome: Network, seed: int):
    """One individual scored on the data this worker's initializer installed."""
    if _installed is None or _installed[0] != token:
        raise RuntimeError("this worker process holds no data of this Evolution: pass the "
                           "executor made by that Evolution's process_pool()")
    return _score_one(_installed[1], settings, genome, seed)


# ---------------------------------------------------------------- driver side
class _DataPool(cf.ProcessPoolExecutor):
    """A ProcessPoolExecutor whose workers hold one Evolution's data (its initializer)."""

    def __init__(self, token: str, data: _Data, max_workers=None, mp_context=None, **kwargs):
        for k in ("initializer", "initargs"):
            if k in kwargs:
                raise TypeError(f"process_pool() sets {k} itself (it installs the data)")
        super().__init__(max_workers, mp_context, initializer=_install,
                         initargs=(token, data), **kwargs)
        self.glia_token = token


def _is_dask_client(executor) -> bool:
    return (type(executor).__module__.split(".")[0] == "distributed"
            and hasattr(executor, "scatter") and hasattr(executor, "submit"))


class _LocalScorer:
    """Every individual of a generation in one GIL-free call on ``n_threads`` threads."""

    def __init__(self, data: _Data, settings: _Settings, n_threads: int):
        self.data = data
        self.settings = settings
        self.n_threads = n_threads

    def score(self, genomes, seeds):
        work = [g.copy() for g in genomes]
        r = self.data.score(work, seeds, self.settings, self.n_threads)
        return work, r["accuracy"], r["margin"], r["edges"]

    def close(self):
        pass


class _ExecutorScorer:
    """One task per individual on a concurrent.futures Executor or a Dask Client."""

    def __init__(self, data: _Data, settings: _Settings, executor, token: str):
        if not hasattr(executor, "submit"):
            raise TypeError("executor must be a concurrent.futures.Executor or a "
                            f"dask.distributed.Client, got {type(executor).__name__}")
        self.executor = executor
        self.settings = settings
        self.pending = []
        self.scattered = None
        if _is_dask_client(executor):
            self.scattered = executor.scatter(data, broadcast=True, hash=False)
            self.fn, self.args = _score_one, (self.scattered, settings)
        elif isinstance(executor, _DataPool) and executor.glia_token == token:
            self.fn, self.args = _score_installed, (token, settings)
        else:
            if isinstance(executor, cf.ProcessPoolExecutor):
                log.info("the evolution's data go with every task to this process pool; "
                         "Evolution.process_pool() makes one that receives them once per worker")
            self.fn, self.args = _score_one, (data, settings)

    def _submit(self, genome, seed):
        if self.scattered is not None:
            return self.executor.submit(self.fn, *self.args, genome, seed, pure=False)
        return self.executor.submit(self.fn, *self.args, genome, seed)

    def score(self, genomes, seeds):
        # copies: a thread-based executor would otherwise train the genomes themselves
        self.pending = []
        try:
            # a pool that has already seen its worker die refuses the submit itself
            for g, s in zip(genomes, seeds):
                self.pending.append(self._submit(g.copy(), s))
            out = [f.result() for f in self.pending]   # in individual order
        except cf.BrokenExecutor as e:
            # a concurrent.futures pool cannot replace a dead worker: it is broken for good
            # (a Dask cluster reschedules the tasks of a dead worker and never gets here)
            raise type(e)(
                f"a worker process of the executor died (or could not start) while scoring "
                f"this generation's individuals: {e} The executor cannot be used again: "
                f"make a new executor and run again (the run is deterministic, so it gives "
                f"the same result; Evolution.result holds the generations completed).") from e
        self.pending = []
        work = [r[0] for r in out]
        acc = np.array([r[1] for r in out], dtype=np.float64)
        margin = np.array([r[2] for r in out], dtype=np.float64)
        edges = np.array([r[3] for r in out], dtype=np.int64)
        return work, acc, margin, edges

    def close(self):
        for f in self.pending:   # after an error or Ctrl-C: drop what has not run
            try:
                f.cancel()
            except Exception:
                pass
        self.pending = []
        if self.scattered is not None:
            try:
                self.executor.cancel([self.scattered])
            except Exception:
                pass
            self.scattered = None

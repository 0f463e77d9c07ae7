"""A worker dies, the evolution goes on (Dask) or stops with a clear error (a process pool).

A real Dask scheduler and two workers run as separate processes on loopback (the ``dask
scheduler`` / ``dask worker`` commands); one worker is SIGKILLed while it is scoring an
individual, the scheduler hands its tasks to the other, and the result is bit-identical to
the in-process run. A ``concurrent.futures.ProcessPoolExecutor`` cannot replace a dead
worker (the pool is broken for good), so Evolution.run raises BrokenProcessPool saying so;
a new executor then gives the in-process result again (a plain pool, which gets the data with
every task, and one from Evolution.process_pool, whose workers got them at start)."""
import concurrent.futures as cf
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import glia
from conftest import assert_same_evolution, evolution_run

import distributed


@pytest.fixture(scope="module")
def setup():
    return evolution_run(population=8, generations=4, elite=2, parents_pool=3,
                         train_epochs=3, sigma_w=0.5, sigma_thr=0.5, seed=5)


def _env():
    root = str(Path(glia.__file__).resolve().parent.parent)
    return {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", ""),
            "OMP_NUM_THREADS": "1"}


@pytest.fixture
def dask_cluster(tmp_path):
    """``dask scheduler`` and two ``dask worker`` processes (no nanny: a killed worker stays
    dead) on 127.0.0.1; yields (client, {worker address: Popen})."""
    sched_file = tmp_path / "scheduler.json"
    dask = [sys.executable, "-m", "dask"]
    procs = []
    log = open(tmp_path / "cluster.log", "w")
    try:
        procs.append(subprocess.Popen(
            dask + ["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                    "--scheduler-file", str(sched_file)],
            env=_env(), stdout=log, stderr=subprocess.STDOUT))
        deadline = time.monotonic() + 60
        while not sched_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert sched_file.exists(), (tmp_path / "cluster.log").read_text()
        for _ in range(2):
            procs.append(subprocess.Popen(
                dask + ["worker", "--scheduler-file", str(sched_file), "--host", "127.0.0.1",
                        "--nthreads", "1", "--no-nanny", "--no-dashboard", "--death-timeout", "60"],
                env=_env(), stdout=log, stderr=subprocess.STDOUT))
        client = distributed.Client(scheduler_file=str(sched_file), timeout=60)
        client.wait_for_workers(2, timeout=90)
        pids = client.run(os.getpid)
        by_pid = {p.pid: p for p in procs[1:]}
        workers = {addr: by_pid[pid] for addr, pid in pids.items()}
        yield client, workers
        client.close()
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
            p.wait(timeout=30)
        log.close()


@pytest.mark.timeout(240)
def test_dask_worker_sigkilled_mid_run_gives_the_in_process_result(setup, dask_cluster):
    evo, local = setup
    client, workers = dask_cluster
    victim_addr, victim = sorted(workers.items())[0]
    killed = threading.Event()

    def kill_when_busy():
        # SIGKILL the victim while it is scoring an individual of generation 1
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if client.processing().get(victim_addr):
                victim.send_signal(signal.SIGKILL)
                killed.set()
                return
            time.sleep(0.005)

    def on_generation(gen, genome, metrics):
        if gen == 0:
            threading.Thread(target=kill_when_busy, daemon=True).start()

    remote = evo.run(verbose=False, executor=client, on_generation=on_generation)
    assert killed.is_set(), "the worker was never seen busy"
    assert victim.wait(timeout=30) == -signal.SIGKILL
    assert list(client.scheduler_info()["workers"]) != [] and victim_addr not in client.scheduler_info()["workers"]
    assert_same_evolution(local, remote)


@pytest.mark.timeout(240)
@pytest.mark.parametrize("pool", ["ProcessPoolExecutor", "Evolution.process_pool"])
def test_process_pool_worker_killed_raises_a_clear_error(setup, pool):
    evo, local = setup
    ctx = multiprocessing.get_context("spawn")
    make = cf.ProcessPoolExecutor if pool == "ProcessPoolExecutor" else evo.process_pool
    with make(2, mp_context=ctx) as ex:
        def on_generation(gen, genome, metrics):
            if gen == 0:
                pid = next(iter(ex._processes))
                os.kill(pid, signal.SIGKILL)

        with pytest.raises(cf.process.BrokenProcessPool, match="worker process .* died") as info:
            evo.run(verbose=False, executor=ex, on_generation=on_generation)
        assert "new executor" in str(info.value)
    assert evo.result.generations >= 1              # the generations completed are kept
    with make(2, mp_context=ctx) as ex:
        assert_same_evolution(local, evo.run(verbose=False, executor=ex))

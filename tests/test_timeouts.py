"""The suite cannot hang silently: every test runs under a timeout that fails it with the
stack of every thread, and a hang no signal reaches ends the run with a C-level dump."""
import os
import subprocess
import sys
from pathlib import Path

import glia

ROOT = Path(__file__).resolve().parent.parent

HANGS = '''
import signal, threading, time
import glia

def beside():
    time.sleep(60)

def test_glia_call_hangs():
    threading.Thread(target=beside, name="helper-beside", daemon=True).start()
    glia.Network.from_string("NEWNET S=4 H=200 O=2\\nSEED 1\\n").step(10**12)

def test_no_signal_reaches():
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGALRM])
    time.sleep(60)
'''


def run_pytest(tmp_path, *args):
    (tmp_path / "test_hangs.py").write_text(HANGS)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c",
         str(ROOT / "pyproject.toml"), "--rootdir", str(tmp_path), *args],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(Path(glia.__file__).resolve().parent.parent)})


def test_project_config_sets_the_timeouts(pytestconfig):
    assert pytestconfig.pluginmanager.hasplugin("timeout")
    timeout = float(pytestconfig.getini("timeout"))
    assert 0 < timeout <= 600
    assert pytestconfig.getini("timeout_method") == "signal"
    assert float(pytestconfig.getini("faulthandler_timeout")) > timeout
    assert pytestconfig.getini("faulthandler_exit_on_timeout") is True


def test_a_hung_glia_call_fails_with_every_threads_stack(tmp_path):
    r = run_pytest(tmp_path, "-o", "timeout=2", str(tmp_path / "test_hangs.py") + "::test_glia_call_hangs")
    out = r.stdout + r.stderr
    assert r.returncode == 1, out
    assert "Timeout" in out and "1 failed" in out, out
    # the stacks of both threads: the test's (in glia's step) and the one beside it
    assert "test_glia_call_hangs" in out and "helper-beside" in out and "beside" in out, out


def test_a_hang_no_signal_reaches_ends_the_run_with_a_dump(tmp_path):
    r = run_pytest(tmp_path, "-o", "timeout=1", "-o", "faulthandler_timeout=3",
                   str(tmp_path / "test_hangs.py") + "::test_no_signal_reaches")
    out = r.stdout + r.stderr
    assert r.returncode != 0, out
    assert "Timeout (0:00:03)!" in out and "test_no_signal_reaches" in out, out

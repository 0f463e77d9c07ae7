"""glia.show_config / build_info, and ``import glia`` leaving the environment alone."""
import io
import os
import subprocess
import sys

import glia

PROBE = ("import os; before = dict(os.environ); import glia, glia.viz, glia.datasets; "
         "print(os.environ.get('OMP_WAIT_POLICY', '-'), os.environ.get('GOMP_SPINCOUNT', '-'), "
         "dict(os.environ) == before)")


def _probe(**env):
    base = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    base.update(env)
    out = subprocess.run([sys.executable, "-c", PROBE], env=base, capture_output=True, text=True,
                         check=True)
    return out.stdout.split()


def test_import_changes_nothing_in_the_environment():
    assert _probe() == ["-", "-", "True"]
    assert _probe(OMP_WAIT_POLICY="ACTIVE") == ["ACTIVE", "-", "True"]
    assert _probe(GOMP_SPINCOUNT="0") == ["-", "0", "True"]


def test_build_info_and_show_config():
    info = glia.build_info()
    for key in ("glia", "compiler", "openmp", "num_threads", "threads"):
        assert key in info
    assert info["glia"] == glia.__version__
    assert info["num_threads"] >= 1
    buf = io.StringIO()
    glia.show_config(file=buf)
    text = buf.getvalue()
    assert "glia" in text and glia.__version__ in text
    assert ("yes (version" in text) == bool(info["openmp"])
    assert "waits" in text and "then sleep" in text

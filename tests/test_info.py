"""glia.show_config / build_info and the OpenMP wait defaults set by ``import glia``."""
import io
import os
import subprocess
import sys

import glia

PROBE = ("import os, glia; "
         "print(os.environ.get('OMP_WAIT_POLICY', '-'), os.environ.get('GOMP_SPINCOUNT', '-'))")


def _probe(**env):
    base = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    base.update(env)
    out = subprocess.run([sys.executable, "-c", PROBE], env=base, capture_output=True, text=True,
                         check=True)
    return out.stdout.split()


def test_import_sets_a_short_spin_then_sleep_unless_the_user_chose():
    assert _probe() == ["PASSIVE", "10000"]
    assert _probe(OMP_WAIT_POLICY="ACTIVE") == ["ACTIVE", "-"]
    assert _probe(GOMP_SPINCOUNT="0") == ["-", "0"]


def test_build_info_and_show_config():
    info = glia.build_info()
    for key in ("glia", "compiler", "openmp", "num_threads", "omp_wait_policy", "gomp_spincount"):
        assert key in info
    assert info["glia"] == glia.__version__
    assert info["num_threads"] >= 1
    buf = io.StringIO()
    glia.show_config(file=buf)
    text = buf.getvalue()
    assert "glia" in text and glia.__version__ in text
    assert "OMP_WAIT_POLICY" in text and "GOMP_SPINCOUNT" in text
    assert ("yes (version" in text) == bool(info["openmp"])

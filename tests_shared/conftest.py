"""Cross-checks against the workloads and reference model of the shared folder beside the
repository ($GLIA_SHARED, else ../shared): a separate stage of .ci/run, never part of the
README's test command (``python -m pytest tests`` does not collect this folder). The suite
in tests/ carries its own workloads and reference model and needs nothing outside the
repository."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("GLIA_SHARED", ROOT.parent / "shared"))
sys.path.insert(0, str(ROOT / "tests"))    # the suite's reference model and cls3 loader


def _shared_file(name):
    path = SHARED / "bench" / name
    if not path.is_file():
        pytest.fail(f"{path} not found: these cross-checks need the shared folder; set "
                    f"GLIA_SHARED to it (tests/ itself needs nothing outside the repository)")
    return path


@pytest.fixture(scope="session")
def shared_workloads(tmp_path_factory):
    """The shared workloads (net_small/medium, drives, cls3), generated once by the shared
    generator."""
    out = tmp_path_factory.mktemp("shared_workloads")
    subprocess.run([sys.executable, str(_shared_file("gen_workloads.py")), str(out),
                    "--only", "small,medium,cls3,drive"], check=True, stdout=subprocess.DEVNULL)
    return out


@pytest.fixture(scope="session")
def golden():
    """The shared NumPy model of the neuron model (shared/bench/golden.py)."""
    sys.path.insert(0, str(_shared_file("golden.py").parent))
    try:
        import golden as g
    finally:
        sys.path.pop(0)
    return g

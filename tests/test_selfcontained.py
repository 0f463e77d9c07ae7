"""The suite needs nothing outside the repository: its workload tests pass from a copy of
tests/ with no shared folder beside it (a fresh clone's situation)."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import glia

ROOT = Path(__file__).resolve().parent.parent
# the test files whose tests use the suite's workloads or reference model
WORKLOAD_TEST_FILES = ("test_network.py", "test_threads.py", "test_learning.py", "test_surrogate.py")


def test_workload_tests_pass_from_a_copy_with_nothing_beside_it(tmp_path):
    clone = tmp_path / "glia"
    shutil.copytree(ROOT / "tests", clone / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", clone)                     # pytest's settings
    assert sorted(p.name for p in tmp_path.iterdir()) == ["glia"]   # no ../shared
    env = {k: v for k, v in os.environ.items() if k != "GLIA_SHARED"}
    # glia itself, imported from where this suite imports it (the copy has only tests/)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(Path(glia.__file__).resolve().parent.parent), *filter(None, [env.get("PYTHONPATH")])])
    run = subprocess.run(
        [sys.executable, "-m", "pytest", *WORKLOAD_TEST_FILES, "-m", "workloads", "-q", "-rA",
         "-p", "no:cacheprovider"],
        cwd=clone / "tests", env=env, capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    # every test ran and passed (14 today: 4 + 7 + 2 + 1), some from every file
    passed = re.findall(r"^PASSED (test_\w+\.py)::", run.stdout, re.M)
    assert len(passed) >= 14 and set(passed) == set(WORKLOAD_TEST_FILES), run.stdout[-2000:]
    assert not re.search(r"^(FAILED|ERROR|SKIPPED|XFAIL|XPASS)", run.stdout, re.M), run.stdout[-2000:]

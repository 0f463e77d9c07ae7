#!/usr/bin/env bash
# CI's free-threaded stage: builds CPython 3.13 with --disable-gil from Debian's source package
# (tools/build_freethreaded_python.sh) into a temporary directory, installs glia and its test
# dependencies into a venv of it, and runs the pytest suite with the GIL off (PYTHON_GIL=0) and
# the stress test at full size (GLIA_STRESS_CALLS=10000). Nothing is kept after the run.
#
# GLIA_FT_PREFIX=DIR (local iteration; CI leaves it unset and builds from nothing): the
# interpreter in DIR is reused if it is there, else built into DIR once and kept.
#
# The notebooks stay on the normal build: the Jupyter stack (the "notebooks" extra) is not
# installed here, so tests/test_notebooks.py (which imports nbformat) is left out; so is
# tests/test_nir.py with the "nir" extra (nir needs h5py, which has no free-threaded 3.13 wheel).
#
#   bash tools/ci_freethreaded.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
ft=$(mktemp -d)
trap 'rm -rf "$ft"' EXIT
prefix=${GLIA_FT_PREFIX:-$ft/python}
bash tools/build_freethreaded_python.sh "$prefix"
py="$ft/venv/bin/python"
"$prefix/bin/python3.13t" -m venv "$ft/venv"
"$py" -m pip install -q --upgrade pip
# prefer wheels (the newest release that has a free-threaded one): newer NumPy releases have
# no cp313t wheel and would be compiled from source (many minutes), and a source build of
# matplotlib downloads FreeType, which fails offline
"$py" -m pip install -q --prefer-binary "Cython>=3.1" "numpy>=2.0" setuptools wheel
mapfile -t requirements < <("$py" tools/test_requirements.py --without notebooks nir)
"$py" -m pip install -q --prefer-binary "${requirements[@]}"
rm -f glia/_core.cpp          # regenerated with the default directives (not a debug build's)
"$py" -m pip install -q --no-build-isolation -e .
"$py" -c 'import sys, glia; assert glia.build_info()["free_threaded_build"]; print("glia on", sys.version)'
PYTHON_GIL=0 GLIA_STRESS_CALLS=10000 "$py" -m pytest tests -q -p no:cacheprovider \
  --ignore=tests/test_notebooks.py --ignore=tests/test_nir.py "$@"

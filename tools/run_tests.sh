#!/usr/bin/env bash
# Runs the whole test suite: the engine's Catch2 tests (ctest), then pytest (notebooks included).
# Usage: bash tools/run_tests.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S cpp -B build/cpp -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build/cpp -j "$jobs"
(cd build/cpp && ctest --output-on-failure)
python -m pytest tests "$@"

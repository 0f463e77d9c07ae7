#!/usr/bin/env bash
# Builds the engine's Catch2 suite under sanitizers and runs it.
#
#   bash tools/sanitize.sh [asan|tsan|all]     (default: all)
#
# asan: AddressSanitizer + UndefinedBehaviorSanitizer (default compiler, RelWithDebInfo),
#       the whole suite, leaks checked, any report fatal.
# tsan: ThreadSanitizer with clang + LLVM's libomp, which carries TSan annotations (GCC's
#       libgomp is not instrumented and makes every OpenMP barrier look like a race); runs
#       the parallel tests: evaluation, training and evolution on 2 threads ([trainer],
#       [evolution]). No suppressions are used; any report is fatal.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
mode=${1:-all}

run_asan() {
  echo "== Catch2 under AddressSanitizer + UndefinedBehaviorSanitizer"
  cmake -S cpp -B build/asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGLIA_SANITIZE=address,undefined > /dev/null
  cmake --build build/asan -j "$jobs" > /dev/null
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    build/asan/glia_tests
  echo "== fuzz corpus and regressions under AddressSanitizer + UndefinedBehaviorSanitizer"
  bash tools/fuzz.sh --replay
}

run_tsan() {
  echo "== parallel Catch2 tests under ThreadSanitizer (clang + libomp)"
  local cxx=${TSAN_CXX:-}
  if [[ -z "$cxx" ]]; then
    if command -v clang++-14 > /dev/null; then cxx=clang++-14
    elif command -v clang++ > /dev/null; then cxx=clang++
    else echo "tools/sanitize.sh: tsan needs clang and libomp (apt-get install clang-14 libomp-14-dev)" >&2; return 2
    fi
  fi
  cmake -S cpp -B build/tsan -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DGLIA_SANITIZE=thread > /dev/null
  cmake --build build/tsan -j "$jobs" > /dev/null
  # the binary must use libomp (annotated), never libgomp
  if ldd build/tsan/glia_tests | grep -q libgomp; then
    echo "tools/sanitize.sh: the TSan build links libgomp; it must use LLVM's libomp" >&2
    return 1
  fi
  # ignore_noninstrumented_modules=1: Debian's libomp is not built with TSan support, so
  # its own bookkeeping (team allocation, barriers) would show as races inside libomp.so;
  # the option only ignores accesses made by uninstrumented libraries. It is not a
  # suppression of glia's code: the self-check below proves a real race is still caught.
  local opts="halt_on_error=1 second_deadlock_stack=1 ignore_noninstrumented_modules=1"
  printf '#include <cstdio>\nint main() { int x = 0;\n#pragma omp parallel num_threads(2)\n  { x++; }\n  std::printf("%%d\\n", x); }\n' \
    > build/tsan/race_check.cpp
  "$cxx" -fopenmp -fsanitize=thread -g -O1 build/tsan/race_check.cpp -o build/tsan/race_check
  if TSAN_OPTIONS="$opts" build/tsan/race_check > /dev/null 2>&1; then
    echo "tools/sanitize.sh: TSan missed a planted race; the tsan run would prove nothing" >&2
    return 1
  fi
  TSAN_OPTIONS="$opts" OMP_NUM_THREADS=2 build/tsan/glia_tests "[trainer],[evolution],[threads]"
}

case "$mode" in
  asan) run_asan ;;
  tsan) run_tsan ;;
  all) run_asan; run_tsan ;;
  *) echo "usage: tools/sanitize.sh [asan|tsan|all]" >&2; exit 2 ;;
esac

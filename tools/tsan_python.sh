#!/usr/bin/env bash
# The Python thread-safety tests (tests/test_stress.py, tests/test_free_threading.py: eight
# threads x GLIA_STRESS_CALLS mixed calls on shared and separate objects) under ThreadSanitizer,
# on free-threaded CPython with the GIL off, so that every race in glia's Cython layer or engine
# that those threads can reach is reported, and any report fails the run.
#
#   bash tools/tsan_python.sh [pytest args...]
#
# - CPython 3.13 built with clang, --disable-gil --with-thread-sanitizer, from Debian's source
#   package (tools/build_freethreaded_python.sh) into a temporary directory; GLIA_TSAN_PREFIX=DIR
#   reuses (or builds once into) DIR instead.
# - glia built with the same clang, -fsanitize=thread, OpenMP from LLVM's libomp (GCC's libgomp
#   is not instrumented), in a clean copy of the tree (the worktree's own builds are untouched).
#   NumPy, pytest and the build tools are PyPI's free-threaded wheels (not instrumented).
# - TSAN_OPTIONS: halt_on_error=1 (the first report ends the run, exit code 66);
#   ignore_noninstrumented_modules=1 (NumPy's and libomp's own bookkeeping is not
#   instrumented, see tools/sanitize.sh); suppressions: CPython's own list for its free-threaded
#   build (Tools/tsan/suppressions_free_threading.txt of the same source, with its comments)
#   plus tools/tsan_python.supp. While CPython and the packages are built and installed, TSan
#   reports nothing (report_bugs=0): that is CPython's and pip's code, not under test here.
# - A planted race in a small instrumented extension must be caught first, or the run would
#   prove nothing.
#
# Needs clang-14, libclang-rt-14-dev and libomp-14-dev (TSAN_CC/TSAN_CXX: other compilers).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
cc=${TSAN_CC:-clang-14}
cxx=${TSAN_CXX:-clang++-14}
command -v "$cc" > /dev/null && command -v "$cxx" > /dev/null || {
  echo "tools/tsan_python.sh: needs $cc and $cxx (apt-get install clang-14 libclang-rt-14-dev libomp-14-dev)" >&2
  exit 2
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=${GLIA_TSAN_PREFIX:-$work/python}
quiet="report_bugs=0"

echo "== free-threaded CPython with ThreadSanitizer in $prefix"
TSAN_OPTIONS=$quiet CC=$cc CXX=$cxx GLIA_FT_CONFIGURE="--with-thread-sanitizer" \
  bash tools/build_freethreaded_python.sh "$prefix"
py="$work/venv/bin/python"
TSAN_OPTIONS=$quiet "$prefix/bin/python3.13t" -m venv "$work/venv"
TSAN_OPTIONS=$quiet "$py" -m pip install -q --only-binary=:all: "Cython>=3.1" "numpy>=2.0" \
  setuptools wheel "pytest>=9" "pytest-timeout>=2.1"

echo "== glia built with $cxx -fsanitize=thread and libomp"
mkdir "$work/src"
git ls-files -co --exclude-standard -z | tar --null -T - -cf - | tar -xf - -C "$work/src"
rm -f "$work"/src/glia/_core.*.so "$work/src/glia/_core.cpp"     # nothing from another build
flags="-fsanitize=thread -g -fno-omit-frame-pointer"
(cd "$work/src" && TSAN_OPTIONS=$quiet CC=$cc CXX=$cxx LDSHARED="$cxx -shared" CFLAGS="$flags" \
   LDFLAGS="-fsanitize=thread" "$py" setup.py -q build_ext --inplace --parallel 2 > "$work/build.log" 2>&1) \
  || { tail -n 40 "$work/build.log" >&2; exit 1; }
so=$(ls "$work"/src/glia/_core.*.so)
ldd "$so" > "$work/ldd.txt"
nm -D --undefined-only "$so" > "$work/nm.txt"      # files, not pipes: grep -q would cut nm off
if grep -q libgomp "$work/ldd.txt" || ! grep -q libomp "$work/ldd.txt"; then
  echo "tools/tsan_python.sh: the extension must link LLVM's libomp, never libgomp" >&2
  cat "$work/ldd.txt" >&2
  exit 1
fi
grep -q __tsan_func_entry "$work/nm.txt" || {
  echo "tools/tsan_python.sh: the extension is not instrumented" >&2; exit 1; }

cat "$prefix/share/cpython-tsan/suppressions_free_threading.txt" tools/tsan_python.supp > "$work/supp.txt"

# Archer (LLVM's OMPT tool, shipped with libomp) tells TSan what OpenMP's barriers and task
# waits order: without it, a worker's read of the caller's stack inside a region and the
# caller's next write to the same stack slot after the region look like a race, because
# libomp's barrier is not instrumented
archer=${TSAN_ARCHER:-$(dirname "$(grep -o '/[^ ]*libomp[^ ]*\.so[^ ]*' "$work/ldd.txt" | head -n 1)")/libarcher.so}
[[ -f "$archer" ]] || { echo "tools/tsan_python.sh: no $archer beside the extension's libomp (libomp-14-dev; TSAN_ARCHER=PATH)" >&2; exit 2; }
opts="halt_on_error=1 second_deadlock_stack=1 ignore_noninstrumented_modules=1 suppressions=$work/supp.txt"

echo "== a planted race must be reported"
# volatile: a real loop, long enough that the two threads overlap (a loop folded into one add
# ends before the second thread starts, and CPython's own locks then order the two)
printf 'static volatile long counter;\nvoid bump(long n) { for (long i = 0; i < n; ++i) counter = counter + 1; }\n' \
  > "$work/race.c"
"$cc" -fsanitize=thread -g -O1 -shared -fPIC "$work/race.c" -o "$work/race.so"
planted='import ctypes, sys, threading
lib = ctypes.CDLL(sys.argv[1])
ts = [threading.Thread(target=lib.bump, args=(20000000,)) for _ in range(2)]
[t.start() for t in ts]
[t.join() for t in ts]'
if PYTHON_GIL=0 TSAN_OPTIONS="$opts" "$py" -c "$planted" "$work/race.so" > "$work/planted.log" 2>&1; then
  cat "$work/planted.log" >&2
  echo "tools/tsan_python.sh: TSan missed a planted race; the run would prove nothing" >&2
  exit 1
fi
grep -q "WARNING: ThreadSanitizer: data race" "$work/planted.log" || {
  cat "$work/planted.log" >&2; exit 1; }

echo "== tests/test_stress.py and tests/test_free_threading.py under ThreadSanitizer"
# -s: a report is written to the test process's stderr, which pytest would capture and lose
# when TSan ends the process
cd "$work/src"
PYTHON_GIL=0 TSAN_OPTIONS="$opts" GLIA_STRESS_CALLS=${GLIA_STRESS_CALLS:-10000} OMP_NUM_THREADS=2 \
  OMP_TOOL_LIBRARIES="$archer" ARCHER_OPTIONS=verbose=1 "$py" -m pytest tests/test_stress.py tests/test_free_threading.py -q -s -p no:cacheprovider "$@" \
  2>&1 | tee "$work/tests.log"
grep -q "Archer detected OpenMP application with TSan" "$work/tests.log" || {
  echo "tools/tsan_python.sh: Archer was not loaded; OpenMP's barriers were not seen by TSan" >&2; exit 1; }
echo "tools/tsan_python.sh: no ThreadSanitizer report (glia: $root)"

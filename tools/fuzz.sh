#!/usr/bin/env bash
# Fuzzes the .net and .seq parsers with libFuzzer + AddressSanitizer + UBSan (clang), or
# replays the committed corpus and past findings without libFuzzer (any compiler).
#
#   bash tools/fuzz.sh [SECONDS]    fuzz each target SECONDS (default 60) from the committed
#                                   seed corpus (cpp/fuzz/corpus/<target>), fixed -seed
#   bash tools/fuzz.sh --replay     replay cpp/fuzz/corpus and cpp/fuzz/regressions under
#                                   ASan+UBSan with the default compiler (no clang needed)
#
# A finding is written to build/fuzz/artifacts/<target>/; add the input to
# cpp/fuzz/regressions/<target>/ with the fix so that --replay keeps checking it.
# Env: CXX (default clang++-14 or clang++), FUZZ_SEED (default 1), FUZZ_JOBS (unused: 1).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out=build/fuzz
mkdir -p "$out"
srcs=(cpp/src/files.cpp cpp/src/net_format.cpp cpp/src/net_generator.cpp cpp/src/seq_format.cpp cpp/src/network.cpp cpp/src/network_run.cpp cpp/src/worker_pool.cpp cpp/src/sequence.cpp cpp/src/error.cpp)
common=(-std=c++17 -g -O1 -fno-omit-frame-pointer -Icpp/include -Icpp/fuzz -Wno-unknown-pragmas)
targets=(net seq)

if [[ "${1:-}" == "--replay" ]]; then
  cxx=${CXX:-c++}
  for t in "${targets[@]}"; do
    "$cxx" "${common[@]}" -fsanitize=address,undefined -fno-sanitize-recover=undefined \
      cpp/fuzz/fuzz_"$t".cpp cpp/fuzz/replay_main.cpp "${srcs[@]}" -o "$out/replay_$t"
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      "$out/replay_$t" cpp/fuzz/corpus/"$t" cpp/fuzz/regressions/"$t"
  done
  exit 0
fi

secs=${1:-60}
seed=${FUZZ_SEED:-1}
if [[ -z "${CXX:-}" ]]; then
  if command -v clang++-14 > /dev/null; then cxx=clang++-14
  elif command -v clang++ > /dev/null; then cxx=clang++
  else echo "tools/fuzz.sh: needs clang (apt-get install clang-14 libclang-rt-14-dev)" >&2; exit 2
  fi
else
  cxx=$CXX
fi
status=0
for t in "${targets[@]}"; do
  "$cxx" "${common[@]}" -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    cpp/fuzz/fuzz_"$t".cpp "${srcs[@]}" -o "$out/fuzz_$t"
  work="$out/work/$t"            # the committed corpus stays read-only: new inputs go here
  art="$out/artifacts/$t"
  mkdir -p "$work" "$art"
  log="$out/fuzz_$t.log"
  echo "== fuzz_$t: ${secs}s, seed $seed"
  if UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 "$out/fuzz_$t" \
      -seed="$seed" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
      -dict=cpp/fuzz/"$t".dict -artifact_prefix="$art/" -print_final_stats=1 \
      "$work" cpp/fuzz/corpus/"$t" > "$log" 2>&1; then
    grep -E "^Done [0-9]+ runs|stat::number_of_executed_units|stat::peak_rss_mb" "$log" || true
    echo "   corpus: $(ls "$work" | wc -l) inputs in $work"
  else
    status=1
    tail -n 60 "$log"
    echo "tools/fuzz.sh: fuzz_$t found a problem; the input is in $art/ (full log: $log)" >&2
  fi
done
exit $status

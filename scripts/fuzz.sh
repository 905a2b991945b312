#!/usr/bin/env bash
# Fuzzes every parser an outsider reaches (tests/fuzz/) with libFuzzer under clang, ASan and UBSan,
# each target for SECONDS (default 20) on a copy of its seed corpus, in scripts/sanitize.sh's build
# (./build-sanitize, which carries libFuzzer's coverage). A crash, a leak, a hang or an
# out-of-memory fails the run; its input is left in build-sanitize/ (crash-..., timeout-...): add it
# to tests/fuzz/regressions/TARGET/ so ctest replays it from then on. Prints each target's
# executions and coverage.
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-20}"
targets=(native lowf palette event config captcha)
scripts/sanitize.sh configure
cmake --build build-sanitize -j "$(nproc)" --target "${targets[@]/#/fuzz_}"
for t in "${targets[@]}"; do
  corpus="build-sanitize/corpus-$t"
  mkdir -p "$corpus"
  cp -n tests/fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null || true
  echo "== fuzz_$t, ${seconds} s"
  status=0
  (cd build-sanitize && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ./tests/fuzz_"$t" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -close_fd_mask=1 "corpus-$t" ../tests/fuzz/regressions/"$t" >"fuzz_$t.log" 2>&1) || status=$?
  grep -E "(DONE|stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+==ERROR|SUMMARY|fuzz property|Test unit written)" \
    "build-sanitize/fuzz_$t.log" || true
  # A crash, a leak, a hang (10 s per input) or running out of memory ends the fuzzer with a
  # failure and leaves its input behind; so does a fuzzer that could not run at all.
  if [ "$status" -ne 0 ] || compgen -G "build-sanitize/crash-*" >/dev/null || compgen -G "build-sanitize/leak-*" >/dev/null ||
     compgen -G "build-sanitize/timeout-*" >/dev/null || compgen -G "build-sanitize/oom-*" >/dev/null; then
    echo "fuzz_$t failed (exit $status; its output: build-sanitize/fuzz_$t.log): $(ls build-sanitize/crash-* build-sanitize/leak-* build-sanitize/timeout-* build-sanitize/oom-* 2>/dev/null)"
    exit 1
  fi
done

#!/usr/bin/env bash
# Runs the tests under sanitizers, each build in its own folder (sanitizers make the Beast files
# several times slower to compile, so the README's test command stays without them):
#  - ASan + UBSan under clang (./build-sanitize): every test; the integration tests then start the
#    sanitized chatd. The same build carries libFuzzer's coverage, so scripts/fuzz.sh reuses it
#    instead of compiling the tree a third time (CI: one clang build of ~11 min replaces a gcc
#    ASan build of ~20 min and a separate fuzz build).
#  - TSan (./build-tsan): the unit tests and the engine and replay benchmarks' smoke modes
#    (chatload's is a client of chatd's sockets, covered by ASan), which exercise the engine's
#    threads (prepare, commit, deliver) and concurrent log readers.
# Both at -O1 -g1: the sanitizers find the same bugs, and it compiles in half the time of -O2 -g.
#   scripts/sanitize.sh            build and test both
#   scripts/sanitize.sh configure  only configure ./build-sanitize (scripts/fuzz.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh clang libclang-rt-14-dev  # libFuzzer and clang's sanitizer runtimes
quick=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1")
# Not UBSan's `function` check: clang 14 cannot emit it for coroutines ("Cannot represent a
# difference across sections" in net/transport/); g++'s UBSan, used before, never had it.
CC=clang CXX=clang++ cmake -S . -B build-sanitize "${quick[@]}" -DCHATD_FUZZ=ON \
  -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined -fno-sanitize=function -fno-omit-frame-pointer -fno-sanitize-recover=undefined" >/dev/null
[ "${1:-}" = configure ] && exit 0

cmake --build build-sanitize -j "$(nproc)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-sanitize --output-on-failure -j2

cmake -S . -B build-tsan "${quick[@]}" -DCMAKE_CXX_FLAGS="-fsanitize=thread" >/dev/null
cmake --build build-tsan -j "$(nproc)" --target chatd_unit_tests engine_bench replay_bench
TSAN_OPTIONS=halt_on_error=1 ctest --test-dir build-tsan --output-on-failure -j2 -R "^(unit|bench smoke: (engine|replay)_bench)"

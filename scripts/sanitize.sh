#!/usr/bin/env bash
# Runs the tests under sanitizers, each build in its own folder (sanitizers make the Beast files
# several times slower to compile, so the README's test command stays without them):
#  - ASan + UBSan (./build-sanitize): every test; the integration tests then start the sanitized chatd.
#  - TSan (./build-tsan): the unit tests and the engine and replay benchmarks' smoke modes (chatload's is a
#    client of chatd's sockets, covered by ASan), which exercise the
#    engine's threads (prepare, commit, deliver) and concurrent log readers.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
cmake --build build-sanitize -j "$(nproc)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-sanitize --output-on-failure -j2

cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS="-fsanitize=thread"
cmake --build build-tsan -j "$(nproc)" --target chatd_unit_tests engine_bench replay_bench
TSAN_OPTIONS=halt_on_error=1 ctest --test-dir build-tsan --output-on-failure -j2 -R "^(unit|bench smoke: (engine|replay)_bench)"

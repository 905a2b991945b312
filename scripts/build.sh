#!/usr/bin/env bash
# Configures and builds chatd and its tests (Release, assertions on) into ./build.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j "$(nproc)"

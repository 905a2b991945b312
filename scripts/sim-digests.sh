#!/usr/bin/env bash
# The fixed seeds' logs are the regression net: each seed of the simulation writes the same log,
# byte for byte, until the code's behaviour changes. This checks the digests of those logs against
# tests/expected/sim_log_digests.txt (ctest runs the same check), or with --record writes the file
# anew (do that only for a change that is meant to alter the logs, and say why in its commit).
#   scripts/sim-digests.sh [--record] [BUILD_DIR]        (BUILD_DIR: build)
set -euo pipefail
cd "$(dirname "$0")/.."
record=0
if [ "${1:-}" = "--record" ]; then record=1; shift; fi
build="${1:-build}"
file=tests/expected/sim_log_digests.txt
seeds=1-24 clients=1000 minutes=5
if [ "$record" = 1 ]; then
  out=$("$build/tests/chatsim" --seeds "$seeds" --clients "$clients" --virtual-minutes "$minutes" --no-shrink)
  {
    echo "# chatsim log digests: scripts/sim-digests.sh --record writes this file; ctest checks it."
    echo "$out" | sed -n 's/^seed \([0-9]*\): .*, log digest \([0-9a-f]*\)$/seed \1 clients '"$clients"' minutes '"$minutes"' digest \2/p'
  } > "$file"
  echo "recorded $(grep -c '^seed' "$file") digests in $file"
else
  "$build/tests/chatsim" --seeds "$seeds" --clients "$clients" --virtual-minutes "$minutes" --expect-digests "$file"
fi

#!/bin/bash
# What counting for /metrics costs the relay: two chatd binaries, one built without the metrics
# (BASE_CHATD, e.g. from the commit before them) and one with (CHATD), run alternately, each
# spawned by chatload (--chatd, the same options for both) for two runs: as fast as the window
# allows (delivered/s) and at 5,000 messages/s (p50 and p99). Each line gives its steal time in jiffies.
#
#   tests/bench/metrics_relay.sh BASE_CHATD CHATD [BUILD_DIR] [ROUNDS]   (TMPDIR picks where the data go)
set -eu
base=$1 new=$2 build=${3:-build} rounds=${4:-5}
steal() { awk '/^cpu /{print $9}' /proc/stat; }
relay() {  # relay BINARY [chatload options]: one run against a fresh chatd of BINARY
  local binary=$1; shift
  "$build/tests/chatload" relay --chatd "$binary" --server-arg --password-process --server-arg off \
    --pairs 1000 --seconds 10 "$@" 2>&1
}
run() {
  local label=$1 binary=$2 s0 fast paced
  s0=$(steal)
  fast=$(relay "$binary")
  paced=$(relay "$binary" --rate 5000)
  echo "$label: $(grep -o '[0-9.]* delivered messages/s' <<<"$fast" | head -1); at 5000/s" \
    "$(grep -o 'p50 [0-9.]* ms, p99 [0-9.]* ms' <<<"$paced" | head -1), steal $(($(steal) - s0))"
}
for _ in $(seq 1 "$rounds"); do
  run "without metrics" "$base"
  run "with metrics" "$new"
done

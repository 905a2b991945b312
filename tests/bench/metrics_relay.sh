#!/bin/bash
# What counting for /metrics costs the relay: two chatd binaries, one built without the metrics
# (BASE_CHATD, e.g. from the commit before them) and one with (CHATD), run alternately with the
# same options, each under chatload relay twice: as fast as the window allows (delivered/s) and at
# 5,000 messages/s (p50 and p99). Each line gives the run's steal time in jiffies.
#
#   tests/bench/metrics_relay.sh BASE_CHATD CHATD [BUILD_DIR] [ROUNDS]   (TMPDIR picks where the data go)
set -eu
base=$1 new=$2 build=${3:-build} rounds=${4:-5}
steal() { awk '/^cpu /{print $9}' /proc/stat; }
serve() {  # starts $1 on a fresh data folder; sets pid and port
  data=$(mktemp -d "${TMPDIR:-/tmp}/metrics-relay-XXXXXX")
  "$1" --listen 127.0.0.1:0 --data "$data" --rate 0 --captcha-difficulty 0 --max-connections 4000 \
    --max-connections-per-address 4000 --idle-timeout 0 --silence-timeout 0 --max-inflight 64 \
    --password-process off > "$data/out" 2> "$data/err" &
  pid=$!
  for _ in $(seq 1 100); do
    port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$data/out")
    [ -n "$port" ] && return
    sleep 0.05
  done
  echo "chatd did not start" >&2; kill "$pid"; exit 1
}
run() {
  local label=$1 binary=$2 s0 fast paced
  serve "$binary"
  s0=$(steal)
  fast=$("$build/tests/chatload" relay --port "$port" --server-pid "$pid" --pairs 1000 --seconds 10 2>&1)
  paced=$("$build/tests/chatload" relay --port "$port" --server-pid "$pid" --pairs 1000 --seconds 10 --rate 5000 2>&1)
  kill -TERM "$pid"; wait "$pid" || true
  rm -rf "$data"
  echo "$label: $(grep -o '[0-9.]* delivered messages/s' <<<"$fast" | head -1); at 5000/s" \
    "$(grep -o 'p50 [0-9.]* ms, p99 [0-9.]* ms' <<<"$paced" | head -1), steal $(($(steal) - s0))"
}
for _ in $(seq 1 "$rounds"); do
  run "without metrics" "$base"
  run "with metrics" "$new"
done

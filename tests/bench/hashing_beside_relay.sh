#!/bin/bash
# The relay's p99 at 5,000 messages/s, interleaved run by run: alone; beside an unrelated process
# hashing 20 passwords a second at SCHED_IDLE (password_bench --beside: what any hashing costs on
# this host); and with 20 password logins a second through chatd (its worker process). Each line
# gives the run's steal time in jiffies (the hypervisor's; runs with much of it say little).
#
#   tests/bench/hashing_beside_relay.sh [BUILD_DIR] [ROUNDS]     (TMPDIR picks where the logs go)
set -eu
build=${1:-build}
rounds=${2:-6}
steal() { awk '/^cpu /{print $9}' /proc/stat; }
run() {
  local label=$1 beside=$2; shift 2
  local s0 out hasher=
  s0=$(steal)
  if [ "$beside" = yes ]; then "$build/tests/password_bench" --beside 20 --seconds 13 >/dev/null & hasher=$!; fi
  out=$("$build/tests/chatload" relay --pairs 1000 --seconds 10 --rate 5000 "$@" 2>&1)
  if [ -n "$hasher" ]; then wait "$hasher"; fi
  echo "$label: $(grep -o 'p50 [0-9.]* ms, p99 [0-9.]* ms' <<<"$out" | head -1), steal $(($(steal) - s0))," \
    "$(grep -o '[0-9]* sent, [0-9]* acknowledged, [0-9]* delivered' <<<"$out")$(grep -o '; login latency.*' <<<"$out" || true)"
}
for _ in $(seq 1 "$rounds"); do
  run alone no
  run "hashing beside" yes
  run "20 logins/s" no --logins 20
done

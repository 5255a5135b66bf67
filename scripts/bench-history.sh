#!/usr/bin/env bash
# History on disk. 1. Ingest with the store on against off, at the feed of
# scripts/bench-ingest.sh (N messages of 100 B, QoS 0, over 100k topics through a local
# Mosquitto into the app's worker and store, examples/bench_ingest), both runs in this
# script: the rates, their ratio, and what the disk took or skipped (counted). 2. At size
# (examples/bench_history): bytes per stored 100-byte JSON message, the write rate and
# RSS, and the first page of a search by topic filter, by a word and by both, beside a
# linear scan of the same rows.
# Usage: scripts/bench-history.sh [--quick]     Needs: mosquitto mosquitto-clients bc
set -euo pipefail
cd "$(dirname "$0")/.."
n=1000000; stored=10000000; big=10000000
if [ "${1:-}" = "--quick" ]; then n=200000; stored=1000000; big=2000000; fi
cargo build --profile bench-tools --locked --quiet --features testkit \
  --example flood --example bench_ingest --example bench_history
ex=target/bench-tools/examples
read -r port pid dir < <(scripts/mosquitto-free-port.sh)
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
now_ns() { date +%s%N; }

# One flood of N (default $n) into bench_ingest (memory budget 256 MiB); prints "rate
# received dropped cpu rss [disk_written disk_skipped disk_bytes all_received]".
ingest() {
  local count=${1:-$n}
  "$ex/bench_ingest" "$port" "$count" 3000 256 > "$dir/ingest" &
  local ing=$!
  for _ in $(seq 200); do grep -q ready "$dir/ingest" && break; sleep 0.05; done
  local start; start=$(now_ns)
  "$ex/flood" "$port" "$count" 100000 100 2>/dev/null
  wait "$ing"
  local line; line=$(tail -1 "$dir/ingest")
  read -r _ got _ dropped _ _ _ last_ns _ cpu _ rss _ _ _ written _ skipped _ bytes _ all <<< "$line"
  echo "$(echo "$got / (($last_ns - $start) / 1000000000)" | bc -l) $got $dropped $cpu $rss ${written:-0} ${skipped:-0} ${bytes:-0} ${all:-0}"
}

read -r off_rate off_got off_dropped off_cpu off_rss _ <<< "$(ingest)"
printf 'store off: %d of %d, %.0f msg/s, %d dropped, %.2f CPU-s, peak RSS %.0f MiB\n' \
  "$off_got" "$n" "$off_rate" "$off_dropped" "$off_cpu" "$off_rss"
read -r on_rate on_got on_dropped on_cpu on_rss written skipped bytes all <<< \
  "$(MQSCOPE_BENCH_HISTORY="$dir/history" ingest)"
printf 'store on:  %d of %d, %.0f msg/s, %d dropped, %.2f CPU-s, peak RSS %.0f MiB; disk took %d, skipped %d (counted), %.1f MiB\n' \
  "$on_got" "$n" "$on_rate" "$on_dropped" "$on_cpu" "$on_rss" "$written" "$skipped" \
  "$(echo "$bytes / 1048576" | bc -l)"
printf 'history_ingest_ratio %.3f\n' "$(echo "$on_rate / $off_rate" | bc -l)"
# Every message the worker received ($SYS ones too) went to the disk or was counted as
# skipped.
echo "history_lost_uncounted $(( all + on_dropped - written - skipped ))"

# The memory of the pipeline while a longer flood goes to disk: peak RSS beside the memory
# budget (256 MiB; the goal is at most 100 MB over it).
read -r big_rate big_got _ _ big_rss big_written big_skipped _ _ <<< \
  "$(MQSCOPE_BENCH_HISTORY="$dir/history-big" ingest "$big")"
printf 'store on, %d messages: %.0f msg/s, peak RSS %.0f MiB; disk took %d, skipped %d\n' \
  "$big_got" "$big_rate" "$big_rss" "$big_written" "$big_skipped"
printf 'history_rss_big_mb %.0f\n' "$big_rss"
printf 'history_rss_over_budget_mb %.0f\n' "$(echo "$big_rss - 256" | bc -l)"
rm -rf "$dir/history-big"

"$ex/bench_history" "$dir/big" "$stored" 10000

#!/usr/bin/env bash
# Ingest against the raw client: one flood (N messages of 100 B, QoS 0, over 100k topics,
# written by examples/flood as fast as the socket takes them) through a local Mosquitto,
# received first by `mosquitto_sub -t '#'`, then by mqscope's own pipeline (examples/
# bench_ingest: the app's worker and store, no window). Then a longer flood for the memory
# a full history budget costs. Ends with `ingest_lost` and `rss_10m_mb`. (The rates are
# printed for reading only: on a flood both keep up with, they time the publisher, not the
# client; the client's limit is measured by scripts/bench-capacity.sh.)
# Usage: scripts/bench-ingest.sh [--quick]     Needs: mosquitto mosquitto-clients python3 bc
set -euo pipefail
cd "$(dirname "$0")/.."
n=1000000; big=10000000
if [ "${1:-}" = "--quick" ]; then n=200000; big=2000000; fi
cargo build --profile bench-tools --locked --quiet --features testkit --example flood --example bench_ingest
ex=target/bench-tools/examples
read -r port pid dir < <(scripts/mosquitto-free-port.sh)
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
now_ns() { date +%s%N; }

# 1. mosquitto_sub: counts lines (one per message; the payloads have no newline).
mosquitto_sub -h 127.0.0.1 -p "$port" -t '#' -C "$n" -W 300 | wc -l > "$dir/sub-count" &
sub=$!
sleep 0.5
start=$(now_ns)
"$ex/flood" "$port" "$n" 100000 100 2>"$dir/flood-sub"
wait "$sub" || true
end=$(now_ns)
sub_got=$(cat "$dir/sub-count")
sub_rate=$(echo "$sub_got / (($end - $start) / 1000000000)" | bc -l)
printf 'mosquitto_sub: %d of %d messages, %.0f msg/s (%s)\n' "$sub_got" "$n" "$sub_rate" "$(cat "$dir/flood-sub")"

# 2. mqscope's pipeline, the same flood.
"$ex/bench_ingest" "$port" "$n" 3000 256 > "$dir/ingest" &
ing=$!
for _ in $(seq 200); do grep -q ready "$dir/ingest" && break; sleep 0.05; done
start=$(now_ns)
"$ex/flood" "$port" "$n" 100000 100 2>"$dir/flood-ing"
wait "$ing"
line=$(tail -1 "$dir/ingest")
read -r _ got _ dropped _ topics _ last_ns _ cpu _ rss _ hist <<< "$line"
ing_rate=$(echo "$got / (($last_ns - $start) / 1000000000)" | bc -l)
printf 'mqscope:       %d of %d messages, %.0f msg/s, %d dropped, %d topics, %.1f MiB history, peak RSS %.0f MiB\n' \
  "$got" "$n" "$ing_rate" "$dropped" "$topics" "$hist" "$rss"
lost=$(( n - got + dropped ))

# 3. Memory after a long flood with the default 256 MiB history budget.
"$ex/bench_ingest" "$port" "$big" 3000 256 > "$dir/big" &
ing=$!
for _ in $(seq 200); do grep -q ready "$dir/big" && break; sleep 0.05; done
"$ex/flood" "$port" "$big" 100000 100 2>/dev/null
wait "$ing"
read -r _ bgot _ bdropped _ _ _ _ _ _ _ brss _ bhist <<< "$(tail -1 "$dir/big")"
printf 'long flood:    %d of %d messages, %d dropped, history %.1f MiB (budget 256), peak RSS %.0f MiB\n' \
  "$bgot" "$big" "$bdropped" "$bhist" "$brss"

echo "ingest_lost $lost"
printf 'rss_10m_mb %.0f\n' "$brss"

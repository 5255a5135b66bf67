#!/usr/bin/env bash
# Every end-to-end benchmark in one run on this machine, ending with one `name value` line
# per figure (ratios are mqscope / the other program):
#   ingest_lost rss_10m_mb                   scripts/bench-ingest.sh (a flood through Mosquitto)
#   bytes_per_topic                          examples/bench_memory (1M topics)
#   frame_p50_ms frame_p99_ms                examples/bench_frame (1M topics, 10k msg/s)
#   hostile_frame_max_ms                     examples/bench_hostile (16 MiB, deep JSON, …)
#   broker_ratio_qos0 broker_ratio_qos1      scripts/bench-broker.sh (vs Mosquitto)
#   clear_retained_10k_s                     examples/bench_clear
#   plot_draw_1m_ms                          examples/bench_plot
#   decode_protobuf_ratio                    examples/bench_decode (rule vs none)
#   idle_cpu_pct trickle_cpu_pct …           scripts/bench-window.sh (the real window)
#   capacity_ratio_* cost_ratio_*            scripts/bench-capacity.sh (vs mosquitto_sub)
# Usage: scripts/bench.sh [--quick]   (--quick: smaller floods, shorter runs; the figures
# keep their names).  Needs: mosquitto mosquitto-clients bc python3
set -euo pipefail
cd "$(dirname "$0")/.."
quick=""; frames=600
if [ "${1:-}" = "--quick" ]; then quick="--quick"; frames=300; fi
# The examples need the testkit feature (flooder, hostile corpus, sample series).
cargo build --release --locked --quiet --bins
cargo build --profile bench-tools --locked --quiet --features testkit --examples
ex=target/bench-tools/examples
figures=$(mktemp)
trap 'rm -f "$figures"; [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; [ -n "${dir:-}" ] && rm -rf "$dir"' EXIT
# Passes a step's output on to stderr and keeps its `name value` lines.
keep() {
  local line
  while IFS= read -r line; do
    echo "$line" >&2
    if [[ $line =~ ^[a-z0-9_]+\ [-0-9.]+$ ]]; then echo "$line" >> "$figures"; fi
  done
}

echo "== ingest (mqscope pipeline vs mosquitto_sub)" >&2
scripts/bench-ingest.sh $quick | keep
echo "== memory per topic" >&2
"$ex/bench_memory" 1000000 | keep
echo "== frame time" >&2
"$ex/bench_frame" 1000000 "$frames" | keep
echo "== hostile input in the UI" >&2
"$ex/bench_hostile" | keep
echo "== local broker vs Mosquitto" >&2
scripts/bench-broker.sh $quick | keep
echo "== retained clean-up" >&2
read -r port pid dir < <(scripts/mosquitto-free-port.sh)
"$ex/bench_clear" "$port" 10000 | keep
echo "== ingest with a Protobuf decoder rule on every topic" >&2
"$ex/bench_decode" | keep
echo "== chart draw data" >&2
"$ex/bench_plot" | keep
echo "== the real window under Xvfb" >&2
scripts/bench-window.sh $quick 2>&1 | keep
echo "== subscriber capacity and cost" >&2
scripts/bench-capacity.sh $quick 2>&1 | keep

echo "== figures"
cat "$figures"

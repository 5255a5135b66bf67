#!/usr/bin/env bash
# End-to-end benchmarks, one `name value` line per figure at the end.
# So far: the local broker against Mosquitto (broker_ratio_qos0/1), the retained
# clean-up (clear_retained_10k_s) and the chart's draw data for a 1M-point series
# (plot_draw_1m_ms). Usage: scripts/bench.sh [--quick]
# Needs: mosquitto mosquitto-clients bc python3
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet --example bench_clear --example bench_plot
figures=$(mktemp)
trap 'rm -f "$figures"; [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; [ -n "${dir:-}" ] && rm -rf "$dir"' EXIT

scripts/bench-broker.sh "$@" | tee /dev/stderr | grep -E '^broker_ratio_' >> "$figures"

read -r port pid dir < <(scripts/mosquitto-free-port.sh)
target/release/examples/bench_clear "$port" 10000 >> "$figures"
target/release/examples/bench_plot >> "$figures"

echo "== figures"
cat "$figures"

#!/usr/bin/env bash
# The real window's cost: the release app under Xvfb, connected to a local Mosquitto that
# an independent raw-socket publisher (examples/flood) feeds at a fixed rate. For each load
# it prints CPU-seconds, CPU % of one core, peak RSS, frames drawn, messages filed and
# dropped, and the longest frame (eframe's measure, without the buffer swap); with BASELINE=PATH
# (another mqscope binary, e.g. an older build) the same for it, and the ratios; with
# MQTTUI=PATH (or PEER=1: built from ../shared/peers) mqttui in tmux on the same feed.
# Loads: 0 (idle: the broker publishes no $SYS either), 1, 10, 1,000, 10,000 and 50,000 msg/s.
# Ends with `name value` lines: idle_cpu_pct, trickle_cpu_pct (1 msg/s), cpu_pct_10,
# window_cpu_s_10k, window_rss_mb_10k, frames_per_msg_1, dropped_50k, longest_frame_ms_50k
# (and *_ratio ones with BASELINE or MQTTUI).
# Usage: scripts/bench-window.sh [--quick]     Needs: mosquitto xvfb (Debian packages)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=20; [ "${1:-}" = "--quick" ] && secs=8
cargo build --release --locked --quiet --bins
cargo build --profile bench-tools --locked --quiet --features testkit --examples
bin=target/release/mqscope
flood=target/bench-tools/examples/flood
read -r port mpid dir < <(SYS_INTERVAL=0 scripts/mosquitto-free-port.sh)
Xvfb :77 -screen 0 1280x800x24 >/dev/null 2>&1 &
xpid=$!
trap 'kill $xpid $mpid 2>/dev/null || true; rm -rf "$dir"' EXIT
sleep 1

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

# load PID RATE: the feed at RATE msg/s (0: none) for the run -> "cpu_ticks peak_rss_kb" of PID
load() {
  local app=$1 rate=$2 t0 t1
  t0=$(ticks "$app")
  if [ "$rate" -gt 0 ]; then
    "$flood" "$port" $((rate * secs)) $((rate >= 10000 ? 5000 : 5)) 100 "$rate" 2>/dev/null
  else
    sleep "$secs"
  fi
  t1=$(ticks "$app")
  echo "$((t1 - t0)) $(awk '/VmHWM/ {print $2}' "/proc/$app/status")"
}

# measure BIN RATE (msg/s, 0 = idle)
#   -> "cpu_s cpu_pct rss_mb frames first_frame_ms messages dropped longest_frame_ms"
measure() {
  local bin=$1 rate=$2 log extra=()
  log=$(mktemp)
  # An older build without --exit-after-s is stopped by a signal instead (frames: 0).
  if "$bin" --help 2>/dev/null | grep -q -- --exit-after-s; then
    extra=(--exit-after-s $((secs + 4)))
  fi
  # A fresh settings folder: the defaults are measured, not what an earlier run saved.
  local home; home=$(mktemp -d)
  DISPLAY=:77 XDG_DATA_HOME="$home" XDG_CONFIG_HOME="$home" \
    "$bin" --port "$port" --no-demo "${extra[@]}" 2>"$log" &
  local app=$!
  sleep 3 # connected and settled
  local spent rss
  read -r spent rss < <(load "$app" "$rate")
  [ ${#extra[@]} -eq 0 ] && kill "$app" 2>/dev/null
  wait "$app" || true
  local frames first messages dropped longest
  read -r frames first messages dropped longest < <(awk '/^frames_drawn/ \
    { print $2, $8, ($10 == "" ? "-" : $10), ($12 == "" ? "-" : $12), ($14 == "" ? "-" : $14) }' "$log")
  rm -rf "$log" "$home"
  awk -v d="$spent" -v hz="$hz" -v s="$secs" -v rss="$rss" -v f="${frames:-0}" \
    -v ff="${first:-0}" -v m="${messages:--}" -v dr="${dropped:--}" -v lf="${longest:--}" \
    'BEGIN { printf "%.2f %.1f %.0f %d %d %s %s %s\n", d / hz, 100 * d / hz / s, rss / 1024, f, ff, m, dr, lf }'
}

# mqttui in a tmux terminal on the same feed -> "cpu_s cpu_pct rss_mb 0 0 - - -"
measure_mqttui() {
  local bin=$1 rate=$2 session="mqttui-bench-$$"
  tmux new-session -d -s "$session" -x 200 -y 50 "$bin -b mqtt://127.0.0.1:$port '#'"
  sleep 3
  local app; app=$(tmux list-panes -t "$session" -F '#{pane_pid}')
  local spent rss
  read -r spent rss < <(load "$app" "$rate")
  tmux kill-session -t "$session" 2>/dev/null || true
  awk -v d="$spent" -v hz="$hz" -v s="$secs" -v rss="$rss" \
    'BEGIN { printf "%.2f %.1f %.0f 0 0 - - -\n", d / hz, 100 * d / hz / s, rss / 1024 }'
}

report() { # NAME BIN
  local name=$1 bin=$2
  for rate in 0 1 10 1000 10000 50000; do
    read -r cpu pct rss frames first msgs dropped longest < <(measure "$bin" "$rate")
    echo "$name rate=$rate cpu_s=$cpu cpu_pct=$pct rss_mb=$rss frames=$frames" \
      "messages=$msgs dropped=$dropped longest_frame_ms=$longest" >&2
    echo "$name $rate $cpu $pct $rss $frames $first $msgs $dropped $longest"
  done
}

results=$(mktemp)
# One unmeasured run first: the first window on a fresh Xvfb pays its and Mesa's cold start
# (2.5 s to the first frame once, against 60-110 ms after), which is no figure of the app.
measure "$bin" 0 >/dev/null
report mqscope "$bin" >> "$results"
if [ -n "${BASELINE:-}" ]; then report baseline "$BASELINE" >> "$results"; fi
if [ -z "${MQTTUI:-}" ] && [ -n "${PEER:-}" ]; then MQTTUI=$(../shared/peers/build-mqttui.sh); fi
if [ -n "${MQTTUI:-}" ]; then
  for rate in 0 1 10 1000 10000 50000; do
    read -r cpu pct rss frames first msgs dropped longest < <(measure_mqttui "$MQTTUI" "$rate")
    echo "mqttui rate=$rate cpu_s=$cpu cpu_pct=$pct rss_mb=$rss" >&2
    echo "mqttui $rate $cpu $pct $rss 0 0 - - -" >> "$results"
  done
fi

echo "== figures"
awk -v secs="$secs" '
  { cpu[$1, $2] = $3; pct[$1, $2] = $4; rss[$1, $2] = $5; fr[$1, $2] = $6; ff[$1, $2] = $7
    msgs[$1, $2] = $8; drop[$1, $2] = $9; longest[$1, $2] = $10; seen[$1] = 1 }
  END {
    printf "idle_cpu_pct %.1f\n", pct["mqscope", 0]
    printf "trickle_cpu_pct %.1f\n", pct["mqscope", 1]
    printf "cpu_pct_10 %.1f\n", pct["mqscope", 10]
    printf "frames_per_msg_1 %.2f\n", fr["mqscope", 1] / secs
    printf "window_cpu_s_10k %.2f\n", cpu["mqscope", 10000]
    printf "window_rss_mb_10k %.0f\n", rss["mqscope", 10000]
    printf "first_frame_ms %d\n", ff["mqscope", 0]
    printf "window_cpu_s_50k %.2f\n", cpu["mqscope", 50000]
    printf "messages_50k %s\n", msgs["mqscope", 50000]
    printf "dropped_50k %s\n", drop["mqscope", 50000]
    printf "longest_frame_ms_50k %s\n", longest["mqscope", 50000]
    if (seen["baseline"]) {
      printf "baseline_trickle_cpu_pct %.1f\n", pct["baseline", 1]
      printf "baseline_frames_per_msg_1 %.2f\n", fr["baseline", 1] / secs
      printf "trickle_cpu_ratio %.3f\n", pct["mqscope", 1] / pct["baseline", 1]
      printf "idle_cpu_ratio %.3f\n", pct["mqscope", 0] / (pct["baseline", 0] > 0 ? pct["baseline", 0] : 0.1)
      printf "window_cpu_ratio_10k_vs_baseline %.3f\n", cpu["mqscope", 10000] / cpu["baseline", 10000]
      printf "baseline_first_frame_ms %d\n", ff["baseline", 0]
      printf "first_frame_ratio %.3f\n", ff["mqscope", 0] / (ff["baseline", 0] > 0 ? ff["baseline", 0] : 1)
      printf "idle_rss_ratio %.3f\n", rss["mqscope", 0] / rss["baseline", 0]
      printf "window_rss_ratio_10k_vs_baseline %.3f\n", rss["mqscope", 10000] / rss["baseline", 10000]
    }
    if (seen["mqttui"]) {
      printf "mqttui_cpu_s_10k %.2f\n", cpu["mqttui", 10000]
      printf "mqttui_rss_mb_10k %.0f\n", rss["mqttui", 10000]
      printf "window_cpu_ratio_10k %.3f\n", cpu["mqscope", 10000] / cpu["mqttui", 10000]
      printf "window_rss_ratio_10k %.3f\n", rss["mqscope", 10000] / rss["mqttui", 10000]
      printf "window_cpu_ratio_50k %.3f\n", cpu["mqscope", 50000] / cpu["mqttui", 50000]
      printf "trickle_cpu_ratio_vs_mqttui %.3f\n", pct["mqscope", 1] / (pct["mqttui", 1] > 0 ? pct["mqttui", 1] : 0.1)
    }
  }' "$results"
rm -f "$results"

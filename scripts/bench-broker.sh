#!/usr/bin/env bash
# The same load against Mosquitto and against `mqscope broker`, one after the other:
# `mosquitto_pub -l` floods N messages of 100 B (QoS 0, then QoS 1) while one
# `mosquitto_sub` counts them; then loads from many connections with `mqscope bench`, so the
# clients are not the limit: fan-in (10 publishers, 1 subscriber), fan-out (1 publisher,
# 10 subscribers) and 100 connections (50 publishers at 20 msg/s, 50 subscribers to all).
# Prints msgs/s delivered for each and the ratios mqscope / Mosquitto.
# Usage: scripts/bench-broker.sh [--quick]     Needs: mosquitto mosquitto-clients
# MQSCOPE_BIN=path uses that build of mqscope instead of building the release (to compare two).
set -euo pipefail
cd "$(dirname "$0")/.."
n0=200000; n1=50000
if [ "${1:-}" = "--quick" ]; then n0=50000; n1=10000; fi
if [ -z "${MQSCOPE_BIN:-}" ]; then cargo build --release --locked --quiet; fi
bin=${MQSCOPE_BIN:-target/release/mqscope}
load_s=5; [ "${1:-}" = "--quick" ] && load_s=3
work=$(mktemp -d); chmod 755 "$work"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }
payload=$(head -c 100 /dev/zero | tr '\0' 'x')
make_input() { for _ in $(seq "$1"); do echo "$payload"; done > "$work/in-$1"; }
make_input "$n0"; make_input "$n1"

# run NAME PORT QOS N -> prints "received seconds"
run() {
  local port=$2 qos=$3 n=$4
  mosquitto_sub -h 127.0.0.1 -p "$port" -t 'bench/#' -q "$qos" -C "$n" -W 120 > "$work/out" 2>/dev/null &
  local sub=$!
  sleep 0.5
  local start; start=$(date +%s.%N)
  mosquitto_pub -h 127.0.0.1 -p "$port" -t bench/flood -q "$qos" -l < "$work/in-$n"
  wait "$sub" || true
  local end; end=$(date +%s.%N)
  echo "$(wc -l < "$work/out") $(echo "$end - $start" | bc -l)"
}

field() { python3 -c 'import json,sys; print(json.loads(sys.stdin.read())[sys.argv[1]])' "$1"; }

# many NAME PORT PUBS RATE SUBS -> messages delivered per second to all subscribers.
# Each load has topics of its own: what a broker still holds from the load before (Mosquitto
# here queues up to a million messages per client) is not counted as this one's.
many() {
  local name=$1 port=$2 pubs=$3 r=$4 subs=$5 on=(--host 127.0.0.1 --port "$2" --json)
  "$bin" bench sub "${on[@]}" -c "$subs" -t "$name/#" --duration-s $((load_s + 4)) > "$work/sub.json" &
  local sub=$!
  sleep 2
  "$bin" bench pub "${on[@]}" -c "$pubs" --rate "$r" -t "$name/%i" --duration-s "$load_s" > "$work/pub.json"
  wait "$sub" || true
  local got; got=$(field received < "$work/sub.json")
  local took; took=$(field seconds < "$work/pub.json")
  echo "$got / $took" | bc -l
}

declare -A rate
for broker in mosquitto mqscope; do
  port=$(free_port)
  if [ $broker = mosquitto ]; then
    printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 1000000\nmax_inflight_messages 0\n' "$port" > "$work/m.conf"
    chmod 644 "$work/m.conf"
    mosquitto -c "$work/m.conf" >/dev/null 2>&1 & pids+=($!)
  else
    "$bin" broker --port "$port" 2>/dev/null & pids+=($!)
  fi
  wait_port "$port"
  for qos in 0 1; do
    n=$n0; [ $qos = 1 ] && n=$n1
    read -r got secs < <(run $broker "$port" $qos $n)
    r=$(echo "$got / $secs" | bc -l)
    rate[$broker$qos]=$r
    printf '%-9s qos%s: %7d of %7d messages in %6.2f s = %9.0f msg/s\n' $broker $qos "$got" "$n" "$secs" "$r"
  done
  for load in "fanin 10 0 1" "fanout 1 0 10" "many 50 20 50"; do
    read -r name pubs r subs <<< "$load"
    rate[$broker$name]=$(many "$name" "$port" "$pubs" "$r" "$subs")
    printf '%-9s %-7s %9.0f msg/s delivered\n' $broker $name "${rate[$broker$name]}"
  done
  kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
done
printf 'broker_ratio_qos0 %.2f\n' "$(echo "${rate[mqscope0]} / ${rate[mosquitto0]}" | bc -l)"
printf 'broker_ratio_qos1 %.2f\n' "$(echo "${rate[mqscope1]} / ${rate[mosquitto1]}" | bc -l)"
for name in fanin fanout many; do
  printf 'broker_ratio_%s %.2f\n' $name "$(echo "${rate[mqscope$name]} / ${rate[mosquitto$name]}" | bc -l)"
done

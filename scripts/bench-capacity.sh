#!/usr/bin/env bash
# How much a subscriber can take, and what each message costs it, timed the same way for
# each client (the whole process, start to exit) against one local Mosquitto:
#   capacity: N retained topics already waiting at the broker, taken whole by a fresh
#     subscriber: `mosquitto_sub -C N`, `mqscope sub --count N` (JSON lines to /dev/null),
#     and `mqscope bench sub --count N` (the client worker alone, counting);
#   cost: CPU-seconds per million messages while a raw publisher feeds 20,000 msg/s for
#     10 s, for the same three subscribers and the headless pipeline (examples/bench_ingest:
#     the window's worker and store, without drawing).
# Ends with `name value` lines; ratios are mosquitto_sub / mqscope for capacity (higher:
# mqscope faster) and mqscope / mosquitto_sub for cost (lower: mqscope cheaper).
# Usage: scripts/bench-capacity.sh [--quick]   Needs: mosquitto mosquitto-clients
set -euo pipefail
cd "$(dirname "$0")/.."
n=100000; feed=200000
if [ "${1:-}" = "--quick" ]; then n=20000; feed=60000; fi
cargo build --release --locked --quiet --bins
cargo build --profile bench-tools --locked --quiet --features testkit --examples
bin=target/release/mqscope
flood=target/bench-tools/examples/flood
read -r port mpid dir < <(scripts/mosquitto-free-port.sh)
trap 'kill $mpid 2>/dev/null || true; rm -rf "$dir"' EXIT
hz=$(getconf CLK_TCK)
on=(--host 127.0.0.1 --port "$port")

echo "== filling $n retained topics" >&2
"$bin" bench pub "${on[@]}" -c 1 --rate 0 --retain -q 1 -t 'cap/%n' --count "$n" \
  --duration-s 300 >&2

# timed CMD... -> "wall_s cpu_s" of the whole process (output to /dev/null)
timed() {
  /usr/bin/time -f '%e %U %S' -o "$dir/time" "$@" >/dev/null 2>&1 || true
  awk '{ printf "%.3f %.3f\n", $1, $2 + $3 }' "$dir/time"
}
# median of the numbers on stdin
median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# Five rounds, the three clients in turn, so drift in the machine's load falls on each
# alike; the medians are kept. The CPU each used says which side was the limit: a client
# far below one core waited for the broker.
echo "== capacity (median of 5 rounds)" >&2
: > "$dir/cap"
for round in 1 2 3 4 5; do
  echo "mosq $(timed mosquitto_sub -h 127.0.0.1 -p "$port" -t 'cap/#' -C "$n" -W 120)" >> "$dir/cap"
  echo "sub $(timed "$bin" sub "${on[@]}" -t 'cap/#' --count "$n" --timeout-ms 120000)" >> "$dir/cap"
  echo "bench $(timed "$bin" bench sub "${on[@]}" -t 'cap/#' --count "$n" --duration-s 120)" >> "$dir/cap"
done
col() { awk -v k="$1" -v c="$2" '$1 == k { print $c }' "$dir/cap" | median; }
cap_mosq=$(col mosq 2); cap_sub=$(col sub 2); cap_bench=$(col bench 2)
cpu_mosq=$(col mosq 3); cpu_sub=$(col sub 3); cpu_bench=$(col bench 3)
echo "mosquitto_sub $cap_mosq s ($cpu_mosq CPU-s), mqscope sub $cap_sub s ($cpu_sub CPU-s), mqscope bench sub $cap_bench s ($cpu_bench CPU-s)" >&2

# cost NAME CMD... : the subscriber running while the feed runs -> CPU-s per million
cost() {
  local name=$1; shift
  "$@" >/dev/null 2>&1 &
  local app=$!
  sleep 1.5
  local t0; t0=$(awk '{print $14 + $15}' "/proc/$app/stat")
  "$flood" "$port" "$feed" 5000 100 20000 2>/dev/null
  sleep 0.5
  local t1; t1=$(awk '{print $14 + $15}' "/proc/$app/stat")
  kill "$app" 2>/dev/null || true
  wait "$app" 2>/dev/null || true
  awk -v d=$((t1 - t0)) -v hz="$hz" -v m="$feed" -v name="$name" \
    'BEGIN { printf "%.3f\n", d / hz / (m / 1e6); printf "%s %.3f CPU-s per million\n", name, d / hz / (m / 1e6) > "/dev/stderr" }'
}

echo "== cost at 20,000 msg/s" >&2
cost_mosq=$(cost mosquitto_sub mosquitto_sub -h 127.0.0.1 -p "$port" -t 'bench/#')
cost_sub=$(cost "mqscope sub" "$bin" sub "${on[@]}" -t 'bench/#')
cost_bench=$(cost "mqscope bench sub" "$bin" bench sub "${on[@]}" -t 'bench/#' --duration-s 300)
cost_pipe=$(cost "headless pipeline" target/bench-tools/examples/bench_ingest "$port" 1000000000 0 256 300)

echo "== figures"
awk -v a="$cap_mosq" -v b="$cap_sub" -v c="$cap_bench" -v u="$cpu_mosq" -v v="$cpu_sub" -v t="$cpu_bench" -v x="$cost_mosq" -v y="$cost_sub" \
  -v z="$cost_bench" -v w="$cost_pipe" 'BEGIN {
    printf "capacity_s_mosquitto_sub %.3f\n", a
    printf "capacity_s_mqscope_sub %.3f\n", b
    printf "capacity_s_mqscope_worker %.3f\n", c
    printf "capacity_ratio_sub %.3f\n", a / b
    printf "capacity_ratio_worker %.3f\n", a / c
    printf "capacity_cpu_s_mosquitto_sub %.3f\n", u
    printf "capacity_cpu_s_mqscope_sub %.3f\n", v
    printf "capacity_cpu_s_mqscope_worker %.3f\n", t
    printf "cost_per_m_mosquitto_sub %.3f\n", x
    printf "cost_per_m_mqscope_sub %.3f\n", y
    printf "cost_per_m_mqscope_worker %.3f\n", z
    printf "cost_ratio_sub %.3f\n", y / x
    printf "cost_per_m_pipeline %.3f\n", w
    printf "cost_ratio_worker %.3f\n", z / x
    printf "cost_ratio_pipeline %.3f\n", w / x
  }'

#!/usr/bin/env bash
# Starts a throwaway Mosquitto on a free 127.0.0.1 port; prints "PORT PID DIR".
# SYS_INTERVAL=N: seconds between its $SYS updates (default 2; 0: none).
set -eu
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
dir=$(mktemp -d); chmod 755 "$dir"
cat > "$dir/mosquitto.conf" <<CONF
listener $port 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages 1000000
max_inflight_messages 0
sys_interval ${SYS_INTERVAL:-2}
CONF
chmod 644 "$dir/mosquitto.conf"
mosquitto -c "$dir/mosquitto.conf" >"$dir/log" 2>&1 &
pid=$!
for _ in $(seq 50); do
  mosquitto_pub -h 127.0.0.1 -p "$port" -t probe -n 2>/dev/null && break
  sleep 0.1
done
echo "$port $pid $dir"

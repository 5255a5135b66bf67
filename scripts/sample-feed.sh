#!/usr/bin/env bash
# Publishes realistic sample topics to a broker (retained state once, then live values).
# Usage: scripts/sample-feed.sh HOST PORT [SECONDS]   (needs mosquitto_pub)
set -u
host=${1:-127.0.0.1}; port=${2:-1883}; seconds=${3:-30}
pub() { mosquitto_pub -h "$host" -p "$port" "$@"; }

# Retained device state, Home Assistant discovery style config, odd topics.
{
  for room in kitchen living-room bedroom garage; do
    echo "home/$room/light/state ON"
    echo "home/$room/climate/config {\"name\":\"$room climate\",\"unit\":\"°C\",\"device_class\":\"temperature\"}"
  done
  for i in 1 2 3; do
    echo "zigbee2mqtt/sensor_$i {\"temperature\":2$i.4,\"humidity\":4$i,\"battery\":9$i,\"linkquality\":1$i$i}"
  done
  echo "homeassistant/status online"
  echo "factory/line-1/plc/mode AUTO"
  echo "factory/line-1/plc/recipe {\"id\":17,\"name\":\"bottling 0.5l\",\"speed\":1200}"
} | while read -r topic payload; do pub -r -t "$topic" -m "$payload"; done
printf '\x00\x01\xfe\xffbinary\x10' | pub -r -t "factory/line-1/plc/raw" -s
pub -r -t "/leading/slash" -m "topics may start with a slash"

end=$((SECONDS + seconds))
n=0
while [ $SECONDS -lt $end ]; do
  n=$((n + 1))
  t=$(awk -v n=$n 'BEGIN { printf "%.1f", 21 + 2*sin(n/5) }')
  h=$(awk -v n=$n 'BEGIN { printf "%.0f", 45 + 5*cos(n/7) }')
  pub -t "home/kitchen/temperature" -m "$t"
  pub -t "home/living-room/temperature" -m "$(awk -v t=$t 'BEGIN { printf "%.1f", t - 1.3 }')"
  pub -t "home/kitchen/humidity" -m "$h"
  pub -t "factory/line-1/counter" -m "$((n * 17))"
  pub -t "factory/line-1/state" -m "{\"speed\":$((1150 + n % 50)),\"temperature\":$t,\"alarms\":[],\"ok\":true}"
  sleep 0.3
done

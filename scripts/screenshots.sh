#!/usr/bin/env bash
# Regenerates the README screenshots from the real app: a local Mosquitto fed with sample
# topics, the release binary under Xvfb saving its own window.
# Needs: mosquitto mosquitto-clients xvfb xdotool (apt-get install -y mosquitto mosquitto-clients
# xvfb xdotool)
# BIN=/usr/bin/mqscope takes them from the installed package (scripts/package.sh, dpkg -i)
# instead of building the release binary.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${BIN:-}" ]; then
  cargo build --release --locked
  BIN=target/release/mqscope
fi
read -r port pid dir < <(scripts/mosquitto-free-port.sh)
trap 'kill $pid $feed 2>/dev/null || true; rm -rf "$dir"' EXIT
scripts/sample-feed.sh 127.0.0.1 "$port" 30 >/dev/null 2>&1 &
feed=$!
sleep 4
mkdir -p screenshots
xvfb-run -a -s "-screen 0 1280x800x24" "$BIN" --port "$port" \
  --select factory/line-1/state --screenshot screenshots/main.png --screenshot-after-ms 2500
xvfb-run -a -s "-screen 0 1280x800x24" "$BIN" --port "$port" --publish-panel \
  --select home/kitchen/light/state --screenshot screenshots/publish.png --screenshot-after-ms 2500
xvfb-run -a -s "-screen 0 1280x800x24" "$BIN" --port "$port" \
  --plot home/kitchen/temperature --plot home/living-room/temperature \
  --plot 'factory/line-1/state#temperature' --plot 'zigbee2mqtt/sensor_1#temperature' \
  --select factory/line-1/state --screenshot screenshots/plots.png --screenshot-after-ms 9000
xvfb-run -a -s "-screen 0 1280x800x24" "$BIN" --port "$port" \
  --select home/kitchen/temperature --show stats --show talkers \
  --screenshot screenshots/stats.png --screenshot-after-ms 7000
# The Connections window: the form, each subscription's options, the proxy.
# (The pointer starts mid-screen, over a control with a tooltip: it is moved to a corner.)
xvfb-run -a -s "-screen 0 1280x800x24" sh -c '(sleep 1; xdotool mousemove 5 795) & exec "$0" "$@"' \
  "$BIN" --port "$port" --show connections \
  --select home/kitchen/temperature --screenshot screenshots/connections.png --screenshot-after-ms 2500
echo "wrote screenshots/main.png, publish.png, plots.png, stats.png, connections.png"

# First run: no broker named, so the local broker starts with demo devices.
xvfb-run -a -s "-screen 0 1280x800x24" "$BIN" \
  --select demo/greenhouse/1/state --screenshot screenshots/local-broker.png --screenshot-after-ms 6000
echo "wrote screenshots/local-broker.png"

# Decoders: the demo's rules in the Decoders window, a base64+gzip JSON payload decoded.
xvfb-run -a -s "-screen 0 1280x800x24" "$BIN" --show decoders \
  --select demo/fleet/truck-7/telemetry --screenshot screenshots/decoders.png --screenshot-after-ms 6000
# A camera snapshot, shown as a picture.
xvfb-run -a -s "-screen 0 1280x800x24" "$BIN" \
  --select demo/camera/door/snapshot --screenshot screenshots/image.png --screenshot-after-ms 6000
echo "wrote screenshots/decoders.png, image.png"
# Device names in Chinese and Japanese, drawn from the system's fonts or the bundled subset.
xvfb-run -a -s "-screen 0 1280x800x24" "$BIN" \
  --select 'demo/车间/二号线' --screenshot screenshots/cjk.png --screenshot-after-ms 6000
# The command palette over the demo.
xvfb-run -a -s "-screen 0 1280x800x24" "$BIN" --show palette \
  --select demo/greenhouse/1/state --screenshot screenshots/palette.png --screenshot-after-ms 6000
echo "wrote screenshots/cjk.png, palette.png"

# History on disk: a first run keeps the sample feed on disk (data and settings folders of
# its own), the next comes back from disk and opens Search. A --screenshot run keeps no
# files, so this one is captured from the display.
hist=$(mktemp -d)
export XDG_DATA_HOME="$hist/data" XDG_CONFIG_HOME="$hist/config"
xvfb-run -a -s "-screen 0 1280x800x24" "$BIN" --port "$port" --keep-history --exit-after-s 6 >/dev/null
# Typed into the Topic filter as a user would.
xvfb-run -a -s "-screen 0 1280x800x24" sh -c '"$0" "$@" & app=$!; sleep 6;
  xdotool search --name mqscope windowfocus; xdotool mousemove 545 171 click 1; sleep 0.5;
  xdotool type "home/#"; xdotool key Return;
  sleep 1.5; xdotool mousemove 1275 795; sleep 1; import -window root screenshots/search.png;
  kill $app' \
  "$BIN" --port "$port" --keep-history --show search --select home/kitchen/temperature
# The inspector's history reaching back to the first run's messages, read from disk.
xvfb-run -a -s "-screen 0 1280x800x24" sh -c '"$0" "$@" & app=$!; sleep 6;
  xdotool mousemove 1275 795; sleep 1; import -window root screenshots/history-disk.png;
  kill $app' \
  "$BIN" --port "$port" --keep-history --select home/kitchen/temperature
rm -rf "$hist"
echo "wrote screenshots/search.png, history-disk.png"

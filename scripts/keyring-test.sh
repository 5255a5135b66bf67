#!/usr/bin/env bash
# "Remember password" against a real keychain: a throwaway GNOME Keyring (Secret Service)
# in a private D-Bus session, then the keychain tests with MQSCOPE_KEYRING_TEST=1 (which
# makes them fail, not skip, when no keychain answers).
# Needs: dbus gnome-keyring (apt-get install -y --no-install-recommends dbus gnome-keyring)
set -euo pipefail
cd "$(dirname "$0")/.."
keyrings=$(mktemp -d)
trap 'rm -rf "$keyrings"' EXIT
MQSCOPE_KEYRING_TEST=1 XDG_DATA_HOME="$keyrings" dbus-run-session -- sh -c '
  printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  # --unlock returns before the daemon owns the name; wait for it (at most 5 s).
  for _ in $(seq 50); do
    dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null \
      | grep -q "boolean true" && break
    sleep 0.1
  done
  cargo test --locked --features testkit --lib --test integration -- profiles::secrets remember'

#!/usr/bin/env bash
# Checks the packages that scripts/package.sh made: the .deb holds every file it should,
# installs with dpkg (apt-get -f install brings what it depends on), and the installed
# binary answers --version, prints its man page and draws a window under Xvfb (a screenshot
# with the local broker and demo devices, which the installed binary starts as its child).
# The install needs root; without it the contents are still checked.
set -euo pipefail
cd "$(dirname "$0")/.."

deb=$(ls target/package/mqscope_*.deb)
tarball=$(ls target/package/mqscope-*-x86_64-linux.tar.gz)
(cd target/package && sha256sum --check --quiet SHA256SUMS)

contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
for path in ./usr/bin/mqscope \
  ./usr/share/applications/io.github.mqscope.desktop \
  ./usr/share/metainfo/io.github.mqscope.metainfo.xml \
  ./usr/share/icons/hicolor/scalable/apps/io.github.mqscope.svg \
  ./usr/share/icons/hicolor/16x16/apps/io.github.mqscope.png \
  ./usr/share/icons/hicolor/512x512/apps/io.github.mqscope.png \
  ./usr/share/man/man1/mqscope.1.gz \
  ./usr/share/bash-completion/completions/mqscope \
  ./usr/share/zsh/vendor-completions/_mqscope \
  ./usr/share/fish/vendor_completions.d/mqscope.fish \
  ./usr/share/doc/mqscope/copyright \
  ./usr/share/doc/mqscope/LICENSE-MIT \
  ./usr/share/doc/mqscope/LICENSE-APACHE; do
  grep -qxF "$path" <<<"$contents" || { echo "package-check: $deb lacks $path" >&2; exit 1; }
done
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libc6 libgl1 libegl1 libxkbcommon-x11-0 libwayland-client0 libfontconfig1; do
  grep -q "$lib" <<<"$depends" || { echo "package-check: Depends lacks $lib: $depends" >&2; exit 1; }
done
listing=$(tar -tzf "$tarball")
for path in mqscope io.github.mqscope.desktop io.github.mqscope.metainfo.xml mqscope.1.gz \
  completions/mqscope.bash completions/_mqscope completions/mqscope.fish \
  completions/mqscope.ps1 icons/mqscope.svg icons/mqscope-256.png README.md LICENSE-MIT \
  LICENSE-APACHE; do
  grep -qx "mqscope-[^/]*/$path" <<<"$listing" \
    || { echo "package-check: $tarball lacks $path" >&2; exit 1; }
done
if command -v appstreamcli >/dev/null; then
  appstreamcli validate --no-net --pedantic assets/io.github.mqscope.metainfo.xml
fi
if command -v desktop-file-validate >/dev/null; then
  desktop-file-validate assets/io.github.mqscope.desktop
fi
echo "package-check: $deb and $tarball hold what they should"

if [ "$(id -u)" != 0 ]; then
  echo "package-check: not root, so the .deb is not installed" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
dpkg -i "$deb" || apt-get install -f -y -qq
test "$(command -v mqscope)" = /usr/bin/mqscope
mqscope --version
man -l /usr/share/man/man1/mqscope.1.gz >/dev/null 2>&1 || zcat /usr/share/man/man1/mqscope.1.gz | grep -q '^.TH'
shot=$(mktemp -d)/installed.png
XDG_CONFIG_HOME=$(mktemp -d) XDG_DATA_HOME=$(mktemp -d) \
  timeout 120 xvfb-run -a -s "-screen 0 1280x800x24" /usr/bin/mqscope \
  --select 'demo/车间/二号线' --screenshot "$shot" --screenshot-after-ms 5000
size=$(stat -c %s "$shot")
[ "$size" -gt 20000 ] || { echo "package-check: the installed binary's screenshot is $size bytes" >&2; exit 1; }
echo "package-check: installed; /usr/bin/mqscope drew a window ($shot, $size bytes)"

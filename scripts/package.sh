#!/usr/bin/env bash
# Builds mqscope's Linux packages in target/package/: a .deb (cargo-deb) and a tarball
# (mqscope-VERSION-x86_64-linux.tar.gz), with a SHA256SUMS beside them. Both carry the
# stripped binary, the icons, the desktop file, the AppStream metainfo, the man page and
# the shell completions (made by the binary itself), the README and the licences.
#
#   scripts/package.sh            # the release build (fat LTO: about 20 minutes cold)
#   PROFILE=dev scripts/package.sh  # package an existing debug build (CI checks the packaging)
#
# Needs cargo-deb (`cargo install cargo-deb --locked`).
set -euo pipefail
cd "$(dirname "$0")/.."

PROFILE=${PROFILE:-release}
case "$PROFILE" in
  dev) dir=debug ;;
  *) dir=$PROFILE ;;
esac
if [ "${NO_BUILD:-}" != 1 ]; then
  cargo build --locked --profile "$PROFILE" --bin mqscope
fi
bin=target/$dir/mqscope
version=$("$bin" --version | awk '{print $2}')

# What the binary makes of itself: the man page and the completions.
rm -rf target/assets && mkdir -p target/assets/completions
"$bin" man | gzip -9n > target/assets/mqscope.1.gz
"$bin" completions bash > target/assets/completions/mqscope.bash
"$bin" completions zsh > target/assets/completions/_mqscope
"$bin" completions fish > target/assets/completions/mqscope.fish
"$bin" completions powershell > target/assets/completions/mqscope.ps1

out=target/package
rm -rf "$out" && mkdir -p "$out"
cargo deb --no-build --locked --profile "$PROFILE" --output "$out/"

# The tarball: the same files in one folder, as an unpacked install would want them.
name=mqscope-$version-x86_64-linux
stage=target/package-stage/$name
rm -rf target/package-stage && mkdir -p "$stage/icons" "$stage/completions"
cp "$bin" "$stage/mqscope"
strip "$stage/mqscope" 2>/dev/null || true
cp assets/io.github.mqscope.desktop assets/io.github.mqscope.metainfo.xml "$stage/"
cp assets/icons/* "$stage/icons/"
cp target/assets/mqscope.1.gz "$stage/"
cp target/assets/completions/* "$stage/completions/"
cp README.md LICENSE-MIT LICENSE-APACHE "$stage/"
cp assets/fonts/OFL.txt "$stage/OFL-Noto-Sans-CJK.txt"
tar -C target/package-stage -czf "$out/$name.tar.gz" --owner=0 --group=0 "$name"
rm -rf target/package-stage

(cd "$out" && sha256sum -- *.deb *.tar.gz > SHA256SUMS)
ls -l "$out"

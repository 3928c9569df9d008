#!/usr/bin/env bash
# Installs the two QEMU releases the live tests run against:
#   7.2  from the machine's Debian bookworm suite (qemu-system-common, qemu-utils), system-wide;
#   10.0 from bookworm-backports, the qemu-utils package unpacked with dpkg -x into .qemu/10.0
#        (ignored by git) and run from there with bookworm's libraries.
# The backports suite is added by copying the URIs of the machine's existing Debian source entry,
# so no registry host is named here. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
dest="$root/.qemu"
sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

# Find the URIs of the Debian entry that carries the plain bookworm suite.
uris=""
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
  uris=$(awk '
    /^[[:space:]]*$/ { if (suites ~ /(^|[[:space:]])bookworm([[:space:]]|$)/ && u != "") { print u; exit } ; u=""; suites=""; next }
    /^URIs:/ { sub(/^URIs:[[:space:]]*/, ""); u=$0 }
    /^Suites:/ { sub(/^Suites:[[:space:]]*/, ""); suites=$0 }
    END { if (suites ~ /(^|[[:space:]])bookworm([[:space:]]|$)/ && u != "") print u }
  ' /etc/apt/sources.list.d/debian.sources | head -n1)
fi
if [ -z "$uris" ] && [ -f /etc/apt/sources.list ]; then
  uris=$(awk '$1=="deb" && $3=="bookworm" { print $2; exit }' /etc/apt/sources.list)
fi
if [ -z "$uris" ]; then
  echo "qemu-setup: no Debian source entry for bookworm found in /etc/apt; cannot add bookworm-backports" >&2
  exit 1
fi
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
list=/etc/apt/sources.list.d/qjob-bookworm-backports.sources
want=$(printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: %s\n' "$uris" "$keyring")
if [ ! -f "$list" ] || [ "$(cat "$list")" != "$want" ]; then
  printf '%s\n' "$want" | $sudo tee "$list" >/dev/null
fi
# Backports must never win over bookworm for the system-wide install.
pin=/etc/apt/preferences.d/qjob-bookworm-backports
if [ ! -f "$pin" ]; then
  printf 'Package: *\nPin: release n=bookworm-backports\nPin-Priority: 100\n' | $sudo tee "$pin" >/dev/null
fi

$sudo apt-get update -qq
$sudo apt-get install -y -qq -t bookworm qemu-system-common qemu-utils >/dev/null

# QEMU 10.0 from backports, unpacked beside the system one.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ver=$(apt-cache madison qemu-utils | awk -F'|' '$3 ~ /bookworm-backports/ { gsub(/ /, "", $2); print $2; exit }')
if [ -z "$ver" ]; then
  echo "qemu-setup: bookworm-backports has no qemu-utils" >&2
  exit 1
fi
case "$ver" in
  *:10.0*|10.0*) ;;
  *) echo "qemu-setup: bookworm-backports offers qemu-utils $ver, not 10.0; unpacking it anyway" >&2 ;;
esac
if [ ! -x "$dest/10.0/usr/bin/qemu-storage-daemon" ] || [ "$(cat "$dest/10.0/VERSION" 2>/dev/null)" != "$ver" ]; then
  chmod 755 "$work"
  (cd "$work" && apt-get download -qq -o APT::Sandbox::User=root "qemu-utils=$ver")
  rm -rf "$dest/10.0"
  mkdir -p "$dest/10.0"
  dpkg -x "$work"/qemu-utils_*.deb "$dest/10.0"
  printf '%s\n' "$ver" >"$dest/10.0/VERSION"
fi

echo "QEMU 7.2:  $(command -v qemu-storage-daemon) ($(qemu-storage-daemon --version | head -n1))"
echo "QEMU 10.0: $dest/10.0/usr/bin/qemu-storage-daemon ($("$dest/10.0/usr/bin/qemu-storage-daemon" --version | head -n1))"

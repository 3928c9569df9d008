#!/usr/bin/env bash
# Installs the QEMU releases the live tests run against:
#   5.2  from Debian bullseye (qemu-system-common holds qemu-storage-daemon there, qemu-utils qemu-img),
#        unpacked with its own libraries into .qemu/5.2/root;
#   7.2  from the machine's Debian bookworm suite (qemu-system-common, qemu-utils, and qemu-system-x86
#        for the snapshot jobs), system-wide;
#   10.0 from bookworm-backports, the qemu-utils and qemu-system-x86 packages unpacked with dpkg -x into
#        .qemu/10.0 and run from there with bookworm's libraries;
#   11.1 from Debian sid (qemu-utils, qemu-system-x86), unpacked with its own libraries into .qemu/11.1/root.
# qemu-system-x86_64 is run with `-machine none` (no firmware, no guest), so no qemu-system-data or
# seabios is needed; 5.2 gets none (it has no snapshot jobs).
# 5.2 and 11.1 need libraries other than bookworm's: each suite's packages and their whole dependency
# closure are fetched with a private apt state (.qemu/.apt/<suite>, so the machine's apt set-up is not
# touched), unpacked with dpkg -x, and started by a wrapper, .qemu/<release>/bin/qemu-storage-daemon
# (and qemu-img, and qemu-system-x86_64 where unpacked), that runs the binary through that root's dynamic loader with --library-path.
# .qemu/ is ignored by git. Suites are added by copying the URIs of the machine's existing Debian
# source entry, so no registry host is named here. Safe to run again: a release already at the
# suite's version is left as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
dest="$root/.qemu"
sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

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
  echo "qemu-setup: no Debian source entry for bookworm found in /etc/apt; cannot add the other suites" >&2
  exit 1
fi
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
$sudo apt-get install -y -qq -t bookworm qemu-system-common qemu-utils qemu-system-x86 >/dev/null

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
$sudo mkdir -p "$dest"

# QEMU 10.0 from backports, unpacked beside the system one.
ver=$(apt-cache madison qemu-utils | awk -F'|' '$3 ~ /bookworm-backports/ { gsub(/ /, "", $2); print $2; exit }')
if [ -z "$ver" ]; then
  echo "qemu-setup: bookworm-backports has no qemu-utils" >&2
  exit 1
fi
case "$ver" in
  *:10.0*|10.0*) ;;
  *) echo "qemu-setup: bookworm-backports offers qemu-utils $ver, not 10.0; unpacking it anyway" >&2 ;;
esac
if [ ! -x "$dest/10.0/usr/bin/qemu-storage-daemon" ] || [ ! -x "$dest/10.0/usr/bin/qemu-system-x86_64" ] ||
  [ "$(cat "$dest/10.0/VERSION" 2>/dev/null)" != "$ver" ]; then
  (cd "$work" && apt-get download -qq -o APT::Sandbox::User=root "qemu-utils=$ver" "qemu-system-x86=$ver")
  $sudo rm -rf "$dest/10.0"
  $sudo mkdir -p "$dest/10.0"
  $sudo dpkg -x "$work"/qemu-utils_*.deb "$dest/10.0"
  $sudo dpkg -x "$work"/qemu-system-x86_*.deb "$dest/10.0"
  printf '%s\n' "$ver" | $sudo tee "$dest/10.0/VERSION" >/dev/null
fi

# unpack_suite RELEASE SUITE PACKAGE... : the packages and everything they depend on, from SUITE, into
# .qemu/RELEASE/root, with wrappers in .qemu/RELEASE/bin. apt runs with a state of its own: its own
# sources, lists, cache and an empty dpkg status (so the whole dependency closure is fetched).
unpack_suite() {
  local release=$1 suite=$2
  shift 2
  local state="$dest/.apt/$suite"
  $sudo mkdir -p "$state/lists/partial" "$state/archives/partial" "$state/sources" "$state/preferences"
  [ -f "$state/status" ] || $sudo touch "$state/status"
  printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n' "$uris" "$suite" "$keyring" |
    $sudo tee "$state/sources/$suite.sources" >/dev/null
  local opts=(
    -o "Dir::State=$state" -o "Dir::State::Lists=$state/lists" -o "Dir::State::status=$state/status"
    -o "Dir::Cache=$state" -o "Dir::Cache::archives=$state/archives" -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache="
    -o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$state/sources"
    -o "Dir::Etc::Preferences=/dev/null" -o "Dir::Etc::PreferencesParts=$state/preferences"
    -o "APT::Sandbox::User=root" -o "Acquire::Check-Valid-Until=false"
    -o "APT::Install-Recommends=false" -o "APT::Install-Suggests=false")
  $sudo apt-get -qq "${opts[@]}" update
  local ver
  ver=$(apt-cache "${opts[@]}" madison "$1" | awk -F'|' '{ gsub(/ /, "", $2); print $2; exit }')
  if [ -z "$ver" ]; then
    echo "qemu-setup: $suite has no $1" >&2
    exit 1
  fi
  case "$ver" in
    *:"$release".*|"$release".*|*:"$release"+*|"$release"+*) ;;
    *) echo "qemu-setup: $suite offers $1 $ver, not $release; unpacking it anyway" >&2 ;;
  esac
  local out="$dest/$release"
  # The programs wrapped: the daemon and qemu-img, and the system emulator when its package is asked for.
  local programs=(qemu-storage-daemon qemu-img)
  case " $* " in *" qemu-system-x86 "*) programs+=(qemu-system-x86_64) ;; esac
  local program have=1
  for program in "${programs[@]}"; do [ -x "$out/bin/$program" ] || have=0; done
  if [ "$have" = 1 ] && [ "$(cat "$out/VERSION" 2>/dev/null)" = "$ver" ] &&
    "$out/bin/qemu-storage-daemon" --version >/dev/null 2>&1; then
    return 0
  fi
  $sudo rm -f "$state/archives/"*.deb
  $sudo apt-get -qq "${opts[@]}" install -y --download-only "$@" >/dev/null
  local new="$dest/.new-$release"
  $sudo rm -rf "$new"
  $sudo mkdir -p "$new/root" "$new/bin"
  local deb
  for deb in "$state/archives/"*.deb; do $sudo dpkg -x "$deb" "$new/root"; done
  $sudo rm -f "$state/archives/"*.deb
  # The loader: usr/lib/<triplet>/ in merged-/usr suites, lib/<triplet>/ before.
  local loader
  loader=$(cd "$new/root" && { find usr/lib lib -maxdepth 2 -name 'ld-linux*.so.*' -path '*-linux-gnu*' 2>/dev/null || true; } | sort | head -n1)
  if [ -z "$loader" ]; then
    echo "qemu-setup: no dynamic loader in the unpacked $suite packages" >&2
    exit 1
  fi
  local triplet
  triplet=$(basename "$(dirname "$loader")")
  for program in "${programs[@]}"; do
    # The wrapper finds the root from its own path, so the folder can move with the repository.
    printf '#!/bin/sh\n# QEMU %s (Debian %s %s), run with the libraries of its own root (written by scripts/qemu-setup.sh).\nr="${0%%/*}/../root"\nexec "$r/%s" --library-path "$r/usr/lib/%s:$r/lib/%s" "$r/usr/bin/%s" "$@"\n' \
      "$release" "$suite" "$ver" "$loader" "$triplet" "$triplet" "$program" | $sudo tee "$new/bin/$program" >/dev/null
    $sudo chmod 755 "$new/bin/$program"
  done
  printf '%s\n' "$ver" | $sudo tee "$new/VERSION" >/dev/null
  printf '%s\n' "$suite" | $sudo tee "$new/SUITE" >/dev/null
  "$new/bin/qemu-storage-daemon" --version >/dev/null
  $sudo rm -rf "$out"
  $sudo mv "$new" "$out"
}

unpack_suite 5.2 bullseye qemu-system-common qemu-utils
unpack_suite 11.1 sid qemu-utils qemu-system-x86

echo "QEMU 5.2:  $dest/5.2/bin/qemu-storage-daemon ($("$dest/5.2/bin/qemu-storage-daemon" --version | head -n1))"
echo "QEMU 7.2:  $(command -v qemu-storage-daemon) ($(qemu-storage-daemon --version | head -n1))"
echo "QEMU 10.0: $dest/10.0/usr/bin/qemu-storage-daemon ($("$dest/10.0/usr/bin/qemu-storage-daemon" --version | head -n1))"
echo "QEMU 11.1: $dest/11.1/bin/qemu-storage-daemon ($("$dest/11.1/bin/qemu-storage-daemon" --version | head -n1))"
echo "qemu-system 7.2:  $(command -v qemu-system-x86_64) ($(qemu-system-x86_64 --version | head -n1))"
echo "qemu-system 10.0: $dest/10.0/usr/bin/qemu-system-x86_64 ($("$dest/10.0/usr/bin/qemu-system-x86_64" --version | head -n1))"
echo "qemu-system 11.1: $dest/11.1/bin/qemu-system-x86_64 ($("$dest/11.1/bin/qemu-system-x86_64" --version | head -n1))"

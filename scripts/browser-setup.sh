#!/usr/bin/env bash
# Installs Debian's Chromium for the graph page's browser test (driven by playwright-core; no downloaded browsers).
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  echo "Chromium: $(command -v chromium)"
  exit 0
fi
sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq chromium >/dev/null
echo "Chromium: $(command -v chromium)"

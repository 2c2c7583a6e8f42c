#!/usr/bin/env bash
# Install the Debian packages Frontline needs, when run as root on Debian; elsewhere, say
# which are missing. Usage: scripts/sysdeps.sh run|test
set -euo pipefail
what=${1:-run}
packages=(fonts-noto-cjk fonts-noto-core gettext libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)
if [ "$what" = test ]; then
  packages+=(poppler-utils poppler-data chromium)
fi
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi
echo "Missing system packages: ${missing[*]}" >&2
echo "Install them with: sudo apt-get install ${missing[*]}" >&2
if [ "$what" = test ]; then
  exit 1
fi
echo "(continuing: PDFs will lack fonts until they are installed)" >&2

#!/bin/sh
# Installs the Debian packages the app needs when they are missing (fonts, Pango, poppler;
# with --test also Chromium for the browser test and NSS tools for pdfsig). As root it uses apt-get; otherwise it
# prints the exact command to run and stops.
set -eu
# libharfbuzz-subset0: WeasyPrint subsets fonts with it (about 5x faster than fontTools).
# fonts-noto-cjk: rare characters in names (𠮷) are cut from it into a small Gothic font.
packages="fonts-morisawa-bizud-gothic fonts-morisawa-bizud-mincho fonts-ipamj-mincho
  fonts-ipaexfont-gothic fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0
  libharfbuzz-subset0 poppler-utils"
command -v npm >/dev/null 2>&1 || packages="$packages npm"
python3 -c 'import venv, ensurepip' 2>/dev/null || packages="$packages python3-venv"
# --test: Chromium for the browser test; certutil (libnss3-tools) to trust the test CA when
# poppler's pdfsig checks a sealed PDF independently.
[ "${1:-}" = "--test" ] && packages="$packages chromium libnss3-tools"

missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = "0" ]; then
  echo "Installing Debian packages:$missing"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
else
  echo "These Debian packages are missing:$missing"
  echo "Install them, then run make again:"
  echo "  sudo apt-get update && sudo apt-get install -y$missing"
  exit 1
fi

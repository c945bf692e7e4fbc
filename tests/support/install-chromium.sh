#!/bin/sh
# Installs Debian's chromium and the Noto fonts (Arabic glyphs) when missing: the desk's browser test drives a
# headless chromium through Playwright with executable_path; no browser is downloaded.
set -eu
if command -v chromium >/dev/null 2>&1 && [ -e /usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install-chromium.sh: chromium or fonts-noto-core is missing; run as root or:" \
         "apt-get install -y chromium fonts-noto-core (the desk's browser test skips without them)" >&2
    exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-noto-core >/dev/null
chromium --version 2>&1 | head -1

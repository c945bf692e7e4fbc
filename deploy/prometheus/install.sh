#!/bin/sh
# Installs Debian's Prometheus server and promtool when missing (the `prometheus` tests run them on loopback).
# The package's own service is not wanted: the tests start their own server on a free port.
set -eu
if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install.sh: prometheus is missing; run as root or: apt-get install -y prometheus" >&2
    exit 1
fi
# Keep dpkg from starting the packaged service (no init system here, and its port 9090 may be taken).
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
prometheus --version 2>&1 | head -1

#!/usr/bin/env bash
# Installs everything pocketstack needs on a fresh Debian machine (as root) into .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
DEBS="qemu-system-x86 qemu-utils dnsmasq-base busybox-static cpio kmod e2fsprogs iproute2 iptables nftables wrk iputils-ping isc-dhcp-client"
missing=""
for p in $DEBS; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  echo "installing Debian packages:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends $missing >/dev/null
fi
# The dashboard's browser tests (tests/e2e/test_dashboard_browser.py) drive Debian's
# chromium with Playwright; Playwright's own browser download is never used.
if ! dpkg -s chromium >/dev/null 2>&1; then
  echo "installing Debian packages: chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends chromium >/dev/null
fi
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends python3-venv python3-pip >/dev/null
fi
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
stamp=.venv/.pocketstack-installed
want=$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  .venv/bin/pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev]'
  echo "$want" > "$stamp"
fi

#!/bin/sh
# Install Debian's Chromium for the browser tests (tests/web). Idempotent: does
# nothing when /usr/bin/chromium is already there. Never downloads a browser
# through Playwright (`playwright install` is not used anywhere).
set -eu
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium
/usr/bin/chromium --version

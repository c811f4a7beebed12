#!/usr/bin/env bash
# Installs what `npm run test:browser` needs: Debian's chromium (browsers that download
# themselves cannot be fetched here; playwright-core drives this one through executablePath).
# Idempotent; CI runs it before the browser tests.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  echo "install-browser: $(chromium --version 2>/dev/null | tail -n 1)"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
echo "install-browser: $(chromium --version 2>/dev/null | tail -n 1)"

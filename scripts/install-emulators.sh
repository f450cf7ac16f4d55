#!/usr/bin/env bash
# Installs the local stand-ins the integration tests start: the npm packages
# pinned in testdata/emulators/package-lock.json. moto_server comes with the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f testdata/emulators/package.json ]; then
  if command -v npm >/dev/null 2>&1; then
    (cd testdata/emulators && npm ci --no-audit --no-fund --loglevel=error)
  else
    echo "install-emulators: npm not found; integration tests will skip (or fail with STEPSHIFT_REQUIRE_EMULATORS=1)" >&2
  fi
fi

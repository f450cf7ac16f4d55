#!/usr/bin/env bash
# Installs the local stand-ins the integration tests start: the npm packages
# pinned in testdata/emulators/package-lock.json (stepfunctions-local, sarif-multitool,
# and mermaid + jsdom, whose parser checks the graph command's Mermaid output).
# moto_server comes with the machine; Graphviz dot from apt (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f testdata/emulators/package.json ]; then
  if command -v npm >/dev/null 2>&1; then
    (cd testdata/emulators && npm ci --no-audit --no-fund --loglevel=error)
  else
    echo "install-emulators: npm not found; integration tests will skip (or fail with STEPSHIFT_REQUIRE_EMULATORS=1)" >&2
  fi
fi

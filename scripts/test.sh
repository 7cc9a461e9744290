#!/usr/bin/env bash
# Runs the whole test suite: system packages first (idempotent; with the test-only ones),
# then every crate's tests, then the VS Code extension's (editors/vscode: its TextMate grammar
# and a typecheck; Node only, no VS Code), which need node and npm.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
cargo test --workspace --locked "$@"
if command -v node >/dev/null && command -v npm >/dev/null \
   && node -e 'process.exit(process.versions.node.split(".")[0] >= 18 ? 0 : 1)'; then
  echo "editors/vscode: npm ci && npm test (node $(node --version))"
  npm ci --prefix editors/vscode --no-audit --no-fund
  npm test --prefix editors/vscode
else
  echo "editors/vscode: SKIPPED (needs node 18+ and npm; scripts/setup.sh --test installs them)"
fi

#!/usr/bin/env bash
# Runs the whole test suite: system packages first (idempotent; with the test-only ones),
# then every crate's tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
cargo test --workspace --locked "$@"

#!/usr/bin/env bash
# The whole test suite: formatting, lints, the catalogue lint, and every test of every crate.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -q -- -D warnings
cargo run -q -p qyzmet -- lint regulations/ --quiet
cargo test --workspace --no-fail-fast
# The benchmark's reference peer (SpiffWorkflow) must itself work.
PY=$(bash bench/spiff/setup.sh | tail -n 1)
"$PY" bench/spiff/test_peer.py
# Fuzz smoke run: every cargo-fuzz target ~20 s on its seeds (docs/fuzzing.md); fails on a crash.
bash scripts/fuzz.sh smoke

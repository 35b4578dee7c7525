#!/usr/bin/env bash
# The server benchmark: bulk-load N applications (default 1,000,000) into a fresh store, then
# measure the monitoring report (aggregates vs the full scan), inbox and filtered pages, search,
# HTTP intake under the `oha` load generator (500/s fixed, then saturation) and peak memory.
# Installs oha from crates.io if it is missing. Extra arguments go to `qyzmet bench server`
# (e.g. --n 100000 --http-seconds 10 --json --keep).
set -euo pipefail
cd "$(dirname "$0")/.."
bash bench/oha.sh
export PATH="$HOME/.cargo/bin:$PATH"
cargo build --release -q -p qyzmet
QYZMET_ROOT="$PWD" "${CARGO_TARGET_DIR:-target}/release/qyzmet" bench server --dir regulations "$@"

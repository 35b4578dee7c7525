#!/usr/bin/env bash
# The engine benchmark: N applications through the durable SQLite store, then the same process
# on SpiffWorkflow in the same run; prints both and the ratio. Extra arguments go to
# `qyzmet bench engine` (e.g. --n 50000 --wave 1024 --peer-n 2000).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p qyzmet
QYZMET_ROOT="$PWD" ./target/release/qyzmet bench engine "$@"

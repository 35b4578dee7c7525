#!/usr/bin/env bash
# Issue 14's benchmark in one run: the six-step process on qyzmet + SQLite and + PostgreSQL in
# process, over HTTP (a `qyzmet serve` per store, `oha` at 100/200/500/1000 submissions/s while
# officials act), and SpiffWorkflow committing per step to SQLite and to PostgreSQL; every
# figure, the ratios and the targets. Installs oha and the peer's venv when missing. Extra
# arguments go to `qyzmet bench process` (e.g. --n 50000 --http-seconds 20 --json
# --database postgresql://postgres@127.0.0.1:5432/test).
set -euo pipefail
cd "$(dirname "$0")/.."
bash bench/oha.sh
export PATH="$HOME/.cargo/bin:$PATH"
bash bench/spiff/setup.sh >/dev/null
cargo build --release -q -p qyzmet
QYZMET_ROOT="$PWD" "${CARGO_TARGET_DIR:-target}/release/qyzmet" bench process "$@"

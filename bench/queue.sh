#!/usr/bin/env bash
# The preschool queue benchmark: 1M children over 200 districts — queue-number lookups beside the
# same position as SQLite COUNT(*) over an index, declaring 10,000 places and issuing their
# referrals, 500 applications/s journalled durably while positions are read. Extra arguments go
# to `qyzmet bench queue` (e.g. --children 100000 --rate 1000).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p qyzmet
"${CARGO_TARGET_DIR:-target}/release/qyzmet" bench queue "$@"

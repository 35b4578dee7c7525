#!/usr/bin/env bash
# The server benchmark: bulk-load N applications (default 1,000,000) into a fresh store, then
# measure the monitoring report (aggregates vs the full scan), inbox and filtered pages, search,
# HTTP intake under the `oha` load generator (500/s fixed, then saturation) and peak memory.
# Installs oha from crates.io if it is missing. Extra arguments go to `qyzmet bench server`
# (e.g. --n 100000 --http-seconds 10 --json --keep).
set -euo pipefail
cd "$(dirname "$0")/.."
OHA_VERSION=1.16.0
if ! command -v oha >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/oha" ]; then
  echo "bench/server.sh: installing oha $OHA_VERSION (the HTTP load generator) with cargo" >&2
  if [ "$(id -u)" = 0 ] && ! { command -v pkg-config >/dev/null && pkg-config --exists openssl; }; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pkg-config libssl-dev >/dev/null
  fi
  # native-tls (the system's OpenSSL) rather than rustls: no aws-lc C build, much faster.
  cargo install --locked --quiet --no-default-features --features native-tls oha --version "$OHA_VERSION"
fi
export PATH="$HOME/.cargo/bin:$PATH"
cargo build --release -q -p qyzmet
QYZMET_ROOT="$PWD" "${CARGO_TARGET_DIR:-target}/release/qyzmet" bench server --dir regulations "$@"

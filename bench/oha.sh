#!/usr/bin/env bash
# Installs the HTTP load generator `oha` from crates.io when it is missing (the HTTP benchmarks
# use it); quiet when it is there.
set -euo pipefail
OHA_VERSION=1.16.0
if ! command -v oha >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/oha" ]; then
  echo "bench/oha.sh: installing oha $OHA_VERSION (the HTTP load generator) with cargo" >&2
  if [ "$(id -u)" = 0 ] && ! { command -v pkg-config >/dev/null && pkg-config --exists openssl; }; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pkg-config libssl-dev >/dev/null
  fi
  # native-tls (the system's OpenSSL) rather than rustls: no aws-lc C build, much faster.
  cargo install --locked --quiet --no-default-features --features native-tls oha --version "$OHA_VERSION"
fi

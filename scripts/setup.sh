#!/usr/bin/env bash
# Installs what the test suite needs beyond cargo: Debian chromium (diagram and UI checks),
# poppler-utils and zbar-tools (PDF checks), openssl (CMS interop), DejaVu fonts (Kazakh PDFs),
# Patroni, etcd and PostgreSQL 15 (the failover test),
# the npm packages of tools/, the PyPI venvs of tools/ (schemathesis, openapi-spec-validator),
# and (via the calendar tests) the PyPI `holidays` package.
# Idempotent; safe to run on every CI run.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v pdftotext >/dev/null 2>&1 || need_apt+=(poppler-utils)
command -v zbarimg >/dev/null 2>&1 || need_apt+=(zbar-tools)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need_apt+=(fonts-dejavu-core)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs npm)
command -v python3 >/dev/null 2>&1 || need_apt+=(python3 python3-venv)
# The failover test (crates/qyzmet/tests/failover.rs, scripts/ha/): a Patroni-managed
# PostgreSQL 15 pair with one etcd.
[ -x /usr/lib/postgresql/15/bin/postgres ] || need_apt+=(postgresql-15)
command -v patroni >/dev/null 2>&1 || need_apt+=(patroni)
command -v etcd >/dev/null 2>&1 || need_apt+=(etcd-server)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing ${need_apt[*]} from Debian"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "setup: missing ${need_apt[*]} and not root; tests that need them will say so" >&2
  fi
fi

# The PostgreSQL store's tests (crates/store) use the machine's PostgreSQL at 127.0.0.1:5432
# (trust auth, database `test`); start its cluster if it is installed and stopped.
if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432 \
  && [ "$(id -u)" = 0 ] && [ -d /etc/postgresql ]; then
  echo "setup: starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
fi

for d in tools/*/; do
  if [ -f "$d/package-lock.json" ] && [ ! -d "$d/node_modules" ]; then
    echo "setup: npm ci in $d"
    (cd "$d" && npm ci --silent --no-audit --no-fund)
  fi
done

# PyPI tools in their own venvs (the tests call these too; each prints its bin directory).
if command -v python3 >/dev/null 2>&1; then
  for s in tools/schemathesis/setup.sh tools/openapi-validator/setup.sh; do
    bash "$s" >/dev/null || echo "setup: $s failed; the test that needs it will say so" >&2
  done
fi

# The HTTP load generator of the benchmarks (their tests run it): cargo-installed once.
bash bench/oha.sh || echo "setup: installing oha failed; the benchmark tests will say so" >&2

#!/usr/bin/env bash
# A venv with the pinned schemathesis (PyPI), for the API fuzz test. Idempotent; prints the
# venv's bin directory on its last line.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${QYZMET_ST_ENV:-$HOME/.cache/qyzmet/py-schemathesis}"
stamp="$venv/.requirements"
if [ ! -x "$venv/bin/schemathesis" ] || ! cmp -s "$here/requirements.txt" "$stamp"; then
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$here/requirements.txt" >&2
  cp "$here/requirements.txt" "$stamp"
fi
echo "$venv/bin"

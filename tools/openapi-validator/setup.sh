#!/usr/bin/env bash
# A venv with the pinned openapi-spec-validator (PyPI), for the OpenAPI validity test.
# Idempotent; prints the venv's bin directory on its last line.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${QYZMET_OSV_ENV:-$HOME/.cache/qyzmet/py-openapi-validator}"
stamp="$venv/.requirements"
if [ ! -x "$venv/bin/openapi-spec-validator" ] || ! cmp -s "$here/requirements.txt" "$stamp"; then
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$here/requirements.txt" >&2
  cp "$here/requirements.txt" "$stamp"
fi
echo "$venv/bin"

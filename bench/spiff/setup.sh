#!/usr/bin/env bash
# Installs the SpiffWorkflow reference peer of `qyzmet bench engine` into its own venv.
#
#   bash bench/spiff/setup.sh        # prints the venv's python on its last line
#
# The venv is ${QYZMET_PYENV:-$HOME/.cache/qyzmet/py-bench}; the base interpreter is
# ${QYZMET_PYTHON:-python3} (SpiffWorkflow 3.x needs Python >= 3.10).  Idempotent: when the
# venv already holds exactly bench/spiff/requirements.txt, nothing is downloaded.  Quiet: only
# errors reach stderr, and stdout is the python path alone.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
reqs="$here/requirements.txt"
venv="${QYZMET_PYENV:-$HOME/.cache/qyzmet/py-bench}"
base="${QYZMET_PYTHON:-python3}"
py="$venv/bin/python"
stamp="$venv/.qyzmet-spiff-requirements"

die() { echo "bench/spiff/setup.sh: $*" >&2; exit 1; }

# The venv is taken as ready when it was made from this very requirements file and the
# peer's imports still work (a venv whose base python was removed fails here and is rebuilt).
ready() {
  [ -x "$py" ] && [ -f "$stamp" ] && cmp -s "$reqs" "$stamp" &&
    "$py" -c 'import SpiffWorkflow.bpmn, lxml.etree' >/dev/null 2>&1
}

if ! ready; then
  command -v "$base" >/dev/null 2>&1 || die "no $base on PATH (set QYZMET_PYTHON)"
  "$base" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' ||
    die "$base is $("$base" -V 2>&1); SpiffWorkflow 3.x needs Python >= 3.10 (set QYZMET_PYTHON)"
  if [ -x "$py" ] && ! "$py" -c 'import sys' >/dev/null 2>&1; then
    rm -rf -- "$venv"          # broken venv (its base interpreter is gone): start over
  fi
  if [ ! -x "$py" ]; then
    mkdir -p -- "$(dirname -- "$venv")"
    "$base" -m venv -- "$venv" || die "could not create the venv $venv"
  fi
  "$py" -m pip install --quiet --disable-pip-version-check --no-input -r "$reqs" >&2 ||
    die "pip could not install $reqs into $venv"
  cp -- "$reqs" "$stamp"
  ready || die "the venv $venv still cannot import SpiffWorkflow"
fi

echo "$py"

#!/usr/bin/env bash
# Installs the SpiffWorkflow reference peer of `qyzmet bench engine` into its own venv.
#
#   bash bench/spiff/setup.sh        # prints the venv's python on its last line
#
# The venv is ${QYZMET_PYENV:-$HOME/.cache/qyzmet/py-bench}; the base interpreter is
# ${QYZMET_PYTHON:-python3} (SpiffWorkflow 3.x needs Python >= 3.10).  Idempotent: when the
# venv already holds exactly bench/spiff/requirements.txt, nothing is downloaded; a venv made
# from an older one is upgraded in place.  Quiet: only errors reach stderr, and stdout is the
# python path alone.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
reqs="$here/requirements.txt"
venv="${QYZMET_PYENV:-$HOME/.cache/qyzmet/py-bench}"
base="${QYZMET_PYTHON:-python3}"
py="$venv/bin/python"
stamp="$venv/.qyzmet-spiff-requirements"

die() { echo "bench/spiff/setup.sh: $*" >&2; exit 1; }

# The venv is taken as ready when it was made from this very requirements file, holds every
# `name==version` pin of it, and the peer's imports work with psycopg's prebuilt libpq.  A venv
# made from an older requirements file is not: pip then upgrades it in place.  A venv whose
# base python was removed fails here too and is rebuilt below.
check='
import re, sys
from importlib import metadata
import SpiffWorkflow.bpmn, lxml.etree, psycopg
if psycopg.pq.__impl__ != "binary":
    sys.exit("psycopg runs on " + psycopg.pq.__impl__ + ", not psycopg-binary")
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.split("#", 1)[0].strip()
    if line:
        name, _, want = line.partition("==")
        have = metadata.version(name.strip())
        if have != want.strip():
            sys.exit(f"{name} {have} installed, {want} pinned")
'
ready() {
  [ -x "$py" ] && [ -f "$stamp" ] && cmp -s "$reqs" "$stamp" &&
    "$py" -c "$check" "$reqs" >/dev/null 2>&1
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
  ready || die "the venv $venv does not match $reqs after pip: $("$py" -c "$check" "$reqs" 2>&1 | tail -n 1)"
fi

echo "$py"

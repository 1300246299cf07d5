#!/usr/bin/env bash
# The federated algorithm's tests (federated/tests) in their own virtualenv, federated/.venv:
# vantage6 5.x needs Python 3.13 and pins old packages, so it never enters mscohort's own
# environment. Creates the virtualenv once (Python 3.13: MSCOHORT_FEDERATED_PYTHON, else
# python3.13 on the PATH, else pyenv's), reinstalls when a pyproject changes, runs ruff
# (from the main virtualenv, when present) and pytest. Usage:
#   bash scripts/run-federated-tests.sh [pytest arguments]
#   bash scripts/run-federated-tests.sh --install-only   # create/update the virtualenv only
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
FED="$ROOT/federated"
VENV="$FED/.venv"
find_python() {
  for p in "${MSCOHORT_FEDERATED_PYTHON:-}" python3.13 \
           "$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")/versions/3.13"*/bin/python3; do
    [ -n "$p" ] || continue
    if command -v "$p" >/dev/null 2>&1 \
       && "$p" -c 'import sys; sys.exit(sys.version_info[:2] < (3, 13))' 2>/dev/null; then
      command -v "$p"; return 0
    fi
  done
  return 1
}
if [ ! -x "$VENV/bin/python" ]; then
  PY=$(find_python) || {
    echo "The federated tests need Python 3.13 (vantage6 5.x); set MSCOHORT_FEDERATED_PYTHON." >&2
    exit 2; }
  echo "Creating the virtualenv $VENV with $PY ..." >&2
  "$PY" -m venv "$VENV"
fi
STAMP="$VENV/.installed"
if [ ! -f "$STAMP" ] || [ "$ROOT/pyproject.toml" -nt "$STAMP" ] \
   || [ "$FED/pyproject.toml" -nt "$STAMP" ]; then
  echo "Installing mscohort and mscohort-federated[client,test] into $VENV ..." >&2
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    -e "$ROOT" -e "$FED[client,test]" 2>&1 | grep -v "^WARNING: Location" >&2 || true
  "$VENV/bin/python" -c 'import mscohort_federated, vantage6.client' \
    || { echo "installing the federated algorithm failed" >&2; exit 1; }
  touch "$STAMP"
fi
if [ "${1:-}" = "--install-only" ]; then
  exit 0
fi
if [ -x "$ROOT/.venv/bin/ruff" ]; then
  (cd "$FED" && "$ROOT/.venv/bin/ruff" check src tests)
fi
cd "$FED"
exec "$VENV/bin/python" -m pytest "$@"

# Sourced by the run-* scripts: create (once) and update the project's virtualenv.
# MSCOHORT_VENV chooses its folder (default: .venv in the repository).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${MSCOHORT_VENV:-$ROOT/.venv}
PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "mscohort needs Python 3.11 or newer; $PYTHON is $("$PYTHON" --version 2>&1)." >&2
  exit 2
fi
if [ ! -x "$VENV/bin/python" ]; then
  echo "Creating the virtualenv $VENV ..." >&2
  "$PYTHON" -m venv "$VENV"
fi
install_mscohort() {  # $1: extras, e.g. "[test]" or ""
  echo "Installing mscohort$1 into $VENV ..." >&2
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$ROOT$1" 2>&1 \
    | grep -v "^WARNING: Location" >&2 || true
  "$VENV/bin/python" -c 'import mscohort' || { echo "installing mscohort failed" >&2; exit 1; }
}

#!/usr/bin/env bash
# The whole test suite: install mscohort with its test extras, lint, then run pytest.
# Usage: bash scripts/run-tests.sh [pytest arguments]
source "$(dirname "$0")/_venv.sh"
install_mscohort "[test]"
cd "$ROOT"
"$VENV/bin/ruff" check src tests benchmarks
exec "$VENV/bin/python" -m pytest "$@"

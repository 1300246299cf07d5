#!/usr/bin/env bash
# The whole test suite: install mscohort with its test extras, lint, type-check, then run
# pytest.
# Usage: bash scripts/run-tests.sh [pytest arguments]
source "$(dirname "$0")/_venv.sh"
install_mscohort "[test]"
# Test-only oracles pin old numpy/pandas: install them without their pins.
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps \
  mssev==0.5.2 pymsprog==1.0.7 2>&1 | grep -v "^WARNING: Location" >&2 || true
export MSCOHORT_REQUIRE_ORACLES=1
cd "$ROOT"
"$VENV/bin/ruff" check src tests benchmarks
"$VENV/bin/mypy"  # src/mscohort, settings in pyproject.toml [tool.mypy]
if [ "$#" -gt 0 ]; then
  exec "$VENV/bin/python" -m pytest "$@"
fi
# the whole suite: the core tests on every core (pytest-xdist, one worker per CPU; a test
# file stays on one worker; MSCOHORT_TEST_WORKERS=0 runs them in this process; the 15
# slowest are listed), then the federated algorithm's, on every core too, in its own
# virtualenv (vantage6 needs Python 3.13 and pins old packages:
# scripts/run-federated-tests.sh), whose install runs meanwhile.
FED_LOG=$(mktemp)
bash "$ROOT/scripts/run-federated-tests.sh" --install-only >"$FED_LOG" 2>&1 &
FED_INSTALL=$!
status=0
"$VENV/bin/python" -m pytest -n "${MSCOHORT_TEST_WORKERS:-auto}" --dist loadfile \
  --durations=15 \
  || status=$?
fed=0
wait "$FED_INSTALL" || fed=$?
cat "$FED_LOG" >&2; rm -f "$FED_LOG"
if [ "$fed" -eq 0 ]; then
  bash "$ROOT/scripts/run-federated-tests.sh" -q -n "${MSCOHORT_TEST_WORKERS:-auto}" \
    || fed=$?
fi
exit $((status ? status : fed))

#!/usr/bin/env bash
# The main job: install mscohort, then validate, import and summarise the bundled example study.
# Usage: bash scripts/run-example.sh [--workdir DIR]   (default DIR: ./mscohort-example)
source "$(dirname "$0")/_venv.sh"
install_mscohort ""
cd "$ROOT"
exec "$VENV/bin/mscohort" example "$@"

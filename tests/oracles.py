"""Test-only oracle packages (installed by scripts/run-tests.sh with --no-deps).

When MSCOHORT_REQUIRE_ORACLES=1 (set by the README test command and so in CI) a missing
oracle is an error, not a skip, so that a reference test can never pass by not running.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest


def oracle(name: str) -> ModuleType:
    if os.environ.get("MSCOHORT_REQUIRE_ORACLES") == "1":
        return importlib.import_module(name)
    return pytest.importorskip(name)

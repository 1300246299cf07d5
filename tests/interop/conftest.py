"""The small study of tests/data/interop in canonical form, validated once."""

from __future__ import annotations

from pathlib import Path

import pytest

from mscohort.ingest import read_study
from mscohort.schema import TABLES
from mscohort.study import Study
from mscohort.validate import check_study
from tests.conftest import AS_OF

DATA = Path(__file__).parents[1] / "data" / "interop"


@pytest.fixture(scope="session")
def canonical() -> Study:
    study, report = check_study(read_study(DATA / "canonical"), as_of=AS_OF)
    assert report.ok
    return study


def assert_same_study(a: Study, b: Study) -> None:
    """Every table equal: same rows, same values, same types (sorted by key)."""
    for name in TABLES:
        left, right = a.table(name), b.table(name)
        assert left.schema == right.schema, name
        assert left.equals(right), f"{name}:\n{left}\n{right}"

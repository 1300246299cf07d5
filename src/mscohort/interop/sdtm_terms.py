"""The SDTM terms: which findings domain, category, test code, trial number and unit each
canonical findings column maps to (``datasets/interop/sdtm.toml``, replaceable)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from mscohort.errors import UsageError, read_toml
from mscohort.schema import TABLES

DEFAULT_TERMS = Path(str(files("mscohort") / "datasets" / "interop" / "sdtm.toml"))


@dataclass(frozen=True)
class Test:
    table: str
    column: str
    domain: str
    category: str
    testcd: str
    test: str
    repnum: int | None = None
    unit: str | None = None


@dataclass(frozen=True)
class Terms:
    study_id: str
    tests: tuple[Test, ...]

    def for_table(self, table: str) -> list[Test]:
        return [t for t in self.tests if t.table == table]


def load_terms(path: str | Path | None = None) -> Terms:
    path = Path(path) if path is not None else DEFAULT_TERMS
    raw = read_toml(path, "SDTM terms")
    where = f"SDTM terms {path}"
    tests = []
    for i, t in enumerate(raw.get("test", [])):
        try:
            test = Test(**t)
        except TypeError as exc:
            raise UsageError(f"{where}: test[{i}]: {exc}.") from None
        spec = TABLES.get(test.table)
        if spec is None or test.column not in spec.column_by_name:
            raise UsageError(f"{where}: test[{i}]: {test.table}.{test.column} is not a "
                             "canonical column.")
        tests.append(test)
    keys = [(t.domain, t.category, t.testcd, t.repnum) for t in tests]
    if len(set(keys)) != len(keys):
        raise UsageError(f"{where}: two tests share a domain, category, test code and trial.")
    return Terms(str(raw.get("study_id", "MSCOHORT")), tuple(tests))

"""Reading one patient's records from the store (the web app's history page at registry
scale, issue #23): DuckDB selects them instead of the whole table being read."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from mscohort.errors import InvalidArgumentError
from mscohort.schema import TABLES
from mscohort.store import StudyStore, import_folder
from tests.conftest import AS_OF


def test_one_patients_records_are_the_rows_of_the_whole_table_for_that_patient(
        toy_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    import_folder(toy_dir, db, as_of=AS_OF)
    with StudyStore(db, read_only=True) as store:
        patients = store.read("patients")["patient_id"].to_list()
        assert len(patients) >= 2
        for pid in [*patients, "nobody"]:
            for name in TABLES:
                whole = store.read(name).filter(pl.col("patient_id") == pid)
                assert store.read(name, patient_id=pid).equals(whole), (pid, name)
        with pytest.raises(InvalidArgumentError, match="`patient_id` must be None with"):
            store.read("edss", patient_id=patients[0], as_of_version=1)

"""Scores as derived columns in the store, recomputed at every import."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from mscohort.derive.assessments import DERIVED_EDSS_COLUMNS, derive_edss
from mscohort.derive.tables import load_table
from mscohort.ingest import read_study
from mscohort.store import StudyStore, import_folder
from mscohort.validate import check_study
from tests.conftest import AS_OF


def test_store_holds_the_scores_of_every_assessment(toy_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    import_folder(toy_dir, db, as_of=AS_OF)
    study, _ = check_study(read_study(toy_dir), as_of=AS_OF)
    with StudyStore(db, read_only=True) as store:
        stored = store.derived("edss")
        assert store.derived("msfc").height == 3
    assert tuple(stored.columns) == DERIVED_EDSS_COLUMNS
    assert stored.height == 29
    assert stored.equals(derive_edss(study), null_equal=True)


def test_baseline_msss_from_patient_level_data(toy_dir: Path, tmp_path: Path) -> None:
    # P01: onset 1995-09-01, first EDSS 5.5 on 2005-03-10 -> 9 completed years -> dd9
    study, _ = check_study(read_study(toy_dir), as_of=AS_OF)
    first = derive_edss(study).filter(pl.col("patient_id") == "P01").row(0, named=True)
    table = load_table("roxburgh2005")
    assert first["duration_years"] == 9 and first["age_years"] == 43
    assert first["msss"] == table.values[9, 10]  # column 10 is EDSS 5.5
    # P02 onset "2004-03" (used as 2004-03-15), first EDSS 2011-01-12 -> 6 completed years
    p02 = derive_edss(study).filter(pl.col("patient_id") == "P02").row(0, named=True)
    assert p02["duration_years"] == 6


def test_derived_scores_follow_new_data(write_study, tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    import_folder(write_study(), db, as_of=AS_OF)
    with StudyStore(db, read_only=True) as store:
        before = store.derived("edss")
    later = write_study(patients=None, edss="patient_id,date,edss\nP2,2013-05-05,3.0\n")
    import_folder(later, db, as_of=AS_OF)
    with StudyStore(db, read_only=True) as store:
        after = store.derived("edss")
    assert (before.height, after.height) == (3, 4)
    # P2 (onset 2001-03-01): EDSS 2.0 at 11 years, now also 3.0 at 12 years; P1's visits
    # are at 15 and 16 years, outside P2's pools.
    # year 11 pools years 9-13: before {2.0} -> 1/2*10 = 5.0; after {2.0, 3.0} -> 1/3*10
    # year 12 pools years 10-14: {2.0, 3.0} -> EDSS 3.0 has rank 2 -> 2/3*10
    p2_before = before.filter(pl.col("patient_id") == "P2")["local_msss"].to_list()
    p2_after = after.filter(pl.col("patient_id") == "P2")["local_msss"].to_list()
    assert p2_before == [5.0]
    assert p2_after == pytest.approx([10 / 3, 20 / 3])


def test_an_empty_store_has_empty_derived_tables(tmp_path: Path) -> None:
    with StudyStore(tmp_path / "s.duckdb") as store:
        assert store.derived("edss").height == 0

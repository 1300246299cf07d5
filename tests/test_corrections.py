"""Corrections with an audit trail: a changed value is a new version of its record."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import polars as pl
import pytest

from mscohort.errors import DataValidationError, InvalidArgumentError, UsageError
from mscohort.schema import TABLES
from mscohort.store import Acceptance, ChangesNeedAcceptance, StudyStore, import_folder
from mscohort.store.duckdb_store import SCHEMA_VERSION
from tests.conftest import AS_OF
from tests.test_store import snapshot

CORRECTED = "patient_id,date,edss\nP1,2010-01-01,4.5\nP1,2011-01-01,3.5\nP2,2012-05-05,2.0\n"
FIX = Acceptance("A. Nurse", "typo fixed at the clinic")


def test_a_changed_value_is_refused_with_the_diff_and_nothing_changes(
        write_study, tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    import_folder(write_study(), db, as_of=AS_OF)
    before = snapshot(db)
    corrected = write_study(edss=CORRECTED + "P2,2013-01-01,2.5\n")
    with pytest.raises(ChangesNeedAcceptance, match="nothing was imported") as info:
        import_folder(corrected, db, as_of=AS_OF)
    diff = info.value.diff
    assert diff.changed.select("table", "row", "record", "column", "old", "new").rows() == [
        ("edss", 2, "P1 / 2010-01-01", "edss", "3.0", "4.5")]
    assert diff.added["edss"] == 1 and diff.missing.height == 0
    assert info.value.report.errors["rule"].to_list() == ["conflicts_with_store"]
    assert snapshot(db) == before  # not even the new 2013 visit


def test_an_accepted_correction_is_a_new_version_with_who_when_why_and_file(
        write_study, tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    import_folder(write_study(), db, as_of=AS_OF, by="B. Doctor")
    corrected = write_study(edss=CORRECTED)
    result = import_folder(corrected, db, as_of=AS_OF, accept=FIX)
    assert result.import_id == 2 and result.rows_changed["edss"] == 1
    assert sum(result.rows_added.values()) == 0
    assert "edss 1 changed" in result.summary()
    with StudyStore(db, read_only=True) as store:
        current = store.read("edss", with_import_id=True)
        hist = store.history("P1").filter(pl.col("table_name") == "edss")
        audit = store.audit()
        assert store.version() == 2
    assert current.select("patient_id", "edss", "import_id").rows() == [
        ("P1", 4.5, 2), ("P1", 3.5, 1), ("P2", 2.0, 1)]
    first = hist.filter(pl.col("record") == "P1 / 2010-01-01")
    # only the columns that hold a value, and what the correction changed, are named
    assert first.select("version", "action", "values", "changes", "imported_by",
                        "reason").rows() == [
        (1, "added", "edss=3.0", "", "B. Doctor", None),
        (2, "changed", "edss=4.5", "edss: 3.0 -> 4.5", "A. Nurse", "typo fixed at the clinic")]
    assert first["sha256"][1] == hashlib.sha256((corrected / "edss.csv").read_bytes()).hexdigest()
    assert first["file"][1] == "edss.csv" and first["imported_at"].null_count() == 0
    assert audit.select("version", "imported_by", "rows_changed").rows() == [
        (1, "B. Doctor", 0), (2, "A. Nurse", 1)]


def test_a_history_entry_names_only_the_columns_with_a_value_or_a_change(
        write_study, tmp_path: Path) -> None:
    import datetime as dt

    db = tmp_path / "s.duckdb"
    with_fs = ("patient_id,date,edss,fs_pyramidal,fs_visual\nP1,2010-01-01,3.0,2,\n"
               "P1,2011-01-01,3.5,,\nP2,2012-05-05,2.0,,\n")
    import_folder(write_study(edss=with_fs), db, as_of=AS_OF)
    fixed = with_fs.replace("P1,2010-01-01,3.0,2,", "P1,2010-01-01,3.0,,1")
    import_folder(write_study(edss=fixed), db, as_of=AS_OF, accept=FIX)
    with StudyStore(db) as store:
        store.retract("edss", pl.DataFrame({"patient_id": ["P1"], "date": [
            dt.date(2010, 1, 1)]}), by="A. Nurse", reason="entered twice")
        hist = store.history("P1").filter(pl.col("record") == "P1 / 2010-01-01")
    assert hist.select("action", "values", "changes").rows() == [
        ("added", "edss=3.0; fs_pyramidal=2", ""),
        ("changed", "edss=3.0; fs_visual=1", "fs_pyramidal: 2 -> empty; fs_visual: empty -> 1"),
        ("retracted", "edss=3.0; fs_visual=1", "")]


def test_as_of_version_reads_the_store_as_it_was(write_study, tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    import_folder(write_study(), db, as_of=AS_OF)
    with StudyStore(db, read_only=True) as store:
        version_1 = store.study()
    import_folder(write_study(edss=CORRECTED), db, as_of=AS_OF, accept=FIX)
    with StudyStore(db, read_only=True) as store:
        for name in TABLES:
            assert store.read(name, as_of_version=1).equals(version_1.table(name)), name
            assert store.read(name, as_of_version=2).equals(store.read(name)), name
        with pytest.raises(UsageError, match=r"`as_of_version` must be a store version from "
                                             r"1 to 2; got 3"):
            store.read("edss", as_of_version=3)


def test_missing_records_stay_unless_retracted_with_the_acceptance(
        write_study, tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    import_folder(write_study(), db, as_of=AS_OF)
    shorter = write_study(patients=None, edss="patient_id,date,edss\nP1,2010-01-01,3.0\n")
    kept = import_folder(shorter, db, as_of=AS_OF)
    assert not kept.changed  # the missing rows are not a change
    result = import_folder(shorter, db, as_of=AS_OF,
                           accept=Acceptance("A. Nurse", "full re-export", retract_missing=True))
    assert result.rows_retracted["edss"] == 2 and result.import_id == 2
    with StudyStore(db, read_only=True) as store:
        assert store.read("edss")["date"].cast(pl.String).to_list() == ["2010-01-01"]
        assert store.read("edss", as_of_version=1).height == 3
        p2 = store.history("P2")
    assert p2.filter(pl.col("table_name") == "edss")["action"].to_list() == ["added",
                                                                            "retracted"]


def test_retract_one_record_keeps_it_in_the_history(write_study, tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    import_folder(write_study(), db, as_of=AS_OF)
    key = pl.DataFrame({"patient_id": ["P1"], "date": ["2011-01-01"]}).with_columns(
        pl.col("date").str.to_date())
    with StudyStore(db) as store:
        assert store.retract("edss", key, by="A. Nurse", reason="entered twice") == 2
        assert store.read("edss").height == 2
        assert store.read("edss", as_of_version=1).height == 3
        before = snapshot_of(store)
        with pytest.raises(UsageError, match="1 of the 1 records to retract are not stored"):
            store.retract("edss", key, by="A. Nurse", reason="again")
        patient = pl.DataFrame({"patient_id": ["P1"]})
        with pytest.raises(DataValidationError, match="nothing was retracted"):
            store.retract("patients", patient, by="A. Nurse", reason="withdrew consent")
        with pytest.raises(InvalidArgumentError, match="`reason` must be a reason"):
            store.retract("edss", key, by="A. Nurse", reason=" ")
        assert snapshot_of(store) == before


def snapshot_of(store: StudyStore) -> dict[str, list[tuple]]:
    return {name: store.read(name).rows() for name in TABLES} | {
        "versions": [(store.version(),)]}


def test_acceptance_needs_a_name_and_a_reason() -> None:
    with pytest.raises(InvalidArgumentError, match="`by` must be the name"):
        Acceptance("", "typo")
    with pytest.raises(InvalidArgumentError, match="`reason` must be a reason"):
        Acceptance("A. Nurse", "")


def _downgrade_to_version_3(db: Path) -> None:
    """Turn a current store into what mscohort wrote at schema version 3."""
    con = duckdb.connect(str(db))
    for name in TABLES:
        con.execute(f'DROP TABLE "history_{name}"')
    con.execute("DROP TABLE import_audit")
    con.execute("UPDATE mscohort_meta SET value = '3' WHERE key = 'schema_version'")
    con.close()


def test_a_version_3_store_upgrades_with_its_rows_as_first_versions(
        toy_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    import_folder(toy_dir, db, as_of=AS_OF)
    _downgrade_to_version_3(db)
    before = snapshot(db)
    with StudyStore(db) as store:
        for name in TABLES:  # the history replays to the stored rows
            assert store.read(name, as_of_version=1).equals(store.read(name)), name
    after = snapshot(db)
    for name, rows in before.items():
        if name != "mscohort_meta":
            assert after[name] == rows, name
    meta = dict(after["mscohort_meta"])
    assert meta["schema_version"] == SCHEMA_VERSION == "5" and "upgraded_to_4" in meta


def test_one_record_is_corrected_as_a_new_version_keeping_its_other_values(
        write_study, tmp_path: Path) -> None:
    from mscohort.store.correcting import correct_record

    db = tmp_path / "s.duckdb"
    patients = ("patient_id,sex,birth_date,onset_date,site\nP1,F,1970-01,1995-01-01,Basel\n"
                "P2,M,1980-06-15,2001-03-01,Bern\n")
    import_folder(write_study(patients=patients), db, as_of=AS_OF)
    result = correct_record(db, "patients", {"patient_id": "P1"}, {"site": "Zürich"},
                            by="A. Nurse", reason="site renamed", as_of=AS_OF)
    assert result.import_id == 2 and result.rows_changed["patients"] == 1
    with StudyStore(db, read_only=True) as store:
        p1 = store.read("patients").row(0, named=True)
        audit = store.audit().row(1, named=True)
    assert (p1["site"], str(p1["birth_date"]), p1["birth_date_precision"]) == (
        "Zürich", "1970-01-15", "month")  # the month-precision birth date is kept as it was
    assert (audit["source"], audit["imported_by"], audit["reason"]) == (
        "web edit", "A. Nurse", "site renamed")
    with pytest.raises(UsageError, match="`key` must be the key of one stored record"):
        correct_record(db, "edss", {"patient_id": "P1", "date": "1999-01-01"},
                       {"edss": "2.0"}, by="A. Nurse", reason="x")
    with pytest.raises(DataValidationError, match="nothing was imported"):
        correct_record(db, "edss", {"patient_id": "P1", "date": "2010-01-01"},
                       {"edss": "11"}, by="A. Nurse", reason="x", as_of=AS_OF)

"""The DuckDB study store: exact round trip, all-or-nothing, never losing or changing rows."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import polars as pl
import pytest

from mscohort.errors import DataValidationError, UsageError
from mscohort.ingest import read_study
from mscohort.schema import TABLES
from mscohort.store import StudyStore, import_folder, validate_folder
from mscohort.validate import check_study
from tests.conftest import AS_OF


def snapshot(db: Path) -> dict[str, list[tuple]]:
    """Every row of every table of the database, for before/after comparisons."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()]
        return {n: sorted(con.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr)
                for n in names}
    finally:
        con.close()


def test_reading_back_gives_exactly_what_was_imported(toy_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    import_folder(toy_dir, db, as_of=AS_OF)
    study, _ = check_study(read_study(toy_dir), as_of=AS_OF)
    with StudyStore(db, read_only=True) as store:
        for name in TABLES:
            stored = store.read(name)
            assert stored.schema == study.table(name).schema, name
            assert stored.equals(study.table(name)), name


def test_second_import_of_the_same_data_changes_nothing(toy_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    first = import_folder(toy_dir, db, as_of=AS_OF)
    before = snapshot(db)
    second = import_folder(toy_dir, db, as_of=AS_OF)
    assert first.changed and first.import_id == 1
    assert not second.changed and sum(second.rows_added.values()) == 0
    assert snapshot(db) == before


def test_failed_import_leaves_the_store_exactly_as_it_was(
    toy_dir: Path, broken_dir: Path, tmp_path: Path
) -> None:
    db = tmp_path / "s.duckdb"
    import_folder(toy_dir, db, as_of=AS_OF)
    before = snapshot(db)
    with pytest.raises(DataValidationError, match="nothing was imported"):
        import_folder(broken_dir, db, as_of=AS_OF)
    assert snapshot(db) == before


def test_failed_first_import_stores_no_rows(broken_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    with pytest.raises(DataValidationError):
        import_folder(broken_dir, db, as_of=AS_OF)
    # no rows, and not even the empty store file (issue #19: the file the failed first
    # import created is removed)
    assert not db.exists() and not Path(f"{db}.wal").exists()
    with pytest.raises(UsageError, match="does not exist"):
        StudyStore(db, read_only=True)


def test_new_rows_are_added_and_stored_rows_kept(write_study, tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    import_folder(write_study(), db, as_of=AS_OF)
    # a later export: one new visit, P2's visit missing; patients only in the store
    later = write_study(patients=None, edss="patient_id,date,edss\nP1,2010-01-01,3.0\n"
                        "P1,2011-01-01,3.5\nP1,2012-01-01,4.0\n")
    result = import_folder(later, db, as_of=AS_OF)
    assert result.rows_added["edss"] == 1 and result.import_id == 2
    with StudyStore(db, read_only=True) as store:
        edss = store.read("edss", with_import_id=True)
    assert edss.select("patient_id", "edss", "import_id").rows() == [
        ("P1", 3.0, 1), ("P1", 3.5, 1), ("P1", 4.0, 2), ("P2", 2.0, 1),
    ]


def test_a_row_contradicting_a_stored_row_is_refused(write_study, tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    import_folder(write_study(), db, as_of=AS_OF)
    before = snapshot(db)
    changed = write_study(edss="patient_id,date,edss\nP1,2010-01-01,4.5\nP1,2013-01-01,4.0\n")
    with pytest.raises(DataValidationError) as info:
        import_folder(changed, db, as_of=AS_OF)
    hit = info.value.report.errors.row(0, named=True)
    assert hit["rule"] == "conflicts_with_store" and hit["row"] == 2
    assert hit["column"] == "edss" and "stored 3.0, new 4.5" in hit["message"]
    assert snapshot(db) == before  # the new 2013 visit was not stored either


def test_validate_against_a_store_reports_conflicts_and_knows_stored_patients(
    write_study, tmp_path: Path
) -> None:
    db = tmp_path / "s.duckdb"
    import_folder(write_study(), db, as_of=AS_OF)
    later = write_study(patients=None, edss="patient_id,date,edss\nP2,2012-05-05,2.5\n"
                        "P1,1960-01-01,1.0\n")
    _, _, report = validate_folder(later, db=db, as_of=AS_OF)
    assert sorted(report.errors["rule"]) == ["before_birth", "conflicts_with_store"]


def test_provenance_records_file_hashes_rows_and_version(toy_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    import_folder(toy_dir, db, as_of=AS_OF)
    with StudyStore(db, read_only=True) as store:
        imports = store.imports().row(0, named=True)
        files = store.import_files()
    assert imports["import_id"] == 1 and imports["mscohort_version"]
    assert imports["n_warnings"] == 4 and str(imports["validated_as_of"]) == "2026-01-01"
    edss = files.filter(pl.col("table_name") == "edss").row(0, named=True)
    assert edss["sha256"] == hashlib.sha256((toy_dir / "edss.csv").read_bytes()).hexdigest()
    # 30 rows read less one exact duplicate stored once
    assert (edss["rows_read"], edss["rows_added"]) == (29, 29)


def test_opening_a_missing_store_read_only_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        StudyStore(tmp_path / "absent.duckdb", read_only=True)


def test_a_foreign_duckdb_file_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).close()
    with pytest.raises(UsageError, match="not an mscohort study store"):
        StudyStore(other, read_only=True)


def test_later_imports_need_no_patients_file_when_patients_are_stored(
    write_study, tmp_path: Path
) -> None:
    db = tmp_path / "s.duckdb"
    import_folder(write_study(), db, as_of=AS_OF)
    only_relapses = write_study(patients=None, edss=None,
                                relapses="patient_id,onset_date\nP2,2013-01-01\n")
    result = import_folder(only_relapses, db, as_of=AS_OF)
    assert result.rows_added["relapses"] == 1


def test_export_writes_every_table_typed_as_parquet(toy_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    import_folder(toy_dir, db, as_of=AS_OF)
    with StudyStore(db, read_only=True) as store:
        files = store.export(tmp_path / "pq")
        edss = store.read("edss")
    names = {f.stem for f in files}
    assert set(TABLES) | {"derived_edss", "derived_msfc"} == names
    assert pl.read_parquet(tmp_path / "pq" / "edss.parquet").equals(edss)
    with StudyStore(db, read_only=True) as store, pytest.raises(
            UsageError, match="`format` must be parquet or csv"):
        store.export(tmp_path / "x", "xml")


def _downgrade_to_version_2(db: Path) -> None:
    """Turn a current store into what mscohort wrote at schema version 2."""
    con = duckdb.connect(str(db))
    con.execute('DROP TABLE "mri"')
    con.execute('ALTER TABLE "oct" DROP COLUMN "optic_neuritis"')
    for name in TABLES:  # schema version 4: record versions
        con.execute(f'DROP TABLE "history_{name}"')
    con.execute("DROP TABLE import_audit")
    con.execute("UPDATE mscohort_meta SET value = '2' WHERE key = 'schema_version'")
    con.close()


def test_an_older_store_is_refused_read_only_and_upgraded_without_changing_rows(
        toy_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    import_folder(toy_dir, db, as_of=AS_OF)
    _downgrade_to_version_2(db)
    before = snapshot(db)
    with pytest.raises(UsageError, match=r"version 2.*mscohort upgrade --db"):
        StudyStore(db, read_only=True)
    assert snapshot(db) == before
    with StudyStore(db) as store:
        assert store.read("mri").height == 0
        oct_ = store.read("oct")
        assert oct_["optic_neuritis"].null_count() == oct_.height
    after = snapshot(db)
    for name, rows in before.items():
        if name == "oct":  # the same scans, each with an empty optic_neuritis added last
            assert rows == [r[:-1] for r in after[name]]
            assert {r[-1] for r in after[name]} == {None}
        elif name != "mscohort_meta":
            assert after[name] == rows, name
    meta = dict(after["mscohort_meta"])
    assert meta["schema_version"] == "5" and "upgraded_to_3" in meta

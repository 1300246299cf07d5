"""The store's keys without DuckDB's in-memory key indexes (issue #23, schema version 5):
checked in SQL inside the import, and the upgrade of a schema-4 store (with indexes)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from mscohort.errors import DataValidationError
from mscohort.ingest import read_study
from mscohort.schema import TABLES
from mscohort.store import StudyStore, import_folder
from mscohort.store.duckdb_store import SCHEMA_VERSION
from mscohort.study import Study
from mscohort.validate import check_study
from tests.conftest import AS_OF
from tests.test_store import snapshot

#: The small bookkeeping tables keep their primary keys.
KEYED = {"mscohort_meta", "imports", "import_files", "import_audit"}


def _primary_keys(db: Path) -> set[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_constraints() "
            "WHERE constraint_type = 'PRIMARY KEY'").fetchall()}
    finally:
        con.close()


def _downgrade_to_version_4(db: Path) -> None:
    """Turn a current store into what mscohort wrote at schema version 4: a PRIMARY KEY on
    every canonical table (its key) and history table (its key and the version)."""
    con = duckdb.connect(str(db))
    for name, spec in TABLES.items():
        key = ", ".join(f'"{k}"' for k in spec.key)
        con.execute(f'ALTER TABLE "{name}" ADD PRIMARY KEY ({key})')
        con.execute(f'ALTER TABLE "history_{name}" ADD PRIMARY KEY ({key}, "version")')
    con.execute("UPDATE mscohort_meta SET value = '4' WHERE key = 'schema_version'")
    con.close()


def test_a_new_store_keeps_no_key_index_on_the_record_tables(
        toy_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    import_folder(toy_dir, db, as_of=AS_OF)
    assert _primary_keys(db) == KEYED


def test_a_version_4_store_upgrades_in_one_step_keeping_every_row(
        toy_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    import_folder(toy_dir, db, as_of=AS_OF)
    _downgrade_to_version_4(db)
    assert _primary_keys(db) == KEYED | set(TABLES) | {f"history_{n}" for n in TABLES}
    before = snapshot(db)
    assert sum(len(before[name]) for name in TABLES) > 100  # the toy study's records
    with StudyStore(db) as store:
        for name in TABLES:  # the history still replays to the stored rows
            assert store.read(name, as_of_version=1).equals(store.read(name)), name
    after = snapshot(db)
    assert set(after) == set(before)
    for name, rows in before.items():
        if name != "mscohort_meta":
            assert after[name] == rows, name
    meta = dict(after["mscohort_meta"])
    assert meta["schema_version"] == SCHEMA_VERSION == "5" and "upgraded_to_5" in meta
    assert _primary_keys(db) == KEYED
    # the upgraded store takes a later import like a new one
    again = import_folder(toy_dir, db, as_of=AS_OF)
    assert not again.changed


def test_a_failed_upgrade_leaves_the_version_4_store_as_it_was(
        toy_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    import_folder(toy_dir, db, as_of=AS_OF)
    _downgrade_to_version_4(db)
    con = duckdb.connect(str(db))  # a table in the way of the upgrade's last copy
    con.execute('CREATE TABLE "_upgrade_history_adverse_events" (x INTEGER)')
    con.close()
    before = snapshot(db)
    with pytest.raises(Exception, match="could not be written"):
        StudyStore(db)
    assert snapshot(db) == before
    assert _primary_keys(db) == KEYED | set(TABLES) | {f"history_{n}" for n in TABLES}


def test_the_store_refuses_a_key_twice_even_when_validation_is_bypassed(
        toy_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    import_folder(toy_dir, db, as_of=AS_OF)
    before = snapshot(db)
    raw = read_study(toy_dir)
    study, report = check_study(raw, as_of=AS_OF)
    edss = study.lineage("edss")
    # one new visit (a day after every stored one), given twice with different scores:
    # validation would refuse it (conflicting_record); here it is handed to the store as is
    new = edss.head(1).with_columns(pl.lit(edss["date"].max()).dt.offset_by("1d")
                                    .alias("date"), pl.lit(9000, edss["_row"].dtype).alias("_row"))
    twice = pl.concat([edss, new, new.with_columns(pl.col("_row") + 1, pl.col("edss") + 0.5)])
    study = Study(dict(study.tables) | {"edss": twice})
    with StudyStore(db) as store, pytest.raises(DataValidationError) as caught:
        store.add(study, raw, report, as_of=AS_OF)
    issues = caught.value.report.issues.filter(pl.col("rule") == "duplicate_key")
    assert issues["row"].to_list() == [9000, 9001]
    row = issues.row(0, named=True)
    assert row["file"].endswith("edss.csv") and row["column"] == "patient_id, date"
    assert row["patient_id"] == new["patient_id"][0]
    assert f"{new['date'][0]}" in row["value"] and "more than once" in row["message"]
    assert snapshot(db) == before


def test_a_key_already_stored_is_not_added_a_second_time(
        toy_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    import_folder(toy_dir, db, as_of=AS_OF)
    before = snapshot(db)
    again = import_folder(toy_dir, db, as_of=AS_OF)  # every key is stored already
    assert not again.changed and snapshot(db) == before

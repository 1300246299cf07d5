"""Issue #23: closing a study store. A read-only use writes nothing (no checkpoint: the
file is unchanged byte for byte, no write-ahead log); an import's bulk inserts fill whole
row groups, so that the checkpoint when the store closes keeps them instead of rewriting
the table (``store/row_groups.py``). Its cost is measured in
``benchmarks/bench_store_close.py``, not here."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import polars as pl
import pytest

from mscohort.loading import load_input, load_visits
from mscohort.schema import TABLES
from mscohort.store import StudyStore, import_folder
from mscohort.store.derived import refresh_derived_edss
from mscohort.store.row_groups import whole_row_groups
from mscohort.synthetic import make_synthetic_cohort, write_study_folder

#: DuckDB's rows per row group (its default ``row_group_size``)
ROW_GROUP = 122_880


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _row_groups(con: duckdb.DuckDBPyConnection, table: str) -> list[int]:
    """Rows of each row group of ``table``, in order (its first column's segments)."""
    rows = con.sql(
        "SELECT row_group_id, sum(count) FROM pragma_storage_info(?) WHERE column_id = 0 "
        "AND segment_type <> 'VALIDITY' GROUP BY row_group_id ORDER BY row_group_id",
        params=[table]).fetchall()
    return [int(n) for _, n in rows]


def test_reading_a_store_read_only_leaves_its_file_unchanged_byte_for_byte(
        tmp_path: Path) -> None:
    write_study_folder(make_synthetic_cohort(40, seed=3), tmp_path / "study")
    db = tmp_path / "s.duckdb"
    import_folder(tmp_path / "study", db)
    before = _sha256(db)
    with StudyStore(db, read_only=True) as store:
        study = store.study()
        derived = store.derived("edss")
        assert store.version() == 1
    loaded = load_input(db=db)  # what `analyse` and `report` read
    visits = load_visits(db=db)  # what `events --db` reads
    assert study.table("edss").height == derived.height > 100
    assert loaded.records.table("edss").height == visits.visits.height == derived.height
    assert _sha256(db) == before
    assert not Path(f"{db}.wal").exists()


def test_whole_row_groups_fills_each_row_group_before_the_next(tmp_path: Path) -> None:
    parts = []
    for i in range(6):  # 180,000 rows in 6 Parquet files: one full row group and the rest
        parts.append(str(tmp_path / f"{i}.parquet"))
        pl.DataFrame({"a": range(i * 30_000, (i + 1) * 30_000)}).write_parquet(parts[-1])
    con = duckdb.connect(str(tmp_path / "t.duckdb"))
    con.execute("SET threads = 2")
    con.execute("CREATE TABLE t (a BIGINT)")
    con.execute("BEGIN")
    with whole_row_groups(con):
        assert con.execute("SELECT current_setting('threads')").fetchall() == [(1,)]
        con.execute("INSERT INTO t SELECT * FROM read_parquet(?)", [parts])
    con.execute("COMMIT")
    assert _row_groups(con, "t") == [ROW_GROUP, 180_000 - ROW_GROUP]
    assert con.execute("SELECT current_setting('threads')").fetchall() == [(2,)]
    # the rows in the order of the files
    assert con.sql("SELECT a FROM t").pl()["a"].to_list() == list(range(180_000))
    con.close()


def test_whole_row_groups_lets_a_failed_insert_raise_its_own_error(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "t.duckdb"))
    con.execute("CREATE TABLE t (a BIGINT NOT NULL)")
    con.execute("BEGIN")
    with pytest.raises(duckdb.ConstraintException, match="NOT NULL"), \
            whole_row_groups(con):
        con.execute("INSERT INTO t VALUES (1), (NULL)")
    con.execute("ROLLBACK")
    assert con.sql("SELECT count(*) FROM t").fetchall() == [(0,)]
    con.close()


@pytest.mark.slow
def test_derived_edss_is_stored_in_whole_row_groups(tmp_path: Path) -> None:
    """More EDSS assessments than one row group, derived in batches of 2,000 patients
    (Parquet parts whose sizes are not multiples of a row group): every row group of
    ``derived_edss`` is full but the last, before the checkpoint, so the checkpoint has
    nothing to merge."""
    study = make_synthetic_cohort(10_000, seed=5)
    assert study.table("edss").height > ROW_GROUP
    db = tmp_path / "s.duckdb"
    with StudyStore(db) as store:
        con = store.con
        con.execute("SET threads = 2")
        for name in ("patients", "edss"):
            frame = study.table(name).with_columns(import_id=pl.lit(1, pl.Int32))
            con.register("_rows", frame.select(*TABLES[name].stored_columns,
                                               "import_id").to_arrow())
            con.execute(f"INSERT INTO {name} SELECT * FROM _rows")
            con.unregister("_rows")
        con.execute("BEGIN")
        refresh_derived_edss(con, batch_patients=2_000)
        con.execute("COMMIT")
        sizes = _row_groups(con, "derived_edss")
        assert sum(sizes) == study.table("edss").height
        assert sizes[:-1] == [ROW_GROUP] * (len(sizes) - 1)

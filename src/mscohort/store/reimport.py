"""A re-import against the corrections made in mscohort: a stored value corrected in the
tool (the web app's correction of one record, source ``web edit``) after the last import of
its record, which an import would change again.

A clinic corrects a value in mscohort, not in its own system; its next export still holds
the value the correction replaced. An import of that export would undo the correction
without anyone deciding to. Each changed value of an import (:func:`mscohort.store.changes
.store_diff`) whose stored value comes from such a correction is classified
(:func:`corrections_at_stake`):

* ``undo``: the file holds the value the correction replaced (the value of the record's
  last import): the source still holds the old value;
* ``conflict``: the file holds a third value: the source was changed since the correction.

By default an import **keeps** both kinds (the corrected value stays; the import lists
them); an :class:`~mscohort.store.changes.Acceptance` may take the file's value instead,
for every one (``corrections="overwrite"``) or for chosen ones (``take_file``). Each kept
or overwritten correction of a store version is recorded in ``import_corrections``
(:func:`record_corrections`), next to the version's who and why in ``import_audit``. A
record retracted in the tool that the files hold again is handled the same way, as a
correction of the whole record (column :data:`RECORD_COLUMN`;
:mod:`mscohort.store.retractions`).

Notes
-----
The default follows the import behaviour of electronic data capture systems, where an
import does not overwrite existing values unless asked to (REDCap's data import tool:
"overwrite behavior", default "normal": blank values do not overwrite saved data), and the
audit-trail rule that a change must not obscure the previously recorded information
(21 CFR Part 11 §11.10(e)).

References
----------
US Food and Drug Administration. 21 CFR Part 11, Electronic Records; Electronic Signatures,
§11.10(e).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import polars as pl

from mscohort.schema import TABLES
from mscohort.store.versions import history_name, q

#: The source of a correction made in the tool (:mod:`mscohort.store.correcting`).
CORRECTION_SOURCE = "web edit"
#: What an import may do with the corrections it would change.
CORRECTION_CHOICES = ("keep", "overwrite")
#: The source of a retraction made in the tool (``mscohort retract``,
#: :func:`mscohort.store.writing.retract`).
RETRACTION_SOURCE = "retraction"
#: The ``column`` of a retraction at stake: it is about the whole record
#: (:mod:`mscohort.store.retractions`).
RECORD_COLUMN = "(record)"
#: The kinds of a correction at stake, and what each says.
KINDS = {"undo": "would undo a correction",
         "conflict": "changed at the source since a correction",
         "retraction": "would undo a retraction",
         "retraction_conflict": "changed at the source since a retraction"}
#: The kinds of a retraction at stake (a record retracted in the tool that the files hold).
RETRACTION_KINDS = ("retraction", "retraction_conflict")

CORRECTION_SCHEMA = {
    "table": pl.String, "file": pl.String, "row": pl.Int64, "patient_id": pl.String,
    "record": pl.String, "column": pl.String,
    "stored": pl.String,      #: the corrected value, stored now
    "file_value": pl.String,  #: the value the import brings
    "replaced": pl.String,    #: the value the correction replaced (the record's last import)
    "kind": pl.String,        #: undo or conflict
    "correction_version": pl.Int64, "corrected_by": pl.String,
    "corrected_at": pl.Datetime, "correction_reason": pl.String}

CORRECTIONS_DDL = (
    "CREATE TABLE IF NOT EXISTS import_corrections (import_id INTEGER NOT NULL, "
    "table_name VARCHAR NOT NULL, patient_id VARCHAR, record VARCHAR NOT NULL, "
    "column_name VARCHAR NOT NULL, kind VARCHAR NOT NULL, decision VARCHAR NOT NULL, "
    "stored VARCHAR, file_value VARCHAR, replaced VARCHAR, "
    "correction_version INTEGER NOT NULL, file VARCHAR, \"row\" BIGINT)")
#: Columns of :func:`stored_corrections`.
RECORDED_COLUMNS = ("import_id", "table_name", "patient_id", "record", "column_name", "kind",
                    "decision", "stored", "file_value", "replaced", "correction_version",
                    "file", "row")
_ON = ["table", "record", "column"]


def record_sql(alias: str, key: tuple[str, ...]) -> str:
    """The text of a record's key (``P1 / 2010-01-01``), as the diff names records."""
    return " || ' / ' || ".join(f"coalesce(CAST({alias}.{q(k)} AS VARCHAR), '')" for k in key)


def corrections_at_stake(con: duckdb.DuckDBPyConnection, changed: pl.DataFrame) -> pl.DataFrame:
    """The changed values (``StoreDiff.changed``) whose stored value comes from a correction
    made in the tool after the last import of the record (:data:`CORRECTION_SCHEMA`).

    Reads the history of the changed records only; nothing when the store holds no
    correction made in the tool.
    """
    empty = pl.DataFrame(schema=CORRECTION_SCHEMA)
    if changed.height == 0 or not con.execute(
            "SELECT count(*) FROM imports WHERE source = ?", [CORRECTION_SOURCE]
    ).fetchall()[0][0]:
        return empty
    frames = []
    for (table, column), part in changed.group_by("table", "column", maintain_order=True):
        found = _at_stake(con, str(table), str(column), part)
        if found.height:
            frames.append(found)
    if not frames:
        return empty
    found = pl.concat(frames)
    audit = con.sql("SELECT i.import_id AS correction_version, a.imported_by AS corrected_by, "
                    "i.imported_at AS corrected_at, a.reason AS correction_reason "
                    "FROM imports i LEFT JOIN import_audit a USING (import_id)").pl()
    return (found.join(audit.cast({"correction_version": pl.Int64}), on="correction_version",
                       how="left")
            .select(list(CORRECTION_SCHEMA)).cast(empty.schema)
            .sort("table", "file", "row", "column"))


def _at_stake(con: duckdb.DuckDBPyConnection, table: str, column: str,
              part: pl.DataFrame) -> pl.DataFrame:
    """:func:`corrections_at_stake` for the changed values of one column of one table."""
    spec = TABLES[table]
    con.register("_changed", part.select("patient_id", "record").to_arrow())
    try:
        versions = con.sql(
            f"SELECT h.record, h.version, h.action, i.source, h.value FROM ("
            f"SELECT {record_sql('h', spec.key)} AS record, h.version, h.action, "
            f"CAST(h.{q(column)} AS VARCHAR) AS value FROM {q(history_name(table))} h "
            f"WHERE h.patient_id IN (SELECT patient_id FROM _changed)) h "
            f"JOIN imports i ON i.import_id = h.version "
            f"WHERE h.record IN (SELECT record FROM _changed) ORDER BY h.record, h.version"
        ).pl()
    finally:
        con.unregister("_changed")
    edit = pl.col("source") == CORRECTION_SOURCE
    # the record's last import: its last version written from a file (not a retraction)
    imported = (versions.filter(~edit & (pl.col("action") != "retracted"))
                .group_by("record").agg(pl.col("version").max().alias("_imported"),
                                        pl.col("value").sort_by("version").last()
                                        .alias("replaced")))
    # the last correction in the tool after it that changed this column
    corrections = (
        versions.sort("record", "version")
        .with_columns(pl.col("value").shift(1).over("record").alias("_before"))
        .join(imported, on="record")
        .filter(edit & (pl.col("version") > pl.col("_imported"))
                & pl.col("value").ne_missing(pl.col("_before")))
        .group_by("record").agg(pl.col("version").max().alias("correction_version"),
                                pl.col("replaced").first()))
    return (part.join(corrections, on="record")
            .rename({"old": "stored", "new": "file_value"})
            .with_columns(pl.when(pl.col("file_value").eq_missing(pl.col("replaced")))
                          .then(pl.lit("undo")).otherwise(pl.lit("conflict")).alias("kind")))


def takes_file(corrections: pl.DataFrame, choice: str,
               take_file: frozenset[tuple[str, str, str]]) -> pl.Series:
    """Which ``corrections`` take the file's value: every one with ``choice`` "overwrite",
    else those whose (table, record, column) is in ``take_file``."""
    if choice == "overwrite":
        return pl.Series("take", [True] * corrections.height, pl.Boolean)
    return pl.Series("take", [(r["table"], r["record"], r["column"]) in take_file
                              for r in corrections.iter_rows(named=True)], pl.Boolean)


def without(changed: pl.DataFrame, kept: pl.DataFrame) -> pl.DataFrame:
    """``changed`` values without the ``kept`` corrections."""
    if kept.height == 0:
        return changed
    return (changed.join(kept.select(_ON), on=_ON, how="anti")
            .sort("table", "file", "row", "column"))


def describe(row: dict[str, object]) -> str:
    """One correction at stake in words: ``would undo a correction (version 2, by A on
    2026-12-01: reason R); stored 2.5 (corrected from 5.5), file 5.5``; a retraction:
    ``would undo a retraction (version 2, ...); the file holds the retracted record
    (edss=5.5)`` or ``...; retracted (edss=5.5), file (edss=6.0)``."""
    when = row["corrected_at"]
    day = when.date().isoformat() if hasattr(when, "date") else str(when)
    who = f"by {row['corrected_by']} " if row.get("corrected_by") else ""
    why = f": {row['correction_reason']}" if row.get("correction_reason") else ""
    if row["kind"] == "retraction":
        values = f"the file holds the retracted record ({_shown(row['replaced'])})"
    elif row["kind"] == "retraction_conflict":
        values = (f"retracted ({_shown(row['replaced'])}), "
                  f"file ({_shown(row['file_value'])})")
    else:
        values = (f"stored {_shown(row['stored'])} (corrected from "
                  f"{_shown(row['replaced'])}), file {_shown(row['file_value'])}")
    return (f"{KINDS[str(row['kind'])]} (version {row['correction_version']}, {who}on "
            f"{day}{why}); {values}")


def _shown(value: object) -> str:
    return "empty" if value is None else str(value)


@contextmanager
def keeping(con: duckdb.DuckDBPyConnection, new: str, table: str,
            kept: pl.DataFrame) -> Iterator[str]:
    """The rows ``new`` (a table expression of :func:`mscohort.store.incoming.rows_sql`)
    with the stored value in place of each ``kept`` correction of ``table``, and without the
    records of its ``kept`` retractions, so that a write leaves those values as they are and
    those records retracted."""
    rows = kept.filter(pl.col("table") == table)
    gone = rows.filter(pl.col("column") == RECORD_COLUMN)
    rows = rows.filter(pl.col("column") != RECORD_COLUMN)
    spec = TABLES[table]
    if gone.height:
        con.register("_kept_gone", gone.select("record").to_arrow())
        new = (f"(SELECT * FROM {new} kg WHERE {record_sql('kg', spec.key)} NOT IN "
               "(SELECT record FROM _kept_gone))")
    try:
        with _keeping_values(con, new, table, rows) as out:
            yield out
    finally:
        if gone.height:
            con.unregister("_kept_gone")


@contextmanager
def _keeping_values(con: duckdb.DuckDBPyConnection, new: str, table: str,
                    rows: pl.DataFrame) -> Iterator[str]:
    """:func:`keeping` for the corrections of values."""
    if rows.height == 0:
        yield new
        return
    spec = TABLES[table]
    on = " AND ".join(f"kn.{q(k)} = ks.{q(k)}" for k in spec.key)
    key = record_sql("kn", spec.key)
    columns = set(rows["column"])
    cols = [f"CASE WHEN EXISTS (SELECT 1 FROM _kept k WHERE k.record = {key} AND "
            f"k.\"column\" = '{c}') THEN ks.{q(c)} ELSE kn.{q(c)} END AS {q(c)}"
            if c in columns else f"kn.{q(c)}" for c in spec.stored_columns]
    con.register("_kept", rows.select("record", "column").to_arrow())
    try:
        yield (f"(SELECT kn._file, kn._row, {', '.join(cols)} FROM {new} kn "
               f"LEFT JOIN {q(table)} ks ON {on})")
    finally:
        con.unregister("_kept")


def record_corrections(con: duckdb.DuckDBPyConnection, version: int, kept: pl.DataFrame,
                       overwritten: pl.DataFrame) -> None:
    """Write the corrections store version ``version`` kept or overwrote to
    ``import_corrections`` (inside the import's transaction; the table is made by the first
    import that has any, adding only)."""
    rows = pl.concat([kept.with_columns(pl.lit("kept").alias("decision")),
                      overwritten.with_columns(pl.lit("overwritten").alias("decision"))])
    if rows.height == 0:
        return
    con.execute(CORRECTIONS_DDL)
    frame = rows.select(pl.lit(version, pl.Int32).alias("import_id"),
                        pl.col("table").alias("table_name"), "patient_id", "record",
                        pl.col("column").alias("column_name"), "kind", "decision", "stored",
                        "file_value", "replaced", pl.col("correction_version").cast(pl.Int32),
                        "file", "row")
    con.register("_decided", frame.to_arrow())
    try:
        con.execute("INSERT INTO import_corrections SELECT * FROM _decided")
    finally:
        con.unregister("_decided")


def stored_corrections(con: duckdb.DuckDBPyConnection, version: int | None = None,
                       patient_id: str | None = None) -> pl.DataFrame:
    """The corrections (and retractions) kept or overwritten by imports (of store version
    ``version`` when given; of the patient ``patient_id`` when given), with who and why of
    the import (``imported_by``, ``reason``) and of the correction (``corrected_by``,
    ``corrected_at``, ``correction_reason``)."""
    exists = con.execute("SELECT count(*) FROM information_schema.tables "
                         "WHERE table_name = 'import_corrections'").fetchall()[0][0]
    if not exists:
        return pl.DataFrame(schema={c: pl.String for c in RECORDED_COLUMNS}
                            | {"import_id": pl.Int32, "correction_version": pl.Int32,
                               "row": pl.Int64, "imported_by": pl.String,
                               "reason": pl.String, "corrected_by": pl.String,
                               "corrected_at": pl.Datetime, "correction_reason": pl.String})
    where = [] if version is None else [f"c.import_id = {int(version)}"]
    where += [] if patient_id is None else ["c.patient_id = $patient"]
    return con.sql(
        "SELECT c.*, a.imported_by, a.reason, b.imported_by AS corrected_by, "
        "i.imported_at AS corrected_at, b.reason AS correction_reason "
        "FROM import_corrections c LEFT JOIN import_audit a USING (import_id) "
        "LEFT JOIN import_audit b ON b.import_id = c.correction_version "
        "LEFT JOIN imports i ON i.import_id = c.correction_version "
        + (f"WHERE {' AND '.join(where)} " if where else "")
        + "ORDER BY c.import_id, c.table_name, c.file, c.\"row\", c.column_name",
        params={"patient": patient_id} if patient_id is not None else None).pl()

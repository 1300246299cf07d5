"""A re-import against the retractions made in mscohort: a record retracted in the tool
(``mscohort retract``: a correction that removes a wrong record) that the imported files
still hold.

A clinic retracts a wrong record in mscohort, not in its own system; its next export still
holds it. An import of that export would add the record again, undoing the retraction
without anyone deciding to. Each record an import brings whose latest version in the store
is a retraction made in the tool is a **retraction at stake**
(:func:`retractions_at_stake`), of one of two kinds:

* ``retraction``: the file holds the record as it was retracted (every value the same):
  the source still holds the wrong record;
* ``retraction_conflict``: the file holds the record with other values: the source changed
  the record since the retraction (perhaps it corrected it instead of deleting it).

Both kinds are **kept** by default, like a correction of a value
(:mod:`mscohort.store.reimport`): the record stays retracted, the import lists it ("kept
retraction"), and the store version records it in ``import_corrections`` (``column_name``
``(record)``). A data manager who wants the record back takes the file's record: every
correction at stake with ``Acceptance(corrections="overwrite")`` (``--accept-changes
--corrections overwrite``), or this one with ``take_file={(table, record, "(record)")}``
(the web app's box "take the file's value"); the record is then added again (action
``added``), its retraction kept in its history. A conflict is kept too: a changed row is
no sign that the retraction was wrong, but it is shown with both the retracted and the
file's values so that the user can decide.

Records retracted by an import (``--retract-missing``: the source's own full re-export no
longer held them) are not at stake: the source deleted them, and when it holds them again
they are added as new records, as the source says.
"""

from __future__ import annotations

import duckdb
import polars as pl

from mscohort.schema import TABLES
from mscohort.store.incoming import Incoming, n_rows, rows_sql
from mscohort.store.reimport import (
    CORRECTION_SCHEMA,
    RECORD_COLUMN,
    RETRACTION_SOURCE,
    record_sql,
)
from mscohort.store.versions import history_name, q, values_sql


def retractions_at_stake(con: duckdb.DuckDBPyConnection, study: Incoming) -> pl.DataFrame:
    """The records ``study`` brings whose latest stored version is a retraction made in the
    tool (:data:`~mscohort.store.reimport.CORRECTION_SCHEMA`: ``column`` is ``(record)``,
    ``stored`` empty, ``replaced`` the retracted values, ``file_value`` the file's).

    Reads the retractions made in the tool only; nothing when the store holds none.
    """
    empty = pl.DataFrame(schema=CORRECTION_SCHEMA)
    versions = [int(r[0]) for r in con.execute(
        "SELECT import_id FROM imports WHERE source = ?", [RETRACTION_SOURCE]).fetchall()]
    if not versions:
        return empty
    frames = []
    for name in TABLES:
        if n_rows(study, name):
            with rows_sql(con, study, name, "_brought") as new:
                found = _retracted(con, name, new, versions)
            if found.height:
                frames.append(found)
    if not frames:
        return empty
    audit = con.sql("SELECT i.import_id AS correction_version, a.imported_by AS corrected_by, "
                    "i.imported_at AS corrected_at, a.reason AS correction_reason "
                    "FROM imports i LEFT JOIN import_audit a USING (import_id)").pl()
    return (pl.concat(frames).join(audit.cast({"correction_version": pl.Int64}),
                                   on="correction_version", how="left")
            .select(list(CORRECTION_SCHEMA)).cast(empty.schema)
            .sort("table", "file", "row"))


def _retracted(con: duckdb.DuckDBPyConnection, table: str, new: str,
               versions: list[int]) -> pl.DataFrame:
    """:func:`retractions_at_stake` for the rows ``new`` of one table."""
    spec = TABLES[table]
    hist = q(history_name(table))
    on = " AND ".join(f"n.{q(k)} = r.{q(k)}" for k in spec.key)
    later = " AND ".join(f"l.{q(k)} = r.{q(k)}" for k in spec.key)
    values = [c for c in spec.stored_columns if c not in spec.key]
    differ = " OR ".join(f"n.{q(c)} IS DISTINCT FROM r.{q(c)}" for c in values) or "false"
    return con.sql(
        f"WITH r AS (SELECT * FROM {hist} r WHERE r.action = 'retracted' "
        f"AND r.version IN ({', '.join(map(str, versions))}) "
        f"AND NOT EXISTS (SELECT 1 FROM {hist} l WHERE {later} AND l.version > r.version)) "
        f"SELECT '{table}' AS \"table\", n._file AS file, n._row AS row, n.patient_id, "
        f"{record_sql('n', spec.key)} AS record, '{RECORD_COLUMN}' AS \"column\", "
        f"NULL::VARCHAR AS stored, {values_sql('n', spec)} AS file_value, "
        f"{values_sql('r', spec)} AS replaced, CASE WHEN {differ} THEN "
        f"'retraction_conflict' ELSE 'retraction' END AS kind, "
        f"r.version AS correction_version FROM {new} n JOIN r ON {on}").pl()


def n_kept_retractions(kept: pl.DataFrame) -> dict[str, int]:
    """Records per table that ``kept`` retractions leave out of an import."""
    gone = kept.filter(pl.col("column") == RECORD_COLUMN)
    return {str(t): int(n) for t, n in gone.group_by("table").len().iter_rows()}

"""What re-imports kept: the corrections and retractions made in mscohort that a store
version left as they were (:mod:`mscohort.store.reimport`,
:mod:`mscohort.store.retractions`), as rows of a patient's history.

A kept correction writes no version of its record, so the record's history alone does not
show that an import would have changed it. :func:`kept_history` gives one row per kept
correction or retraction, in the columns of :meth:`~mscohort.store.StudyStore.history`,
with the action ``kept correction`` or ``kept retraction`` and, as its ``changes``, the
same words as the import's own list (:func:`kept_text`); the command line's ``mscohort
history`` and the web app's history page show them with the versions of the records.
"""

from __future__ import annotations

import duckdb
import polars as pl

from mscohort.store.reimport import RECORD_COLUMN, describe, stored_corrections

#: The actions of the rows of :func:`kept_history`.
KEPT_ACTIONS = ("kept correction", "kept retraction")
#: The actions whose history row says what changed (``changes``), not the values.
CHANGE_ACTIONS = ("changed", *KEPT_ACTIONS)


def decided_words(decision: str, n_corrections: int, n_retractions: int) -> list[str]:
    """How many corrections and retractions made in mscohort an import keeps (``decision``
    "kept") or overwrites ("overwritten"), in the words of the import's summary: ``2
    corrections made in mscohort kept (the file's value not taken)``; nothing for none."""
    how = {"kept": ("kept (the file's value not taken)",
                    "kept (the file's record not added)"),
           "overwritten": ("overwritten with the file's value",
                           "undone (the file's record added again)")}[decision]
    return [f"{n} {what}{'s' if n != 1 else ''} made in mscohort {said}"
            for n, what, said in ((n_corrections, "correction", how[0]),
                                  (n_retractions, "retraction", how[1])) if n]


def kept_text(row: dict[str, object]) -> str:
    """A kept correction in words: ``edss: would undo a correction (version 2, by A on
    2026-12-01: R); stored 2.0 (corrected from 3.0), file 3.0``; a kept retraction:
    ``would undo a retraction (...); the file holds the retracted record (edss=3.0)``."""
    said = describe(row)
    return said if row["column"] == RECORD_COLUMN else f"{row['column']}: {said}"


def kept_history(con: duckdb.DuckDBPyConnection, patient_id: str | None = None
                 ) -> pl.DataFrame:
    """One row per correction or retraction made in mscohort that a store version kept (of
    the patient ``patient_id`` when given), in the columns of a patient's history:
    version (the import that kept it), table_name, record, action, changes (in words),
    values (empty), imported_at, imported_by, reason, file (and row), sha256 (empty)."""
    decided = stored_corrections(con, patient_id=patient_id).filter(
        pl.col("decision") == "kept")
    when = con.sql("SELECT import_id, imported_at FROM imports").pl()
    rows = [{"version": int(r["import_id"]), "table_name": r["table_name"],
             "record": r["record"],
             "action": KEPT_ACTIONS[r["column_name"] == RECORD_COLUMN],
             "changes": kept_text(r | {"table": r["table_name"], "column": r["column_name"]}),
             "values": "", "imported_by": r["imported_by"], "reason": r["reason"],
             "file": f"{r['file']} row {r['row']}", "sha256": None,
             "patient_id": r["patient_id"]}
            for r in decided.iter_rows(named=True)]
    schema = {"version": pl.Int32, "table_name": pl.String, "record": pl.String,
              "action": pl.String, "changes": pl.String, "values": pl.String,
              "imported_by": pl.String, "reason": pl.String, "file": pl.String,
              "sha256": pl.String, "patient_id": pl.String}
    frame = pl.DataFrame(rows, schema=schema)
    return (frame.join(when.cast({"import_id": pl.Int32}), left_on="version",
                       right_on="import_id", how="left")
            .select("version", "table_name", "record", "action", "changes", "values",
                    "imported_at", "imported_by", "reason", "file", "sha256", "patient_id"))


def with_kept(history: pl.DataFrame, kept: pl.DataFrame) -> pl.DataFrame:
    """A patient's ``history`` with the rows of what re-imports ``kept``, by version."""
    if kept.height == 0:
        return history
    return pl.concat([history, kept.select(history.columns).cast(history.schema)]).sort(
        "version", "table_name", "record", maintain_order=True)

"""The store's keys, checked in SQL inside the import's transaction instead of by DuckDB's
primary-key indexes (issue #23).

DuckDB keeps a PRIMARY KEY as an in-memory ART index over every stored key: about 2.5 KB a
patient (251 MB at 100,000 patients, ~7.5 GB at 3 million), held by every connection that
writes. From store schema version 5 the canonical tables and their ``history_<table>`` have
no such constraint (the small bookkeeping tables keep theirs); instead every import checks,
before it commits, that no key it wrote is stored twice:

* in the canonical table: each staged row's key (its file and row known) must match at most
  one stored record;
* in the history: each staged row's key must have at most one version written by this
  import.

A failure is a ``duplicate_key`` issue naming the file, row, patient, column (the key's
columns) and the key, and the import is rolled back like any data error. Validation already
refuses repeated keys within an import (``duplicate_patient``, ``conflicting_record``) and
the write adds only keys that are not stored, so this is the store's own guarantee behind
them, not a second validation. The check reads only the staged rows' keys and scans each
table once (a hash join on the staged keys): memory grows with the import, not the store.
"""

from __future__ import annotations

import duckdb
import polars as pl

from mscohort.issues import Rule, row_issues
from mscohort.schema import TABLES
from mscohort.store.incoming import Incoming, n_rows, rows_sql
from mscohort.store.versions import history_name, q


def duplicate_key_issues(con: duckdb.DuckDBPyConnection, study: Incoming,
                         version: int) -> list[pl.DataFrame]:
    """``duplicate_key`` issues: staged rows of ``study`` whose key is now stored more than
    once in its canonical table, or has more than one version ``version`` in its history
    (run after the write, inside the caller's transaction)."""
    issues = []
    for name, spec in TABLES.items():
        if n_rows(study, name) == 0 or _fresh_without_repeats(con, name, spec.key, version):
            continue
        on = " AND ".join(f"n.{q(k)} = s.{q(k)}" for k in spec.key)
        key_text = " || ' / ' || ".join(f"coalesce(CAST(n.{q(k)} AS VARCHAR), '')"
                                        for k in spec.key)
        with rows_sql(con, study, name, "_staged") as staged:
            rows = con.sql(
                f"WITH n AS (SELECT row_number() OVER () AS _ord, * FROM {staged}) "
                f"SELECT n._ord, any_value(n._file) AS _file, any_value(n._row) AS _row, "
                f"any_value(n.patient_id) AS patient_id, any_value({key_text}) AS record "
                f"FROM n JOIN ("
                f"SELECT {', '.join(q(k) for k in spec.key)}, 'stored' AS what "
                f"FROM {q(name)} UNION ALL SELECT {', '.join(q(k) for k in spec.key)}, "
                f"'history' AS what FROM {q(history_name(name))} "
                f"WHERE version = {int(version)}) s ON {on} "
                f"GROUP BY n._ord, s.what HAVING count(*) > 1 ORDER BY n._ord").pl()
        if rows.height == 0:
            continue
        rows = rows.unique("_ord", keep="first", maintain_order=True)
        for file, part in rows.group_by("_file", maintain_order=True):
            issues.append(row_issues(
                part, Rule.DUPLICATE_KEY, file=str(file[0]) if file[0] else f"store:{name}",
                column=", ".join(spec.key), value=pl.col("record"),
                message=pl.format(f"{name} would hold the key {' and '.join(spec.key)} "
                                  "({}) more than once", pl.col("record"))))
    return issues


def _fresh_without_repeats(con: duckdb.DuckDBPyConnection, name: str, key: tuple[str, ...],
                           version: int) -> bool:
    """True when every record of ``name`` and of its history was written by import
    ``version`` (the table was empty before it), the history holds as many records as the
    table, and no key is in the table twice: then no staged key can match two records, and
    the join of :func:`duplicate_key_issues` is not needed (a registry's first import: one
    aggregate instead of a join of every row). The history of a table written from empty
    is a copy of the table (:func:`mscohort.store.changes.apply_changes`), so its keys are
    the table's."""
    keys = ", ".join(q(k) for k in key)
    hist = q(history_name(name))
    older, n_table, n_hist = con.execute(
        f"SELECT (SELECT count(*) FROM (SELECT 1 FROM {q(name)} WHERE import_id <> {version} "
        f"LIMIT 1)) + (SELECT count(*) FROM (SELECT 1 FROM {hist} WHERE version <> {version} "
        f"LIMIT 1)), (SELECT count(*) FROM {q(name)}), (SELECT count(*) FROM {hist})"
    ).fetchall()[0]
    if older or n_table != n_hist:
        return False
    repeats = con.execute(
        f"SELECT count(*) FROM (SELECT 1 FROM {q(name)} GROUP BY {keys} "
        "HAVING count(*) > 1 LIMIT 1)").fetchall()[0][0]
    return not repeats


__all__ = ["duplicate_key_issues"]

"""Versions of stored records: the audit trail behind corrections and retractions.

Every change to the store is an import with a number, the **store version** (1, 2, ...).
Each canonical table ``t`` has an append-only companion ``history_t`` with one row per
version of each record: the record's values, the ``version`` (import) that wrote them and
the ``action``: ``added``, ``changed`` (a correction) or ``retracted`` (a deletion; the row
holds the values that were retracted). Who made the change and why is in
``import_audit`` (``imported_by``, ``reason``), when and from which files (SHA-256) in
``imports`` and ``import_files``.

The canonical table itself is the current view that analyses read. The history replays
to it exactly: for each key, the latest version (unless retracted). Reading the history
at ``version <= N`` gives the store as it was after import ``N`` (:func:`as_of_sql`), so an
analysis of version ``N`` can be reproduced after later corrections.

Notes
-----
Modelled on the audit-trail requirements of 21 CFR Part 11 §11.10(e): computer-generated,
time-stamped records of who created, modified or deleted a record, where a change does not
obscure the previously recorded information.

References
----------
US Food and Drug Administration. 21 CFR Part 11, Electronic Records; Electronic Signatures,
§11.10(e).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mscohort.schema import TABLES, Table

ACTIONS = ("added", "changed", "retracted")

AUDIT_DDL = (
    "CREATE TABLE IF NOT EXISTS import_audit (import_id INTEGER PRIMARY KEY, "
    "imported_by VARCHAR, reason VARCHAR, rows_changed BIGINT NOT NULL, "
    "rows_retracted BIGINT NOT NULL)"
)


def q(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def history_name(table: str) -> str:
    return f"history_{table}"


def history_ddl(spec: Table, sql_types: Mapping[Any, str]) -> str:
    """The ``history_<table>`` of ``spec``: its stored columns, ``version`` and ``action``.
    No PRIMARY KEY (schema version 5): the key and version are checked by
    :mod:`mscohort.store.keys` inside each import."""
    cols = [
        f"{q(name)} {sql_types[dtype]}" + (" NOT NULL" if name in spec.key else "")
        for name, dtype in spec.stored_schema().items()
    ]
    cols += ["version INTEGER NOT NULL", "action VARCHAR NOT NULL"]
    return (f"CREATE TABLE IF NOT EXISTS {q(history_name(spec.name))} "
            f"({', '.join(cols)})")


def fill_history_sql(spec: Table) -> str:
    """Seed the history of a store written before versions existed: every stored row is
    the version ``added`` by the import that stored it (adding only)."""
    cols = ", ".join(map(q, spec.stored_columns))
    return (f"INSERT INTO {q(history_name(spec.name))} SELECT {cols}, import_id, 'added' "
            f"FROM {q(spec.name)}")


def as_of_sql(table: str, version: int) -> str:
    """The records of ``table`` as they were after store version ``version``: for each key
    the latest version at or before it, unless that version is a retraction."""
    spec = TABLES[table]
    cols = ", ".join(map(q, spec.stored_columns))
    return (
        f"SELECT {cols} FROM (SELECT *, row_number() OVER (PARTITION BY "
        f"{', '.join(map(q, spec.key))} ORDER BY version DESC) AS _latest "
        f"FROM {q(history_name(table))} WHERE version <= {int(version)}) "
        f"WHERE _latest = 1 AND action <> 'retracted' ORDER BY {', '.join(map(q, spec.key))}"
    )


def values_sql(alias: str, spec: Table) -> str:
    """The text of a record's values, the columns that hold one only
    (``edss=3.0; fs_pyramidal=2``): an empty column is not named."""
    values = [c for c in spec.stored_columns if c not in spec.key]
    parts = ", ".join(f"CASE WHEN {alias}.{q(c)} IS NOT NULL THEN '{c}=' || "
                      f"CAST({alias}.{q(c)} AS VARCHAR) END" for c in values)
    return f"concat_ws('; ', {parts})" if values else "''"


def patient_history_sql(table: str) -> str:
    """Every version of every record of one patient (parameter: patient_id) in ``table``,
    with its values, what a correction changed (``column: old -> new``), and when, who,
    why and the source file of the import that wrote it."""
    spec = TABLES[table]
    values = [c for c in spec.stored_columns if c not in spec.key]
    key_text = " || ' / ' || ".join(f"coalesce(CAST(h.{q(k)} AS VARCHAR), '')"
                                    for k in spec.key)
    value_text = values_sql("h", spec)
    window = f"OVER (PARTITION BY {', '.join(f'h.{q(k)}' for k in spec.key)} ORDER BY h.version)"
    changes = ", ".join(
        f"CASE WHEN h.action = 'changed' AND lag(h.{q(c)}) {window} IS DISTINCT FROM h.{q(c)} "
        f"THEN '{c}: ' || coalesce(CAST(lag(h.{q(c)}) {window} AS VARCHAR), 'empty') || ' -> ' "
        f"|| coalesce(CAST(h.{q(c)} AS VARCHAR), 'empty') END" for c in values)
    return (
        f"SELECT h.version, '{table}' AS table_name, {key_text} AS record, h.action, "
        f"concat_ws('; ', {changes or 'NULL'}) AS changes, "
        f"{value_text} AS \"values\", i.imported_at, a.imported_by, a.reason, f.file, "
        # the patient's rows first (each window is within one record, hence one patient):
        # DuckDB does not push the filter below the windows, which read every patient's
        # history otherwise (18 s for one patient of 300,000, issue #23)
        f"f.sha256 FROM (SELECT * FROM {q(history_name(table))} WHERE patient_id = ?) h "
        f"JOIN imports i ON i.import_id = h.version "
        f"LEFT JOIN import_audit a ON a.import_id = h.version "
        f"LEFT JOIN import_files f ON f.import_id = h.version AND f.table_name = '{table}' "
    )

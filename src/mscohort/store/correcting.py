"""Correcting one stored record (e.g. from the web app): the record with its new values is
validated like any imported row, then stored as a new store version with who and why,
through the same path as a correcting import (:func:`mscohort.store.writing.add_study`)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import polars as pl

from mscohort.errors import bad_usage
from mscohort.ingest import RawStudy, RawTable
from mscohort.schema import PRECISION_SUFFIX, TABLES
from mscohort.store.changes import Acceptance
from mscohort.store.duckdb_store import ImportResult, StudyStore
from mscohort.store.reimport import CORRECTION_SOURCE
from mscohort.validate import check_study

SOURCE = CORRECTION_SOURCE


def _text(value: object, precision: str | None) -> str | None:
    """A stored value written as a file would hold it (a month-precision date as YYYY-MM)."""
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()[:7] if precision == "month" else value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def correct_record(db: str | Path, table: str, key: dict[str, str], changes: dict[str, str],
                   *, by: str, reason: str, as_of: dt.date | None = None) -> ImportResult:
    """Set ``changes`` (column -> new value as text; "" empties it) on the current record
    of ``table`` with ``key`` (key column -> value as text), as a new store version.

    Raises :class:`UsageError` for an unknown table, column or record, and
    :class:`~mscohort.errors.DataValidationError` (storing nothing) when the new values
    break a rule.
    """
    accept = Acceptance(by, reason)
    if table not in TABLES:
        raise bad_usage("table", f"one of {', '.join(TABLES)}", table)
    spec = TABLES[table]
    unknown = sorted(set(changes) - {c.name for c in spec.columns if c.name not in spec.key})
    if unknown:
        raise bad_usage("changes", f"keyed by value columns of {table} (the key columns "
                        "cannot change)", unknown, shown=", ".join(unknown))
    with StudyStore(db) as store:
        current = store.read(table)
        match = current
        for column, value in key.items():
            if column not in spec.key:
                raise bad_usage("key", f"keyed by the key columns of {table} "
                                f"({', '.join(spec.key)})", column)
            match = match.filter(pl.col(column).cast(pl.String) == value)
        if set(key) != set(spec.key) or match.height != 1:
            raise bad_usage("key", f"the key of one stored record of {table}", key)
        record = match.row(0, named=True)
        text = {c.name: _text(record[c.name], record.get(c.name + PRECISION_SUFFIX))
                for c in spec.columns}
        text |= {c: (v.strip() or None) for c, v in changes.items()}
        frame = pl.DataFrame({c: [v] for c, v in text.items()},
                             schema=dict.fromkeys(text, pl.String)).with_columns(
            pl.lit(2, pl.Int64).alias("_row"))
        payload = json.dumps({"table": table, "key": key, "changes": changes, "by": by,
                              "reason": reason}, sort_keys=True)
        raw = RawStudy(Path(SOURCE), {table: RawTable(
            table, SOURCE, Path(SOURCE), hashlib.sha256(payload.encode()).hexdigest(),
            frame.select("_row", *text))})
        study, report = check_study(raw, known_patients=store.known_patients(), as_of=as_of)
        return store.add(study, raw, report, as_of=as_of, accept=accept, source=SOURCE)

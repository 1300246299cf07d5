"""Writing to the store: an import as a new store version (additions, accepted corrections
and retractions), and the retraction of chosen records; each in one transaction, so a
failed or killed write changes nothing."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

import duckdb
import polars as pl

from mscohort._version import __version__
from mscohort.errors import DataValidationError, MscohortError, UsageError, bad_argument
from mscohort.ingest import Mapping, RawStudy
from mscohort.schema import TABLES
from mscohort.store.changes import (
    Acceptance,
    ChangesNeedAcceptance,
    apply_changes,
    conflict_issues,
    orphan_issues,
    retract_records,
)
from mscohort.store.import_result import ImportResult
from mscohort.store.incoming import Incoming, n_rows
from mscohort.store.keys import duplicate_key_issues
from mscohort.store.rechecks import birth_recheck
from mscohort.store.reimport import CORRECTION_SOURCE, RETRACTION_SOURCE, record_corrections
from mscohort.store.retractions import n_kept_retractions
from mscohort.validate.report import ValidationReport

if TYPE_CHECKING:
    from mscohort.store.duckdb_store import StudyStore

#: The stages of an import, as a ``progress`` callback is told them.
IMPORT_STAGES = ("reading", "validating", "comparing with the store", "writing",
                 "deriving scores")


def _next_version(store: StudyStore) -> int:
    return store._scalar("SELECT coalesce(max(import_id), 0) + 1 FROM imports")


def add_study(
    store: StudyStore, study: Incoming, raw: RawStudy, report: ValidationReport,
    *, mapping: Mapping | None = None, as_of: dt.date | None = None,
    accept: Acceptance | None = None, by: str | None = None, source: str | None = None,
    progress: Callable[[str], None] | None = None, reason: str | None = None,
) -> ImportResult:
    """Store ``study`` as a new store version, in one transaction: new records are
    added; changed records are corrections, applied only when ``accept`` is given
    (who and why), the previous versions kept in the history; with
    ``accept.retract_missing`` stored records absent from the tables read are
    retracted. Stored values corrected in the tool since their record's last import are
    kept unless ``accept`` takes the file's value (:mod:`mscohort.store.reimport`); the
    result lists them, and the version records them (``import_corrections``).

    Raises :class:`DataValidationError` (and stores nothing) when ``report`` has errors
    or a corrected birth date would put stored records before birth
    (:mod:`mscohort.store.rechecks`), and :class:`ChangesNeedAcceptance` (with the diff)
    when stored values would change without ``accept``.
    """
    rows_read = {name: n_rows(study, name) for name in TABLES}
    tell = progress or (lambda stage: None)
    store.con.execute("BEGIN TRANSACTION")
    try:
        tell(IMPORT_STAGES[2])
        diff = store.diff(study, set(raw.tables))
        if source == CORRECTION_SOURCE:  # a correction in the tool replaces an earlier
            diff = replace(diff, corrections=diff.corrections.clear())  # one on purpose
        kept, overwritten = diff.decide(accept)
        applied = diff.keeping(kept)  # what the import writes
        births = birth_recheck(store.con, study, applied)  # a corrected birth date
        if births or not report.ok:
            raise DataValidationError(ValidationReport.from_issues(
                [report.issues, *births], report.source) if births else report)
        if applied.changed.height and accept is None:
            raise ChangesNeedAcceptance(ValidationReport.from_issues(
                [report.issues, *conflict_issues(applied)], report.source), diff)
        version = _next_version(store)
        tell(IMPORT_STAGES[3])
        counts = apply_changes(store.con, study, version, applied, accept, kept)
        orphans = orphan_issues(store.con) + duplicate_key_issues(store.con, study, version)
        if orphans:
            raise DataValidationError(ValidationReport.from_issues(orphans, report.source))
        added = {name: counts.get(name, (0, 0, 0))[0] for name in TABLES}
        changed = {name: counts.get(name, (0, 0, 0))[1] for name in TABLES}
        retracted = {name: counts.get(name, (0, 0, 0))[2] for name in TABLES}
        decided = pl.concat([kept.with_columns(pl.lit("kept").alias("decision")),
                             overwritten.with_columns(pl.lit("overwritten").alias("decision"))])
        if not any(sum(c) for c in counts.values()):
            store.con.execute("ROLLBACK")
            return ImportResult(None, rows_read, added, report, corrections=decided)
        tell(IMPORT_STAGES[4])
        _record(store, version, source or str(raw.root.resolve()),
                mapping.source if mapping else None, as_of, report.n_warnings,
                accept.by if accept else by, accept.reason if accept else reason,
                sum(changed.values()), sum(retracted.values()))
        gone = n_kept_retractions(kept)  # read, but left retracted
        for name, table in raw.tables.items():
            store.con.execute(
                "INSERT INTO import_files VALUES (?, ?, ?, ?, ?, ?, ?)",
                [version, name, table.source, table.sha256, rows_read[name], added[name],
                 rows_read[name] - added[name] - changed[name] - gone.get(name, 0)],
            )
        record_corrections(store.con, version, kept, overwritten)
        store.con.execute("COMMIT")
    except BaseException as exc:
        _rollback(store, exc)
        raise
    return ImportResult(version, rows_read, added, report, changed, retracted, decided)


def retract(store: StudyStore, table: str, keys: pl.DataFrame, *, by: str, reason: str) -> int:
    """Retract the current records of ``table`` with the keys in ``keys`` (columns:
    the table's key) as a new store version with who and why; their versions stay in
    the history. Returns the new store version. All or nothing: an unknown key, or a
    patient who still has records, retracts nothing."""
    accept = Acceptance(by, reason)
    if table not in TABLES:
        raise bad_argument("table", f"one of {', '.join(TABLES)}", table)
    spec = TABLES[table]
    store.con.execute("BEGIN TRANSACTION")
    try:
        version = _next_version(store)
        n = retract_records(store.con, table, keys, version)
        if n != keys.unique(spec.key).height:
            raise UsageError(f"{keys.height - n} of the {keys.height} records to retract "
                             f"are not stored in {table}; nothing was retracted.")
        orphans = orphan_issues(store.con)
        if orphans:
            raise DataValidationError(ValidationReport.from_issues(orphans, str(store.path)),
                                      action="retract")
        _record(store, version, RETRACTION_SOURCE, None, None, 0, accept.by, accept.reason, 0, n)
        store.con.execute("COMMIT")
    except BaseException as exc:
        _rollback(store, exc)
        raise
    return version


def _rollback(store: StudyStore, exc: BaseException) -> None:
    """End a failed write; a database error or a failed write of the import's temporary
    files (disk full, read-only file) becomes a :class:`~mscohort.errors.StoreWriteError`
    (exit code 3; the store is unchanged)."""
    with contextlib.suppress(duckdb.Error):  # a failed commit ended the transaction already
        store.con.execute("ROLLBACK")
    if isinstance(exc, duckdb.Error | OSError) and not isinstance(exc, MscohortError):
        raise store._write_error(exc) from None


def _record(store: StudyStore, version: int, source: str, mapping: str | None,
            as_of: dt.date | None, n_warnings: int, by: str | None, reason: str | None,
            n_changed: int, n_retracted: int) -> None:
    """The import log and audit rows of store version ``version``; refreshes the
    derived tables (local scores depend on the whole cohort)."""
    store._refresh_derived()
    store.con.execute(
        "INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?, ?)",
        [version, dt.datetime.now(dt.UTC).replace(tzinfo=None), __version__, source,
         mapping, as_of or dt.date.today(), n_warnings])
    store.con.execute("INSERT INTO import_audit VALUES (?, ?, ?, ?, ?)",
                     [version, by, reason, n_changed, n_retracted])

"""Reading, validating and importing a study into the store: all of it, or nothing.

Folders and workbooks (:func:`import_folder`), and tables other readers produced, such as
SDTM datasets or a wide sheet (:func:`import_raw`); :func:`validate_folder` and
:func:`validate_raw` check without importing, against the stored study when there is one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from mscohort.errors import bad_argument, bad_usage
from mscohort.ingest import Mapping, RawStudy, read_study
from mscohort.store.changes import Acceptance, conflict_issues
from mscohort.store.duckdb_store import ImportResult, StudyStore
from mscohort.store.preview import preview_raw
from mscohort.store.writing import IMPORT_STAGES, add_study
from mscohort.study import Study
from mscohort.validate import ValidationReport, check_study
from mscohort.validate.export import FORMATS, write_issues

#: Issues an import keeps of each rule (every rule is counted): a registry with a warning
#: on a million rows does not hold a million issues; ``validate --out`` writes them all.
ISSUES_KEPT_PER_RULE = 1000


def _files_only(raw: RawStudy) -> RawStudy:
    """``raw`` without the text of its tables (an empty frame each): what the store keeps of
    the files read (name, SHA-256, root) once validation has typed them."""
    return replace(raw, tables={name: replace(t, frame=t.frame.clear())
                                for name, t in raw.tables.items()})


def validate_folder(
    path: str | Path, *, mapping: Mapping | None = None, db: str | Path | None = None,
    as_of: dt.date | None = None,
) -> tuple[Study, RawStudy, ValidationReport]:
    """Read and validate a study folder, against the stored study in ``db`` if given."""
    raw = read_study(path, mapping)
    study, report = validate_raw(raw, db=db, as_of=as_of)
    return study, raw, report


def validate_raw(raw: RawStudy, *, db: str | Path | None = None, as_of: dt.date | None = None
                 ) -> tuple[Study, ValidationReport]:
    """Validate tables already read (e.g. a REDCap export), against the stored study in
    ``db`` if given, without importing: stored values the import would change are
    ``conflicts_with_store`` errors (see :func:`mscohort.store.preview.preview_raw` for
    the diff itself), except values corrected in the tool since their record's last import,
    which an import keeps by default (:mod:`mscohort.store.reimport`)."""
    preview = preview_raw(raw, db=db, as_of=as_of)
    if preview.diff is None:
        return preview.study, preview.report
    applied = preview.diff.keeping(preview.diff.corrections)
    return preview.study, ValidationReport.from_issues(
        [preview.report.issues, *conflict_issues(applied)], preview.report.source)


def import_folder(
    path: str | Path, db: str | Path, *, mapping: Mapping | None = None,
    as_of: dt.date | None = None, accept: Acceptance | None = None, by: str | None = None,
    progress: Callable[[str], None] | None = None, batch_patients: int | None = None,
    issues_out: str | Path | None = None, reason: str | None = None,
) -> ImportResult:
    """Validate the study at ``path`` and add it to the store ``db``: all of it or nothing.

    Changed values are corrections, applied only with ``accept`` (who and why); ``by``
    names who imports when nothing changes, ``reason`` why (both recorded in the audit
    trail). ``progress``
    is told each stage as it begins (:data:`IMPORT_STAGES`; while validating in batches,
    ``validating: batch k of n``). A folder of :data:`~mscohort.store.batched.BATCHED_MIN_BYTES`
    or more (or any, when ``batch_patients`` is given) is validated ``batch_patients``
    patients at a time (:mod:`mscohort.store.batched`; the same store results). Every issue
    is written to ``issues_out`` (``.csv`` or ``.xlsx``) when given; the report keeps
    the first :data:`ISSUES_KEPT_PER_RULE` of each rule.
    """
    from mscohort.store import batched

    if batch_patients is not None and (isinstance(batch_patients, bool)
                                       or not isinstance(batch_patients, int)
                                       or batch_patients < 1):
        raise bad_argument("batch_patients", "a whole number >= 1", batch_patients)
    _check_issues_out(issues_out)
    if batch_patients is not None or batched.folder_bytes(path) >= batched.BATCHED_MIN_BYTES:
        result = batched.import_staged(
            path, db, mapping=mapping, as_of=as_of, accept=accept, by=by, progress=progress,
            batch_patients=batch_patients or batched.BATCH_PATIENTS,
            rows_per_rule=ISSUES_KEPT_PER_RULE, issues_out=issues_out, reason=reason)
        if result is not None:
            return result
    if progress is not None:
        progress(IMPORT_STAGES[0])
    return import_raw(read_study(path, mapping), db, mapping=mapping, as_of=as_of,
                      accept=accept, by=by, progress=progress, issues_out=issues_out,
                      reason=reason)


def check_folder(
    path: str | Path, *, mapping: Mapping | None = None, db: str | Path | None = None,
    as_of: dt.date | None = None, batch_patients: int | None = None,
    issues_out: str | Path | None = None, progress: Callable[[str], None] | None = None,
) -> ValidationReport:
    """The validation report of the folder ``path`` (against the store ``db`` if given), as
    :func:`validate_folder` gives it; a large folder (as :func:`import_folder` decides) is
    validated in batches and its report keeps the first :data:`ISSUES_KEPT_PER_RULE` issues
    of each rule (all counted). Every issue is written to ``issues_out`` when given."""
    from mscohort.store import batched

    _check_issues_out(issues_out)
    if batch_patients is not None or batched.folder_bytes(path) >= batched.BATCHED_MIN_BYTES:
        report = batched.validate_staged(
            path, mapping=mapping, db=db, as_of=as_of,
            batch_patients=batch_patients or batched.BATCH_PATIENTS,
            rows_per_rule=ISSUES_KEPT_PER_RULE, issues_out=issues_out, progress=progress)
        if report is not None:
            return report
    if progress is not None:
        progress(IMPORT_STAGES[0])
    raw = read_study(path, mapping)
    if progress is not None:
        progress(IMPORT_STAGES[1])
    _, report = validate_raw(raw, db=db, as_of=as_of)
    if issues_out is not None:
        write_issues(report, issues_out)
    return report


def _check_issues_out(issues_out: str | Path | None) -> None:
    if issues_out is not None and Path(issues_out).suffix.lower() not in FORMATS:
        raise bad_usage("--issues-out", "a file ending in .csv or .xlsx", Path(issues_out).name)


def import_raw(raw: RawStudy, db: str | Path, *, mapping: Mapping | None = None,
               as_of: dt.date | None = None, accept: Acceptance | None = None,
               by: str | None = None, progress: Callable[[str], None] | None = None,
               issues_out: str | Path | None = None, reason: str | None = None
               ) -> ImportResult:
    """Validate tables already read (a folder, SDTM datasets, a wide sheet) and add them to
    the store ``db``: all of it or nothing. A failed first import leaves no store file
    behind (a failed later one leaves the store as it was)."""
    fresh = not Path(db).exists()
    try:
        with StudyStore(db) as store:
            if progress is not None:
                progress(IMPORT_STAGES[1])
            study, report = check_study(raw, known_patients=store.known_patients(),
                                        as_of=as_of)
            if issues_out is not None:
                write_issues(report, issues_out)
            report = report.bounded(ISSUES_KEPT_PER_RULE)
            raw = _files_only(raw)  # the text of the tables is not stored: let it go
            return add_study(store, study, raw, report, mapping=mapping, as_of=as_of,
                             accept=accept, by=by, progress=progress, reason=reason)
    except BaseException:
        if fresh:  # the file this import created holds no data: remove it
            for path in (Path(db), Path(f"{db}.wal")):
                path.unlink(missing_ok=True)
        raise

"""A registry's folder imported (or validated) in patient batches, in bounded memory
(issue #23): the files are staged on disk in batches of patients
(:mod:`mscohort.ingest.staging`), validated a batch at a time into typed Parquet parts
(:mod:`mscohort.validate.batches`), and the store reads those parts in SQL inside the one
transaction of the import (:func:`mscohort.store.writing.add_study`): still all or
nothing. The staged files live in a temporary folder next to the store, removed when the
import ends; a killed import leaves it (it holds no stored data), and the next import
removes it (:mod:`mscohort.store.leftovers`).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from mscohort.ingest import Mapping
from mscohort.ingest.staging import StagedStudy, stage_study
from mscohort.store.changes import Acceptance, conflict_issues
from mscohort.store.duckdb_store import ImportResult, StudyStore
from mscohort.store.leftovers import remove_leftovers, work_prefix
from mscohort.store.rechecks import birth_recheck
from mscohort.store.writing import IMPORT_STAGES, add_study
from mscohort.validate import ValidationReport
from mscohort.validate.batches import IssueCollector, check_batches
from mscohort.validate.export import write_every_issue

#: Patients validated at a time.
BATCH_PATIENTS = 100_000
#: A folder whose data files together hold at least this many bytes is imported in batches.
BATCHED_MIN_BYTES = 32 * 2**20


def folder_bytes(path: str | Path) -> int:
    """Bytes of the data files of a study folder (0 for a workbook)."""
    root = Path(path)
    if not root.is_dir():
        return 0
    return sum(p.stat().st_size for p in root.iterdir() if p.is_file())


@contextmanager
def _work_folder(db: str | Path | None) -> Iterator[Path]:
    """A temporary folder next to the store ``db`` (the system's temporary folder when
    None), removed at the end; named with this process's id, so that the next import
    removes it if this one is killed (:mod:`mscohort.store.leftovers`)."""
    if db is None:
        with tempfile.TemporaryDirectory(prefix=work_prefix("validate")) as t:
            yield Path(t)
        return
    store = Path(db).resolve()
    with tempfile.TemporaryDirectory(prefix=work_prefix("import", store),
                                     dir=store.parent) as t:
        yield Path(t)


def _batches(tell: Callable[[str], None]) -> Callable[[int, int], None]:
    return lambda k, n: tell(f"{IMPORT_STAGES[1]}: batch {k + 1} of {n}")


def _finish(collector: IssueCollector, source: str, issues_out: str | Path | None
            ) -> ValidationReport:
    if issues_out is not None:
        write_every_issue(collector, issues_out)
    return collector.report(source)


def import_staged(
    path: str | Path, db: str | Path, *, mapping: Mapping | None, as_of: dt.date | None,
    accept: Acceptance | None, by: str | None, progress: Callable[[str], None] | None,
    batch_patients: int, rows_per_rule: int, issues_out: str | Path | None = None,
    reason: str | None = None,
) -> ImportResult | None:
    """Import the folder ``path`` into ``db`` in batches of ``batch_patients`` patients, or
    None when the folder cannot be staged (a workbook; no readable patients table): read it
    whole. Raises as :func:`mscohort.store.import_folder` does."""
    tell = progress or (lambda stage: None)
    fresh = not Path(db).exists()
    result: ImportResult | None = None
    try:
        with _work_folder(db) as work, StudyStore(db) as store:
            tell(IMPORT_STAGES[0])
            staged = stage_study(path, work / "raw", batch_patients, mapping)
            if staged is not None:
                tell(IMPORT_STAGES[1])
                parts, collector = check_batches(
                    staged, work / "typed", known_patients=store.known_patients(),
                    as_of=as_of, rows_per_rule=rows_per_rule,
                    issues_sink=work / "issues" if issues_out is not None else None,
                    progress=_batches(tell))
                report = _finish(collector, str(staged.header.root), issues_out)
                result = add_study(store, parts, staged.header, report, mapping=mapping,
                                   as_of=as_of, accept=accept, by=by, progress=progress,
                                   reason=reason)
    except BaseException:
        _forget(db, fresh)
        raise
    if result is None:  # read whole instead: as if this attempt had not opened the store
        _forget(db, fresh)
    return result


def _forget(db: str | Path, fresh: bool) -> None:
    """Remove the store file this import created (it holds no data)."""
    if fresh:
        for file in (Path(db), Path(f"{db}.wal")):
            file.unlink(missing_ok=True)


def validate_staged(
    path: str | Path, *, mapping: Mapping | None, db: str | Path | None,
    as_of: dt.date | None, batch_patients: int, rows_per_rule: int,
    issues_out: str | Path | None = None, progress: Callable[[str], None] | None = None,
) -> ValidationReport | None:
    """The bounded report of the folder ``path`` validated in batches, against the store
    ``db`` when given (as :func:`mscohort.store.validate_folder`: stored values it would
    change are ``conflicts_with_store``); None when the folder cannot be staged."""
    tell = progress or (lambda stage: None)
    remove_leftovers()  # of killed validations (a store opened to write does it too)
    with _work_folder(None) as work:
        tell(IMPORT_STAGES[0])
        staged = stage_study(path, work / "raw", batch_patients, mapping)
        if staged is None:
            return None
        tell(IMPORT_STAGES[1])
        if db is None or not Path(db).exists():
            _, collector = check_batches(staged, work / "typed", as_of=as_of,
                                         rows_per_rule=rows_per_rule,
                                         issues_sink=_sink(work, issues_out),
                                         progress=_batches(tell))
            return _finish(collector, str(staged.header.root), issues_out)
        with StudyStore(db, read_only=True) as store:
            parts, collector = check_batches(
                staged, work / "typed", known_patients=store.known_patients(), as_of=as_of,
                rows_per_rule=rows_per_rule, issues_sink=_sink(work, issues_out),
                progress=_batches(tell))
            tell(IMPORT_STAGES[2])
            diff = store.diff(parts, set(staged.header.tables))
            diff = diff.keeping(diff.corrections)  # an import keeps them by default
            more = [*birth_recheck(store.con, parts, diff), *conflict_issues(diff)]
        if more:
            collector.add(ValidationReport.from_issues(more).issues)
        return _finish(collector, str(staged.header.root), issues_out)


def _sink(work: Path, issues_out: str | Path | None) -> Path | None:
    return work / "issues" if issues_out is not None else None


__all__ = ["BATCHED_MIN_BYTES", "BATCH_PATIENTS", "StagedStudy", "folder_bytes",
           "import_staged", "validate_staged"]

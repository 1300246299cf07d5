"""Store versions' summaries (what one import or correction wrote, per table and per
patient) kept for the version page: at 300,000 patients a first import's summary takes
about 0.8 s of CPU, two passes over seven million history rows (issue #23).

A store version's records never change once written: later imports and corrections add
versions, they do not rewrite earlier ones (:mod:`mscohort.store.versions`). A summary is
therefore kept under what identifies its version in the store, the version number with
the time of its import (``imports.imported_at``, to the microsecond): a correction (a new
version) leaves the earlier summaries valid, and another store file in the workspace has
other import times, so its summaries are computed afresh. The import job computes the new
version's summary before the page that shows it is asked for, and the analysis job those
of the last versions (after a restart).
"""

from __future__ import annotations

from dataclasses import dataclass

from mscohort.store import StudyStore
from mscohort.store.version_summary import PATIENT_COLUMNS, VersionSummary, version_summary
from mscohort.web.paging import ListTable
from mscohort.web.results import Memo
from mscohort.web.workspace import STORE_LOCK, Workspace

#: Summaries kept (the least recently used goes first).
CACHE_SIZE = 8
#: The version page's patient list: its default order and the filter columns.
DEFAULT_SORT, DEFAULT_DESC = "changed", True


@dataclass(frozen=True)
class KeptVersion:
    """A store version's summary and its patient list as a DuckDB table (web.paging)."""

    summary: VersionSummary
    patients: ListTable


class VersionSummaries:
    """Store versions' summaries, each kept under its version and import time."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self._memo = Memo(size)

    def get(self, store: StudyStore, version: int) -> KeptVersion:
        """The summary of ``version`` of ``store`` (a UsageError when there is no such
        version), computed the first time."""
        when = store.con.execute("SELECT imported_at FROM imports WHERE import_id = ?",
                                 [version]).fetchall() if isinstance(version, int) else []
        if isinstance(version, bool) or not when:
            version_summary(store, version)  # raises the UsageError that says which exist
        return self._memo.get((version, when[0][0]), lambda: self._make(store, version))

    @staticmethod
    def _make(store: StudyStore, version: int) -> KeptVersion:
        summary = version_summary(store, version)
        return KeptVersion(summary, ListTable(summary.patients, PATIENT_COLUMNS,
                                              default_sort=DEFAULT_SORT,
                                              default_desc=DEFAULT_DESC))

    def __len__(self) -> int:
        return len(self._memo)


def summarise_latest(ws: Workspace, versions: VersionSummaries) -> None:
    """Compute the summaries of the store's last :data:`CACHE_SIZE` versions that are not
    kept yet (run by the analysis job: after a restart, the version pages answer at once)."""
    with STORE_LOCK, StudyStore(ws.db, read_only=True) as store:
        last = store.version()
        for version in range(max(1, last - CACHE_SIZE + 1), last + 1):
            versions.get(store, version)


def summarised(ws: Workspace, versions: VersionSummaries, imported: tuple[int | None, str]
               ) -> tuple[int | None, str]:
    """An import job's answer (:func:`mscohort.web.views_load.import_job`), once the summary
    of the version it stored is computed (pages the job leads to link to it or show it)."""
    if imported[0] is not None:
        with STORE_LOCK, StudyStore(ws.db, read_only=True) as store:
            versions.get(store, imported[0])
    return imported


__all__ = ["CACHE_SIZE", "KeptVersion", "VersionSummaries", "summarise_latest", "summarised"]

"""The analysis and report of the workspace's store under a study definition, cached until
the store, the definition or the as-of day changes. Computing them takes long on a large
store: the pages ask for them through :func:`mscohort.web.jobs.needed` (a background job)."""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from mscohort.analyse.study import StudyAnalysis, analyse_study
from mscohort.errors import UsageError
from mscohort.loading import load_input
from mscohort.report import Provenance, Report, build_report
from mscohort.study import Study
from mscohort.web.workspace import STORE_LOCK, Workspace

CACHE_SIZE = 4
T = TypeVar("T")


class Memo:
    """Values computed once from one cached analysis (a page's list table, its report
    tables, a patient's drawn timeline), at most ``size`` of them (the least recently used
    goes first); they go with the analysis when the store or the definition changes."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[object, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: object, make: Callable[[], T]) -> T:
        """The value of ``key``, made by ``make()`` the first time."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]  # type: ignore[return-value]
        value = make()  # outside the lock: another page does not wait for this one
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._items)


@dataclass
class Results:
    study: Study
    analysis: StudyAnalysis
    definition_name: str
    key: tuple[object, ...] = ()
    _report: Report | None = None
    _provenance: Provenance | None = None
    #: the pages' lists and tables made from this analysis (web.paging.ListTable, ...)
    kept: Memo = field(default_factory=lambda: Memo(32))
    #: patients' drawn timelines, the most recently viewed
    timelines: Memo = field(default_factory=lambda: Memo(64))

    def report(self) -> Report:
        """The report (tables and drawn figures, each figure's SVG written), built once: the
        background job that calls it leaves the cohort page nothing to draw (at 300,000
        patients, writing the figures' SVG took 8 s of the first page, issue #23)."""
        if self._report is None:
            report = build_report(self.study, self.analysis, provenance=self._provenance)
            for drawn in report.figures:
                drawn.svg()
            self._report = report
        return self._report


class ResultCache:
    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._items: OrderedDict[tuple[object, ...], Results] = OrderedDict()
        self._lock = threading.Lock()
        #: what the pages make from new results (their lists as DuckDB tables), made by the
        #: background job that computes the results, so no page request makes them
        self.preparers: list[Callable[[Results], object]] = []

    def key(self, definition_name: str, as_of: dt.date | None = None) -> tuple[object, ...]:
        """What the results depend on: the store file, the definition file and the day
        (UsageError when there is no study yet or no such definition)."""
        ws = self.workspace
        _, path = ws.definition(definition_name)
        try:
            stat = ws.db.stat()
        except FileNotFoundError:
            raise UsageError("no study is loaded yet: load one first.") from None
        return (stat.st_mtime_ns, stat.st_size, definition_name, path.stat().st_mtime_ns,
                as_of)

    def cached(self, definition_name: str, as_of: dt.date | None = None) -> Results | None:
        """The results when they are computed already, else None."""
        key = self.key(definition_name, as_of)
        with self._lock:  # not the store's lock: this page must not wait for an import
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def get(self, definition_name: str, as_of: dt.date | None = None) -> Results:
        """The results for a definition, computed when not cached (UsageError when there is
        no study yet)."""
        ws = self.workspace
        definition, path = ws.definition(definition_name)
        with STORE_LOCK:
            key = self.key(definition_name, as_of)
            if (cached := self.cached(definition_name, as_of)) is not None:
                return cached
            loaded = load_input(db=ws.db)
        records = loaded.records
        if records.patients.height == 0:
            raise UsageError("the study has no patients yet: load one first.")
        analysis = analyse_study(records, definition, as_of)
        result = Results(records, analysis, definition_name, key,
                         _provenance=Provenance.now(loaded.files, path, loaded.imports))
        for prepare in self.preparers:
            prepare(result)
        with self._lock:
            self._items[key] = result
            while len(self._items) > CACHE_SIZE:
                self._items.popitem(last=False)
        return result

"""The analysis and report of the workspace's store under a study definition, cached until
the store, the definition or the as-of day changes. Computing them takes long on a large
store: the pages ask for them through :func:`mscohort.web.jobs.needed` (a background job)."""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from dataclasses import dataclass

from mscohort.analyse.study import StudyAnalysis, analyse_study
from mscohort.errors import UsageError
from mscohort.loading import load_input
from mscohort.report import Provenance, Report, build_report
from mscohort.study import Study
from mscohort.web.workspace import STORE_LOCK, Workspace

CACHE_SIZE = 4


@dataclass
class Results:
    study: Study
    analysis: StudyAnalysis
    definition_name: str
    key: tuple[object, ...] = ()
    _report: Report | None = None
    _provenance: Provenance | None = None

    def report(self) -> Report:
        """The report (tables and drawn figures), built once."""
        if self._report is None:
            self._report = build_report(self.study, self.analysis,
                                        provenance=self._provenance)
        return self._report


class ResultCache:
    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._items: OrderedDict[tuple[object, ...], Results] = OrderedDict()
        self._lock = threading.Lock()

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
        with self._lock:
            self._items[key] = result
            while len(self._items) > CACHE_SIZE:
                self._items.popitem(last=False)
        return result

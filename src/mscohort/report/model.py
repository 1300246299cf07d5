"""What a report holds, apart from how it is written: the tables, drawn figures, methods,
input-data check and provenance of one analysis. The writers (HTML, Word, Excel, Markdown)
read a :class:`ReportData`; :class:`mscohort.report.document.Report` adds ``write``."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from mscohort._version import __version__
from mscohort.analyse.study import StudyAnalysis
from mscohort.report.plots import Drawn
from mscohort.report.tables import ReportTable
from mscohort.validate.input_check import InputCheck

FORMATS = ("html", "docx", "xlsx", "md")
FILE_COLUMNS = {"table": pl.String, "file": pl.String, "sha256": pl.String, "rows": pl.Int64}


@dataclass(frozen=True)
class Provenance:
    """Where the numbers come from: input files with their SHA-256, the study definition,
    mscohort's version and when the report was made."""

    files: pl.DataFrame  #: table, file, sha256, rows
    definition_file: str | None = None
    definition_sha256: str | None = None
    imports: pl.DataFrame | None = None  #: the store's import log, when read from a store
    mscohort_version: str = __version__
    generated_at: str = ""

    @classmethod
    def now(cls, files: pl.DataFrame, definition_file: str | Path | None = None,
            imports: pl.DataFrame | None = None) -> Provenance:
        digest = (hashlib.sha256(Path(definition_file).read_bytes()).hexdigest()
                  if definition_file is not None else None)
        stamp = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
        return cls(files.select(list(FILE_COLUMNS)).cast(pl.Schema(FILE_COLUMNS)),
                   None if definition_file is None else str(definition_file), digest, imports,
                   __version__, stamp)


@dataclass(frozen=True)
class ReportData:
    """What a report holds: its tables, drawn figures, input check and provenance (written
    by :meth:`mscohort.report.document.Report.write`)."""

    title: str
    analysis: StudyAnalysis
    tables: list[ReportTable]
    figures: list[Drawn]
    input_check: InputCheck | None = None
    provenance: Provenance | None = None

    def methods(self) -> str:
        return self.analysis.methods()

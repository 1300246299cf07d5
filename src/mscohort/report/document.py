"""A report: the tables, figures, methods, input-data check and provenance of one analysis.

>>> report = build_report(study, analysis, provenance=Provenance.now(files))  # doctest: +SKIP
>>> report.write("report.html")                                               # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from mscohort._version import __version__
from mscohort.analyse.study import StudyAnalysis
from mscohort.errors import bad_argument
from mscohort.report.figures import report_figures
from mscohort.report.models_section import model_figures, model_tables
from mscohort.report.plots import Drawn, draw
from mscohort.report.tables import ReportTable, report_tables
from mscohort.study import Study

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
        return cls(files.select(list(FILE_COLUMNS)).cast(FILE_COLUMNS),
                   None if definition_file is None else str(definition_file), digest, imports,
                   __version__, stamp)


@dataclass(frozen=True)
class InputCheck:
    """The validation summary of the input data shown in the report."""

    source: str
    issues: pl.DataFrame  #: file, row, patient_id, column, rule, value, severity, message, fix
    note: str = ""

    def counts(self) -> pl.DataFrame:
        if self.issues.height == 0:
            return pl.DataFrame(schema={"severity": pl.String, "rule": pl.String,
                                        "n": pl.UInt32, "message": pl.String})
        return (self.issues.group_by("severity", "rule", maintain_order=True)
                .agg(pl.len().alias("n"), pl.col("message").first()))


@dataclass(frozen=True)
class Report:
    title: str
    analysis: StudyAnalysis
    tables: list[ReportTable]
    figures: list[Drawn]
    input_check: InputCheck | None = None
    provenance: Provenance | None = None

    def methods(self) -> str:
        return self.analysis.methods()

    def write(self, path: str | Path, fmt: str | None = None) -> list[Path]:
        """Write the report as HTML, Word, Excel or Markdown (by ``fmt`` or the suffix)."""
        path = Path(path)
        fmt = fmt or path.suffix.lstrip(".").lower()
        if fmt not in FORMATS:
            raise bad_argument("format", f"one of {', '.join(FORMATS)}", fmt)
        path.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "html":
            from mscohort.report.html import write_html
            return write_html(self, path)
        if fmt == "docx":
            from mscohort.report.word import write_docx
            return write_docx(self, path)
        if fmt == "xlsx":
            from mscohort.report.excel import write_xlsx
            return write_xlsx(self, path)
        from mscohort.report.markdown import write_markdown
        return write_markdown(self, path)


def write_figures(report: Report, folder: str | Path, dpi: int = 300) -> list[Path]:
    """Every figure of ``report`` as SVG and PNG (``dpi``) files, for posters and papers."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for i, d in enumerate(report.figures, 1):
        stem = folder / f"figure{i}_{d.data.key}"
        stem.with_suffix(".svg").write_text(d.svg(), encoding="utf-8")
        stem.with_suffix(".png").write_bytes(d.png(dpi=dpi))
        written += [stem.with_suffix(".svg"), stem.with_suffix(".png")]
    return written


def build_report(study: Study, analysis: StudyAnalysis, *, input_check: InputCheck | None = None,
                 provenance: Provenance | None = None, max_swimmer: int = 60) -> Report:
    """Tables and drawn figures of ``analysis`` (patient records from ``study``)."""
    figures = [draw(f) for f in report_figures(study, analysis, max_swimmer)]
    figures += model_figures(analysis)
    return Report(analysis.definition.name, analysis,
                  [*report_tables(analysis), *model_tables(analysis)], figures,
                  input_check, provenance)

"""A report: the tables, figures, methods, input-data check and provenance of one analysis.

>>> report = build_report(study, analysis, provenance=Provenance.now(files))  # doctest: +SKIP
>>> report.write("report.html")                                               # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mscohort.analyse.study import StudyAnalysis
from mscohort.errors import bad_argument
from mscohort.report.model import (  # noqa: F401  (re-exported)
    FILE_COLUMNS,
    FORMATS,
    Provenance,
    ReportData,
)
from mscohort.report.sections import draw, report_figures, report_tables
from mscohort.study import Study
from mscohort.validate.input_check import InputCheck


@dataclass(frozen=True)
class Report(ReportData):
    """A report that writes itself as HTML, Word, Excel or Markdown."""

    def write(self, path: str | Path, fmt: str | None = None) -> list[Path]:
        """Write the report as HTML, Word, Excel or Markdown (by ``fmt`` or the suffix)."""
        path = Path(path)
        fmt = fmt or path.suffix.lstrip(".").lower()
        if fmt not in FORMATS:
            raise bad_argument("format", f"one of {', '.join(FORMATS)}", fmt)
        path.parent.mkdir(parents=True, exist_ok=True)
        # the writers read ReportData (report/model.py), so importing them here is one-way;
        # imported when used: python-docx and openpyxl load only for their formats
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
    return Report(analysis.definition.name, analysis, report_tables(analysis), figures,
                  input_check, provenance)

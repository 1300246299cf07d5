"""The report as a Word document (.docx): real, editable Word tables, the figures as PNG, the
methods and the provenance. Written with python-docx; opens in Word and LibreOffice."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Inches, Pt

from mscohort.report.tables import ReportTable

if TYPE_CHECKING:
    from mscohort.report.model import ReportData as Report


def _table(doc: Any, t: ReportTable, number: int) -> None:  # python-docx is untyped
    caption = doc.add_paragraph()
    caption.add_run(f"Table {number}. ").bold = True
    caption.add_run(t.title)
    table = doc.add_table(rows=1, cols=len(t.columns))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, t.columns, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in t.rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = text
    for note in t.footnotes:
        p = doc.add_paragraph()
        run = p.add_run(note)
        run.italic = True
        run.font.size = Pt(8)


def write_docx(report: Report, path: Path) -> list[Path]:
    doc = Document()
    doc.add_heading(report.title, level=0)
    outcomes = report.analysis.outcomes
    doc.add_paragraph(f"{outcomes.height} patients; study definition "
                      f"{report.analysis.definition.source}.")
    doc.add_heading("Tables", level=1)
    for i, t in enumerate(report.tables, 1):
        _table(doc, t, i)
    doc.add_heading("Figures", level=1)
    for i, d in enumerate(report.figures, 1):
        doc.add_picture(io.BytesIO(d.png(dpi=150)), width=Inches(6.3))
        doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        p = doc.add_paragraph()
        p.add_run(f"Figure {i}. ").bold = True
        p.add_run(f"{d.data.title}. {d.data.caption}")
    doc.add_heading("Methods", level=1)
    doc.add_paragraph(report.methods())
    if report.input_check is not None:
        doc.add_heading("Input data", level=1)
        issues = report.input_check.issues
        doc.add_paragraph(f"Checked: {report.input_check.source}. {issues.height} issues.")
        counts = report.input_check.counts()
        if counts.height:
            _table(doc, ReportTable("issues", "Validation issues by rule",
                                    tuple(counts.columns),
                                    tuple(tuple(str(v) for v in r) for r in counts.iter_rows())),
                   len(report.tables) + 1)
    prov = report.provenance
    if prov is not None:
        doc.add_heading("Provenance", level=1)
        doc.add_paragraph(f"mscohort {prov.mscohort_version}; generated {prov.generated_at}; "
                          f"study definition {prov.definition_file} (SHA-256 "
                          f"{prov.definition_sha256}).")
        if prov.files.height:
            _table(doc, ReportTable("files", "Input files", tuple(prov.files.columns),
                                    tuple(tuple(str(v) for v in r)
                                          for r in prov.files.iter_rows())),
                   len(report.tables) + 2)
    doc.core_properties.title = report.title
    doc.core_properties.author = "mscohort"
    doc.save(str(path))
    return [path]

"""The federated result as a Word document (``report.docx``).

The core Word report (:mod:`mscohort.report.word`) renders a pooled ``StudyAnalysis``
(figures, Table 1, per-patient sections) that a federated run does not have; what it does
share is the rendering of plain tables: each section of :data:`~mscohort_federated.output.
SECTIONS` becomes a core :class:`~mscohort.report.tables.ReportTable` laid out by the core
report's own table writer (:func:`mscohort.report.word.word_table`: three rules, header
repeated, rows kept whole, wide tables on landscape pages, numbered captions), whose
per-cell style hook sets the suppressed cells in italics. Cells print
as in ``report.md`` and ``report.html`` (:func:`~mscohort_federated.output.cell_text`);
a suppressed cell reads "suppressed" and is set in italics.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docx import Document
from docx.shared import Pt

from mscohort.analyse.study import methods_text
from mscohort.definition import StudyDefinition
from mscohort.report.tables import ReportTable
from mscohort.report.word import word_table
from mscohort.report.word_layout import column_widths, page_setup, set_orientation
from mscohort_federated.combine import SUPPRESSED_TEXT
from mscohort_federated.output import SECTIONS, cell_text, federated_methods, intro


def report_tables(result: dict[str, object]) -> list[ReportTable]:
    """One plain table per section of the result that has rows, in the report's order."""
    out = []
    for title, key, columns in SECTIONS:
        rows = result.get(key) or []
        if rows:
            out.append(ReportTable(key, title, columns, tuple(
                tuple(cell_text(r.get(c)) for c in columns) for r in rows)))  # type: ignore[attr-defined]
    return out


def _italic_if_suppressed(cell: Any, text: str) -> None:
    """The core Word table's per-cell style hook: a suppressed cell in italics."""
    if text == SUPPRESSED_TEXT:
        for run in cell.paragraphs[0].runs:
            run.italic = True


def _table(doc: Any, t: ReportTable, number: int) -> None:
    """The section's heading, then the core report's numbered journal table."""
    set_orientation(doc, column_widths(t.columns, t.rows).landscape)
    doc.add_heading(t.title, level=1).paragraph_format.keep_with_next = True
    word_table(doc, t, number, caption=f"{t.title} (federated)",
               cell_style=_italic_if_suppressed)


def write_docx(result: dict[str, object], definition: StudyDefinition, path: Path) -> Path:
    """``report.docx``: title, the centres and the cell size, every table, the methods."""
    doc = Document()
    page_setup(doc)
    title = f"{definition.name} (federated)"
    doc.add_heading(title, level=0)
    doc.add_paragraph(intro(result))
    for number, t in enumerate(report_tables(result), 1):
        _table(doc, t, number)
    set_orientation(doc, False)
    doc.add_heading("Methods", level=1)
    doc.add_paragraph(methods_text(definition) + " " + federated_methods(result))
    note = doc.add_paragraph()
    run = note.add_run("\"suppressed\": a centre had fewer patients in the cell than the "
                       "minimum cell size; no value was released.")
    run.italic = True
    run.font.size = Pt(8)
    doc.core_properties.title = title
    doc.core_properties.author = "mscohort (federated)"
    doc.save(str(path))
    return path

"""The report as a Word document (.docx): real, editable Word tables, the figures as PNG, the
methods and the provenance. Written with python-docx; opens in Word and LibreOffice.

Laid out for submission (:mod:`mscohort.report.word_layout`): journal tables (three rules,
header repeated, rows kept whole), wide tables on landscape pages, captions kept with their
table or figure, figures scaled to the printable area, tables and figures numbered as in the
other formats (:mod:`mscohort.report.sections`) and listed after the title.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from mscohort.report.sections import definition_label, shown_path, table_sections
from mscohort.report.tables import ReportTable
from mscohort.report.word_layout import (
    column_widths,
    figure_size,
    journal_style,
    page_setup,
    set_orientation,
    write_text,
)

if TYPE_CHECKING:
    from mscohort.report.model import Provenance
    from mscohort.report.model import ReportData as Report
    from mscohort.report.plots import Drawn

# python-docx is untyped: its document, paragraphs and tables are ``Any`` here


def _caption(doc: Any, label: str, title: str) -> Any:
    p = doc.add_paragraph()
    p.add_run(f"{label}. ").bold = True
    p.add_run(title)
    return p


#: A per-cell style hook of :func:`word_table`: called with each body cell (python-docx
#: ``_Cell``, its text already written) and that text, e.g. to set a run in italics.
CellStyle = Callable[[Any, str], None]


def word_table(doc: Any, t: ReportTable, number: int, caption: str | None = None,
               cell_style: CellStyle | None = None) -> None:
    """Table ``number``: caption (``caption``, default the table's title), journal-style
    table and footnotes, on a landscape page when it is too wide for a portrait one;
    ``cell_style`` styles each body cell after its text is written (the header is bold)."""
    layout = column_widths(t.columns, t.rows)
    set_orientation(doc, layout.landscape)
    head = _caption(doc, f"Table {number}", t.title if caption is None else caption)
    head.paragraph_format.keep_with_next = True
    table = doc.add_table(rows=1, cols=len(t.columns))
    for cell, text in zip(table.rows[0].cells, t.columns, strict=True):
        write_text(cell.paragraphs[0], text, bold=True)
    for row in t.rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            write_text(cell.paragraphs[0], text)
            if cell_style is not None:
                cell_style(cell, text)
    journal_style(table, layout)
    for note in t.footnotes:
        p = doc.add_paragraph()
        run = p.add_run(note)
        run.italic = True
        run.font.size = Pt(8)


def _figure(doc: Any, d: Drawn, number: int) -> None:
    """The figure scaled to the printable area, kept on the page of its caption below it."""
    width, height = figure_size(*d.figure.get_size_inches())
    doc.add_picture(io.BytesIO(d.png(dpi=150)), width=width, height=height)
    picture = doc.paragraphs[-1]
    picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
    picture.paragraph_format.keep_with_next = True
    _caption(doc, f"Figure {number}", f"{d.data.title}. {d.data.caption}")


#: Hexadecimal characters of a SHA-256 shown in the input files table (48 bits: no two
#: files of a study share them by chance); the full checksums follow it as notes.
SHORT_SHA = 12


def files_table(prov: Provenance) -> ReportTable:
    """The input files: table, file, rows and the first :data:`SHORT_SHA` characters of the
    SHA-256, with every full SHA-256 in the notes below it, so that no column must hold 64
    unbreakable characters and no word is broken across lines."""
    files = prov.files
    rows = tuple((str(r["table"]), str(r["file"]), str(r["rows"]), str(r["sha256"])[:SHORT_SHA])
                 for r in files.iter_rows(named=True))
    notes = (f"SHA-256: its first {SHORT_SHA} of 64 hexadecimal characters; in full:",
             *(f"{r['file']}: {r['sha256']}" for r in files.iter_rows(named=True)))
    return ReportTable("files", "Input files", ("table", "file", "rows", "SHA-256"), rows,
                       footnotes=notes)


def _contents(doc: Any, report: Report) -> None:
    """The numbered tables and figures, listed after the title so the text refers to them."""
    doc.add_heading("Contents", level=1)
    for section in table_sections(report):
        for nt in section.tables:
            doc.add_paragraph(f"Table {nt.number}. {nt.table.title}",
                              style="List Paragraph")
    for i, d in enumerate(report.figures, 1):
        doc.add_paragraph(f"Figure {i}. {d.data.title}", style="List Paragraph")


def write_docx(report: Report, path: Path) -> list[Path]:
    doc = Document()
    page_setup(doc)
    doc.add_heading(report.title, level=0)
    outcomes = report.analysis.outcomes
    doc.add_paragraph(f"{outcomes.height} patients; study definition: "
                      f"{definition_label(report)}.")
    _contents(doc, report)
    for section in table_sections(report):
        if not section.tables:
            continue
        set_orientation(doc, column_widths(section.tables[0].table.columns,
                                           section.tables[0].table.rows).landscape)
        doc.add_heading(section.title, level=1).paragraph_format.keep_with_next = True
        for nt in section.tables:
            word_table(doc, nt.table, nt.number)
    set_orientation(doc, False)
    doc.add_heading("Figures", level=1)
    for i, d in enumerate(report.figures, 1):
        _figure(doc, d, i)
    doc.add_heading("Methods", level=1)
    doc.add_paragraph(report.methods())
    extra = len(report.tables)
    if report.input_check is not None:
        doc.add_heading("Input data", level=1)
        issues = report.input_check.issues
        doc.add_paragraph(f"Checked: {shown_path(report.input_check.source)}. "
                          f"{issues.height} issues.")
        counts = report.input_check.counts()
        if counts.height:
            extra += 1
            word_table(doc, ReportTable("issues", "Validation issues by rule",
                                        tuple(counts.columns),
                                        tuple(tuple(str(v) for v in r)
                                              for r in counts.iter_rows())), extra)
    prov = report.provenance
    if prov is not None:
        set_orientation(doc, False)
        doc.add_heading("Provenance", level=1)
        doc.add_paragraph(f"mscohort {prov.mscohort_version}; generated {prov.generated_at}; "
                          f"study definition {definition_label(report)} (SHA-256 "
                          f"{prov.definition_sha256}).")
        if prov.files.height:
            extra += 1
            word_table(doc, files_table(prov), extra)
    doc.core_properties.title = report.title
    doc.core_properties.author = "mscohort"
    doc.save(str(path))
    return [path]

"""Page layout of the Word report: journal-style tables, landscape sections for wide tables,
and figures scaled to the printable area.

A journal table (AMA Manual of Style, 11th ed., 4.1; APA 7th ed., 7.8) has three horizontal
rules (above the header, below the header, below the last row) and no vertical rules; its
header row repeats on every page it runs over and no row is split across pages. A table goes
on a landscape page when its columns cannot be laid out across a portrait page without
breaking a word or a number (:func:`column_widths`); its caption is kept on the page of its
first row, and a figure on the page of its caption.
"""

from __future__ import annotations

import math
from typing import Any

from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Inches, Pt, Twips

from mscohort.report.page_layout import (
    CAPTION_ALLOWANCE_IN,
    FIGURE_WIDTH_IN,
    MARGIN_IN,
    NUMBER_HYPHEN,
    PAGE_HEIGHT_IN,
    PAGE_WIDTH_IN,
    RULE_EIGHTHS_PT,
    TABLE_FONT_PT,
    TableLayout,
    column_widths,
)

__all__ = ["TableLayout", "column_widths", "figure_size", "journal_style", "page_setup",
           "set_orientation", "write_text"]


def write_text(paragraph: Any, text: str, bold: bool = False) -> None:
    """Append ``text`` to ``paragraph`` as one run whose hyphens inside numbers are Word's
    non-breaking hyphens (``w:noBreakHyphen``, read back as "-"), so that "(1.70-9.63)" or
    "-0.7" never breaks inside a number."""
    run = paragraph.add_run()
    run.bold = bold or None
    pieces = NUMBER_HYPHEN.split(text)
    for k, piece in enumerate(pieces):
        if k:
            run._r.append(OxmlElement("w:noBreakHyphen"))
        if piece:
            run._r.add_t(piece)


def _border(parent: Any, tag: str, edges: dict[str, str | None]) -> None:
    """Set the ``edges`` (top, bottom, ...) of a w:tblBorders or w:tcBorders ``tag``:
    ``"single"`` draws a rule, ``None`` removes it."""
    borders = OxmlElement(tag)
    for edge, kind in edges.items():
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), kind or "nil")
        if kind:
            el.set(qn("w:sz"), str(RULE_EIGHTHS_PT))
            el.set(qn("w:space"), "0")
            el.set(qn("w:color"), "000000")
        borders.append(el)
    old = parent.find(qn(tag))
    if old is not None:
        parent.remove(old)
    parent.append(borders)


def _row_property(row: Any, tag: str) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement(tag)
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def journal_style(table: Any, layout: TableLayout) -> None:
    """Three horizontal rules and no vertical ones; the header row repeated on every page;
    no row split across pages; fixed column widths (``layout``)."""
    tbl_pr = table._tbl.tblPr
    _border(tbl_pr, "w:tblBorders", {"top": "single", "left": None, "bottom": "single",
                                     "right": None, "insideH": None, "insideV": None})
    width = OxmlElement("w:tblW")
    twips = [math.floor(w * 1440) for w in layout.widths]  # never wider than the page
    width.set(qn("w:w"), str(sum(twips)))
    width.set(qn("w:type"), "dxa")
    old = tbl_pr.find(qn("w:tblW"))
    if old is not None:
        tbl_pr.remove(old)
    tbl_pr.append(width)
    table.autofit = False
    for column, w in zip(table.columns, twips, strict=True):
        column.width = Twips(w)
    rows = table.rows
    for i, row in enumerate(rows):
        _row_property(row, "w:cantSplit")
        if i == 0:
            _row_property(row, "w:tblHeader")
        for cell, w in zip(row.cells, twips, strict=True):
            cell.width = Twips(w)
            if i == 0:
                _border(cell._tc.get_or_add_tcPr(), "w:tcBorders", {"bottom": "single"})
            for p in cell.paragraphs:
                p.paragraph_format.space_after = Pt(0)
                for run in p.runs:
                    run.font.size = Pt(TABLE_FONT_PT)


def set_orientation(doc: Any, landscape: bool) -> None:
    """Start a new section (on a new page) in ``landscape`` or portrait, unless the current
    section already is; the document's first section is set in place."""
    section = doc.sections[-1]
    is_landscape = section.orientation == WD_ORIENT.LANDSCAPE
    if is_landscape == landscape:
        return
    if len(doc.paragraphs) or len(doc.tables):
        section = doc.add_section(WD_SECTION.NEW_PAGE)
    long, short = Inches(PAGE_HEIGHT_IN), Inches(PAGE_WIDTH_IN)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (long, short) if landscape else (short, long)


def page_setup(doc: Any) -> None:
    """Letter paper, portrait, 1-inch margins."""
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Inches(PAGE_WIDTH_IN), Inches(PAGE_HEIGHT_IN)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Inches(MARGIN_IN))


def figure_size(width_in: float, height_in: float) -> tuple[Inches, Inches]:
    """The size of a ``width_in`` x ``height_in`` figure scaled (keeping its aspect) to the
    portrait printable width (``FIGURE_WIDTH_IN``) and height less ``CAPTION_ALLOWANCE_IN``."""
    scale = min(FIGURE_WIDTH_IN / width_in,
                (PAGE_HEIGHT_IN - 2 * MARGIN_IN - CAPTION_ALLOWANCE_IN) / height_in)
    return Inches(width_in * scale), Inches(height_in * scale)

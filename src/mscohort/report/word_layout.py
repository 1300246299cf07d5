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
import re
from dataclasses import dataclass

from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Inches, Pt, Twips

#: Letter paper with 1-inch margins: the printable area of a portrait page, in inches
PAGE_WIDTH_IN, PAGE_HEIGHT_IN, MARGIN_IN = 8.5, 11.0, 1.0
PORTRAIT_WIDTH_IN = PAGE_WIDTH_IN - 2 * MARGIN_IN
LANDSCAPE_WIDTH_IN = PAGE_HEIGHT_IN - 2 * MARGIN_IN
#: a figure leaves this much of the page's height to its caption
CAPTION_ALLOWANCE_IN = 1.6
#: and a quarter inch of the width: LibreOffice sets a picture as wide as the line 9 pt right
FIGURE_WIDTH_IN = PORTRAIT_WIDTH_IN - 0.25
TABLE_FONT_PT = 8.0
#: widest average character of the table font (Calibri/Carlito: about 0.55 em), in inches
CHAR_IN = 0.58 * TABLE_FONT_PT / 72
BOLD_FACTOR = 1.08
#: left + right cell margins of Word's default table (0.08 in each) and a little slack
CELL_PAD_IN = 0.2
#: a column longer than this many characters wraps rather than widening the table
MAX_PREFERRED_CHARS = 42
RULE_EIGHTHS_PT = 8  # the rules are 1 pt (w:sz counts eighths of a point)

#: a hyphen next to a digit: the sign or range of a number ("-0.7", "(1.70-9.63)", dates)
NUMBER_HYPHEN = re.compile(r"(?<=\d)-|-(?=\d)")


def write_text(paragraph: object, text: str, bold: bool = False) -> None:
    """Append ``text`` to ``paragraph`` as one run whose hyphens inside numbers are Word's
    non-breaking hyphens (``w:noBreakHyphen``, read back as "-"), so that "(1.70-9.63)" or
    "-0.7" never breaks inside a number."""
    run = paragraph.add_run()  # type: ignore[attr-defined]
    run.bold = bold or None
    pieces = NUMBER_HYPHEN.split(text)
    for k, piece in enumerate(pieces):
        if k:
            run._r.append(OxmlElement("w:noBreakHyphen"))
        if piece:
            run._r.add_t(piece)


def _tokens(text: str) -> list[str]:
    """The words a line never breaks inside (Word breaks at spaces and after a hyphen that
    is not :data:`NUMBER_HYPHEN`; the latter is ignored: the estimate stays on the wide side)."""
    return text.split() or [""]


@dataclass(frozen=True)
class TableLayout:
    """Where a table goes and how wide its columns are (inches)."""

    landscape: bool
    widths: tuple[float, ...]


def _fit(minimum: list[float], preferred: list[float], available: float) -> tuple[float, ...]:
    """Widths that fill ``available``: every column at least its ``minimum`` (its longest
    word), the rest shared in proportion to how much more each column would like."""
    if sum(minimum) >= available:  # even the words do not fit: shrink in proportion
        return tuple(w * available / sum(minimum) for w in minimum)
    extra = [p - m for m, p in zip(minimum, preferred, strict=True)]
    spare = available - sum(minimum)
    if sum(extra) <= spare:  # every column at its preferred width; the rest shared alike
        rest = (spare - sum(extra)) / len(minimum)
        return tuple(p + rest for p in preferred)
    return tuple(m + spare * e / sum(extra) for m, e in zip(minimum, extra, strict=True))


def column_widths(columns: tuple[str, ...], rows: tuple[tuple[str, ...], ...]) -> TableLayout:
    """The layout of a table of ``columns`` and ``rows`` (printed cells).

    A column needs at least its longest unbreakable word (numbers and ranges do not break,
    :data:`NUMBER_HYPHEN`) and would like its longest cell on one line (up to
    ``MAX_PREFERRED_CHARS`` characters). The table is portrait when every column's words fit
    across a portrait page and the cells would not wrap to more than two lines on average;
    otherwise landscape.
    """
    minimum, preferred = [], []
    for j, head in enumerate(columns):
        cells = [r[j] for r in rows]
        word = max([len(t) * BOLD_FACTOR for t in _tokens(head)]
                   + [len(t) for c in cells for t in _tokens(c)])
        longest = max([min(len(head), MAX_PREFERRED_CHARS) * BOLD_FACTOR]
                      + [min(len(c), MAX_PREFERRED_CHARS) for c in cells])
        minimum.append(word * CHAR_IN + CELL_PAD_IN)
        preferred.append(max(longest, word) * CHAR_IN + CELL_PAD_IN)
    landscape = (sum(minimum) > PORTRAIT_WIDTH_IN
                 or sum(preferred) > 2 * PORTRAIT_WIDTH_IN)
    available = LANDSCAPE_WIDTH_IN if landscape else PORTRAIT_WIDTH_IN
    return TableLayout(landscape, _fit(minimum, preferred, available))


def _border(parent: object, tag: str, edges: dict[str, str | None]) -> None:
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
    old = parent.find(qn(tag))  # type: ignore[attr-defined]
    if old is not None:
        parent.remove(old)  # type: ignore[attr-defined]
    parent.append(borders)  # type: ignore[attr-defined]


def _row_property(row: object, tag: str) -> None:
    tr_pr = row._tr.get_or_add_trPr()  # type: ignore[attr-defined]
    el = OxmlElement(tag)
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def journal_style(table: object, layout: TableLayout) -> None:
    """Three horizontal rules and no vertical ones; the header row repeated on every page;
    no row split across pages; fixed column widths (``layout``)."""
    tbl_pr = table._tbl.tblPr  # type: ignore[attr-defined]
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
    table.autofit = False  # type: ignore[attr-defined]
    for column, w in zip(table.columns, twips, strict=True):  # type: ignore[attr-defined]
        column.width = Twips(w)
    rows = table.rows  # type: ignore[attr-defined]
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


def set_orientation(doc: object, landscape: bool) -> None:
    """Start a new section (on a new page) in ``landscape`` or portrait, unless the current
    section already is; the document's first section is set in place."""
    section = doc.sections[-1]  # type: ignore[attr-defined]
    is_landscape = section.orientation == WD_ORIENT.LANDSCAPE
    if is_landscape == landscape:
        return
    if len(doc.paragraphs) or len(doc.tables):  # type: ignore[attr-defined]
        section = doc.add_section(WD_SECTION.NEW_PAGE)  # type: ignore[attr-defined]
    long, short = Inches(PAGE_HEIGHT_IN), Inches(PAGE_WIDTH_IN)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (long, short) if landscape else (short, long)


def page_setup(doc: object) -> None:
    """Letter paper, portrait, 1-inch margins."""
    section = doc.sections[0]  # type: ignore[attr-defined]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Inches(PAGE_WIDTH_IN), Inches(PAGE_HEIGHT_IN)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Inches(MARGIN_IN))


def figure_size(width_in: float, height_in: float) -> tuple[Emu, Emu]:
    """The size of a ``width_in`` x ``height_in`` figure scaled (keeping its aspect) to the
    portrait printable width (``FIGURE_WIDTH_IN``) and height less ``CAPTION_ALLOWANCE_IN``."""
    scale = min(FIGURE_WIDTH_IN / width_in,
                (PAGE_HEIGHT_IN - 2 * MARGIN_IN - CAPTION_ALLOWANCE_IN) / height_in)
    return Inches(width_in * scale), Inches(height_in * scale)

"""The Word report's page layout: journal tables, landscape pages for wide tables, captions
kept with their objects, figures inside the printable area; read back from the .docx and from
its PDF rendered by LibreOffice headless."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Inches

from mscohort.report import Report
from mscohort.report.page_layout import (
    CAPTION_ALLOWANCE_IN,
    CELL_PAD_IN,
    CHAR_IN,
    LANDSCAPE_WIDTH_IN,
    PORTRAIT_WIDTH_IN,
    column_widths,
)
from mscohort.report.sections import numbered_tables
from mscohort.report.word_layout import figure_size
from tests.report.pdf_layout import Box, Page, read_pages, render_pdf


@pytest.fixture(scope="module")
def docx_path(toy_report: Report, tmp_path_factory: pytest.TempPathFactory) -> Path:
    (path,) = toy_report.write(tmp_path_factory.mktemp("word") / "report.docx")
    return path


@pytest.fixture(scope="module")
def pages(docx_path: Path) -> list[Page]:
    """The toy report rendered once by LibreOffice, read back page by page."""
    return read_pages(render_pdf(docx_path))


def test_column_widths_by_hand() -> None:
    # two columns: "ab" / "x y" -> longest words 2 (bold header, x 1.08) and 1; a narrow
    # table stays portrait and shares the spare width alike
    layout = column_widths(("ab", "x y"), (("a", "x y"),))
    head = 2 * 1.08 * CHAR_IN + CELL_PAD_IN
    cell = 3 * 1.08 * CHAR_IN + CELL_PAD_IN  # "x y" on one line, bold header
    rest = (PORTRAIT_WIDTH_IN - head - cell) / 2
    assert not layout.landscape
    assert layout.widths == pytest.approx((head + rest, cell + rest), abs=1e-6)
    # eleven columns whose words alone need more than a portrait page go landscape
    wide = column_widths(tuple(f"column{i}" for i in range(11)),
                         (tuple("-0.70 (-1.05 to -0.33)" for _ in range(11)),))
    assert wide.landscape
    assert sum(wide.widths) == pytest.approx(LANDSCAPE_WIDTH_IN, abs=1e-6)


def test_figures_fit_the_printable_area_keeping_their_aspect() -> None:
    emu = 914400  # EMUs per inch; a size is a whole number of EMUs (1 EMU of rounding)
    # the swimmer figure of 60 patients: 8 x 14.7 in -> height 9 - 1.6 = 7.4 in
    width, height = figure_size(8.0, 14.7)
    assert abs(height - (9.0 - CAPTION_ALLOWANCE_IN) * emu) <= 1
    assert abs(width - 8.0 * (9.0 - CAPTION_ALLOWANCE_IN) / 14.7 * emu) <= 1
    width, height = figure_size(10.0, 4.0)  # a wide forest plot: the page's width less 1/4 in
    assert abs(width - 6.25 * emu) <= 1 and abs(height - 2.5 * emu) <= 1


def test_word_tables_have_three_rules_a_repeated_header_and_rows_kept_whole(
        docx_path: Path) -> None:
    doc = Document(str(docx_path))
    for table in doc.tables:
        borders = table._tbl.tblPr.find(qn("w:tblBorders"))
        kinds = {el.tag.split("}")[1]: el.get(qn("w:val")) for el in borders}
        assert kinds == {"top": "single", "left": "nil", "bottom": "single", "right": "nil",
                         "insideH": "nil", "insideV": "nil"}
        rows = table.rows
        assert rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
        assert all(r._tr.trPr.find(qn("w:cantSplit")) is not None for r in rows)
        assert all(r._tr.trPr.find(qn("w:tblHeader")) is None for r in rows[1:])
        for cell in rows[0].cells:
            bottom = cell._tc.tcPr.find(qn("w:tcBorders")).find(qn("w:bottom"))
            assert bottom.get(qn("w:val")) == "single"


def test_word_wide_tables_sit_in_landscape_sections_within_the_page(
        docx_path: Path, toy_report: Report) -> None:
    doc = Document(str(docx_path))
    body = doc.element.body
    # walk the body: a section ends at the paragraph holding its w:sectPr
    orientation, widths = [], []
    current: list[object] = []
    for el in body.iterchildren():
        if el.tag == qn("w:tbl"):
            current.append(el)
        sect = el.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") if el.tag == qn("w:p") else None
        if sect is not None or el.tag == qn("w:sectPr"):
            sect = el if el.tag == qn("w:sectPr") else sect
            size = sect.find(qn("w:pgSz"))
            landscape = size.get(qn("w:orient")) == "landscape"
            page_w = int(size.get(qn("w:w"))) / 1440
            for tbl in current:
                orientation.append(landscape)
                widths.append((sum(int(c.get(qn("w:w"))) for c in
                                   tbl.find(qn("w:tblGrid")).findall(qn("w:gridCol"))) / 1440,
                               page_w))
            current = []
    expected = [column_widths(nt.table.columns, nt.table.rows).landscape
                for nt in numbered_tables(toy_report)]
    assert orientation[: len(expected)] == expected
    assert any(expected) and not all(expected)
    assert all(w <= page - 2.0 + 1e-3 for w, page in widths)
    assert doc.sections[0].orientation == WD_ORIENT.PORTRAIT
    assert doc.sections[0].page_width == Inches(8.5)


def test_word_title_names_the_study_definition_once(docx_path: Path) -> None:
    text = Document(str(docx_path)).paragraphs[1].text
    assert "study definition study definition" not in text
    assert re.fullmatch(r"8 patients; study definition: .*toy/study\.toml\.", text)


def _caption(pages: list[Page], label: str) -> tuple[Page, Box]:
    """The page and box of the caption that begins with ``label`` ("Table 3."): its last
    occurrence (the contents after the title list every caption first)."""
    found = [(p, box) for p in pages for box, t in p.lines if t.startswith(f"{label} ")]
    assert found, f"{label} not found"
    return found[-1]


@pytest.mark.slow
def test_word_rendered_tables_start_on_their_caption_page_in_the_right_orientation(
        pages: list[Page], toy_report: Report) -> None:
    for nt in numbered_tables(toy_report):
        page, box = _caption(pages, f"Table {nt.number}.")
        first = nt.table.rows[0][0].split()[0] if nt.table.rows else nt.table.columns[0]
        below = [t for b, t in page.lines if b[3] < box[1] and t.split()[:1] == [first]]
        assert below, f"Table {nt.number}: its first row is not on the caption's page"
        layout = column_widths(nt.table.columns, nt.table.rows)
        assert page.landscape == layout.landscape, f"Table {nt.number}"


@pytest.mark.slow
def test_word_rendered_figures_sit_above_their_captions_on_one_page(
        pages: list[Page], toy_report: Report) -> None:
    drawn = [(p, box) for p in pages for box in p.images]
    assert len(drawn) == len(toy_report.figures)
    for i, (image_page, image) in enumerate(drawn, 1):
        page, caption = _caption(pages, f"Figure {i}.")
        assert page.number == image_page.number, f"Figure {i}"
        assert image[1] > caption[3], f"Figure {i}: the caption is not below the figure"
        margin = 72 - 1  # the image inside the printable area (1-inch margins)
        assert margin <= image[0] and image[2] <= page.width - margin, f"Figure {i}"
        assert margin <= image[1] and image[3] <= page.height - margin, f"Figure {i}"


@pytest.mark.slow
def test_word_rendered_text_stays_inside_the_printable_area(pages: list[Page]) -> None:
    assert 10 <= len(pages) <= 60
    assert any(p.landscape for p in pages) and not all(p.landscape for p in pages)
    margin = 72 - 1  # 1-inch margins, 1 pt for rounding
    ascent = 72 - 3  # a large title's glyph box rises up to 2 pt above the top margin
    for p in pages:
        for (x0, y0, x1, y1), t in p.lines:
            assert margin <= x0 and x1 <= p.width - margin, f"page {p.number}: {t!r}"
            assert margin <= y0 and y1 <= p.height - ascent, f"page {p.number}: {t!r}"


@pytest.mark.slow
def test_word_rendered_numbers_never_break_inside(pages: list[Page],
                                                  toy_report: Report) -> None:
    """Every word of every table cell that holds a digit ("(1.70-9.63)", "-0.7") is printed
    on one line of the PDF: the line may break between words, never inside one."""
    words = set().union(*(p.words() for p in pages))
    for nt in numbered_tables(toy_report):
        for row in nt.table.rows:
            for cell in row:
                for word in cell.split():
                    if re.search(r"\d", word) and len(word) < 30:
                        assert word in words, f"Table {nt.number}: {word!r} broken"

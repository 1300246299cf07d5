"""The HTML report's layout in Debian's chromium: at 1280 and 390 px wide nothing is wider
than the window and every column of every table can be seen; printed to PDF (Playwright's
``page.pdf``), wide tables are on landscape pages and every column and number is printed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mscohort.report import Report
from mscohort.report.page_layout import column_widths
from mscohort.report.sections import numbered_tables
from tests.browser import browser_page
from tests.report.pdf_layout import Page, normalise, read_pages

pytestmark = pytest.mark.slow

#: every element outside a table's scroll box that reaches past the window's right edge, how
#: many tables need a sideways scroll, and how many number spans wrap onto a second line
LAYOUT = """() => {
  const vw = document.documentElement.clientWidth;
  const wider = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('.table-wrap') && !el.classList.contains('table-wrap')) continue;
    const r = el.getBoundingClientRect();
    if (r.width > 0 && (r.right > vw + 1 || r.left < -1)) {
      wider.push(`${el.tagName}#${el.id}.${el.className} ${Math.round(r.right)}`);
    }
  }
  const scrolling = [...document.querySelectorAll('.table-wrap')]
    .filter(w => w.scrollWidth > w.clientWidth + 1)
    .map(w => (w.closest('figure') || w.parentElement).id || w.parentElement.tagName);
  const broken = [...document.querySelectorAll('.nw')]
    .filter(s => s.getClientRects().length > 1).map(s => s.textContent);
  return {page: document.documentElement.scrollWidth, vw, wider, scrolling, broken};
}"""

#: every body cell of the report's tables at phone width: on screen, with its column's label
CELLS = """() => [...document.querySelectorAll('figure.table table')].map(t => {
  const heads = [...t.querySelectorAll('thead th')].map(h => h.textContent);
  return [...t.querySelectorAll('tbody tr')].map(tr => [...tr.cells].map((c, j) => {
    const r = c.getBoundingClientRect();
    const label = getComputedStyle(c, '::before').content;
    return {j, head: heads[j], label, left: r.left, right: r.right, h: r.height};
  }));
})"""


@pytest.fixture(scope="module")
def html(toy_report: Report, tmp_path_factory: pytest.TempPathFactory) -> Path:
    (path,) = toy_report.write(tmp_path_factory.mktemp("html") / "report.html")
    return path


@pytest.mark.parametrize("width", [1280, 390])
def test_html_nothing_is_wider_than_the_window_and_no_table_scrolls(html: Path,
                                                                    width: int) -> None:
    with browser_page() as (page, errors, _):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(html.as_uri())
        page.wait_for_selector("body[data-ready='1']", timeout=15_000)
        layout = page.evaluate(LAYOUT)
        assert layout["page"] <= width, layout["wider"]
        assert layout["wider"] == []
        assert layout["scrolling"] == []  # every column of every table in view
        assert layout["broken"] == []  # no range or signed number split over two lines
        assert page.locator(".scroll-hint:visible").count() == 0
    assert errors == []


def test_html_a_long_file_path_breaks_instead_of_widening_the_phone_page(
        toy: tuple, tmp_path: Path) -> None:
    """The study's folder is printed in the header and the input check: a deep folder (a CI
    checkout, a network share) wraps at 390 px instead of widening the page."""
    import shutil

    import polars as pl

    from mscohort.ingest import read_study
    from mscohort.report import InputCheck, Provenance, build_report
    from mscohort.validate import check_study
    from tests.conftest import AS_OF
    from tests.report.conftest import TOY

    folder = tmp_path / ("StudyFolderWithALongName" * 3) / "toy"  # no break opportunity
    shutil.copytree(TOY, folder)
    raw = read_study(folder)
    _, check = check_study(raw, as_of=AS_OF)
    files_ = pl.DataFrame([{"table": t.table, "file": t.source, "sha256": t.sha256,
                            "rows": t.frame.height} for t in raw.tables.values()])
    report = build_report(*toy, input_check=InputCheck(str(folder), check.issues),
                          provenance=Provenance.now(files_, folder / "study.toml"))
    (path,) = report.write(tmp_path / "report.html")
    assert str(folder) in path.read_text()
    with browser_page() as (page, errors, _):
        page.set_viewport_size({"width": 390, "height": 900})
        page.goto(path.as_uri())
        page.wait_for_selector("body[data-ready='1']", timeout=15_000)
        layout = page.evaluate(LAYOUT)
    assert layout["page"] <= 390, layout
    assert errors == []


def test_html_phone_tables_stack_every_cell_with_its_column_label(html: Path,
                                                                  toy_report: Report) -> None:
    with browser_page() as (page, errors, _):
        page.set_viewport_size({"width": 390, "height": 900})
        page.goto(html.as_uri())
        page.wait_for_selector("body[data-ready='1']", timeout=15_000)
        tables = page.evaluate(CELLS)
    assert len(tables) == len(toy_report.tables)
    for nt, rows in zip(numbered_tables(toy_report), tables, strict=True):
        assert len(rows) == len(nt.table.rows)
        for row in rows:
            assert len(row) == len(nt.table.columns)
            for cell in row:
                assert cell["h"] > 0 and cell["left"] >= 0 and cell["right"] <= 390, cell
                if cell["j"]:  # the row's label is its heading; the others say their column
                    assert cell["label"] == f'"{cell["head"]}: "', cell
    assert errors == []


def test_html_a_table_wider_than_its_box_says_it_scrolls(html: Path) -> None:
    """The hint is there for a table that still needs it (a long cell at a narrow width)."""
    with browser_page() as (page, _, _):
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(html.as_uri())
        page.wait_for_selector("body[data-ready='1']", timeout=15_000)
        page.evaluate("""() => { const w = document.querySelector('figure.table .table-wrap');
                                 w.style.width = '120px';
                                 window.dispatchEvent(new Event('resize')); }""")
        first = page.locator("figure.table").first
        assert first.locator(".scroll-hint").is_visible()
        assert "scrolls" in (first.locator(".table-wrap").get_attribute("class") or "")


@pytest.fixture(scope="module")
def printed(html: Path) -> list[Page]:
    with browser_page() as (page, _, _):
        page.goto(html.as_uri())
        page.wait_for_selector("body[data-ready='1']", timeout=15_000)
        page.emulate_media(media="print")
        pdf = html.with_suffix(".pdf")
        page.pdf(path=str(pdf), prefer_css_page_size=True)
    return read_pages(pdf)


def test_html_printed_wide_tables_are_landscape_and_nothing_is_cut(
        printed: list[Page], toy_report: Report) -> None:
    words = set().union(*(p.words() for p in printed))
    for p in printed:
        for (x0, _, x1, _), t in p.lines:
            assert x0 >= 0 and x1 <= p.width, f"page {p.number}: {t!r}"
    for nt in numbered_tables(toy_report):
        caption = f"Table {nt.number}. "
        (page,) = [p for p in printed if any(t.startswith(caption) for _, t in p.lines)]
        assert page.landscape == column_widths(nt.table.columns, nt.table.rows).landscape
        for column in nt.table.columns:  # every column's header is printed
            # compared as the PDF's text is read (NFKC: the micro sign "µm" reads "μm")
            assert set(normalise(column).split()) <= words, (nt.number, column)
        for row in nt.table.rows:  # every number whole, on one line
            for word in normalise(" ".join(row)).split():
                if re.search(r"\d", word) and len(word) < 30:
                    assert word in words, (nt.number, word)


def test_html_tooltips_open_from_the_keyboard(html: Path) -> None:
    with browser_page() as (page, errors, _):
        page.goto(html.as_uri())
        page.wait_for_selector("body[data-ready='1']", timeout=15_000)
        first = page.locator(".mscohort-hover").first
        assert first.get_attribute("tabindex") == "0"
        first.focus()
        tip = page.locator("#tooltip")
        assert tip.is_visible()
        assert tip.inner_text() == first.get_attribute("aria-label")
        page.keyboard.press("Tab")  # the next element: the tooltip follows the focus
        second = page.locator(".mscohort-hover").nth(1)
        assert tip.inner_text() == second.get_attribute("aria-label")
    assert errors == []

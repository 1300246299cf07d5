"""The layout checks of the Word and HTML reports on a 20,000-patient synthetic cohort
(issue #22, "Done when"): the Word file rendered by LibreOffice headless and the HTML in
Debian's chromium at 1280 px, 390 px and printed to PDF pass the same checks as the toy
report's (``test_report_word_layout.py``, ``test_report_html_layout.py``, whose test
functions are called here with the large report).

The cohort (``mscohort synth --patients 20000 --seed 22``) is drawn, analysed with the
seed's study definition, reported and rendered once for the module.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pytest

from mscohort.analyse.study import analyse_study
from mscohort.definition import load_definition
from mscohort.report import Report, build_report
from mscohort.synthetic import make_synthetic_cohort
from tests.browser import browser_page
from tests.report import test_report_html_layout as html_layout
from tests.report import test_report_word_layout as word_layout
from tests.report.pdf_layout import Page, read_pages, render_pdf

pytestmark = pytest.mark.slow

N_PATIENTS = 20_000
SEED = 22


@pytest.fixture(scope="module")
def large_report() -> Report:
    study = make_synthetic_cohort(N_PATIENTS, seed=SEED)
    definition = load_definition(Path(str(files("mscohort") / "datasets" / "toy"))
                                 / "study.toml")
    return build_report(study, analyse_study(study, definition))


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("large")


@pytest.fixture(scope="module")
def docx_path(large_report: Report, folder: Path) -> Path:
    (path,) = large_report.write(folder / "report.docx")
    return path


@pytest.fixture(scope="module")
def pages(docx_path: Path) -> list[Page]:
    return read_pages(render_pdf(docx_path))


@pytest.fixture(scope="module")
def html(large_report: Report, folder: Path) -> Path:
    (path,) = large_report.write(folder / "report.html")
    return path


@pytest.fixture(scope="module")
def printed(html: Path) -> list[Page]:
    with browser_page() as (page, _, _):
        page.goto(html.as_uri())
        page.wait_for_selector("body[data-ready='1']", timeout=60_000)
        page.emulate_media(media="print")
        pdf = html.with_suffix(".pdf")
        page.pdf(path=str(pdf), prefer_css_page_size=True)
    return read_pages(pdf)


def test_large_cohort_report_has_every_patient_and_its_figures(large_report: Report) -> None:
    assert large_report.analysis.outcomes.height == N_PATIENTS
    keys = {d.data.key for d in large_report.figures}
    assert {"trajectories", "waterfall", "km_cdw", "forest", "swimmer", "categories"} <= keys
    bars = next(d for d in large_report.figures if d.data.key == "waterfall").data
    assert bars.frames["bars"].height > 200  # the stepped-area mode is the one drawn


def test_large_word_tables_have_three_rules_and_fit_their_pages(
        docx_path: Path, large_report: Report) -> None:
    word_layout.test_word_tables_have_three_rules_a_repeated_header_and_rows_kept_whole(
        docx_path)
    word_layout.test_word_wide_tables_sit_in_landscape_sections_within_the_page(
        docx_path, large_report)


def test_large_word_rendered_captions_share_the_page_of_their_objects(
        pages: list[Page], large_report: Report) -> None:
    word_layout.test_word_rendered_tables_start_on_their_caption_page_in_the_right_orientation(
        pages, large_report)
    word_layout.test_word_rendered_figures_sit_above_their_captions_on_one_page(
        pages, large_report)


def test_large_word_rendered_text_stays_inside_the_page_and_numbers_whole(
        pages: list[Page], large_report: Report) -> None:
    # the page count stays that of a report, not of a listing: 20,000 patients add no page
    # of per-patient rows (the figures summarise them)
    word_layout.test_word_rendered_text_stays_inside_the_printable_area(pages)
    word_layout.test_word_rendered_numbers_never_break_inside(pages, large_report)


@pytest.mark.parametrize("width", [1280, 390])
def test_large_html_nothing_is_wider_than_the_window(html: Path, width: int) -> None:
    html_layout.test_html_nothing_is_wider_than_the_window_and_no_table_scrolls(html, width)


def test_large_html_phone_tables_label_every_cell(html: Path, large_report: Report) -> None:
    html_layout.test_html_phone_tables_stack_every_cell_with_its_column_label(
        html, large_report)


def test_large_html_printed_keeps_every_column_and_number(printed: list[Page],
                                                          large_report: Report) -> None:
    html_layout.test_html_printed_wide_tables_are_landscape_and_nothing_is_cut(
        printed, large_report)

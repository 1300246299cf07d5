"""The Word report's title line and its "Input files" table: the study folder's name instead of
the machine's absolute path, and a table whose file names and checksums are never broken
inside a word when LibreOffice renders it (the SHA-256 shortened in the table, in full in
the notes below it)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest
from docx import Document

from mscohort.report import Report
from mscohort.report.sections import shown_path
from mscohort.report.word import SHORT_SHA
from tests.report.conftest import TOY
from tests.report.pdf_layout import Page, read_pages, render_pdf

#: a file label as a clinic's workbook gives it: one long word before the sheet's name
LONG = "MS_registry_export_final_2024-11-30.xlsx[adverse events]"


@pytest.fixture(scope="module")
def report(toy_report: Report) -> Report:
    prov = toy_report.provenance
    assert prov is not None
    files = prov.files.with_columns(
        pl.when(pl.col("table") == "adverse_events").then(pl.lit(LONG))
        .otherwise(pl.col("file")).alias("file"))
    return replace(toy_report, provenance=replace(prov, files=files))


@pytest.fixture(scope="module")
def docx_path(report: Report, tmp_path_factory: pytest.TempPathFactory) -> Path:
    (path,) = report.write(tmp_path_factory.mktemp("files") / "report.docx")
    return path


@pytest.fixture(scope="module")
def pages(docx_path: Path) -> list[Page]:
    return read_pages(render_pdf(docx_path))


def test_shown_path_keeps_the_study_folder_name_only() -> None:
    assert shown_path("/srv/clinic/uploads/ms-2026/study.toml") == "ms-2026/study.toml"
    assert shown_path("/srv/clinic/uploads/ms-2026") == "ms-2026"
    assert shown_path("study.toml") == "study.toml"
    assert shown_path("demo/study.duckdb") == "demo/study.duckdb"


def test_word_report_names_the_study_folder_not_the_absolute_path(docx_path: Path) -> None:
    texts = [p.text for p in Document(str(docx_path)).paragraphs]
    assert texts[1] == "8 patients; study definition: toy/study.toml."
    assert [t.split(". ")[0] for t in texts if t.startswith("Checked: ")] == ["Checked: toy"]
    assert not [t for t in texts if str(TOY.parent) in t]


def test_word_input_files_table_shows_short_checksums_and_the_full_ones_below(
        docx_path: Path, report: Report) -> None:
    assert report.provenance is not None
    files = report.provenance.files
    doc = Document(str(docx_path))
    (table,) = [t for t in doc.tables if t.rows[0].cells[-1].text == "SHA-256"]
    cells = [[c.text for c in row.cells] for row in table.rows]
    assert cells[0] == ["table", "file", "rows", "SHA-256"]
    assert cells[1:] == [[r["table"], r["file"], str(r["rows"]), r["sha256"][:SHORT_SHA]]
                         for r in files.iter_rows(named=True)]
    texts = [p.text for p in doc.paragraphs]
    for r in files.iter_rows(named=True):
        assert f"{r['file']}: {r['sha256']}" in texts


@pytest.mark.slow
def test_word_rendered_input_files_never_break_inside_a_word(
        pages: list[Page], report: Report) -> None:
    assert report.provenance is not None
    files = report.provenance.files
    (page,) = [p for p in pages if any(t.startswith("Table ") and t.endswith(" Input files")
                                       for _, t in p.lines)]
    assert not page.landscape  # four short columns fit a portrait page
    words = set().union(*(p.words() for p in pages))
    for r in files.iter_rows(named=True):
        for word in [*str(r["table"]).split(), *str(r["file"]).split(),
                     r["sha256"][:SHORT_SHA], r["sha256"]]:
            assert word in words, f"{word!r} is broken across lines"

"""The report's files: HTML self-contained, Word tables editable, Excel sheets per table,
Markdown readable; and the ``mscohort report`` command."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from typer.testing import CliRunner

from mscohort.cli.main import app
from mscohort.errors import InvalidArgumentError
from mscohort.report import Report
from mscohort.report.excel import sheet_name
from tests.report.conftest import TOY

SECTIONS = ("cohort", "outcome-tables", "summary-and-tests", "treatment-and-safety",
            "figures", "methods", "input-data", "provenance")


def test_html_is_one_self_contained_file_with_every_section(toy_report: Report,
                                                           tmp_path: Path) -> None:
    (path,) = toy_report.write(tmp_path / "r.html")
    html = path.read_text()
    for section in SECTIONS:
        assert f'<section id="{section}"' in html and f'href="#{section}"' in html
    # nothing is loaded from elsewhere: no external scripts, styles, images or fonts
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "<link" not in html and "@import" not in html and "url(http" not in html
    assert html.count("<svg") == len(toy_report.figures)
    assert html.count("<table class=\"sortable\">") >= len(toy_report.tables)
    for t in toy_report.tables:
        assert t.title in html
    assert toy_report.methods()[:80] in html
    assert "e3b0c442" not in html  # the empty-file hash: every input hash is real
    for sha in toy_report.provenance.files["sha256"]:
        assert sha in html


def test_html_escapes_what_comes_from_the_data(toy, tmp_path: Path) -> None:
    from mscohort.report import build_report

    study, analysis = toy
    definition = analysis.definition.__class__(**{**analysis.definition.__dict__,
                                                  "name": "<script>alert(1)</script>"})
    analysis = analysis.__class__(**{**analysis.__dict__, "definition": definition})
    html = build_report(study, analysis).write(tmp_path / "x.html")[0].read_text()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


def test_word_tables_are_real_tables_with_the_printed_cells(toy_report: Report,
                                                           tmp_path: Path) -> None:
    (path,) = toy_report.write(tmp_path / "r.docx")
    doc = Document(str(path))
    for table, expected in zip(doc.tables, toy_report.tables, strict=False):
        cells = [[c.text for c in row.cells] for row in table.rows]
        assert cells[0] == list(expected.columns)
        assert cells[1:] == [list(r) for r in expected.rows]
    assert len(doc.tables) >= len(toy_report.tables)
    assert len(doc.inline_shapes) == len(toy_report.figures)
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "N.B. These groups are exclusive" in text and "Methods" in text


def test_excel_has_a_sheet_per_table_and_the_per_patient_outcomes(toy_report: Report,
                                                                  tmp_path: Path) -> None:
    (path,) = toy_report.write(tmp_path / "r.xlsx")
    wb = load_workbook(path)
    assert len(wb.sheetnames) == len(set(wb.sheetnames))
    first = wb[wb.sheetnames[0]]
    t = toy_report.tables[0]
    assert first["A1"].value == f"Table 1. {t.title}"
    assert [c.value for c in first[2]][: len(t.columns)] == list(t.columns)
    assert [c.value for c in first[3]][: len(t.columns)] == list(t.rows[0])
    outcomes = wb["outcomes per patient"]
    assert outcomes.max_row == toy_report.analysis.outcomes.height + 1
    assert {"methods", "provenance", "group statistics"} <= set(wb.sheetnames)


def test_sheet_names_are_valid_and_unique() -> None:
    taken: set[str] = set()
    a = sheet_name("Outcome by the drug immediately before the index treatment", taken)
    b = sheet_name("Outcome by the drug immediately before the index treatment", taken)
    assert len(a) <= 31 and len(b) <= 31 and a != b
    assert sheet_name("a/b: c?", taken) == "a b  c"


def test_long_sheet_names_are_cut_at_a_word_with_an_ellipsis() -> None:
    # "Annualised relapse rate before and during follow-up" was cut mid-phrase at 31 characters
    # ("Annualised relapse rate before "): coordinator review
    taken: set[str] = set()
    title = "Annualised relapse rate before and during follow-up"
    assert sheet_name(title, taken) == "Annualised relapse rate before…"  # 31 characters
    assert sheet_name(title, taken) == "Annualised relapse rate… (2)"
    assert sheet_name("x" * 40, taken) == "x" * 30 + "…"  # one word: cut inside it
    assert sheet_name("short title", taken) == "short title"


def test_markdown_links_its_figures(toy_report: Report, tmp_path: Path) -> None:
    written = toy_report.write(tmp_path / "r.md")
    text = written[0].read_text()
    assert len(written) == 1 + len(toy_report.figures)
    for svg in written[1:]:
        assert f"(r_figures/{svg.name})" in text
    assert "| Group |" in text


def test_an_unknown_format_is_refused(toy_report: Report, tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError, match="`format` must be one of html"):
        toy_report.write(tmp_path / "r.pdf")


@pytest.mark.parametrize("suffix", ["html", "docx", "xlsx", "md"])
def test_report_command_writes_each_format(tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"report.{suffix}"
    result = CliRunner().invoke(app, ["report", "--study", str(TOY / "study.toml"), "--data",
                                      str(TOY), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.exists() and out.stat().st_size > 1000
    assert f"Report ({suffix}): {out}" in result.output
    assert "Outcome by follow-up cohort" in result.output  # the terminal summary


def test_figures_are_written_as_svg_and_png(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = CliRunner().invoke(app, ["report", "--study", str(TOY / "study.toml"), "--data",
                                      str(TOY), "--out", str(out), "--figures",
                                      str(tmp_path / "fig"), "--quiet"])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "fig").iterdir())
    # the seven main figures, then MSFC changes and RNFL per eye (the toy has both), then
    # the population flow, then the improved / stable / worsened bars, then the Models
    # section's trajectory figure (docs/models.md)
    assert len(names) == 24 and "figure2_waterfall.png" in names
    assert "figure11_categories.svg" in names
    assert {"figure8_msfc_changes.svg", "figure9_rnfl.png", "figure10_flow.png",
            "figure12_models_trajectory.svg"} <= set(names)
    assert (tmp_path / "fig" / "figure2_waterfall.png").read_bytes()[:4] == b"\x89PNG"
    assert "Outcome by follow-up cohort" not in result.output  # --quiet


def test_report_command_reads_a_store(tmp_path: Path) -> None:
    from mscohort.store import import_folder
    from tests.conftest import AS_OF

    db = tmp_path / "s.duckdb"
    import_folder(TOY, db, as_of=AS_OF)
    out = tmp_path / "r.html"
    result = CliRunner().invoke(app, ["report", "--study", str(TOY / "study.toml"), "--db",
                                      str(db), "--out", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert "Imports into the study store" in html and "validated when imported" in html


def test_report_command_usage_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    r = runner.invoke(app, ["report", "--study", str(TOY / "study.toml"), "--data", str(TOY),
                            "--out", str(tmp_path / "r.html"), "--as-of", "soon"])
    assert r.exit_code == 2 and "`--as-of` must be a date" in r.output
    r = runner.invoke(app, ["report", "--study", str(TOY / "study.toml"), "--data", str(TOY),
                            "--out", str(tmp_path / "r.pdf")])
    assert r.exit_code == 2 and "--format` must be one of html" in r.output
    r = runner.invoke(app, ["report", "--study", str(TOY / "study.toml"), "--out",
                            str(tmp_path / "r.html")])
    assert r.exit_code == 2 and "exactly one of --db" in r.output


def test_report_command_on_broken_data_prints_the_issues_and_writes_nothing(
        broken_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    r = CliRunner().invoke(app, ["report", "--study", str(TOY / "study.toml"), "--data",
                                 str(broken_dir), "--out", str(out)])
    assert r.exit_code == 1 and not out.exists()


def test_html_leaves_out_a_heading_without_tables(toy, tmp_path: Path) -> None:
    """No models fitted: no empty "Models" heading (the models' tables come with it)."""
    from mscohort.analyse.study import analyse_study
    from mscohort.definition import parse_definition
    from mscohort.report import build_report

    study, fitted = toy
    none = analyse_study(study, parse_definition({"models": {"fit": []}}))
    with_models = build_report(study, fitted).write(tmp_path / "a.html")[0].read_text()
    without = build_report(study, none).write(tmp_path / "b.html")[0].read_text()
    assert 'id="models"' in with_models
    assert 'id="models"' not in without and ">Models</h2>" not in without

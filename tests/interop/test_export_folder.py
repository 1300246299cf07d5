"""An export folder imports back as it was (issue #27, case 6): dates known to the month stay
month dates through `mscohort export` and `mscohort import`, and the derived tables of the
export are recognised and skipped with a note, not warned about as unknown files."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from mscohort.cli.main import app
from mscohort.ingest import read_study
from mscohort.store import StudyStore
from mscohort.validate import check_study
from tests.conftest import AS_OF
from tests.interop.conftest import DATA, assert_same_study


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_then_import_keeps_month_precision(tmp_path: Path, fmt: str) -> None:
    # the fixture's patients: A01 born 1980-03 (month), A02 onset 2001-02 (month)
    runner = CliRunner()
    db, back = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    assert runner.invoke(app, ["import", str(DATA / "canonical"), "--db", str(db)]).exit_code == 0
    r = runner.invoke(app, ["export", "--db", str(db), "--out", str(tmp_path / "out"),
                            "--format", fmt])
    assert r.exit_code == 0, r.output
    study, report = check_study(read_study(tmp_path / "out"), as_of=AS_OF)
    assert report.ok, report.format_text()
    precision = study.patients.sort("patient_id").select(
        "birth_date", "birth_date_precision", "onset_date_precision").rows()
    import datetime as dt

    assert precision == [(dt.date(1980, 3, 15), "month", "day"),
                         (dt.date(1975, 11, 2), "day", "month")]
    # no column or file of the export is unknown; the derived tables are a note each
    assert report.issues.filter(pl.col("rule").is_in(["unknown_column", "unused_file"])
                                ).height == 0
    notes = report.issues.filter(pl.col("rule") == "derived_file")
    assert sorted(notes["file"]) == [f"derived_edss.{fmt}", f"derived_msfc.{fmt}"]
    assert set(notes["severity"]) == {"note"} and report.n_warnings == report.issues.filter(
        pl.col("rule") == "month_precision_date").height
    r = runner.invoke(app, ["import", str(tmp_path / "out"), "--db", str(back)])
    assert r.exit_code == 0, r.output
    with StudyStore(db, read_only=True) as a, StudyStore(back, read_only=True) as b:
        assert_same_study(a.study(), b.study())


def test_a_precision_that_is_neither_day_nor_month_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "patients.csv").write_text(
        "patient_id,sex,birth_date,birth_date_precision,onset_date\n"
        "P1,F,1970-01-15,year,1990-01-01\nP2,M,1971-04-15,month,1990-02-01\n")
    (tmp_path / "edss.csv").write_text("patient_id,date,edss\nP1,2000-01-01,2.0\n")
    study, report = check_study(read_study(tmp_path), as_of=AS_OF)
    bad = report.errors.row(0, named=True)
    assert (bad["rule"], bad["row"], bad["column"], bad["value"]) == (
        "bad_category", 2, "birth_date_precision", "year")
    assert study.patients.filter(pl.col("patient_id") == "P2")[
        "birth_date_precision"].to_list() == ["month"]


def test_a_file_called_derived_something_else_is_still_unused(tmp_path: Path) -> None:
    (tmp_path / "patients.csv").write_text("patient_id,sex,birth_date,onset_date\n"
                                           "P1,F,1970-01-15,1990-01-01\n")
    (tmp_path / "edss.csv").write_text("patient_id,date,edss\nP1,2000-01-01,2.0\n")
    (tmp_path / "derived_notes.csv").write_text("a\n1\n")
    _, report = check_study(read_study(tmp_path), as_of=AS_OF)
    assert report.issues.filter(pl.col("rule") == "unused_file")["file"].to_list() == [
        "derived_notes.csv"]

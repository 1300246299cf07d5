"""``mscohort courses``, ``safety`` and ``retreatment`` judge the same courses as the
analysis: the study definition's ``[index] course_gap_days`` groups the infusions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from mscohort.analyse.study import analyse_study
from mscohort.cli.main import app
from mscohort.definition import load_definition
from mscohort.loading import load_input

runner = CliRunner()
DAY = "2013-06-01"


def _wide_gap(tmp_path: Path, toy_dir: Path) -> Path:
    """The toy definition with course_gap_days = 400: the yearly second courses of P01, P04
    and P06 (about 360 days after the first) join their first course."""
    path = tmp_path / "gap400.toml"
    path.write_text((toy_dir / "study.toml").read_text().replace(
        "course_gap_days = 30", "course_gap_days = 400"))
    return path


def _run(*args: str | Path) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.output


def test_retreatment_groups_courses_with_the_definitions_gap(tmp_path: Path,
                                                             toy_dir: Path) -> None:
    study = _wide_gap(tmp_path, toy_dir)
    code, output = _run("retreatment", "--study", study, "--data", toy_dir, "--as-of", DAY,
                        "--out", tmp_path / "r.csv")
    assert code == 0, output
    table = pl.read_csv(tmp_path / "r.csv", try_parse_dates=True)
    # one course each for P01, P04 and P06 under the 400-day gap (two under 30 days)
    assert dict(table.select("patient_id", "last_course").iter_rows()) == {
        "P01": 1, "P02": 1, "P03": 1, "P04": 1, "P05": 1, "P06": 1, "P07": 1, "P08": 1}
    # the report's retreatment table, from the same definition, is the same table
    analysis = analyse_study(load_input(data=toy_dir).records, load_definition(study),
                             dt.date.fromisoformat(DAY), sensitivity=False)
    assert table.equals(analysis.retreatment.cast(table.schema))
    code, _ = _run("retreatment", "--data", toy_dir, "--as-of", DAY, "--out",
                   tmp_path / "default.csv")
    default = pl.read_csv(tmp_path / "default.csv")
    assert code == 0 and dict(default.select("patient_id", "last_course").iter_rows())["P06"] == 2


def test_courses_and_safety_take_the_gap_from_the_definition(tmp_path: Path,
                                                             toy_dir: Path) -> None:
    study = _wide_gap(tmp_path, toy_dir)
    code, output = _run("courses", "--study", study, "--data", toy_dir)
    assert code == 0 and "8 patients, 8 courses" in output, output
    code, output = _run("courses", "--study", study, "--course-gap-days", "30", "--data",
                        toy_dir)
    assert code == 0 and "8 patients, 11 courses" in output, output
    code, output = _run("safety", "--study", study, "--data", toy_dir, "--as-of", DAY,
                        "--out", tmp_path / "s.csv")
    assert code == 0, output
    analysis = analyse_study(load_input(data=toy_dir).records, load_definition(study),
                             dt.date.fromisoformat(DAY), sensitivity=False)
    aesi = pl.read_csv(tmp_path / "s_aesi.csv", try_parse_dates=True)
    assert aesi.equals(analysis.aesi.cast(aesi.schema))


def test_a_study_without_lab_results_says_so_rather_than_overdue(tmp_path: Path,
                                                                 toy_dir: Path) -> None:
    # the toy study without its labs file: no schedule is "overdue", in the command and in the
    # report's safety table (docs/protocol.md, "No lab data")
    import shutil

    from mscohort.report.tables import safety_table

    folder = tmp_path / "nolabs"
    shutil.copytree(toy_dir, folder)
    (folder / "labs.csv").unlink()
    code, output = _run("safety", "--data", folder, "--as-of", DAY, "--all")
    assert code == 0, output
    assert "No laboratory result is in the records" in output
    assert "overdue by" not in output and ": no lab data (last never" in output
    analysis = analyse_study(load_input(data=folder).records,
                             load_definition(folder / "study.toml"),
                             dt.date.fromisoformat(DAY), sensitivity=False)
    assert set(analysis.safety["status"]) <= {"no lab data", "completed"}
    table = safety_table(analysis)
    assert table.columns[-3:] == ("No lab data", "Median days overdue", "Baseline test done")
    blood = next(r for r in table.rows if r[0] == "blood count with differential")
    # every treated toy patient is in monitoring on 2013-06-01 or finished it
    done = analysis.safety.filter((pl.col("panel") == "blood count with differential")
                                  & (pl.col("status") == "completed")).height
    assert blood[1:5] == ("0", "0", "0", str(done))
    assert blood[5] == str(8 - done) and blood[6] == "-"
    assert any("No laboratory result is in the records" in n for n in table.footnotes)

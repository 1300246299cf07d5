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

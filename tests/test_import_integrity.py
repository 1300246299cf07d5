"""Issue #16 items 13 to 15 for study folders: values that used to crash validation, values
that cannot be true (errors) or are very unlikely (warnings), a full disk during an import,
and what the CLI says about conflicts and rows already stored."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from mscohort.cli.main import app
from mscohort.ingest import read_study
from mscohort.store import import_folder
from mscohort.validate import check_study
from tests.conftest import AS_OF, EDSS, PATIENTS, StudyWriter
from tests.test_store import snapshot

runner = CliRunner()


def _issues(folder: Path) -> pl.DataFrame:
    _, report = check_study(read_study(folder), as_of=AS_OF)
    return report.issues


@pytest.mark.parametrize(("table", "text", "column", "value", "message"), [
    ("mri", "patient_id,date,gd_enhancing\nP1,2012-01-01,1e30\n", "gd_enhancing", "1e30",
     r"gd_enhancing = 1e30 is too large for a count \(at most 2\^53\)"),
    ("mri", "patient_id,date,gd_enhancing\nP1,2012-01-01,99999999999999999999\n",
     "gd_enhancing", "99999999999999999999", r"too large for a count"),
    ("msfc", "patient_id,date,pasat3\nP1,2012-01-01,1e30\n", "pasat3", "1e30",
     r"pasat3 = 1e30 is outside its range \(0 to 60\)"),
], ids=["gd-1e30", "gd-20-digits", "pasat-1e30"])
def test_integers_beyond_any_count_are_errors_not_crashes(
        write_study: StudyWriter, table: str, text: str, column: str, value: str,
        message: str) -> None:
    issues = _issues(write_study(**{table: text}))
    bad = issues.filter(pl.col("column") == column)
    assert bad.select("file", "row", "rule", "value", "severity").rows() == [
        (f"{table}.csv", 2, "out_of_range", value, "error")]
    assert pl.Series([bad["message"][0]]).str.contains(message).all(), bad["message"][0]


@pytest.mark.parametrize(("table", "text", "column", "rule", "severity"), [
    ("patients", PATIENTS.replace("1970-01-01", "1800-01-01"), "birth_date", "date_too_early",
     "error"),
    ("infusions", "patient_id,drug,date,dose_mg\nP1,alemtuzumab,2012-01-01,1e308\n", "dose_mg",
     "out_of_range", "error"),
    ("infusions", "patient_id,drug,date,dose_mg\nP1,alemtuzumab,2012-01-01,5000\n", "dose_mg",
     "implausible_value", "warning"),
    ("msfc", "patient_id,date,t25fw_1_s\nP1,2012-01-01,1e308\n", "t25fw_1_s", "out_of_range",
     "error"),
    ("msfc", "patient_id,date,t25fw_1_s\nP1,2012-01-01,0\n", "t25fw_1_s", "out_of_range",
     "error"),
    ("msfc", "patient_id,date,t25fw_1_s\nP1,2012-01-01,1.2\n", "t25fw_1_s",
     "implausible_value", "warning"),
    ("msfc", "patient_id,date,t25fw_2_s\nP1,2012-01-01,240\n", "t25fw_2_s",
     "implausible_value", "warning"),
    ("msfc", "patient_id,date,nhpt_dom_1_s\nP1,2012-01-01,0\n", "nhpt_dom_1_s", "out_of_range",
     "error"),
    ("labs", "patient_id,date,test,value,unit\nP1,2012-01-01,TSH,-1e308,mU/L\n", "value",
     "out_of_range", "error"),
    ("labs", "patient_id,date,test,value,unit\nP1,2012-01-01,TSH,-0.5,mU/L\n", "value",
     "implausible_value", "warning"),
    ("edss", EDSS.replace("2010-01-01", "2010-01-01T99:99"), "date", "bad_date", "error"),
], ids=["birth-1800", "dose-1e308", "dose-5000", "t25fw-1e308", "t25fw-0", "t25fw-1.2s",
        "t25fw-240s", "nhpt-0", "lab-minus-1e308", "lab-negative", "time-99:99"])
def test_impossible_values_are_errors_and_implausible_ones_warnings(
        write_study: StudyWriter, table: str, text: str, column: str, rule: str,
        severity: str) -> None:
    issues = _issues(write_study(**{table: text}))
    hits = issues.filter((pl.col("column") == column) & (pl.col("file") == f"{table}.csv"))
    assert hits.select("row", "rule", "severity").rows() == [(2, rule, severity)]


@pytest.mark.parametrize("value", ["5.1", "180", "2"])
def test_plausible_walk_times_pass(write_study: StudyWriter, value: str) -> None:
    issues = _issues(write_study(msfc=f"patient_id,date,t25fw_1_s\nP1,2012-01-01,{value}\n"))
    assert issues.filter(pl.col("file") == "msfc.csv").height == 0


@pytest.mark.parametrize("stamp", ["2010-01-01T23:59", "2010-01-01T00:00:00",
                                   "2010-01-01 12:30:59.5", "2010-01-01T24:00"])
def test_valid_times_of_day_are_dropped(write_study: StudyWriter, stamp: str) -> None:
    issues = _issues(write_study(edss=EDSS.replace("2010-01-01", stamp)))
    assert issues.filter(pl.col("file") == "edss.csv").height == 0


@pytest.mark.parametrize("stamp", ["2010-01-01T24:01", "2010-01-01T12:60",
                                   "2010-01-01T12:00:61", "2010-01-01T1:00"])
def test_impossible_times_of_day_are_bad_dates(write_study: StudyWriter, stamp: str) -> None:
    issues = _issues(write_study(edss=EDSS.replace("2010-01-01", stamp)))
    assert issues.filter(pl.col("file") == "edss.csv")["rule"].to_list() == ["bad_date"]


def test_a_conflict_with_the_store_shows_the_new_value_not_the_key(
        write_study: StudyWriter, tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    import_folder(write_study(), db, as_of=AS_OF)
    changed = write_study(patients=PATIENTS.replace("P2,M,", "P2,F,"), edss=None)
    # the import shows the change as a diff and stores nothing (issue #19: corrections)
    code = runner.invoke(app, ["import", str(changed), "--db", str(db), "--as-of",
                               "2026-01-01"])
    assert code.exit_code == 1
    assert "patients P2 [sex] M -> F" in code.output
    # the check against the store lists it as an issue whose value is the new value
    code = runner.invoke(app, ["validate", str(changed), "--db", str(db), "--as-of",
                               "2026-01-01"])
    assert code.exit_code == 1
    assert "sex = 'F'" in code.output
    assert "sex = 'P2'" not in code.output
    assert "sex: stored M, new F" in code.output


def test_an_overlapping_import_says_how_many_rows_were_already_stored(
        write_study: StudyWriter, tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    import_folder(write_study(), db, as_of=AS_OF)
    more = write_study(edss=EDSS + "P2,2013-05-05,2.5\n")
    result = runner.invoke(app, ["import", str(more), "--db", str(db), "--as-of", "2026-01-01"])
    assert result.exit_code == 0, result.output
    assert ("import 2: patients +0, edss +1; already stored (kept as they were): "
            "patients 2, edss 3") in result.output
    again = runner.invoke(app, ["import", str(more), "--db", str(db), "--as-of", "2026-01-01"])
    assert "nothing new: every row (6) is already stored" in again.output


DISK_FULL = """
import resource, sys
from mscohort.cli.main import main
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
sys.argv = ["mscohort", "import", sys.argv[2], "--db", sys.argv[3], "--as-of", "2026-01-01"]
main()
"""


def test_a_full_disk_during_an_import_leaves_the_store_unchanged(
        write_study: StudyWriter, tmp_path: Path) -> None:
    # the file-size limit (RLIMIT_FSIZE; Python ignores SIGXFSZ, so writes fail with EFBIG)
    # stands in for a full disk: no file can grow beyond 64 KiB
    db = tmp_path / "s.duckdb"
    import_folder(write_study(), db, as_of=AS_OF)
    before = snapshot(db)
    first = dt.date(2013, 1, 1)
    rows = "".join(f"P2,{first + dt.timedelta(days=i)},3.0\n" for i in range(4700))
    big = write_study(edss="patient_id,date,edss\n" + rows)
    size = 1 << 16  # the import's write-ahead log needs about 1 MB
    proc = subprocess.run([sys.executable, "-c", DISK_FULL, str(size), str(big), str(db)],
                          capture_output=True, text=True, timeout=120,
                          env=os.environ | {"COLUMNS": "200"})
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "could not be written" in proc.stderr
    assert "Nothing was imported and the store is unchanged" in proc.stderr
    assert snapshot(db) == before
    # and the store still takes the import once there is room
    assert import_folder(big, db, as_of=AS_OF).rows_added["edss"] > 0

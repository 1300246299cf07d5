"""Validation that points at the cause: follow-on issues collapsed under their root."""

from __future__ import annotations

import polars as pl

from mscohort.ingest import read_study
from mscohort.validate import check_study
from tests.conftest import AS_OF

EDSS = ("patient_id,date,edss\nP1,2010-01-01,3.0\nP1,2011-01-01,3.5\nP2,2012-05-05,2.0\n"
        "P2,2013-05-05,2.5\n")
RELAPSES = "patient_id,onset_date\nP1,2009-06-01\nP2,2012-01-01\n"


def _report(folder):
    return check_study(read_study(folder), as_of=AS_OF)[1]


def test_an_unreadable_patients_file_is_one_error_not_one_per_record(write_study) -> None:
    folder = write_study(patients=None, edss=EDSS, relapses=RELAPSES)
    (folder / "patients.csv").write_bytes(bytes(range(256)) + b"\x00")
    report = _report(folder)
    assert report.errors["rule"].to_list() == ["unreadable_file"]
    assert report.errors["message"][0].endswith(
        "until it is read, 6 rows of edss.csv, relapses.csv cannot be matched to a patient "
        "(not listed as unknown_patient)")


def test_a_missing_patients_file_is_one_error(write_study) -> None:
    report = _report(write_study(patients=None, edss=EDSS))
    assert report.errors["rule"].to_list() == ["missing_file"]
    assert "4 rows of edss.csv cannot be matched" in report.errors["message"][0]


def test_patients_without_patient_id_explain_the_unknown_patients(write_study) -> None:
    report = _report(write_study(patients="id,sex,birth_date,onset_date\n"
                                          "P1,F,1970-01-01,1995-01-01\n", edss=EDSS))
    assert "unknown_patient" not in report.errors["rule"].to_list()
    hit = report.errors.filter(pl.col("column") == "patient_id").row(0, named=True)
    assert hit["rule"] == "missing_column" and "4 rows of edss.csv" in hit["message"]


def test_one_wrong_birth_date_is_one_error_on_its_row(write_study) -> None:
    patients = ("patient_id,sex,birth_date,onset_date\nP1,F,2015-01-01,1995-01-01\n"
                "P2,M,1980-06-15,2001-03-01\n")
    report = _report(write_study(patients=patients, edss=EDSS, relapses=RELAPSES))
    births = report.errors.filter(pl.col("rule") == "before_birth")
    assert births.height == 1
    hit = births.row(0, named=True)
    assert (hit["file"], hit["row"], hit["patient_id"], hit["column"], hit["value"]) == (
        "patients.csv", 2, "P1", "birth_date", "2015-01-01")
    # the onset date 1995 falls before it too: four dates in two files
    assert hit["message"] == ("4 dates of this patient fall before the birth date 2015-01-01 "
                              "(edss.csv rows 2, 3; patients.csv row 2; relapses.csv row 2)")
    assert hit["fix"].startswith("check the birth date first")


def test_a_single_date_before_birth_stays_on_its_own_row(write_study) -> None:
    report = _report(write_study(edss=EDSS.replace("P2,2012-05-05", "P2,1970-05-05")))
    hit = report.errors.filter(pl.col("rule") == "before_birth").row(0, named=True)
    assert (hit["file"], hit["row"], hit["column"]) == ("edss.csv", 4, "date")


def test_the_rows_of_one_unknown_patient_are_one_error(write_study) -> None:
    edss = EDSS + "P9,2010-01-01,1.0\nP9,2011-01-01,1.0\nP8,2011-01-01,1.0\n"
    report = _report(write_study(edss=edss, relapses=RELAPSES + "P9,2010-06-01\n"))
    unknown = report.errors.filter(pl.col("rule") == "unknown_patient")
    assert unknown.select("patient_id", "file", "row").rows() == [
        ("P9", "edss.csv", 6), ("P8", "edss.csv", 8)]
    assert unknown.filter(pl.col("patient_id") == "P9")["message"][0] == (
        "patient P9 is not in patients: 3 rows name it (edss.csv rows 6, 7; relapses.csv "
        "row 4)")

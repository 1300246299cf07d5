"""Courses, regimens and deviations, on hand-built patients (one rule each)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from mscohort.derive.courses import course_table, load_regimens
from mscohort.errors import UsageError

D0 = dt.date(2012, 5, 7)
REGIMENS = load_regimens()


def infusions(*courses: tuple[int, list[float]]) -> pl.DataFrame:
    """Courses as (start day after D0, daily doses on consecutive days)."""
    rows = [{"patient_id": "A", "drug": "alemtuzumab", "date": D0 + dt.timedelta(days=s + k),
             "dose_mg": d} for s, doses in courses for k, d in enumerate(doses)]
    return pl.DataFrame(rows)


def codes(frame: pl.DataFrame) -> list[tuple[int, str]]:
    return list(zip(frame["course"], frame["code"], strict=True))


def test_the_approved_regimen_on_protocol_has_no_deviation() -> None:
    courses, devs = course_table(infusions((0, [12] * 5), (365, [12] * 3), (800, [12] * 3)),
                                 REGIMENS)
    assert courses["regimen"].to_list() == ["approved"] * 3
    assert courses["n_days"].to_list() == [5, 3, 3]
    assert courses["total_mg"].to_list() == [60.0, 36.0, 36.0]
    # course 2 counts from course 1's first infusion; course 3 from course 2's last
    assert courses["interval_days"].to_list() == [None, 365, 800 - 367]
    assert devs.height == 0


def test_the_older_regimen_is_recognised_by_its_first_course() -> None:
    courses, devs = course_table(infusions((0, [10, 20, 30]), (370, [10, 10, 10])), REGIMENS)
    assert set(courses["regimen"]) == {"older cohort (10-20-30 mg)"} and devs.height == 0


def test_missing_and_extra_days() -> None:
    _, devs = course_table(infusions((0, [12] * 4), (365, [12] * 4)), REGIMENS)
    assert codes(devs) == [(1, "missing_days"), (2, "extra_days")]
    assert devs["dates"][1] == (D0 + dt.timedelta(days=368)).isoformat()  # the extra day


def test_a_wrong_dose_names_the_day_and_its_date() -> None:
    _, devs = course_table(infusions((0, [12, 12, 10, 12, 12])), REGIMENS)
    assert codes(devs) == [(1, "wrong_dose")]
    assert devs["message"][0] == "day 3: 10 mg where 12 mg is expected"
    assert devs["dates"][0] == (D0 + dt.timedelta(days=2)).isoformat()


def test_an_interval_under_12_months_beyond_the_tolerance() -> None:
    _, devs = course_table(infusions((0, [12] * 5), (351, [12] * 3)), REGIMENS)
    assert devs.height == 0  # 365 - 14 days of tolerance
    _, devs = course_table(infusions((0, [12] * 5), (300, [12] * 3)), REGIMENS)
    assert codes(devs) == [(2, "interval_too_short")]
    assert "300 days after the previous course" in devs["message"][0]


def test_an_interrupted_course() -> None:
    rows = infusions((0, [12] * 5)).with_columns(
        pl.when(pl.int_range(pl.len()) >= 3).then(pl.col("date") + pl.duration(days=2))
        .otherwise(pl.col("date")).alias("date"))
    _, devs = course_table(rows, REGIMENS)
    assert codes(devs) == [(1, "interrupted")]


def test_a_course_beyond_a_regimen_without_retreatment(tmp_path: Path) -> None:
    path = tmp_path / "r.toml"
    path.write_text('[[regimen]]\nname = "two courses"\ndrug = "Lemtrada"\n'
                    'courses = [{ doses_mg = [12, 12, 12, 12, 12] }, '
                    '{ doses_mg = [12, 12, 12], min_interval_days = 365 }]\n')
    regimens = load_regimens(path)
    assert regimens[0].drug == "alemtuzumab"
    _, devs = course_table(infusions((0, [12] * 5), (365, [12] * 3), (800, [12] * 3)),
                           regimens)
    assert codes(devs) == [(3, "beyond_regimen")]


def test_other_drugs_and_patients_are_kept_apart() -> None:
    both = pl.concat([infusions((0, [12] * 5)),
                      infusions((0, [12] * 5)).with_columns(pl.lit("B").alias("patient_id")),
                      infusions((0, [300])).with_columns(pl.lit("natalizumab").alias("drug"))])
    courses, _ = course_table(both, REGIMENS)
    assert courses.select("patient_id", "course").rows() == [("A", 1), ("B", 1)]


@pytest.mark.parametrize(("text", "match"), [
    ('[[regimen]]\nname = "x"\ndrug = "alemtuzumab"\ncourses = [{ days = 5 }]\n',
     "`course` must be a table with doses_mg"),
    ('[[regimen]]\nname = "x"\ndrug = "aspirin"\ncourses = [{ doses_mg = [1] }]\n',
     "unknown drug 'aspirin'"),
    ('[[regimen]]\nname = "x"\n', "name, drug and courses are required"),
    ('', "no \\[\\[regimen\\]\\] given"),
])
def test_bad_regimen_files_are_usage_errors(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "r.toml"
    path.write_text(text)
    with pytest.raises(UsageError, match=match):
        load_regimens(path)

"""The as-needed retreatment rule on hand-built patients."""

from __future__ import annotations

import datetime as dt

import polars as pl

from mscohort.derive.courses import course_table, load_regimens
from mscohort.derive.retreatment import RetreatmentRule, retreatment

D = dt.date


def _courses(pid: str, *starts: dt.date) -> pl.DataFrame:
    rows = [{"patient_id": pid, "drug": "alemtuzumab", "date": s + dt.timedelta(days=k),
             "dose_mg": 12.0} for i, s in enumerate(starts) for k in range(5 if i == 0 else 3)]
    return course_table(pl.DataFrame(rows), load_regimens())[0]


def _relapses(pid: str, *days: dt.date) -> pl.DataFrame:
    return pl.DataFrame({"patient_id": [pid] * len(days), "onset_date": list(days)},
                        schema={"patient_id": pl.String, "onset_date": pl.Date})


def test_a_relapse_and_12_months_since_the_last_course_meet_the_rule() -> None:
    courses = _courses("A", D(2012, 5, 7), D(2013, 5, 6))  # last infusion 2013-05-08
    out = retreatment(courses, _relapses("A", D(2013, 1, 1), D(2014, 2, 1)), D(2014, 5, 8))
    row = out.row(0, named=True)
    assert row["last_course"] == 2 and row["last_infusion"] == D(2013, 5, 8)
    assert row["days_since_last_infusion"] == 365 and row["relapses_since"] == 1
    assert row["meets_rule"] and row["first_relapse_since"] == D(2014, 2, 1)


def test_too_early_or_no_relapse_does_not_meet_the_rule() -> None:
    courses = _courses("A", D(2012, 5, 7), D(2013, 5, 6))
    early = retreatment(courses, _relapses("A", D(2014, 2, 1)), D(2014, 5, 1)).row(0, named=True)
    assert not early["meets_rule"] and "only 358 of 365 days" in early["reason"]
    quiet = retreatment(courses, _relapses("A"), D(2015, 1, 1)).row(0, named=True)
    assert not quiet["meets_rule"] and "MRI not assessed" in quiet["reason"]


def test_the_rule_is_configurable_and_later_courses_are_not_yet_counted() -> None:
    courses = _courses("A", D(2012, 5, 7), D(2013, 5, 6))
    rule = RetreatmentRule(min_days_since_last_course=180)
    # as of 2013-03-01 the second course has not happened: the last is course 1
    row = retreatment(courses, _relapses("A", D(2013, 1, 1)), D(2013, 3, 1), rule).row(
        0, named=True)
    # 2012-05-11 to 2013-03-01: 20 + 30+31+31+30+31+30+31 + 31+28 + 1 = 294 days
    assert row["last_course"] == 1 and row["days_since_last_infusion"] == 294
    assert row["meets_rule"]

"""The course rows written from columns for the patients whose every course is as its
regimen says (``derive/course_plain.py``, issue #23) equal the reference implementation's
(``courses_reference.py``, the oracle, one polars sort per patient), on a cohort that mixes
them with every kind of deviation: 3,000 seeded synthetic patients (all as the approved
regimen says), a seeded third of them changed by one edge case each."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from mscohort.derive.course_plain import plain_courses
from mscohort.derive.courses import course_table, load_regimens, number_courses
from mscohort.synthetic import make_synthetic_cohort
from tests.protocol import courses_reference as reference

SCHEMA = {"patient_id": pl.String, "drug": pl.String, "date": pl.Date, "dose_mg": pl.Float64}
DAY = dt.timedelta(days=1)


def _edge(kind: int, courses: list[list[tuple[dt.date, float]]]
          ) -> list[list[tuple[dt.date, float]]]:
    """One patient's courses changed by edge case ``kind`` (each by hand: plain or not)."""
    first, rest = courses[0], courses[1:]
    start = first[0][0]
    if kind == 0:  # a missing day in the first course: missing_days
        return [first[:-1], *rest]
    if kind == 1:  # a wrong dose on day 2: wrong_dose
        return [[first[0], (first[1][0], 10.0), *first[2:]], *rest]
    if kind == 2:  # the second course 300 days after the first: interval_too_short
        return [first, [(start + (300 + i) * DAY, 12.0) for i in range(3)]]
    if kind == 3:  # the older regimen, as it says (plain)
        return [[(start + i * DAY, d) for i, d in enumerate((10.0, 20.0, 30.0))],
                [(start + (400 + i) * DAY, 10.0) for i in range(3)]]
    if kind == 4:  # a further course 380 days after the second's last day (plain)
        second = [(start + (370 + i) * DAY, 12.0) for i in range(3)]
        return [first, second, [(second[-1][0] + (380 + i) * DAY, 12.0) for i in range(3)]]
    if kind == 5:  # a further course 200 days after the second: interval_too_short
        second = [(start + (370 + i) * DAY, 12.0) for i in range(3)]
        return [first, second, [(second[-1][0] + (200 + i) * DAY, 12.0) for i in range(3)]]
    if kind == 6:  # a day without infusion inside the first course: interrupted
        return [[(start + (i + (i >= 3)) * DAY, 12.0) for i in range(5)], *rest]
    if kind == 7:  # the second course at the tolerance: 365 - 14 = 351 days (plain)
        return [first, [(start + (351 + i) * DAY, 12.0) for i in range(3)]]
    if kind == 8:  # one day under the tolerance: 350 days (interval_too_short)
        return [first, [(start + (350 + i) * DAY, 12.0) for i in range(3)]]
    if kind == 9:  # extra days in the second course: extra_days
        return [first, [(start + (370 + i) * DAY, 12.0) for i in range(4)]]
    if kind == 10:  # a day without infusion inside the second course: interrupted
        return [first, [(start + d * DAY, 12.0) for d in (370, 371, 373)]]
    return courses


@pytest.fixture(scope="module")
def mixed() -> pl.DataFrame:
    inf = make_synthetic_cohort(3_000, seed=23).table("infusions").select(*SCHEMA)
    by_patient: dict[str, list[tuple[dt.date, float]]] = defaultdict(list)
    for pid, _, date, dose in inf.filter(pl.col("drug") == "alemtuzumab").iter_rows():
        by_patient[pid].append((date, dose))
    rng = np.random.default_rng(60)
    rows = []
    for pid, infusions in by_patient.items():
        infusions.sort()
        courses: list[list[tuple[dt.date, float]]] = []
        for date, dose in infusions:
            if courses and (date - courses[-1][-1][0]).days <= 30:
                courses[-1].append((date, dose))
            else:
                courses.append([(date, dose)])
        kind = int(rng.integers(0, 33))  # a third of the patients get an edge case
        rows += [(pid, "alemtuzumab", date, dose)
                 for course in _edge(kind, courses) for date, dose in course]
    rows += inf.filter(pl.col("drug") != "alemtuzumab").rows()
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


def test_plain_and_other_courses_equal_the_reference_on_a_mixed_cohort(
        mixed: pl.DataFrame) -> None:
    regimens = load_regimens()
    got, want = course_table(mixed, regimens), reference.course_table(mixed, regimens)
    assert_frame_equal(got.courses, want.courses)
    assert_frame_equal(got.deviations, want.deviations)
    codes = set(got.deviations["code"])
    assert {"missing_days", "extra_days", "wrong_dose", "interrupted",
            "interval_too_short"} <= codes
    # both ways were taken: most courses from columns, the deviating ones one at a time
    plain, others = plain_courses(
        number_courses(mixed.filter(pl.col("drug") == "alemtuzumab"), 30), regimens)
    assert plain.height > 2 * int(others.sum()) > 0
    assert "older cohort (10-20-30 mg)" in set(plain["regimen"])
    assert (plain["course"] == 3).any()


def test_a_course_at_the_tolerance_is_plain_and_one_day_under_is_not() -> None:
    # by hand: the approved second course is due 365 days after the first's start, with
    # 14 days of tolerance: 351 days passes every check, 350 is interval_too_short
    regimens = load_regimens()
    start = dt.date(2015, 3, 2)
    rows = [("T351", "alemtuzumab", start + i * DAY, 12.0) for i in range(5)]
    rows += [("T351", "alemtuzumab", start + (351 + i) * DAY, 12.0) for i in range(3)]
    rows += [("T350", "alemtuzumab", start + i * DAY, 12.0) for i in range(5)]
    rows += [("T350", "alemtuzumab", start + (350 + i) * DAY, 12.0) for i in range(3)]
    inf = pl.DataFrame(rows, schema=SCHEMA, orient="row")
    plain, others = plain_courses(number_courses(inf, 30), regimens)
    assert set(plain["patient_id"]) == {"T351"}
    assert plain["interval_days"].to_list() == [None, 351]
    assert others.to_list() == [True, True, False, False]
    got = course_table(inf, regimens)
    assert got.deviations["code"].to_list() == ["interval_too_short"]
    assert_frame_equal(got.courses, reference.course_table(inf, regimens).courses)

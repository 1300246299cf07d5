"""The one-pass course numbering and course table (issue #23: 300,000 patients) give the
same rows as the implementation before it (``courses_reference.py``, the oracle): on the
seed study, on 3,000 seeded synthetic patients, and on hand-made edge cases (a missing drug
or date, two drugs of one patient, gaps at the rule's boundary)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from mscohort.derive.courses import course_table, load_regimens, number_courses
from mscohort.ingest import read_study
from mscohort.study import Study
from mscohort.synthetic import make_synthetic_cohort
from mscohort.validate import load_study
from mscohort.web.workspace import SEED
from tests.protocol import courses_reference as reference


@pytest.fixture(scope="module")
def seed() -> Study:
    return load_study(read_study(SEED))


@pytest.fixture(scope="module")
def synthetic() -> Study:
    return make_synthetic_cohort(3_000, seed=23)


def edge_infusions() -> pl.DataFrame:
    """Rows out of order; a gap of exactly 30 and of 31 days; two drugs of one patient
    interleaved in time; a missing drug and a missing date; a single infusion; random
    doses and gaps for 200 more patients (seeded)."""
    day = dt.date(2010, 1, 1)
    rows = [("A", "alemtuzumab", day + dt.timedelta(d), 12.0) for d in (60, 0, 1, 31, 30, 2)]
    rows += [("B", "alemtuzumab", day, 12.0), ("B", "rituximab", day + dt.timedelta(5), 1000.0),
             ("B", "alemtuzumab", day + dt.timedelta(10), 12.0),
             ("B", "rituximab", day + dt.timedelta(40), 1000.0),
             ("C", None, day, 12.0), ("C", None, day + dt.timedelta(3), 12.0),
             ("C", "alemtuzumab", None, 12.0), ("C", "alemtuzumab", day, 12.0),
             ("D", "alemtuzumab", day, 12.0),
             ("E", "alemtuzumab", day, 0.0), ("F", "alemtuzumab", day, -0.0),
             ("G", "alemtuzumab", day, 12.5), ("G", "alemtuzumab", day + dt.timedelta(1), 12.5)]
    rng = np.random.default_rng(23)
    for k in range(200):
        d = 0
        for _ in range(int(rng.integers(1, 15))):
            d += int(rng.choice([1, 1, 1, 2, 29, 30, 31, 200, 365, 400]))
            rows.append((f"R{k:03d}", "alemtuzumab", day + dt.timedelta(d),
                         float(rng.choice([12.0, 12.0, 12.0, 10.0]))))
    return pl.DataFrame(rows, schema={"patient_id": pl.String, "drug": pl.String,
                                      "date": pl.Date, "dose_mg": pl.Float64}, orient="row")


@pytest.mark.parametrize("gap", [0, 30, 120])
def test_number_courses_matches_the_windowed_reference_on_edge_cases(gap: int) -> None:
    inf = edge_infusions()
    assert_frame_equal(number_courses(inf, gap), reference.number_courses(inf, gap))


@pytest.mark.parametrize("cohort", ["seed", "synthetic"])
def test_number_courses_matches_the_windowed_reference_on_cohorts(
        cohort: str, request: pytest.FixtureRequest) -> None:
    inf = request.getfixturevalue(cohort).table("infusions")
    assert inf.height > 0
    for gap in (30, 90):
        assert_frame_equal(number_courses(inf, gap), reference.number_courses(inf, gap))


def test_number_courses_counts_a_hand_worked_patient() -> None:
    # patient A, days 0, 1, 2, 30, 31, 60 at a 30-day rule: 0-2 one course, day 30 is 28
    # days after day 2 (same course), 31 and 60 follow at 1 and 29 days: one course in all;
    # at a 0-day rule every infusion more than 0 days after the previous one starts a course
    a = edge_infusions().filter(pl.col("patient_id") == "A")
    assert number_courses(a, 30)["course"].to_list() == [1] * 6
    assert number_courses(a, 0)["course"].to_list() == [1, 2, 3, 4, 5, 6]
    assert number_courses(a, 1)["course"].to_list() == [1, 1, 1, 2, 2, 3]


@pytest.mark.parametrize("cohort", ["seed", "synthetic", "edge"])
def test_course_table_matches_the_per_patient_reference(
        cohort: str, request: pytest.FixtureRequest) -> None:
    inf = (edge_infusions().filter(pl.col("drug").is_not_null() & pl.col("date").is_not_null())
           if cohort == "edge" else request.getfixturevalue(cohort).table("infusions"))
    regimens = load_regimens()
    got, want = course_table(inf, regimens), reference.course_table(inf, regimens)
    assert got.courses.height > 0
    assert_frame_equal(got.courses, want.courses)
    assert_frame_equal(got.deviations, want.deviations)
    if cohort == "edge":  # the synthetic cohort follows its regimen; these cases do not
        assert got.deviations["code"].n_unique() >= 4


def test_course_table_of_no_infusions_has_the_schema() -> None:
    empty = edge_infusions().clear()
    got, want = course_table(empty, load_regimens()), reference.course_table(
        empty, load_regimens())
    assert_frame_equal(got.courses, want.courses)
    assert_frame_equal(got.deviations, want.deviations)

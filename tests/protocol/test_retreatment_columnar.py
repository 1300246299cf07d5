"""The columnar retreatment rule (issue #23: 300,000 patients) gives the same rows and
reasons as the per-patient loop before it (``retreatment_reference.py``, the oracle): on the
seed study and on 3,000 seeded synthetic patients, at several ``as_of`` days and rules."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from mscohort.derive.courses import course_table, load_regimens
from mscohort.derive.retreatment import RetreatmentRule, retreatment
from mscohort.ingest import read_study
from mscohort.study import Study
from mscohort.synthetic import make_synthetic_cohort
from mscohort.validate import load_study
from mscohort.web.workspace import SEED
from tests.protocol import retreatment_reference as reference

DAYS = (dt.date(2000, 1, 1), dt.date(2012, 6, 1), dt.date(2026, 1, 1))
RULES = (RetreatmentRule(), RetreatmentRule(min_days_since_last_course=0),
         RetreatmentRule(min_days_since_last_course=3000))


@pytest.fixture(scope="module", params=["seed", "synthetic"])
def study(request: pytest.FixtureRequest) -> Study:
    return (load_study(read_study(SEED)) if request.param == "seed"
            else make_synthetic_cohort(3_000, seed=23))


def test_retreatment_matches_the_per_patient_reference(study: Study) -> None:
    courses = course_table(study.table("infusions"), load_regimens()).courses
    relapses = study.table("relapses")
    reasons: set[str] = set()
    for day in DAYS:
        for rule in RULES:
            got = retreatment(courses, relapses, day, rule)
            assert_frame_equal(got, reference.retreatment(courses, relapses, day, rule))
            reasons |= {r.split(" ")[0] + (" but" if ", but" in r else "")
                        for r in got["reason"]}
    assert {"relapse", "relapse but", "no"} <= reasons  # every branch compared


def test_retreatment_without_courses_or_relapses_has_the_schema(study: Study) -> None:
    courses = course_table(study.table("infusions"), load_regimens()).courses
    relapses = study.table("relapses")
    for c, r in ((courses.clear(), relapses), (courses, relapses.clear()),
                 (courses, pl.DataFrame({"patient_id": [], "onset_date": []}))):
        assert_frame_equal(retreatment(c, r, DAYS[1]),
                           reference.retreatment(c, r, DAYS[1], RetreatmentRule()))

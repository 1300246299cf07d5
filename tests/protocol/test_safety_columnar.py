"""The columnar safety schedule (issue #23: 300,000 patients) gives the same rows as the
per-patient loop before it (``safety_reference.py``, the oracle): on the seed study, and on
3,000 seeded synthetic patients with seeded lab tests (names in mixed case and with spaces,
repeats on one day, tests before, inside and after the monitoring period), at several
``as_of`` days, each status included."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from mscohort.derive.safety import load_monitoring, safety_schedule
from mscohort.ingest import read_study
from mscohort.synthetic import make_synthetic_cohort
from mscohort.validate import load_study
from mscohort.web.workspace import SEED
from tests.protocol import safety_reference as reference

RULES = load_monitoring()
NAMES = ("Platelets", " wbc", "CREATININE", "urinalysis", "TSH", "free t4 ", "glucose", None)


def synthetic_labs(infusions: pl.DataFrame, seed: int = 23) -> pl.DataFrame:
    """Up to 40 lab rows per treated patient, from 120 days before the first infusion to
    6 years after it (seeded)."""
    first = infusions.group_by("patient_id").agg(pl.col("date").min()).sort("patient_id")
    rng = np.random.default_rng(seed)
    rows = []
    for pid, day in first.iter_rows():
        for _ in range(int(rng.integers(0, 40))):
            rows.append((pid, day + dt.timedelta(days=int(rng.integers(-120, 6 * 365))),
                         NAMES[int(rng.integers(len(NAMES)))], 1.0, "x"))
    return pl.DataFrame(rows, schema={"patient_id": pl.String, "date": pl.Date,
                                      "test": pl.String, "value": pl.Float64,
                                      "unit": pl.String}, orient="row")


@pytest.fixture(scope="module")
def synthetic() -> tuple[pl.DataFrame, pl.DataFrame]:
    inf = make_synthetic_cohort(3_000, seed=23).table("infusions")
    return inf, synthetic_labs(inf)


@pytest.mark.parametrize("as_of", ["2005-06-01", "2015-01-01", "2030-01-01"])
def test_safety_schedule_matches_the_per_patient_reference_on_synthetic_labs(
        synthetic: tuple[pl.DataFrame, pl.DataFrame], as_of: str) -> None:
    inf, labs = synthetic
    day = dt.date.fromisoformat(as_of)
    got = safety_schedule(inf, labs, RULES, day)
    assert_frame_equal(got, reference.safety_schedule(inf, labs, RULES, day))
    assert got.height > 1000


def test_safety_schedule_reaches_every_status_in_the_comparison(
        synthetic: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    inf, labs = synthetic
    statuses = set(safety_schedule(inf, labs, RULES, dt.date(2015, 1, 1))["status"])
    assert statuses | set(safety_schedule(inf, labs, RULES, dt.date(2030, 1, 1))["status"]) \
        == {"completed", "overdue", "due", "up to date"}


def test_safety_schedule_matches_the_reference_on_the_seed() -> None:
    study = load_study(read_study(SEED))
    inf, labs = study.table("infusions"), study.table("labs")
    for day in (dt.date(2012, 1, 1), dt.date(2014, 6, 1), dt.date(2020, 1, 1)):
        assert_frame_equal(safety_schedule(inf, labs, RULES, day),
                           reference.safety_schedule(inf, labs, RULES, day))


def test_safety_schedule_without_labs_or_infusions_has_the_schema(
        synthetic: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    inf, labs = synthetic
    day = dt.date(2015, 1, 1)
    for i, lab in ((inf, labs.clear()), (inf.clear(), labs)):
        assert_frame_equal(safety_schedule(i, lab, RULES, day),
                           reference.safety_schedule(i, lab, RULES, day))


TERMS = (("Graves disease", "thyroid"), ("immune thrombocytopenia", None),
         ("infusion-associated rash", "infusion reaction"), ("herpes zoster", "infection"),
         ("headache", None), ("basal cell carcinoma", None))


def test_aesi_table_matches_the_reference_on_seeded_adverse_events(
        synthetic: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    # the courses of 3,000 patients and 2,000 seeded adverse events of 600 of them (some
    # before any course, some of other drugs' patients), and the seed's own events
    from mscohort.derive.courses import course_table, load_regimens
    from mscohort.derive.safety import aesi_table

    inf, _ = synthetic
    courses = course_table(inf, load_regimens()).courses
    ids = inf["patient_id"].unique().sort().to_list()[:600]
    rng = np.random.default_rng(23)
    rows = []
    for _ in range(2_000):
        term, category = TERMS[int(rng.integers(len(TERMS)))]
        rows.append((ids[int(rng.integers(len(ids)))], dt.date(1990, 1, 1)
                     + dt.timedelta(days=int(rng.integers(0, 35 * 365))), term, category))
    aes = pl.DataFrame(rows, schema={"patient_id": pl.String, "onset_date": pl.Date,
                                     "term": pl.String, "category": pl.String}, orient="row")
    got = aesi_table(aes, courses, RULES)
    assert got["course"].null_count() < got.height > 1000
    assert_frame_equal(got, reference.aesi_table(aes, courses, RULES))
    study = load_study(read_study(SEED))
    seed_courses = course_table(study.table("infusions"), load_regimens()).courses
    seed_aes = study.table("adverse_events")
    assert_frame_equal(aesi_table(seed_aes, seed_courses, RULES),
                       reference.aesi_table(seed_aes, seed_courses, RULES))
    assert_frame_equal(aesi_table(aes.clear(), courses, RULES),
                       reference.aesi_table(aes.clear(), courses, RULES))

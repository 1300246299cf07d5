"""The columnar screening (issue #23) decides as the one-patient-at-a-time screening did:
every patient, every arm, decision, reasons, missing data, deviations and each criterion's
evidence word for word, on the bundled seed and on a seeded synthetic cohort that holds
every kind of criterion, status reading and missing record."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from mscohort.calibrate.seed import SEED
from mscohort.definition import load_definition
from mscohort.derive.screening import parse_eligibility, screen
from mscohort.ingest import read_study
from mscohort.study import Study
from mscohort.synthetic import make_synthetic_cohort
from mscohort.validate import check_study
from tests.conftest import AS_OF
from tests.protocol.screening_reference import screen_reference

#: adverse-event terms, categories and outcomes drawn for the synthetic cohort: each
#: exclusion of the seed's protocol, its status readings and an outcome the rules skip
TERMS = [("pregnancy", "pregnancy"), ("basal cell carcinoma", "neoplasm"),
         ("urinary tract infection", "infection"), ("sepsis", None),
         ("Graves disease", "thyroid"), ("autoimmune thyroiditis", "autoimmunity"),
         ("immune thrombocytopenia", None), ("headache", "nervous system"),
         ("rash", None)]
OUTCOMES = [None, "resolved", "ongoing", "controlled", "uncontrolled", "Resolved",
            "not recovered", "fatal"]


def _assert_same(study: Study, rules: dict, **kwargs) -> tuple[pl.DataFrame, pl.DataFrame]:
    eligibility = parse_eligibility(rules)
    new = screen(study, eligibility, **kwargs)
    old = screen_reference(study, eligibility, **kwargs)
    assert_frame_equal(new.decisions, old.decisions)
    assert_frame_equal(new.details, old.details)
    return new


def test_seed_screening_is_unchanged_for_every_patient_and_arm() -> None:
    study, _ = check_study(read_study(SEED), as_of=AS_OF)
    d = load_definition(SEED / "study.toml")
    dec, det = _assert_same(study, d.eligibility, course_gap_days=d.course_gap_days)
    n = study.table("patients").height
    # 60 patients x 2 arms; per arm 4 inclusions and the 4 exclusions of every arm
    assert dec.height == 2 * n == 120 and det.height == 2 * n * (4 + 4)
    # the seed's three decisions (its records leave nothing unknown) are all compared
    assert set(dec["decision"]) == {"eligible", "not eligible", "protocol deviation"}


def _synthetic(n: int, seed: int) -> Study:
    """A synthetic cohort with cohorts (some unrecorded), enrolment dates (some missing,
    so the first infusion or the study's latest record is the screening day) and adverse
    events of every exclusion, status and outcome."""
    base = make_synthetic_cohort(n, seed=seed)
    rng = np.random.default_rng(seed)
    pats = base.table("patients")
    ids = pats["patient_id"].to_list()
    cohort = rng.choice(np.array(["ALE-naive", "ALE-experienced", ""]), n)
    enrol = dt.date(2012, 1, 1) + np.array([dt.timedelta(days=int(k))
                                            for k in rng.integers(0, 3000, n)])
    enrol = [None if drop else e for e, drop in zip(enrol, rng.random(n) < 0.3, strict=True)]
    pats = pats.with_columns(
        pl.Series("cohort", [c or None for c in cohort], pl.String),
        pl.Series("enrolment_date", enrol, pl.Date))
    m = 2 * n
    pick = rng.integers(0, len(TERMS), m)
    ae = pl.DataFrame({
        "patient_id": [ids[k] for k in rng.integers(0, n, m)],
        "onset_date": [dt.date(2008, 1, 1) + dt.timedelta(days=int(k))
                       for k in rng.integers(0, 6000, m)],
        "term": [TERMS[k][0] for k in pick], "category": [TERMS[k][1] for k in pick],
        "outcome": [OUTCOMES[k] for k in rng.integers(0, len(OUTCOMES), m)]})
    schema = base.table("adverse_events").schema
    ae = pl.concat([pl.DataFrame(schema=schema), ae.select(
        [pl.col(c).cast(t) if c in ae.columns else pl.lit(None, t).alias(c)
         for c, t in schema.items()])], how="vertical")
    return Study({**base.tables, "patients": pats, "adverse_events": ae})


@pytest.fixture(scope="module")
def synthetic() -> Study:
    return _synthetic(3000, seed=23)


def test_synthetic_cohort_screening_is_unchanged_under_the_seed_protocol(synthetic) -> None:
    rules = load_definition(SEED / "study.toml").eligibility
    ids = synthetic.table("patients")["patient_id"].to_list()
    # declared deviations on synthetic patients, for both criteria of the seed's kind
    rules = {**rules, "deviation": [
        {"patient_id": ids[k], "criterion": "EDSS 3-7", "reason": f"test {k}"}
        for k in range(0, 300, 7)] + [
        {"patient_id": ids[k], "criterion": "Active infection", "reason": "declared"}
        for k in range(1, 3000, 11)]}
    dec, _ = _assert_same(synthetic, rules, course_gap_days=30)
    assert set(dec["decision"]) == {"eligible", "not eligible", "protocol deviation",
                                    "cannot tell"}


def test_synthetic_cohort_screening_is_unchanged_for_every_parameter(synthetic) -> None:
    """Criteria with and without windows, bounds, counts and readings the seed's protocol
    does not use, on a fixed screening day and on each patient's own."""
    rules = {"arm": [
        {"name": "wide", "include": [
            {"criterion": "relapses", "min_count": 2, "within_days": 400.25, "label": "r2"},
            {"criterion": "relapse_on_therapy", "min_count": 2, "label": "rot"},
            {"criterion": "prior_dmd", "min_count": 2, "label": "dmd"},
            {"criterion": "courses_of", "drug": "alemtuzumab", "label": "any courses"},
            {"criterion": "edss_between", "min": 2.0, "label": "edss ever"},
            {"criterion": "cohort_is", "value": "ALE-naive", "label": "naive",
             "reading": "as recorded"}]},
        {"name": "empty", "include": []}],
        "exclude": [
            {"criterion": "adverse_event", "keywords": ["INFECTION", "rash"],
             "outcome_not": ["Resolved"], "label": "any ae"},
            {"criterion": "adverse_event", "keywords": ["graves"], "within_days": 365,
             "status": "ongoing", "label": "ongoing graves"}]}
    _assert_same(synthetic, rules, course_gap_days=45)
    _assert_same(synthetic, rules, as_of=dt.date(2016, 6, 30))


def test_without_adverse_events_every_exclusion_is_unknown_as_before(synthetic) -> None:
    study = Study({k: v for k, v in synthetic.tables.items() if k != "adverse_events"})
    rules = load_definition(SEED / "study.toml").eligibility
    dec, _ = _assert_same(study, rules)
    assert dec["missing"].str.contains("no adverse-event records").all()

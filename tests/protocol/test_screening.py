"""Eligibility screening on hand-built patients: each criterion met, not met and unknown."""

from __future__ import annotations

import datetime as dt

import pytest

from mscohort.derive.screening import parse_eligibility, screen
from mscohort.errors import UsageError
from mscohort.ingest import read_study
from mscohort.validate import check_study
from tests.conftest import AS_OF

PATIENTS = """patient_id,sex,birth_date,onset_date,cohort,enrolment_date
N1,F,1970-01-01,2000-01-01,ALE-naive,2013-01-10
N2,F,1972-01-01,2001-01-01,ALE-naive,2013-01-10
N3,M,1975-01-01,2003-01-01,,2013-01-10
X1,F,1965-01-01,1995-01-01,ALE-experienced,2013-01-10
"""
EDSS = """patient_id,date,edss
N1,2012-10-01,5.5
N2,2012-10-01,7.5
X1,2012-10-01,6.0
"""
RELAPSES = """patient_id,onset_date
N1,2012-03-01
N2,2009-03-01
N3,2012-06-01
X1,2008-01-01
"""
TREATMENTS = """patient_id,drug,start_date,stop_date
N1,natalizumab,2010-01-01,2012-12-01
N2,fingolimod,2011-01-01,2012-12-01
N3,fingolimod,2011-01-01,
X1,interferon beta,2000-01-01,2006-01-01
"""
INFUSIONS = """patient_id,drug,date,dose_mg
X1,alemtuzumab,2006-03-01,12
X1,alemtuzumab,2007-03-01,12
"""
AES = """patient_id,onset_date,term,category,outcome
N1,2012-12-20,urinary tract infection,infection,resolved
X1,2010-05-01,Graves disease,thyroid,ongoing
"""
RULES = {
    "arm": [
        {"name": "naive", "include": [
            {"criterion": "relapse_on_therapy", "within_days": 730, "label": "relapse on DMD"},
            {"criterion": "prior_dmd", "label": "prior DMD"},
            {"criterion": "edss_between", "min": 3.0, "max": 7.0, "within_days": 365,
             "label": "EDSS 3-7"},
            {"criterion": "courses_of", "drug": "Lemtrada", "max": 0, "label": "naive"}]},
        {"name": "experienced", "include": [
            {"criterion": "cohort_is", "value": "ALE-experienced", "label": "cohort"},
            {"criterion": "relapses", "label": "relapses"},
            {"criterion": "courses_of", "drug": "alemtuzumab", "min": 2, "label": "2+ courses"},
        ]}],
    "exclude": [
        {"criterion": "adverse_event", "keywords": ["infection"], "within_days": 90,
         "label": "active infection"},
        {"criterion": "adverse_event", "keywords": ["graves"], "outcome_not": ["resolved"],
         "label": "autoimmunity"}],
}


@pytest.fixture
def decisions(write_study):
    folder = write_study(patients=PATIENTS, edss=EDSS, relapses=RELAPSES,
                         treatments=TREATMENTS, infusions=INFUSIONS, adverse_events=AES)
    study, report = check_study(read_study(folder), as_of=AS_OF)
    assert report.ok
    dec, det = screen(study, parse_eligibility(RULES))
    return {(r["patient_id"], r["arm"]): r for r in dec.iter_rows(named=True)}, det


def test_an_eligible_patient_and_the_record_behind_each_criterion(decisions) -> None:
    dec, det = decisions
    n1 = dec[("N1", "naive")]
    # screened on the enrolment date; the infection began 21 days before it but resolved:
    # the rule counts any onset in the 90 days before, so N1 is excluded
    assert n1["screened_on"] == dt.date(2013, 1, 10)
    assert n1["decision"] == "not eligible"
    assert "active infection: urinary tract infection on 2012-12-20" in n1["reasons"]
    rows = {r["criterion"]: r for r in det.filter(
        (det["patient_id"] == "N1") & (det["arm"] == "naive")).iter_rows(named=True)}
    assert rows["relapse on DMD"]["evidence"] == "1 relapse(s): 2012-03-01 on natalizumab"
    assert rows["EDSS 3-7"]["evidence"] == "EDSS 5.5 on 2012-10-01"
    assert rows["naive"]["status"] == "met"


def test_each_failed_criterion_is_named(decisions) -> None:
    dec, _ = decisions
    n2 = dec[("N2", "naive")]
    # relapse in 2009 is outside the 2 years and before fingolimod; EDSS 7.5 is above 7
    assert n2["decision"] == "not eligible"
    assert "relapse on DMD: 0 relapse(s)" in n2["reasons"]
    assert "EDSS 3-7: EDSS 7.5 on 2012-10-01" in n2["reasons"]


def test_missing_data_gives_cannot_tell_with_what_is_missing(decisions) -> None:
    dec, _ = decisions
    n3 = dec[("N3", "naive")]  # relapse on fingolimod, but no EDSS on record
    assert n3["decision"] == "cannot tell"
    assert "EDSS 3-7: no EDSS in the window" in n3["missing"]
    assert dec[("N3", "experienced")]["decision"] == "not eligible"  # no ALE courses


def test_exclusions_apply_to_every_arm(decisions) -> None:
    dec, _ = decisions
    x1 = dec[("X1", "experienced")]
    assert x1["decision"] == "not eligible"
    assert x1["reasons"] == "autoimmunity: Graves disease on 2010-05-01"


def test_without_adverse_event_records_exclusions_cannot_be_judged(write_study) -> None:
    folder = write_study(patients=PATIENTS, edss=EDSS, relapses=RELAPSES,
                         treatments=TREATMENTS, infusions=INFUSIONS)
    study, _ = check_study(read_study(folder), as_of=AS_OF)
    dec, _ = screen(study, parse_eligibility(RULES), as_of=dt.date(2013, 1, 10))
    row = dec.filter((dec["patient_id"] == "X1") & (dec["arm"] == "experienced")).row(
        0, named=True)
    assert row["decision"] == "cannot tell"
    assert "no adverse-event records" in row["missing"]


@pytest.mark.parametrize(("raw", "match"), [
    ({}, "at least one \\[\\[eligibility.arm\\]\\]"),
    ({"arm": [{"include": []}]}, "`eligibility arm 1` must be a table with a name"),
    ({"arm": [{"name": "a", "include": [{"criterion": "age"}]}]}, "criterion = one of"),
    ({"arm": [{"name": "a", "include": [{"criterion": "edss_between", "lo": 3}]}]},
     "unknown key\\(s\\) lo"),
    ({"arm": [{"name": "a", "include": [{"criterion": "courses_of", "drug": "x"}]}]},
     "a drug of the vocabulary"),
])
def test_bad_criteria_are_usage_errors(raw: dict, match: str) -> None:
    with pytest.raises(UsageError, match=match):
        parse_eligibility(raw)

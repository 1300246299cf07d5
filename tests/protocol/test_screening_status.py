"""Screening that reads an adverse event's clinical status, names its reading of the
protocol's words, and lists declared protocol deviations apart from ineligibility."""

from __future__ import annotations

import datetime as dt

import pytest

from mscohort.derive.ae_status import ae_status
from mscohort.derive.screening import parse_eligibility, screen
from mscohort.errors import UsageError
from mscohort.ingest import read_study
from mscohort.validate import check_study
from tests.conftest import AS_OF

# X1-X5: ALE-experienced, two courses, each with one autoimmune event of another status;
# X6: one course only; N1: ALE-naive with EDSS 2.5 (a declared deviation)
PATIENTS = """patient_id,sex,birth_date,onset_date,cohort,enrolment_date
X1,F,1965-01-01,1995-01-01,ALE-experienced,2013-01-10
X2,F,1965-01-01,1995-01-01,ALE-experienced,2013-01-10
X3,F,1965-01-01,1995-01-01,ALE-experienced,2013-01-10
X4,F,1965-01-01,1995-01-01,ALE-experienced,2013-01-10
X5,F,1965-01-01,1995-01-01,ALE-experienced,2013-01-10
X6,F,1965-01-01,1995-01-01,ALE-experienced,2013-01-10
N1,F,1970-01-01,2000-01-01,ALE-naive,2013-01-10
"""
EDSS = "patient_id,date,edss\nN1,2012-10-01,2.5\n"
RELAPSES = """patient_id,onset_date
X1,2008-01-01
X2,2008-01-01
X3,2008-01-01
X4,2008-01-01
X5,2008-01-01
X6,2008-01-01
N1,2012-03-01
"""
TREATMENTS = "patient_id,drug,start_date,stop_date\nN1,natalizumab,2010-01-01,2012-12-01\n"
INFUSIONS = "patient_id,drug,date,dose_mg\n" + "".join(
    f"{p},alemtuzumab,2006-03-01,12\n{p},alemtuzumab,2007-03-01,12\n"
    for p in ("X1", "X2", "X3", "X4", "X5")) + "X6,alemtuzumab,2011-03-01,12\n"
AES = """patient_id,onset_date,term,category,outcome
X1,2008-05-01,Graves disease,thyroid,resolved
X2,2008-05-01,Graves disease,thyroid,"ongoing, controlled on carbimazole"
X3,2008-05-01,Graves disease,thyroid,uncontrolled
X4,2008-05-01,Graves disease,thyroid,ongoing
X5,2008-05-01,Graves disease,thyroid,
"""
AUTOIMMUNITY = {"criterion": "adverse_event", "keywords": ["graves"],
                "status": "uncontrolled", "label": "uncontrolled autoimmunity"}


def _rules(min_courses: int, deviations: list[dict] | None = None) -> dict:
    return {
        "arm": [
            {"name": "experienced", "include": [
                {"criterion": "courses_of", "drug": "alemtuzumab", "min": min_courses,
                 "label": "prior ALE courses", "reading": f">1 read as {min_courses}+"}]},
            {"name": "naive", "include": [
                {"criterion": "edss_between", "min": 3.0, "max": 7.0, "within_days": 365,
                 "label": "EDSS 3-7"},
                {"criterion": "courses_of", "drug": "alemtuzumab", "max": 0,
                 "label": "no prior ALE"}]}],
        "exclude": [AUTOIMMUNITY],
        "deviation": deviations or [],
    }


@pytest.fixture
def study(write_study):
    folder = write_study(patients=PATIENTS, edss=EDSS, relapses=RELAPSES,
                         treatments=TREATMENTS, infusions=INFUSIONS, adverse_events=AES)
    study, report = check_study(read_study(folder), as_of=AS_OF)
    assert report.ok
    return study


def _decisions(study, rules: dict) -> dict[tuple[str, str], dict]:
    dec, _ = screen(study, parse_eligibility(rules))
    return {(r["patient_id"], r["arm"]): r for r in dec.iter_rows(named=True)}


@pytest.mark.parametrize(("outcome", "status"), [
    ("resolved", "resolved"), ("RECOVERED/RESOLVED WITH SEQUELAE", "resolved"),
    ("Ongoing, controlled on carbimazole", "controlled"), ("under control", "controlled"),
    ("uncontrolled", "uncontrolled"), ("ongoing, not controlled", "uncontrolled"),
    ("ongoing", "ongoing"), ("NOT RECOVERED/NOT RESOLVED", "ongoing"),
    ("RECOVERING/RESOLVING", "ongoing"), ("FATAL", "fatal"), (None, "unknown"),
    ("", "unknown"), ("see notes", "unknown"),
])
def test_adverse_event_status_is_read_from_the_recorded_outcome(outcome, status) -> None:
    # CDISC AEOUT terms (SDTM IG 3.3 codelist OUT) and clinic wordings
    assert ae_status(outcome) == status


def test_resolved_or_controlled_autoimmunity_does_not_exclude(study) -> None:
    dec = _decisions(study, _rules(2))
    assert dec[("X1", "experienced")]["decision"] == "eligible"
    assert dec[("X2", "experienced")]["decision"] == "eligible"


def test_uncontrolled_autoimmunity_excludes_with_its_status_as_evidence(study) -> None:
    dec = _decisions(study, _rules(2))
    x3 = dec[("X3", "experienced")]
    assert x3["decision"] == "not eligible"
    assert x3["reasons"] == ("uncontrolled autoimmunity: Graves disease on 2008-05-01 "
                             "(uncontrolled)")


def test_unknown_control_status_is_cannot_tell_never_not_eligible(study) -> None:
    dec = _decisions(study, _rules(2))
    for pid, status in (("X4", "ongoing"), ("X5", "unknown")):
        row = dec[(pid, "experienced")]
        assert row["decision"] == "cannot tell", pid
        assert row["reasons"] == ""
        assert row["missing"] == (f"uncontrolled autoimmunity: Graves disease on 2008-05-01 "
                                  f"({status}): whether uncontrolled is not recorded")


def test_prior_course_count_reading_is_configurable_and_named(study) -> None:
    more_than_one = _decisions(study, _rules(2))
    one_or_more = _decisions(study, _rules(1))
    assert more_than_one[("X6", "experienced")]["decision"] == "not eligible"
    assert one_or_more[("X6", "experienced")]["decision"] == "eligible"
    _, details = screen(study, parse_eligibility(_rules(2)))
    row = details.filter((details["patient_id"] == "X6")
                         & (details["criterion"] == "prior ALE courses")).row(0, named=True)
    assert (row["status"], row["reading"]) == ("not met", ">1 read as 2+")
    assert parse_eligibility(_rules(1)).readings() == ["prior ALE courses: >1 read as 1+"]


def test_a_declared_deviation_is_listed_apart_from_ineligibility(study) -> None:
    plain = _decisions(study, _rules(2))
    assert plain[("N1", "naive")]["decision"] == "not eligible"
    assert plain[("N1", "naive")]["reasons"] == "EDSS 3-7: EDSS 2.5 on 2012-10-01"
    dev = _decisions(study, _rules(2, [{"patient_id": "N1", "criterion": "EDSS 3-7",
                                        "reason": "forced by the range 2.5-7.0"}]))
    n1 = dev[("N1", "naive")]
    assert (n1["decision"], n1["reasons"]) == ("protocol deviation", "")
    assert n1["deviations"] == ("EDSS 3-7: EDSS 2.5 on 2012-10-01 (deviation: forced by "
                                "the range 2.5-7.0)")
    # a deviation never hides another failed criterion: in the other arm N1 stays out
    assert dev[("N1", "experienced")]["decision"] == "not eligible"


def test_screening_day_is_the_enrolment_date(study) -> None:
    dec = _decisions(study, _rules(2))
    assert dec[("X1", "experienced")]["screened_on"] == dt.date(2013, 1, 10)


@pytest.mark.parametrize(("raw", "match"), [
    ({"arm": [{"name": "a", "include": [dict(AUTOIMMUNITY, status="active")]}]},
     "`status` must be one of any, ongoing, uncontrolled; got 'active'"),
    ({"arm": [{"name": "a", "include": [AUTOIMMUNITY]}],
      "deviation": [{"patient_id": "P1", "criterion": "EDSS 3-7", "reason": "r"}]},
     "`criterion` must be the label of a criterion; got 'EDSS 3-7'"),
    ({"arm": [{"name": "a", "include": [AUTOIMMUNITY]}],
      "deviation": [{"patient_id": "P1"}]},
     "must be a table with patient_id, criterion and reason"),
])
def test_bad_status_or_deviation_is_a_usage_error(raw: dict, match: str) -> None:
    with pytest.raises(UsageError, match=match):
        parse_eligibility(raw)


def test_the_population_flow_counts_declared_deviations_apart() -> None:
    import polars as pl

    from mscohort.analyse.flow import population_flow

    d = dt.date(2010, 1, 1)
    out = pl.DataFrame({"patient_id": ["A", "B", "C", "E"], "index_date": [d] * 4,
                        "excluded_reason": [None] * 4, "in_relapse_analysis": [True] * 4,
                        "arr_during": [0.5] * 4, "time_to_cdw_days": [None] * 4})
    # A eligible; B a deviation in one arm; C not eligible anywhere; E cannot tell
    screening = pl.DataFrame({"patient_id": ["A", "A", "B", "B", "C", "C", "E", "E"],
                              "decision": ["eligible", "not eligible", "protocol deviation",
                                           "not eligible", "not eligible", "not eligible",
                                           "cannot tell", "not eligible"]})
    n = dict(zip(*population_flow(out, screening, "alemtuzumab").select("box", "n"),
                 strict=True))
    assert (n["eligible in at least one arm"], n["declared protocol deviation"],
            n["not eligible in any arm"], n["cannot tell (missing data)"]) == (1, 1, 1, 1)

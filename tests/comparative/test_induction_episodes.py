"""Discontinuation of an induction drug (alemtuzumab, cladribine: given as courses, no stop
date of the treatment) on a hand-built study; every date is worked out in the comments."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from mscohort.analyse.comparative.episode_events import discontinuation_times
from mscohort.analyse.comparative.followup import FollowUp
from mscohort.definition.comparison import ComparisonSettings, parse_comparison
from mscohort.derive.episodes import treatment_episodes
from mscohort.errors import UsageError
from mscohort.study import Study
from tests.test_comparative_episodes import _frame

D = dt.date.fromisoformat


def induction_study() -> Study:
    """P: alemtuzumab courses recorded in treatments with a stop each (2012-01-02 to 01-06,
    2013-01-07 to 01-09), no other drug, last record 2016-06-01. Q: one alemtuzumab course
    (infusions from 2012-03-01), ocrelizumab from 2013-09-01. R: courses 2014-01-01 and
    2015-01-01 (infusions), last record 2016-01-01. N: natalizumab 2012-01-01 to 2013-01-01,
    last record 2016-01-01."""
    patients = _frame("patients", [
        {"patient_id": p, "sex": "F", "birth_date": "1980-01-01", "onset_date": "2005-01-01",
         "phenotype": "RRMS", "site": "X"} for p in "NPQR"])
    treatments = _frame("treatments", [
        {"patient_id": "P", "drug": "alemtuzumab", "start_date": "2012-01-02",
         "stop_date": "2012-01-06"},
        {"patient_id": "P", "drug": "alemtuzumab", "start_date": "2013-01-07",
         "stop_date": "2013-01-09"},
        {"patient_id": "Q", "drug": "ocrelizumab", "start_date": "2013-09-01",
         "stop_date": None},
        {"patient_id": "N", "drug": "natalizumab", "start_date": "2012-01-01",
         "stop_date": "2013-01-01"},
    ])
    infusions = _frame("infusions", [
        *({"patient_id": "Q", "drug": "alemtuzumab", "date": f"2012-03-0{d}", "dose_mg": 12.0}
          for d in range(1, 6)),
        *({"patient_id": "R", "drug": "alemtuzumab", "date": f"2014-01-0{d}", "dose_mg": 12.0}
          for d in range(1, 6)),
        *({"patient_id": "R", "drug": "alemtuzumab", "date": f"2015-01-0{d}", "dose_mg": 12.0}
          for d in range(1, 4)),
    ])
    edss = _frame("edss", [
        {"patient_id": "P", "date": "2011-12-01", "edss": 2.0},
        {"patient_id": "P", "date": "2016-06-01", "edss": 2.0},
        {"patient_id": "Q", "date": "2012-02-01", "edss": 3.0},
        {"patient_id": "Q", "date": "2016-01-01", "edss": 3.0},
        {"patient_id": "R", "date": "2013-12-01", "edss": 3.0},
        {"patient_id": "R", "date": "2016-01-01", "edss": 3.0},
        {"patient_id": "N", "date": "2011-12-01", "edss": 2.0},
        {"patient_id": "N", "date": "2016-01-01", "edss": 2.0},
    ])
    relapses = _frame("relapses", [{"patient_id": "N", "onset_date": "2011-06-01"}])
    return Study({"patients": patients, "treatments": treatments, "infusions": infusions,
                  "relapses": relapses, "edss": edss})


SETTINGS = ComparisonSettings(treated="alemtuzumab", comparators=("natalizumab",),
                              episodes="all")


def _stops(settings: ComparisonSettings) -> dict[str, tuple[object, object]]:
    ep = treatment_episodes(induction_study(), settings).episodes
    return {r["patient_id"]: (r["stop_date"], r["end_date"]) for r in ep.iter_rows(named=True)}


def test_an_induction_drug_stops_only_at_the_start_of_another_drug_by_default() -> None:
    stops = _stops(SETTINGS)
    # P: the recorded stops end courses, not the treatment: ongoing to the end of data
    assert stops["P"] == (None, D("2016-06-01"))
    # Q: switched to ocrelizumab on 2013-09-01
    assert stops["Q"] == (D("2013-09-01"), D("2013-09-01"))
    # R: infused courses, no other drug: ongoing to the end of data
    assert stops["R"] == (None, D("2016-01-01"))
    # N: natalizumab is no induction drug: its recorded stop is the stop
    assert stops["N"] == (D("2013-01-01"), D("2013-01-01"))


def test_without_the_induction_rule_the_recorded_course_stop_would_be_a_stop() -> None:
    stops = _stops(SETTINGS.with_(induction_drugs=[]))
    # P's last treatments row stops 2013-01-09: five days after its second course began
    assert stops["P"] == (D("2013-01-09"), D("2013-01-09"))
    assert stops["Q"] == (D("2013-09-01"), D("2013-09-01"))


def test_the_maximum_interval_after_the_last_course_discontinues_an_induction_drug() -> None:
    stops = _stops(SETTINGS.with_(induction_max_gap_days=730))
    # P: last course 2013-01-07 + 730 days = 2015-01-07, before the end of data 2016-06-01
    assert stops["P"] == (D("2015-01-07"), D("2015-01-07"))
    # Q: 2012-03-01 + 730 days = 2014-03-01, after the switch on 2013-09-01
    assert stops["Q"] == (D("2013-09-01"), D("2013-09-01"))
    # R: 2015-01-01 + 730 days = 2016-12-31, after the end of data 2016-01-01: not known,
    # ongoing
    assert stops["R"] == (None, D("2016-01-01"))
    assert stops["N"] == (D("2013-01-01"), D("2013-01-01"))
    uncensored = _stops(SETTINGS.with_(induction_max_gap_days=730, censor_at_stop=False))
    assert uncensored["P"] == (D("2015-01-07"), D("2016-06-01"))


def test_discontinuation_of_an_induction_drug_is_an_event_at_the_lapse() -> None:
    s = SETTINGS.with_(induction_max_gap_days=730, censor_at_stop=False)
    ep = treatment_episodes(induction_study(), s).episodes.filter(pl.col("patient_id") == "P")
    table = ep.with_columns(fu_end=pl.col("end_date"), fu_days=(
        pl.col("end_date") - pl.col("start_date")).dt.total_days().cast(pl.Float64))
    times = discontinuation_times(FollowUp(table, False, False))
    # 2012-01-02 to 2015-01-07: 366 + 365 + 365 + 5 = 1101 days, before the end of
    # follow-up (2016-06-01)
    assert times["time_days"].to_list() == [1101.0]
    assert times["event"].to_list() == [True]


def test_induction_settings_are_checked() -> None:
    with pytest.raises(UsageError, match=r"comparison\.induction_max_gap_days"):
        parse_comparison({"induction_max_gap_days": 30.5}, "study.toml")
    with pytest.raises(UsageError, match=r"comparison\.induction_drugs"):
        parse_comparison({"induction_drugs": "alemtuzumab"}, "study.toml")
    with pytest.raises(UsageError, match=r"comparison\.induction_drugs"):
        parse_comparison({"induction_drugs": ["not a drug"]}, "study.toml")
    assert parse_comparison({"induction_drugs": ["Lemtrada"]}, "x").induction_drugs == (
        "alemtuzumab",)


def test_the_methods_paragraph_states_the_discontinuation_of_an_induction_drug() -> None:
    from mscohort.analyse.comparative.design import comparison_design
    from mscohort.definition import StudyDefinition
    from mscohort.synthetic_comparative import make_comparative_cohort

    study = make_comparative_cohort(300, seed=2)
    text = comparison_design(study, StudyDefinition(comparison=ComparisonSettings(
        induction_max_gap_days=730))).methods()
    assert ("Alemtuzumab, given as courses, was considered discontinued at the start of "
            "another drug, or 730 days after the first day of the last course when no "
            "further course had started; a recorded stop ended a course, not the "
            "treatment.") in text
    plain = comparison_design(study, StudyDefinition(comparison=ComparisonSettings(
        induction_drugs=()))).methods()
    assert "given as courses" not in plain

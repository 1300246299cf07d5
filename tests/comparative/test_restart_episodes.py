"""A restart of the same drug after a gap (review of #25, finding 4): within
``restart_max_gap_days`` the episode continues, beyond it the stop ends the episode (a
discontinuation) and the restart begins a new one; hand-built study, dates worked out in
the comments."""

from __future__ import annotations

import datetime as dt

import pytest

from mscohort.definition.comparison import ComparisonSettings, parse_comparison
from mscohort.derive.episodes import treatment_episodes
from mscohort.errors import UsageError
from mscohort.study import Study
from tests.test_comparative_episodes import _frame

D = dt.date.fromisoformat


def restart_study() -> Study:
    """S: natalizumab 2004-12-19 to 2006-07-23, restarted 2006-12-20 (150 days later),
    ongoing; last record 2012-12-06. T: natalizumab 2010-01-01 to 2010-06-30, restarted
    2010-08-09 (40 days later), stopped 2011-06-30; last record 2013-01-01. U: alemtuzumab
    courses recorded with stops (2012-01-02 to 01-06, 2013-01-07 to 01-09: an induction
    drug, its gap is no restart); last record 2014-01-01."""
    patients = _frame("patients", [
        {"patient_id": p, "sex": "F", "birth_date": "1975-01-01", "onset_date": "2000-01-01",
         "phenotype": "RRMS", "site": "X"} for p in "STU"])
    treatments = _frame("treatments", [
        {"patient_id": "S", "drug": "natalizumab", "start_date": "2004-12-19",
         "stop_date": "2006-07-23"},
        {"patient_id": "S", "drug": "natalizumab", "start_date": "2006-12-20",
         "stop_date": None},
        {"patient_id": "T", "drug": "natalizumab", "start_date": "2010-01-01",
         "stop_date": "2010-06-30"},
        {"patient_id": "T", "drug": "natalizumab", "start_date": "2010-08-09",
         "stop_date": "2011-06-30"},
        {"patient_id": "U", "drug": "alemtuzumab", "start_date": "2012-01-02",
         "stop_date": "2012-01-06"},
        {"patient_id": "U", "drug": "alemtuzumab", "start_date": "2013-01-07",
         "stop_date": "2013-01-09"},
    ])
    edss = _frame("edss", [
        {"patient_id": "S", "date": "2004-12-01", "edss": 2.0},
        {"patient_id": "S", "date": "2012-12-06", "edss": 2.0},
        {"patient_id": "T", "date": "2009-12-01", "edss": 2.0},
        {"patient_id": "T", "date": "2013-01-01", "edss": 2.0},
        {"patient_id": "U", "date": "2011-12-01", "edss": 2.0},
        {"patient_id": "U", "date": "2014-01-01", "edss": 2.0},
    ])
    relapses = _frame("relapses", [{"patient_id": p, "onset_date": d} for p, d in
                                   (("S", "2004-06-01"), ("T", "2009-06-01"))])
    return Study({"patients": patients, "treatments": treatments, "relapses": relapses,
                  "edss": edss})


SETTINGS = ComparisonSettings(treated="alemtuzumab", comparators=("natalizumab",),
                              episodes="all", min_prior_relapses=0)


def _episodes(settings: ComparisonSettings) -> list[tuple[str, object, object, object]]:
    ep = treatment_episodes(restart_study(), settings).episodes.sort("patient_id",
                                                                    "start_date")
    return [(r["patient_id"], r["start_date"], r["stop_date"], r["end_date"])
            for r in ep.iter_rows(named=True)]


def test_by_default_a_restart_continues_the_episode_however_long_the_gap() -> None:
    assert _episodes(SETTINGS) == [
        # S: one episode, ongoing from 2004-12-19 to the end of data
        ("S", D("2004-12-19"), None, D("2012-12-06")),
        # T: one episode, stopped at the last row's stop 2011-06-30
        ("T", D("2010-01-01"), D("2011-06-30"), D("2011-06-30")),
        # U: alemtuzumab courses: ongoing
        ("U", D("2012-01-02"), None, D("2014-01-01"))]


def test_a_restart_beyond_the_maximum_gap_begins_a_new_episode_after_a_stop() -> None:
    got = _episodes(SETTINGS.with_(restart_max_gap_days=90))
    assert got == [
        # S: 2006-07-23 to 2006-12-20 is 150 days > 90: the first episode stops on
        # 2006-07-23 (censor_at_stop: its follow-up ends there), the restart is a new one
        ("S", D("2004-12-19"), D("2006-07-23"), D("2006-07-23")),
        ("S", D("2006-12-20"), None, D("2012-12-06")),
        # T: 2010-06-30 to 2010-08-09 is 40 days <= 90: one episode, as by default
        ("T", D("2010-01-01"), D("2011-06-30"), D("2011-06-30")),
        # U: an induction drug: its course stops are no restarts
        ("U", D("2012-01-02"), None, D("2014-01-01"))]
    # 150 days is within a maximum gap of 150: the episode continues
    assert _episodes(SETTINGS.with_(restart_max_gap_days=150))[0] == (
        "S", D("2004-12-19"), None, D("2012-12-06"))


def test_the_restart_gap_setting_is_checked() -> None:
    with pytest.raises(UsageError, match=r"comparison\.restart_max_gap_days` must be a "
                       r"whole number of days >= 0"):
        parse_comparison({"restart_max_gap_days": -1}, "study.toml")
    assert parse_comparison({"restart_max_gap_days": 90},
                            "study.toml").restart_max_gap_days == 90

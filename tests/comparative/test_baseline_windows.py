"""The baseline windows of the comparative design (#25 follow-up, items 1 and 3): the start
day belongs to the baseline and outcomes start the day after, so that a relapse on the
start day is counted once; one named constant per window, the same window in eligibility,
covariates and the outcome's baseline EDSS. Every count is worked out by hand."""

from __future__ import annotations

import inspect

import polars as pl

from mscohort.analyse.comparative.episode_events import disability_times, episode_visits
from mscohort.analyse.comparative.followup import follow_up
from mscohort.definition.comparison import ComparisonSettings
from mscohort.definition.comparison_windows import (
    BASELINE_EDSS_DAYS,
    OUTCOME_BASELINE_EDSS_DAYS,
    PRIOR_RELAPSE_DAYS,
    RELAPSES_12M_DAYS,
    RELAPSES_24M_DAYS,
)
from mscohort.derive.episode_covariates import baseline_covariates, episode_covariates
from mscohort.derive.episodes import count_before, last_before, treatment_episodes
from tests.comparative.toy import cohort, day, relapses
from tests.test_comparative_episodes import SETTINGS, toy_study


def test_a_relapse_on_the_start_day_counts_in_the_baseline_not_the_outcome() -> None:
    # relapses at day -366, -365, 0 (the start day) and 10; follow-up days 0 to 100
    c = cohort([("e1", "P", 1, 0, None, 100, None, 1.0)], design="iptw")
    rel = relapses([("P", -366), ("P", -365), ("P", 0), ("P", 10)])
    base = count_before(c.episodes, rel, "onset_date", RELAPSES_12M_DAYS, "n12")
    base = count_before(base, rel, "onset_date", RELAPSES_24M_DAYS, "n24")
    # 12 months (365.25 days): lags 0 and 365 in, 366 out; 24 months: all three before
    assert (base["n12"][0], base["n24"][0]) == (2, 3)
    # the outcome: (start, end]: day 10 only
    assert follow_up(c, rel).table["relapses"].to_list() == [1]
    # every relapse counted once: 3 in the 24-month baseline + 1 in follow-up = 4
    assert base["n24"][0] + follow_up(c, rel).table["relapses"][0] == rel.height


def test_the_start_day_relapse_makes_an_episode_eligible_and_is_a_baseline_relapse() -> None:
    # toy patient C: natalizumab from 2015-01-01, one relapse, on 2015-01-01, 15 years old
    result = treatment_episodes(toy_study(), SETTINGS)
    failed = result.exclusions.filter(pl.col("patient_id") == "C")["criterion"].to_list()
    assert failed == ["age"]  # the start-day relapse is a prior relapse (1 >= 1 required)
    eps = treatment_episodes(toy_study(), SETTINGS.with_(age_min=0, episodes="all")).eligible
    assert "C:natalizumab:2015-01-01" in eps["episode_id"].to_list()
    cov = episode_covariates(toy_study(), eps, SETTINGS.with_(
        age_min=0, covariates=["relapses_12m", "relapses_24m"])).table
    c = cov.filter(pl.col("patient_id") == "C")
    assert (c["relapses_12m"][0], c["relapses_24m"][0]) == (1, 1)


def test_edss_182_days_before_is_baseline_and_183_is_not_in_every_window() -> None:
    # P: EDSS 182 days before its start; Q: 183 days before; both with a later EDSS
    c = cohort([("e1", "P", 1, 0, None, 400, None, 1.0),
                ("e2", "Q", 0, 0, None, 400, None, 1.0)], design="iptw")
    edss = pl.DataFrame({"patient_id": ["P", "P", "Q", "Q"],
                         "date": [day(-182), day(300), day(-183), day(300)],
                         "edss": [2.0, 2.0, 3.0, 3.0]})
    # 6 months = 182.625 days: 182 days inside, 183 outside
    elig = last_before(c.episodes, edss, "date", "edss", BASELINE_EDSS_DAYS, "bl")
    assert dict(zip(elig["episode_id"], elig["bl"], strict=True)) == {"e1": 2.0, "e2": None}
    fu = follow_up(c, relapses([]))
    for window in ((), (ComparisonSettings().outcomes.edss_baseline_days,)):
        visits = episode_visits(fu, edss, None, *window)
        assert visits.with_baseline["row_key"].to_list() == ["e1"]
        assert visits.n_without == 1


def test_every_baseline_window_is_one_named_constant_used_as_every_default() -> None:
    # 12 months = 365.25 days (the Julian year), 24 months = 730.5, 6 months = 182.625
    assert (PRIOR_RELAPSE_DAYS, RELAPSES_12M_DAYS, RELAPSES_24M_DAYS) == (365.25, 365.25,
                                                                         730.5)
    assert BASELINE_EDSS_DAYS == OUTCOME_BASELINE_EDSS_DAYS == 182.625
    s = ComparisonSettings()
    assert s.prior_relapse_days == PRIOR_RELAPSE_DAYS
    assert s.edss_window_days == BASELINE_EDSS_DAYS
    assert s.outcomes.edss_baseline_days == OUTCOME_BASELINE_EDSS_DAYS
    for function, name, value in (
            (baseline_covariates, "edss_window_days", BASELINE_EDSS_DAYS),
            (episode_visits, "baseline_days", OUTCOME_BASELINE_EDSS_DAYS),
            (disability_times, "baseline_days", OUTCOME_BASELINE_EDSS_DAYS)):
        assert inspect.signature(function).parameters[name].default == value, function

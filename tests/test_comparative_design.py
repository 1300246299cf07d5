"""The comparative design end to end on the synthetic confounded cohort (#25): the naive
comparison is biased, matching and weighting balance the covariates and recover the known
rate ratio; the cohort keeps the contract of ``analyse/comparative/cohort.py``."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from mscohort.analyse.comparative.cohort import COHORT_SCHEMA, ComparisonCohort
from mscohort.analyse.comparative.design import comparison_design
from mscohort.definition import StudyDefinition
from mscohort.definition.comparison import ComparisonSettings
from mscohort.errors import InvalidArgumentError, UsageError
from mscohort.study import Study
from mscohort.synthetic_comparative import make_comparative_cohort
from tests.oracles import oracle
from tests.test_comparative_episodes import SETTINGS, toy_study

TRUE_RATE_RATIO, TRUE_HAZARD_RATIO = 0.6, 0.7


@pytest.fixture(scope="module")
def cohort() -> Study:
    return make_comparative_cohort(8000, seed=11)


def _follow_up(study: Study, episodes: pl.DataFrame) -> pl.DataFrame:
    """Per episode: relapses after the start up to end_date, years of follow-up, and the
    days to the first relapse (null: none)."""
    rel = study.table("relapses").select("patient_id", "onset_date").join(
        episodes.select("episode_id", "patient_id", "start_date", "end_date"),
        on="patient_id").filter((pl.col("onset_date") > pl.col("start_date"))
                                & (pl.col("onset_date") <= pl.col("end_date")))
    per = rel.group_by("episode_id").agg(
        pl.len().alias("n"),
        (pl.col("onset_date").min() - pl.col("start_date").first()).dt.total_days()
        .alias("first_days"))
    return episodes.join(per, on="episode_id", how="left").with_columns(
        pl.col("n").fill_null(0),
        (pl.col("end_date") - pl.col("start_date")).dt.total_days().alias("fu_days"))


def _rate_ratio(frame: pl.DataFrame) -> float:
    """Weighted relapses per weighted year, treated over comparator."""
    g = frame.group_by("treatment").agg((pl.col("n") * pl.col("weight")).sum().alias("n"),
                                        (pl.col("fu_days") * pl.col("weight")).sum()
                                        .alias("d")).sort("treatment")
    rate = (g["n"] / g["d"]).to_list()
    return rate[1] / rate[0]


def test_the_synthetic_cohort_is_deterministic() -> None:
    a, b = make_comparative_cohort(300, seed=4), make_comparative_cohort(300, seed=4)
    for name in ("patients", "relapses", "edss", "treatments", "infusions"):
        assert a.table(name).equals(b.table(name)), name
    assert not a.table("relapses").equals(make_comparative_cohort(300, seed=5).table(
        "relapses"))


@pytest.mark.parametrize("design", ["match", "iptw", "overlap"])
def test_the_design_balances_a_confounded_cohort_and_removes_the_bias(
        cohort: Study, design: str) -> None:
    result = comparison_design(cohort, StudyDefinition(
        comparison=ComparisonSettings(design=design)))
    before = result.balance["smd_before"].abs()
    # sicker patients more often get alemtuzumab: EDSS and prior relapses differ
    assert before.max() > 0.3
    assert result.balance["smd_after"].abs().max() < 0.1
    assert result.balanced
    naive = _follow_up(cohort, result.covariates.table.with_columns(weight=pl.lit(1.0)))
    adjusted = _follow_up(cohort, result.cohort.episodes)
    # the naive rate ratio is biased towards 1 (the treated are sicker) by more than 20 %
    assert _rate_ratio(naive) / TRUE_RATE_RATIO > 1.2
    # the adjusted one is within 10 % of the truth
    assert _rate_ratio(adjusted) == pytest.approx(TRUE_RATE_RATIO, rel=0.10)


def test_the_hazard_ratio_of_the_first_relapse_is_the_conditional_truth(
        cohort: Study) -> None:
    sm = oracle("statsmodels.api")
    result = comparison_design(cohort, StudyDefinition(
        comparison=ComparisonSettings(design="iptw")))
    data = _follow_up(cohort, result.covariates.table)
    time = data["first_days"].fill_null(data["fu_days"]).to_numpy().astype(float)
    event = data["first_days"].is_not_null().to_numpy().astype(float)
    x = data.select("treatment", "edss", "relapses_12m", "age").to_numpy().astype(float)
    # Cox model adjusted for the covariates of the outcome model (statsmodels PHReg, Breslow)
    fit = sm.PHReg(time, x, status=event, ties="breslow").fit()
    assert np.exp(fit.params[0]) == pytest.approx(TRUE_HAZARD_RATIO, rel=0.10)


def test_the_matched_cohort_keeps_the_contract(cohort: Study) -> None:
    result = comparison_design(cohort, StudyDefinition(comparison=ComparisonSettings()))
    frame = result.cohort.episodes
    assert isinstance(result.cohort, ComparisonCohort)
    assert {c: frame.schema[c] for c in COHORT_SCHEMA} == COHORT_SCHEMA
    assert frame["pair_id"].null_count() == 0
    # 1:1 without replacement: every set is one treated and one comparator, weights 1
    sets = frame.group_by("pair_id").agg(pl.col("treatment").sum().alias("t"), pl.len())
    assert sets["t"].to_list() == [1] * sets.height
    assert sets["len"].to_list() == [2] * sets.height
    assert frame["weight"].to_list() == [1.0] * frame.height
    assert result.flow["matched_treated"] == sets.height
    assert result.dropped.height == result.flow["dropped_treated_no_overlap"]
    assert result.flow["analysed_treated"] == (result.flow["matched_treated"]
                                               + result.flow["dropped_treated_no_overlap"])
    assert "caliper of 0.1 SD of the logit" in result.methods()


def test_with_replacement_a_reused_control_has_one_row_per_set(cohort: Study) -> None:
    result = comparison_design(cohort, StudyDefinition(comparison=ComparisonSettings(
        replacement=True, ratio=2)))
    frame = result.cohort.episodes
    match = result.match
    assert match is not None
    # the rows of an episode sum to its MatchIt weight
    per = frame.group_by("episode_id").agg(pl.col("weight").sum())
    ids = result.covariates.table["episode_id"].to_list()
    unit = dict(zip(ids, match.weights.tolist(), strict=True))
    assert per["weight"].to_numpy() == pytest.approx(
        [unit[e] for e in per["episode_id"].to_list()], abs=1e-12)
    assert frame["episode_id"].n_unique() < frame.height  # some controls reused


def test_a_definition_without_comparison_is_refused(cohort: Study) -> None:
    with pytest.raises(InvalidArgumentError, match="without \\[comparison\\]"):
        comparison_design(cohort, StudyDefinition())


def test_definition_errors_of_the_design_are_usage_errors_naming_the_key(
        cohort: Study) -> None:
    # no episode of fingolimod in the cohort
    with pytest.raises(UsageError, match="`comparison` must be a definition with eligible "
                       "episodes of fingolimod; got none after eligibility"):
        comparison_design(cohort, StudyDefinition(comparison=ComparisonSettings(
            comparators=("fingolimod",))))
    # the toy study: the only women are treated; separation names the level
    toy = toy_study()
    with pytest.raises(UsageError, match=r"separated by: sex=F \(all in arm 1\)"):
        comparison_design(toy, StudyDefinition(comparison=SETTINGS.with_(
            episodes="all", covariates=["age", "sex"])))


def test_missing_indicators_enter_the_score_and_the_balance_table(cohort: Study) -> None:
    # baseline EDSS 14-90 days before the start: a 30-day window leaves most missing
    settings = ComparisonSettings(design="overlap", require_edss=False, edss_window_days=30,
                                  missing="indicator", covariates=("age", "edss",
                                                                   "relapses_12m"))
    result = comparison_design(cohort, StudyDefinition(comparison=settings))
    assert result.covariates.terms == ("age", "edss", "relapses_12m", "edss_missing")
    missing = result.covariates.missing.filter(pl.col("covariate") == "edss")
    n_missing = int(missing["n_missing"][0])
    assert 0 < n_missing < result.covariates.table.height
    assert int(result.covariates.table["edss_missing"].sum()) == n_missing
    assert "edss_missing" in result.balance["covariate"].to_list()
    assert "edss_missing" in result.cohort.episodes.columns
    # overlap weights balance every term of the score exactly (Li et al. 2018)
    assert result.balance["smd_after"].abs().max() < 1e-9

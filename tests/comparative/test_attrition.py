"""The attrition of the comparative design (#25 follow-up, item 2): the distinct episodes
dropped at each step, in the order the steps are applied; the first eligible episode of a
patient is chosen on the eligibility criteria before missing covariates are looked at (the
documented choice, docs/comparative.md "Episode choice"). Counts by hand on the toy study."""

from __future__ import annotations

import polars as pl

from mscohort.analyse.comparative.design import attrition, comparison_design
from mscohort.definition import StudyDefinition
from mscohort.definition.comparison import ComparisonSettings
from mscohort.derive.episode_covariates import episode_covariates
from mscohort.derive.episodes import treatment_episodes
from mscohort.study import Study
from mscohort.synthetic_comparative import make_comparative_cohort
from tests.test_comparative_episodes import SETTINGS, toy_study


def test_attrition_counts_the_episodes_dropped_at_each_step_in_order() -> None:
    settings = SETTINGS.with_(covariates=["age", "phenotype"])
    eps = treatment_episodes(toy_study(), settings)
    cov = episode_covariates(toy_study(), eps.eligible, settings)
    flow = attrition(eps, cov)
    # 6 candidates; B (EDSS 184 days before), C (15 years old), E (30 days of follow-up)
    # are ineligible, one criterion each; D's alemtuzumab is not D's first eligible
    # episode; D's natalizumab is chosen, then excluded: D has no phenotype
    assert flow == {
        "candidate_episodes": 6, "excluded_prior_relapses": 0, "excluded_age": 1,
        "excluded_baseline_edss": 1, "excluded_follow_up": 1, "ineligible_episodes": 3,
        "excluded_not_first_eligible": 1, "eligible_treated": 1, "eligible_control": 1,
        "excluded_missing_covariate": 1}
    assert list(flow)[5:7] == ["ineligible_episodes", "excluded_not_first_eligible"]
    # each step's count is what leaves: 6 - 3 - 1 = 2 eligible, 2 - 1 = 1 analysed (A)
    assert (flow["candidate_episodes"] - flow["ineligible_episodes"]
            - flow["excluded_not_first_eligible"]) == 2
    assert cov.table["episode_id"].to_list() == ["A:alemtuzumab:2010-03-01"]


def test_an_episode_failing_two_criteria_is_one_ineligible_episode() -> None:
    # C: 15 years old and, without its start-day relapse, no prior relapse: two criteria
    study = toy_study()
    study = Study({n: (f.filter(pl.col("patient_id") != "C") if n == "relapses" else f)
                   for n, f in study.tables.items()})
    eps = treatment_episodes(study, SETTINGS)
    flow = attrition(eps, episode_covariates(study, eps.eligible, SETTINGS))
    assert (flow["excluded_prior_relapses"], flow["excluded_age"]) == (1, 1)
    assert flow["ineligible_episodes"] == 3  # B, C, E: C counted once


def test_the_first_eligible_episode_is_chosen_before_missing_covariates() -> None:
    # without D's EDSS of 2009-12-01 and with require_edss = false, D's natalizumab
    # (2010-01-01) is eligible and first but has no EDSS; D's alemtuzumab (2012-01-01, EDSS
    # 2011-12-01) has one, but is not chosen: D is lost at the missing-covariate step
    study = toy_study()
    study = Study({n: (f.filter(~((pl.col("patient_id") == "D")
                                  & (pl.col("date") == pl.date(2009, 12, 1))))
                       if n == "edss" else f) for n, f in study.tables.items()})
    settings = SETTINGS.with_(require_edss=False, covariates=["age", "edss"])
    eps = treatment_episodes(study, settings)
    cov = episode_covariates(study, eps.eligible, settings)
    flow = attrition(eps, cov)
    assert "D:alemtuzumab:2012-01-01" in eps.exclusions.filter(
        pl.col("criterion") == "not_first_eligible")["episode_id"].to_list()
    assert cov.exclusions["episode_id"].to_list() == ["B:natalizumab:2012-01-01",
                                                      "D:natalizumab:2010-01-01"]
    assert flow["excluded_missing_covariate"] == 2
    assert "D" not in cov.table["patient_id"].to_list()


def test_the_methods_paragraph_states_each_step_of_the_attrition() -> None:
    study = make_comparative_cohort(400, seed=3)
    design = comparison_design(study, StudyDefinition(comparison=ComparisonSettings()))
    f = design.flow
    assert (f"Of {f['candidate_episodes']} candidate episodes, {f['ineligible_episodes']} "
            "failed an eligibility criterion, ") in design.methods()
    assert ("were not the patient's first eligible episode (chosen on the eligibility "
            "criteria, before missing covariates were considered)") in design.methods()
    assert (f"{f['analysed_treated']} treated and {f['analysed_control']} comparator "
            "episodes were analysed.") in design.methods()
    assert f["analysed_treated"] + f["analysed_control"] == (
        f["eligible_treated"] + f["eligible_control"] - f["excluded_missing_covariate"])

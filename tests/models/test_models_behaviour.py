"""The models of every visit and of relapse counts: what they use, drop and say."""

from __future__ import annotations

import math
from importlib.resources import files
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from mscohort.analyse.models.counts import before_after, between_groups
from mscohort.analyse.models.data import DROPPED_SCHEMA, TrajectoryData, trajectory_data
from mscohort.analyse.models.trajectory import fit_trajectory
from mscohort.definition import StudyDefinition, load_definition, parse_definition
from mscohort.definition.models import ModelSettings
from mscohort.derive.outcomes import patient_outcomes
from mscohort.errors import UsageError
from mscohort.ingest import read_study
from mscohort.synthetic import make_model_cohort
from mscohort.validate.check import check_study

SEED = Path(str(files("mscohort") / "datasets" / "seed"))


def test_assessments_within_30_days_after_a_relapse_are_left_out_and_counted() -> None:
    study = make_model_cohort(40, seed=3)
    outcomes = patient_outcomes(study, StudyDefinition())
    on = trajectory_data(study, outcomes, ModelSettings(group=""))
    off = trajectory_data(study, outcomes, ModelSettings(group="", relapse_free_days=0))
    # by hand: visits 0-29 days after any relapse onset of the same patient
    near = off.visits.join(study.table("relapses"), on="patient_id").filter(
        ((pl.col("date") - pl.col("onset_date")).dt.total_days()).is_between(0, 29)
    ).select("patient_id", "date").unique()
    assert near.height > 0
    assert off.visits.height - on.visits.height == near.height
    row = on.dropped.filter(pl.col("reason").str.contains("after a relapse onset"))
    assert row["visits"].to_list() == [near.height]
    assert on.visits.join(near, on=["patient_id", "date"], how="semi").height == 0


def test_time_after_is_zero_before_the_index_date_and_time_after_it() -> None:
    study = make_model_cohort(10, seed=4)
    v = trajectory_data(study, patient_outcomes(study, StudyDefinition()),
                        ModelSettings(group="")).visits
    assert (v.filter(pl.col("time") < 0)["time_after"] == 0).all()
    after = v.filter(pl.col("time") >= 0)
    assert (after["time_after"] == after["time"]).all()


def test_a_model_with_too_few_patients_gives_no_estimate_and_says_why() -> None:
    visits = pl.DataFrame({"patient_id": ["a", "a", "b", "b"], "time": [-1.0, 1.0, -1.0, 1.0],
                           "time_after": [0.0, 1.0, 0.0, 1.0], "value": [2.0, 2.5, 3.0, 3.0]})
    fit = fit_trajectory(TrajectoryData(visits, pl.DataFrame(schema=DROPPED_SCHEMA),
                                        "edss", ""))
    assert not fit.converged
    assert fit.slopes.height == 0 and fit.coefficients.height == 0
    assert "at least 3 patients" in (fit.note or "")


def test_only_visits_after_the_index_date_give_no_estimate() -> None:
    rng = np.random.default_rng(0)
    visits = pl.DataFrame({"patient_id": np.repeat(["a", "b", "c", "d"], 3),
                           "time": np.tile([0.5, 1.0, 2.0], 4),
                           "time_after": np.tile([0.5, 1.0, 2.0], 4),
                           "value": rng.normal(3, 0.5, 12)})
    fit = fit_trajectory(TrajectoryData(visits, pl.DataFrame(schema=DROPPED_SCHEMA),
                                        "edss", ""))
    assert not fit.converged and "before and after" in (fit.note or "")


@pytest.mark.slow
def test_seed_trajectory_against_statsmodels_mixedlm() -> None:
    # statsmodels.MixedLM(y, X, groups, exog_re=X[:, :2]).fit(reml=True): the same REML
    # optimum; its SEs use the observed information (lme4's and ours: sigma^2 (X'V^-1X)^-1)
    from statsmodels.regression.mixed_linear_model import MixedLM

    study, _ = check_study(read_study(SEED))
    outcomes = patient_outcomes(study, StudyDefinition())
    data = trajectory_data(study, outcomes, ModelSettings(group=""))
    fit = fit_trajectory(data)
    assert fit.converged
    v = data.visits
    x = np.column_stack([np.ones(v.height), v["time"], v["time_after"]])
    ref = MixedLM(v["value"].to_numpy(), x, v["patient_id"].to_numpy(),
                  exog_re=x[:, :2]).fit(reml=True)
    np.testing.assert_allclose(fit.coefficients["estimate"].to_numpy(), ref.fe_params,
                               rtol=1e-4)
    np.testing.assert_allclose(fit.variances["residual"], ref.scale, rtol=1e-3)
    after = fit.slopes.row(1, named=True)
    assert after["term"] == "slope after" and after["ci_high"] < 0


def test_before_after_rate_ratio_equals_the_ratio_of_pooled_rates_under_the_nb_model() -> None:
    # With one period indicator, the NB score equations sum (y - mu) / (1 + alpha mu) = 0 per
    # period; with equal person-time per patient within a period, mu is the same for every
    # patient, so the ML rate of each period is its pooled rate (hand calculation).
    counts = pl.DataFrame({"relapses_before": [2, 0, 4, 1, 3], "years_before": [2.0] * 5,
                           "relapses_during": [0, 1, 1, 0, 2], "years_during": [3.0] * 5})
    rows, disp = before_after(counts, [])
    assert math.isclose(rows[0]["ratio"], (4 / 15) / (10 / 10), rel_tol=1e-6)
    assert rows[0]["ci_low"] < rows[0]["ratio"] < rows[0]["ci_high"]
    assert disp[0]["alpha"] >= 0


def test_no_relapse_in_one_period_gives_no_rate_ratio() -> None:
    counts = pl.DataFrame({"relapses_before": [2, 1, 3], "years_before": [2.0] * 3,
                           "relapses_during": [0, 0, 0], "years_during": [3.0] * 3})
    rows, _ = before_after(counts, [])
    assert all(r["ratio"] is None and "no relapse" in r["note"] for r in rows)


def test_between_groups_needs_two_groups() -> None:
    counts = pl.DataFrame({"relapses_during": [1, 2], "years_during": [1.0, 1.0],
                           "cohort": ["A", "A"], "arr_before": [1.0, 2.0]})
    rows, _, _ = between_groups(counts, "cohort", ("arr_before",), [])
    assert rows[0]["ratio"] is None and "fewer than 2 groups" in rows[0]["note"]


def test_models_section_rejects_unknown_values_naming_the_key() -> None:
    with pytest.raises(UsageError, match=r"`models.fit` must be a list of distinct values "
                       r"among trajectory, counts.*; got \['mixed'\]"):
        parse_definition({"models": {"fit": ["mixed"]}})
    with pytest.raises(UsageError, match=r"`models.relapse_free_days` must be a number of days "
                       r">= 0; got -1"):
        parse_definition({"models": {"relapse_free_days": -1}})
    with pytest.raises(UsageError, match=r"\[models\] has unknown key\(s\) slope"):
        parse_definition({"models": {"slope": 1}})


def test_models_section_sets_the_models() -> None:
    d = parse_definition({"models": {"fit": ["counts"], "covariates": ["age", "sex"],
                                     "group": "", "reml": False}})
    assert d.models == ModelSettings(fit=("counts",), covariates=("age", "sex"), group="",
                                     reml=False)
    assert d.as_dict()["models"]["fit"] == ("counts",)


def test_msss_trajectory_uses_the_msss_of_the_outcomes() -> None:
    # the baseline MSSS of the outcomes is the MSSS of the baseline assessment
    study, _ = check_study(read_study(SEED))
    d = StudyDefinition()
    outcomes = patient_outcomes(study, d)
    data = trajectory_data(study, outcomes, ModelSettings(outcome="msss", group=""), d)
    base = outcomes.filter(pl.col("excluded_reason").is_null()).select(
        "patient_id", pl.col("baseline_date").alias("date"), "baseline_msss").drop_nulls()
    joined = base.join(data.visits, on=["patient_id", "date"], how="inner")
    assert joined.height > 0
    assert (joined["value"] == joined["baseline_msss"]).all()


def test_no_over_dispersion_reports_alpha_0_without_an_interval() -> None:
    # every patient has the same counts and time: the variance is below the mean, so the
    # NB likelihood is largest at alpha -> 0 (the Poisson model)
    counts = pl.DataFrame({"relapses_before": [2] * 6, "years_before": [2.0] * 6,
                           "relapses_during": [1] * 6, "years_during": [2.0] * 6})
    rows, disp = before_after(counts, [])
    assert disp[0]["alpha"] == 0.0
    assert disp[0]["alpha_ci_low"] is None and disp[0]["alpha_ci_high"] is None
    assert math.isclose(rows[0]["ratio"], 0.5, rel_tol=1e-6)
    # identical patients: the patient-clustered sandwich is 0, so no interval is claimed
    assert rows[0]["ci_low"] is None and "standard error is 0" in rows[0]["note"]


def test_a_group_without_relapses_gives_no_hazard_ratio() -> None:
    from mscohort.analyse.models.relapse_time import relapse_time

    data = pl.DataFrame({"patient_id": list("abcd"), "group": ["A", "A", "B", "B"],
                         "years": [1.0, 2.0, 1.5, 3.0], "relapse": [1, 1, 0, 0]})
    res = relapse_time(data)
    assert res.hazard_ratios.height == 0
    assert res.note == "a group without any relapse: no finite hazard ratio"
    # Kaplan-Meier rows are event times: group B has none (S = 1 throughout)
    assert res.km["group"].unique().to_list() == ["A"]


def _seed_study_and_outcomes() -> tuple[object, pl.DataFrame, StudyDefinition]:
    study, _ = check_study(read_study(SEED))
    d = load_definition(SEED / "study.toml")
    return study, patient_outcomes(study, d), d


def test_msfc_trajectory_values_are_the_task_force_z_scores_of_each_visit() -> None:
    study, outcomes, d = _seed_study_and_outcomes()
    data = trajectory_data(study, outcomes, ModelSettings(outcome="msfc_z", group=""), d)
    raw = study.table("msfc")
    row = raw.filter((pl.col("patient_id") == "TRMS31")
                     & (pl.col("date") == pl.date(2013, 9, 11))).row(0, named=True)
    # by hand (Fischer et al. 1999): T25FW mean (8.7 + 8.2) / 2 = 8.45 s; 9-HPT hands
    # (23.5 + 21.9) / 2 = 22.7 and (23.3 + 23.2) / 2 = 23.25 s; PASAT 50
    z_walk = -(8.45 - 9.5353) / 11.4058
    z_hand = ((1 / 22.7 + 1 / 23.25) / 2 - 0.0439) / 0.0101
    z_pasat = (50 - 45.0311) / 12.0771
    assert (row["t25fw_1_s"], row["nhpt_dom_1_s"], row["pasat3"]) == (8.7, 23.5, 50)
    got = data.visits.filter((pl.col("patient_id") == "TRMS31")
                             & (pl.col("date") == pl.date(2013, 9, 11)))["value"]
    assert got.to_list() == pytest.approx([(z_walk + z_hand + z_pasat) / 3], abs=1e-9)
    # a visit whose walk could not be completed (code 777) has no composite: counted, not used
    blank = data.dropped.filter(pl.col("reason") == "no msfc_z value")
    assert blank["visits"].item() >= 1
    fit = fit_trajectory(data)
    assert fit.label == "MSFC z-score" and fit.methods().startswith("MSFC z-score at every")


def test_rnfl_trajectory_averages_the_eyes_without_optic_neuritis_of_each_visit() -> None:
    study, outcomes, d = _seed_study_and_outcomes()
    data = trajectory_data(study, outcomes, ModelSettings(outcome="rnfl", group=""), d)
    scans = study.table("oct").to_dicts()
    on_eyes = {(s["patient_id"], s["eye"]) for s in scans if s["optic_neuritis"]}
    assert on_eyes, "the seed has optic-neuritis eyes"
    by_visit: dict[tuple, list[float]] = {}
    for s in scans:  # by hand: the mean of the scanned eyes never flagged with optic neuritis
        if (s["patient_id"], s["eye"]) not in on_eyes:
            by_visit.setdefault((s["patient_id"], s["date"]), []).append(s["rnfl_um"])
    expected = {k: sum(v) / len(v) for k, v in by_visit.items()}
    got = {(r["patient_id"], r["date"]): r["value"] for r in data.visits.to_dicts()}
    assert got and set(got) <= set(expected)
    assert all(got[k] == pytest.approx(expected[k], abs=1e-9) for k in got)
    # OCT scans are not left out after a relapse: optic neuritis is the eye rule above
    assert not data.dropped["reason"].str.contains("relapse").any()


def test_baseline_covariate_is_refused_for_scores_without_a_baseline_column() -> None:
    with pytest.raises(UsageError, match=r"`models\.covariates` must be without \"baseline\""):
        parse_definition({"models": {"outcome": "rnfl", "covariates": ["age", "baseline"]}})

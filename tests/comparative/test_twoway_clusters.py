"""Robust errors when a patient appears more than once in a matched cohort: clustered by
matched set and by patient (two-way), against R (sandwich, survival, MASS) on a committed
fixture laid out as MatchIt's get_matches() after matching with replacement."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from mscohort.analyse.comparative.clustering import Clusters, clusters_of, codes
from mscohort.analyse.comparative.followup import follow_up
from mscohort.analyse.comparative.outcomes import relapse_rate_rows
from mscohort.analyse.comparative.ratemodels import fit_rate
from mscohort.analyse.comparative.wcox import fit_weighted_cox
from tests.comparative.toy import cohort, relapses

R_DIR = Path(__file__).parents[1] / "data" / "r_comparative"


def _fixture() -> tuple[pl.DataFrame, dict[str, dict[str, float]]]:
    d = pl.read_csv(R_DIR / "twoway_data.csv")
    ref = {r["model"]: r for r in pl.read_csv(R_DIR / "twoway_expected.csv",
                                               null_values="NA").iter_rows(named=True)}
    return d, ref


def test_the_fixture_repeats_patients_across_matched_sets() -> None:
    d, _ = _fixture()
    per_patient = d.group_by("patient").agg(pl.col("set").n_unique().alias("sets"),
                                            pl.col("treat").n_unique().alias("arms"))
    assert per_patient["sets"].max() > 1  # controls reused across sets
    assert per_patient["arms"].max() == 2  # patients with episodes on both drugs


@pytest.mark.parametrize("family", ["poisson", "negbin"])
def test_rate_ratio_errors_by_set_and_patient_against_R_vcovCL(family: str) -> None:
    # R: vcovCL(glm(y ~ treat + offset(log(years)), poisson, weights = w), cluster =
    # ~set + patient, type = "HC1") and the same for MASS::glm.nb(weights = w);
    # tests/data/r_comparative/twoway.R on twoway_data.csv
    d, ref = _fixture()
    r = ref[family]
    x = np.column_stack([np.ones(d.height), d["treat"].to_numpy()])
    y, yrs, w = d["y"].to_numpy().astype(float), d["years"].to_numpy(), d["w"].to_numpy()
    two = Clusters.two_way(d["set"].to_numpy(), d["patient"].to_numpy(), "two-way")
    fit = fit_rate(y, x, yrs, w, two, family)
    assert fit.converged
    np.testing.assert_allclose(fit.alpha, r["alpha"], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(fit.params[1], r["coef"], atol=1e-6)
    np.testing.assert_allclose(fit.cov[1, 1], r["v_treat"], rtol=1e-6)
    # the smaller number of clusters: 120 sets, 180 patients
    assert fit.n_clusters == 120
    one = fit_rate(y, x, yrs, w, d["set"].to_numpy(), family)
    np.testing.assert_allclose(one.cov[1, 1], r["v_treat_set"], rtol=1e-6)


def test_cox_errors_by_set_and_patient_against_austin_cafri_in_R() -> None:
    # R (MatchIt's guide, after Austin and Cafri 2020): coxph(Surv(T, E) ~ treat,
    # weights = w, robust = TRUE, cluster = set / patient / set-and-patient), then
    # (ks/(ks-1)) Vs + (ki/(ki-1)) Vi - (kc/(kc-1)) Vc; tests/data/r_comparative/twoway.R
    d, ref = _fixture()
    r = ref["cox"]
    t, e = d["T"].to_numpy(), d["E"].to_numpy()
    x, w = d["treat"].to_numpy()[:, None], d["w"].to_numpy()
    two = Clusters.two_way(d["set"].to_numpy(), d["patient"].to_numpy(), "two-way")
    fit = fit_weighted_cox(t, e, x, w, two)
    assert fit.converged
    np.testing.assert_allclose(fit.params[0], r["coef"], atol=1e-6)
    np.testing.assert_allclose(fit.robust_cov[0, 0], r["v_treat"], rtol=1e-6)
    one = fit_weighted_cox(t, e, x, w, d["set"].to_numpy())
    np.testing.assert_allclose(one.robust_cov[0, 0], r["v_treat_set"], rtol=1e-6)


def test_codes_of_two_keys_number_their_distinct_combinations() -> None:
    # by hand: (1, a), (1, b), (2, a), (1, a) -> three combinations, the first and last equal
    c = codes(np.array([1, 1, 2, 1]), np.array(["a", "b", "a", "a"]))
    assert c.tolist() == [0, 1, 2, 0]


def _rows(repeat: bool) -> list[tuple]:
    # two matched pairs; with ``repeat`` the control of both is patient "c" (one episode
    # reused across the two sets, one row per set)
    second = "c" if repeat else "d"
    return [("t1", "a", 1, 0, None, 400, 1, 1.0), ("c1", "c", 0, 0, None, 300, 1, 1.0),
            ("t2", "b", 1, 0, None, 500, 2, 1.0), (f"c{second}", second, 0, 0, None, 600, 2,
                                                    1.0)]


def test_matched_cohort_with_a_repeated_patient_clusters_by_set_and_patient() -> None:
    c = cohort(_rows(repeat=True))
    assert clusters_of(c, c.episodes).label == "matched set and patient (two-way)"
    rel = relapses([("a", 100), ("c", 50), ("b", 20), ("c", 250)])
    table = relapse_rate_rows(c, follow_up(c, rel))
    assert table["model"].to_list() == [
        "Poisson, CR1 errors by matched set and patient (two-way)",
        "negative binomial, CR1 errors by matched set and patient (two-way)"]


def test_matched_cohort_without_a_repeated_patient_clusters_by_set() -> None:
    c = cohort(_rows(repeat=False))
    assert clusters_of(c, c.episodes).label == "matched set"
    weighted = cohort([(e, p, t, s, st, en, None, w) for e, p, t, s, st, en, _, w in
                       _rows(repeat=True)], design="iptw")
    assert clusters_of(weighted, weighted.episodes).label == "patient"

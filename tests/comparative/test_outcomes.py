"""Outcomes of a hand-built comparison cohort: ARR and rate ratios, hazard ratios, CDW and
CDI after the episode start, discontinuation (#25 part 2)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import polars as pl
import pytest
from scipy import stats

from mscohort.analyse.comparative.episode_events import (
    disability_times,
    discontinuation_times,
)
from mscohort.analyse.comparative.followup import first_relapse, follow_up
from mscohort.analyse.comparative.outcomes import relapse_rate_rows, time_to_event_rows
from mscohort.derive.events import EventSettings
from tests.comparative.toy import cohort, day, relapses
from tests.oracles import oracle


def _cohort_and_relapses(seed: int, n_pairs: int = 60, design: str = "match"):
    rng = np.random.default_rng(seed)
    rows, rel = [], []
    for k in range(n_pairs):
        for t in (1, 0):
            pid = f"p{k}{'t' if t else 'c'}"
            start, fu = int(rng.integers(0, 100)), int(rng.integers(200, 1500))
            stop = start + int(rng.integers(50, 1600))
            w = 1.0 if design == "match" else float(rng.uniform(0.3, 2.0))
            rows.append((f"e{pid}", pid, t, start, stop if stop < start + fu else None,
                         start + fu, k if design == "match" else None, w))
            for _ in range(rng.poisson((0.3 if t else 0.6) * fu / 365.25)):
                rel.append((pid, start + int(rng.integers(1, fu + 1))))
    return cohort(rows, design), relapses(rel)


def test_arr_per_group_is_weighted_relapses_over_weighted_years() -> None:
    rows = [("t1", "a", 1, 0, None, 730, 1, 1.0), ("c1", "b", 0, 0, None, 365, 1, 1.0)]
    c = cohort(rows)
    fu = follow_up(c, relapses([("a", 10), ("a", 400), ("b", 100), ("b", 200)]))
    t = relapse_rate_rows(c, fu)
    # pairwise: both followed 365 days; a: 1 relapse (400 is after), b: 2
    assert t["rate_treated"][0] == pytest.approx(1 / (365 / 365.25), abs=1e-12)
    assert t["rate_control"][0] == pytest.approx(2 / (365 / 365.25), abs=1e-12)
    # Poisson with one binary term: the ratio of the two rates, 1 / 2; one cluster: no
    # cluster-robust interval
    poisson = t.row(0, named=True)
    assert poisson["estimate"] == pytest.approx(0.5, abs=1e-9)
    assert poisson["ci_low"] is None and poisson["e_value"] is None


def test_rate_ratio_of_a_matched_cohort_equals_statsmodels_poisson_by_pair() -> None:
    # statsmodels: GLM(relapses, [1, treatment], Poisson(), offset=log(years))
    #   .fit(cov_type="cluster", cov_kwds={"groups": pair_id}); t(G-1) interval
    sm = oracle("statsmodels.api")
    c, rel = _cohort_and_relapses(1)
    fu = follow_up(c, rel)
    row = relapse_rate_rows(c, fu).filter(pl.col("model").str.starts_with("Poisson"))
    t = fu.table
    x = np.column_stack([np.ones(t.height), t["treatment"].to_numpy()])
    res = sm.GLM(t["relapses"].to_numpy(), x, family=sm.families.Poisson(),
                 offset=np.log(t["fu_years"].to_numpy())).fit(
        cov_type="cluster", cov_kwds={"groups": t["pair_id"].to_numpy()}, tol=1e-12)
    se = math.sqrt(res.cov_params()[1, 1])
    q = stats.t.ppf(0.975, 59)
    assert row["estimate"].item() == pytest.approx(math.exp(res.params[1]), abs=1e-6)
    assert row["ci_low"].item() == pytest.approx(math.exp(res.params[1] - q * se), abs=1e-6)
    assert row["ci_high"].item() == pytest.approx(math.exp(res.params[1] + q * se), abs=1e-6)
    assert row["model"].item() == "Poisson, CR1 errors by matched set"
    assert row["e_value"].item() > 1


def test_weighted_design_clusters_by_patient_and_weights_the_rate_ratio() -> None:
    sm = oracle("statsmodels.api")
    c, rel = _cohort_and_relapses(2, design="iptw")
    fu = follow_up(c, rel)
    assert not fu.pairwise
    row = relapse_rate_rows(c, fu).filter(pl.col("model").str.starts_with("Poisson"))
    t = fu.table
    x = np.column_stack([np.ones(t.height), t["treatment"].to_numpy()])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "cov_type not fully supported with var_weights"
        res = sm.GLM(t["relapses"].to_numpy(), x, family=sm.families.Poisson(),
                     offset=np.log(t["fu_years"].to_numpy()),
                     var_weights=t["weight"].to_numpy()).fit(
            cov_type="cluster", cov_kwds={"groups": t["patient_id"].to_numpy()}, tol=1e-12)
    assert row["estimate"].item() == pytest.approx(math.exp(res.params[1]), abs=1e-6)
    assert row["model"].item() == "Poisson, CR1 errors by patient"
    w, y, yrs = (t[c].to_numpy() for c in ("weight", "relapses", "fu_years"))
    tr = t["treatment"].to_numpy() == 1
    assert row["rate_treated"].item() == pytest.approx((w[tr] @ y[tr]) / (w[tr] @ yrs[tr]),
                                                       abs=1e-12)


def test_hazard_ratio_of_first_relapse_equals_lifelines_with_robust_interval() -> None:
    # lifelines: CoxPHFitter().fit(df[[time, event, treatment, pair]], cluster_col="pair",
    #            robust=True).params_ (the estimate; the interval from our R-checked sandwich)
    pd = oracle("pandas")
    lifelines = oracle("lifelines")
    c, rel = _cohort_and_relapses(3)
    fu = follow_up(c, rel)
    times = first_relapse(fu, rel)
    out = time_to_event_rows(c, fu, times, "first_relapse")
    row = out.table.row(0, named=True)
    frame = times.join(fu.table.select("episode_id", "treatment", "pair_id"), on="episode_id")
    df = pd.DataFrame({"T": frame["time_days"].to_numpy(), "E": frame["event"].to_numpy(),
                       "treat": frame["treatment"].to_numpy().astype(float),
                       "pair": frame["pair_id"].to_numpy()})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas 4 deprecations inside lifelines
        cph = lifelines.CoxPHFitter().fit(df, "T", "E", cluster_col="pair", robust=True)
    b = float(cph.params_["treat"])
    assert row["estimate"] == pytest.approx(math.exp(b), abs=1e-6)
    se = math.log(row["ci_high"] / row["estimate"]) / stats.norm.ppf(0.975)
    assert math.log(row["estimate"] / row["ci_low"]) == pytest.approx(
        se * stats.norm.ppf(0.975), abs=1e-9)
    assert row["events_treated"] + row["events_control"] == int(frame["event"].sum())
    curves = out.curves
    assert set(curves["group"]) == {"alemtuzumab", "natalizumab"}
    first = curves.filter(group="alemtuzumab").row(0, named=True)
    assert first["at_risk"] == 60


def test_discontinuation_is_the_stop_within_follow_up() -> None:
    rows = [("t1", "a", 1, 0, 50, 400, 1, 1.0), ("c1", "b", 0, 0, 300, 100, 1, 1.0)]
    fu = follow_up(cohort(rows), relapses([]))
    got = {e: (t, ev) for e, t, ev in discontinuation_times(fu).drop("row_key").iter_rows()}
    # pairwise end 100 days: a stopped on day 50 (event), b's stop on day 300 is after
    assert got == {"t1": (50.0, True), "c1": (100.0, False)}


def _edss(rows: list[tuple[str, int, float]]) -> pl.DataFrame:
    return pl.DataFrame({"patient_id": [r[0] for r in rows], "date": [day(r[1]) for r in rows],
                         "edss": [r[2] for r in rows]})


def test_cdw_from_the_episode_baseline_confirmed_at_six_months_within_follow_up() -> None:
    rows = [("t1", "a", 1, 0, None, 1000, None, 1.0), ("c1", "b", 0, 0, None, 1000, None, 1.0),
            ("t2", "c", 1, 0, None, 250, None, 1.0), ("c2", "d", 0, 0, None, 1000, None, 1.0),
            ("t3", "e", 1, 0, None, 1000, None, 1.0)]
    edss = _edss([
        ("a", -300, 1.0), ("a", -10, 2.0), ("a", 100, 3.0), ("a", 280, 3.0),  # CDW day 100
        ("b", -10, 2.0), ("b", 100, 3.0), ("b", 200, 3.0),  # confirmed 100 days later: no
        ("c", -10, 2.0), ("c", 100, 3.0), ("c", 280, 3.0),  # confirmed after the end (250)
        ("d", -200, 2.0), ("d", 100, 3.0), ("d", 280, 3.0),  # baseline 200 days before: none
        ("e", 0, 4.0), ("e", 90, 3.0), ("e", 270, 3.0),  # improvement at day 90, not CDW
    ])
    fu = follow_up(cohort(rows, "none"), relapses([]))
    times, without = disability_times(fu, edss, None, EventSettings())
    got = {e: (t, ev) for e, t, ev in times.drop("row_key").iter_rows()}
    assert without == 1  # d
    assert got == {"t1": (100.0, True), "c1": (1000.0, False), "t2": (250.0, False),
                   "t3": (1000.0, False)}
    improved, _ = disability_times(fu, edss, None, EventSettings(), kind="improvement")
    got = {e: (t, ev) for e, t, ev in improved.drop("row_key").iter_rows()}
    assert got["t3"] == (90.0, True) and not got["t1"][1]

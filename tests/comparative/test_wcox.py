"""The weighted Cox model with Lin-Wei cluster-robust errors and the weighted Kaplan-Meier
curve, against lifelines."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from mscohort.analyse.comparative.wcox import fit_weighted_cox, weighted_km
from tests.oracles import oracle

R_DIR = Path(__file__).parents[1] / "data" / "r_comparative"


def _data(seed: int, n: int = 300, ties: bool = False) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    treat = rng.integers(0, 2, n).astype(float)
    age = rng.normal(0, 1, n)
    t = rng.exponential(1 / np.exp(-0.4 * treat + 0.3 * age))
    c = rng.exponential(1.5, n)
    time = np.minimum(t, c)
    if ties:
        time = np.ceil(time * 20) / 20
    return {"T": time, "E": (t <= c).astype(int), "treat": treat, "age": age,
            "w": rng.uniform(0.2, 3.0, n), "pair": np.repeat(np.arange(n // 2), 2)}


def _lifelines(d: dict[str, np.ndarray], cols: list[str], weights: bool, cluster: bool):
    pd = oracle("pandas")
    lifelines = oracle("lifelines")
    frame = pd.DataFrame({k: d[k] for k in ("T", "E", "w", "pair", *cols)})
    keep = ["T", "E", *cols] + (["w"] if weights else []) + (["pair"] if cluster else [])
    cph = lifelines.CoxPHFitter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lifelines warns about non-integer weights
        cph.fit(frame[keep], "T", "E", weights_col="w" if weights else None,
                cluster_col="pair" if cluster else None, robust=True)
    return cph


@pytest.mark.parametrize("weighted", [False, True])
def test_weighted_cox_with_pair_clusters_against_R(weighted: bool) -> None:
    # R: coxph(Surv(T, E) ~ treat + age, weights = w, cluster = pair, ties = "efron");
    # coef(f), vcov(f) (the Lin-Wei sandwich summed by pair); tests/data/r_comparative/cox.R
    # on cox_data.csv (300 episodes, tied times)
    d = pl.read_csv(R_DIR / "cox_data.csv")
    ref = pl.read_csv(R_DIR / "cox_expected.csv").filter(
        pl.col("weights") == ("w" if weighted else "none"))
    w = d["w"].to_numpy() if weighted else None
    fit = fit_weighted_cox(d["T"].to_numpy(), d["E"].to_numpy(),
                           d.select("treat", "age").to_numpy(), w, d["pair"].to_numpy())
    assert fit.converged and fit.n_clusters == 150
    np.testing.assert_allclose(fit.params, ref["coef"].to_numpy(), atol=1e-6)
    np.testing.assert_allclose(fit.robust_cov, ref.select("v_treat", "v_age").to_numpy(),
                               atol=1e-6)


def test_robust_variance_without_ties_equals_the_sum_of_dfbetas() -> None:
    # by hand (Lin and Wei 1989): one cluster per episode, V = sum_i (w_i U_i I^-1)^2 with
    # U_i = delta_i (x_i - xbar(t_i)) - exp(b x_i) sum_{events j, t_j <= t_i}
    #       w_j (x_i - xbar(t_j)) / S0(t_j), computed here by a double loop
    d = _data(2)
    t, e, x, w = d["T"], d["E"].astype(bool), d["treat"], d["w"]
    fit = fit_weighted_cox(t, e, x[:, None], w)
    b = fit.params[0]
    r = w * np.exp(b * x)

    def xbar(u: float) -> tuple[float, float]:
        m = t >= u
        return float((r[m] * x[m]).sum() / r[m].sum()), float(r[m].sum())

    u = np.zeros(t.size)
    for i in range(t.size):
        if e[i]:
            u[i] += x[i] - xbar(t[i])[0]
        for j in np.flatnonzero(e & (t <= t[i])):
            xb, s0 = xbar(t[j])
            u[i] -= np.exp(b * x[i]) * w[j] * (x[i] - xb) / s0
    dfb = w * u * fit.cov[0, 0]
    assert fit.robust_cov[0, 0] == pytest.approx(float(dfb @ dfb), abs=1e-9)


def test_weighted_efron_estimate_with_tied_times_equals_lifelines() -> None:
    # lifelines: CoxPHFitter().fit(df, "T", "E", weights_col="w", cluster_col="pair",
    # robust=True).params_: the weighted Efron estimate. Its sandwich (variance_matrix_)
    # is not compared: it differs from R's coxph by a few percent (a different score
    # residual); R is the reference above.
    d = _data(3, ties=True)
    fit = fit_weighted_cox(d["T"], d["E"], np.column_stack([d["treat"], d["age"]]),
                           d["w"], d["pair"])
    cph = _lifelines(d, ["treat", "age"], weights=True, cluster=True)
    np.testing.assert_allclose(fit.params, cph.params_.to_numpy(), atol=1e-6)


def test_weighted_km_equals_lifelines_and_hand_calculation() -> None:
    # hand: times 1 (event, w 2), 2 (censored, w 1), 3 (event, w 1), 3 (event, w 3)
    # t=1: at risk 2+1+1+3 = 7, S = 1 - 2/7; t=3: at risk 4, S = (5/7)(1 - 4/4) = 0
    km = weighted_km(np.array([1.0, 2, 3, 3]), np.array([1, 0, 1, 1]),
                     np.array([2.0, 1, 1, 3]))
    assert km["survival"].to_list() == pytest.approx([5 / 7, 0.0], abs=1e-12)
    assert km["at_risk"].to_list() == [4, 2]
    assert km["at_risk_weighted"].to_list() == [7.0, 4.0]
    d = _data(4, ties=True)
    lifelines = oracle("lifelines")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lifelines warns about non-integer weights
        ref = lifelines.KaplanMeierFitter().fit(d["T"], d["E"], weights=d["w"])
    km = weighted_km(d["T"], d["E"], d["w"])
    got = ref.survival_function_at_times(km["time"].to_numpy()).to_numpy()
    np.testing.assert_allclose(km["survival"].to_numpy(), got, atol=1e-6)

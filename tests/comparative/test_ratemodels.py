"""Weighted Poisson and negative binomial rate ratios with CR1 cluster-robust errors,
against statsmodels' GLM."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from mscohort.analyse.comparative.ratemodels import fit_rate
from tests.oracles import oracle


def _data(seed: int, n: int = 400) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    treat = np.tile([1.0, 0.0], n // 2)
    years = rng.uniform(0.5, 5, n)
    frailty = rng.gamma(2.0, 0.5, n)
    y = rng.poisson(0.5 * np.exp(np.log(0.6) * treat) * years * frailty).astype(float)
    return {"y": y, "x": np.column_stack([np.ones(n), treat]), "years": years,
            "w": rng.uniform(0.3, 2.5, n), "pair": np.repeat(np.arange(n // 2), 2)}


def _glm(d: dict[str, np.ndarray], family):
    # the bread of the sandwich is the expected information (IRLS weights), as R's
    # sandwich::vcovCL on glm.nb: statsmodels' optim_hessian="eim" (its default, the
    # observed Hessian, differs for the non-canonical NB2 log link)
    sm = oracle("statsmodels.api")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "cov_type not fully supported with var_weights"
        return sm.GLM(d["y"], d["x"], family=family, offset=np.log(d["years"]),
                      var_weights=d["w"]).fit(method="newton", optim_hessian="eim",
                                              cov_type="cluster", maxiter=200,
                                              cov_kwds={"groups": d["pair"]}, tol=1e-12)


def _cr1_from_statsmodels(res, n: int, k: int) -> np.ndarray:
    # statsmodels' cluster covariance with its default use_correction=True is CR1:
    # G/(G-1) (N-1)/(N-K) (as sandwich::vcovCL(type = "HC1")); N the rows
    assert res.nobs == n and len(res.params) == k
    return res.cov_params()


def test_weighted_poisson_with_pair_clusters_equals_statsmodels_glm() -> None:
    # statsmodels: GLM(y, X, Poisson(), offset=log(years), var_weights=w)
    #              .fit(cov_type="cluster", cov_kwds={"groups": pair})
    sm = oracle("statsmodels.api")
    d = _data(1)
    fit = fit_rate(d["y"], d["x"], d["years"], d["w"], d["pair"], "poisson")
    res = _glm(d, sm.families.Poisson())
    np.testing.assert_allclose(fit.params, res.params, atol=1e-6)
    np.testing.assert_allclose(fit.cov, _cr1_from_statsmodels(res, 400, 2), atol=1e-6)
    assert fit.n_clusters == 200 and fit.alpha == 0.0


def test_weighted_negative_binomial_equals_statsmodels_at_its_alpha() -> None:
    sm = oracle("statsmodels.api")
    d = _data(2)
    fit = fit_rate(d["y"], d["x"], d["years"], d["w"], d["pair"], "negbin")
    res = _glm(d, sm.families.NegativeBinomial(alpha=fit.alpha))
    np.testing.assert_allclose(fit.params, res.params, atol=1e-6)
    np.testing.assert_allclose(fit.cov, _cr1_from_statsmodels(res, 400, 2), atol=1e-6)
    # alpha maximises statsmodels' weighted log-likelihood (profile over alpha)
    def llf(a: float) -> float:
        return _glm(d, sm.families.NegativeBinomial(alpha=a)).llf
    assert fit.alpha > 0.05
    assert llf(fit.alpha) >= max(llf(fit.alpha * 0.999), llf(fit.alpha * 1.001))


def test_rate_ratio_interval_uses_t_with_clusters_minus_one() -> None:
    from scipy import stats

    d = _data(3)
    fit = fit_rate(d["y"], d["x"], d["years"], d["w"], d["pair"], "poisson")
    r = fit.ratio(1)
    se = np.sqrt(fit.cov[1, 1])
    q = stats.t.ppf(0.975, 199)
    assert r["ratio"] == pytest.approx(np.exp(fit.params[1]), abs=1e-12)
    assert r["ci_low"] == pytest.approx(np.exp(fit.params[1] - q * se), abs=1e-12)
    assert r["ci_high"] == pytest.approx(np.exp(fit.params[1] + q * se), abs=1e-12)

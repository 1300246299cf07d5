"""The negative binomial alpha of the weighted rate model: Newton-Raphson on (b, log alpha)
finds the same maximum as the root of the profile score and as statsmodels'
NegativeBinomial, to 1e-8."""

from __future__ import annotations

import math
import warnings

import numpy as np

from mscohort.analyse.comparative import ratemodels as rm
from tests.oracles import oracle


def _data(seed: int, n: int = 3000, frailty: bool = True) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    treat = (rng.random(n) < 0.4).astype(float)
    years = np.round(rng.uniform(0.05, 5, n) * 365.25) / 365.25
    g = rng.gamma(2.0, 0.5, n) if frailty else np.ones(n)
    y = rng.poisson(0.5 * g * years * np.where(treat == 1, 0.6, 1.0)).astype(float)
    return y, np.column_stack([np.ones(n), treat]), years, rng.uniform(0.3, 2.5, n)


def test_alpha_unweighted_equals_statsmodels_negative_binomial() -> None:
    # statsmodels: NegativeBinomial(y, X, offset=log(years), loglike_method="nb2")
    #              .fit(method="bfgs", gtol=1e-10): the joint maximum likelihood (its
    #              "newton" gives nan here)
    sm = oracle("statsmodels.api")
    y, x, years, _ = _data(1)
    fit = rm.fit_rate(y, x, years, np.ones(y.size), np.arange(y.size), "negbin")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sm.NegativeBinomial(y, x, offset=np.log(years), loglike_method="nb2").fit(
            method="bfgs", maxiter=5000, gtol=1e-10, disp=0)
    assert fit.converged
    np.testing.assert_allclose(fit.alpha, res.params[-1], rtol=1e-8)
    np.testing.assert_allclose(fit.params, res.params[:2], atol=1e-8)


def test_newton_and_profile_root_find_the_same_alpha_and_the_search_agrees() -> None:
    y, x, years, w = _data(2)
    off = np.log(years)
    b0, _ = rm._irls(y, x, off, w, 0.0)
    newton, ok = rm._joint_newton(y, x, off, w, b0)
    root, ok_root = rm._profile_root(y, x, off, w, b0)
    search, _ = rm._profile_search(y, x, off, w, b0)
    assert ok and ok_root
    assert abs(newton - root) < 1e-10
    # the bounded search on the likelihood itself stops within its tolerance
    assert abs(newton - search) < 1e-5
    # the profile score vanishes there, and the likelihood is lower on either side
    assert abs(rm.profile_score(y, x, off, w, newton, b0)[0]) < 1e-6

    def llf(log_alpha: float) -> float:
        b, _ = rm._irls(y, x, off, w, math.exp(log_alpha), b0)
        return rm.weighted_llf(y, np.exp(x @ b + off), w, math.exp(log_alpha))
    assert llf(newton) > max(llf(newton - 1e-3), llf(newton + 1e-3))


def test_psi_differences_by_recurrence_equal_scipy() -> None:
    # psi(y + r) - psi(r) = sum_{j<y} 1/(r + j); psi'(y + r) - psi'(r) = -sum 1/(r + j)^2
    from scipy.special import digamma, polygamma

    y = np.array([0.0, 1.0, 2.0, 7.0, 30.0])
    one, two = rm._psi_differences(y, 0.37)
    np.testing.assert_allclose(one, digamma(y + 0.37) - digamma(0.37), rtol=1e-12)
    np.testing.assert_allclose(two, polygamma(1, y + 0.37) - polygamma(1, 0.37),
                               rtol=1e-12)


def test_without_over_dispersion_alpha_goes_to_its_lower_bound() -> None:
    # Poisson counts (and fewer than expected): no maximum inside the bounds, so the
    # bounded search of the likelihood gives alpha near exp(-12)
    y, x, years, w = _data(3, frailty=False)
    y = np.minimum(y, 1.0)
    fit = rm.fit_rate(y, x, years, w, np.arange(y.size), "negbin")
    assert fit.alpha < math.exp(-11)

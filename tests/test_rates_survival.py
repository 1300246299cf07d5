"""Relapse rates, rate ratios, Kaplan-Meier and log-rank against independent references."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from mscohort.analyse.rates import pooled_rate, rate_ratio
from mscohort.analyse.survival import kaplan_meier, log_rank
from tests.oracles import oracle

R_RATE_RATIO = Path(__file__).parent / "data" / "r_rate_ratio"


def _poisson_cdf(k: int, mean: float) -> float:
    return sum(math.exp(-mean) * mean ** j / math.factorial(j) for j in range(k + 1))


@pytest.mark.parametrize(("events", "years"), [(7, 10.0), (1, 3.5), (25, 40.0)])
def test_exact_poisson_interval_solves_the_poisson_equations(events: int, years: float) -> None:
    r = pooled_rate(np.array([events]), np.array([years]))
    assert r.rate == pytest.approx(events / years)
    # lower: P(X >= k | low * T) = 0.025; upper: P(X <= k | high * T) = 0.025
    assert 1 - _poisson_cdf(events - 1, r.ci_low * years) == pytest.approx(0.025, abs=1e-9)
    assert _poisson_cdf(events, r.ci_high * years) == pytest.approx(0.025, abs=1e-9)


def test_zero_events_has_a_zero_lower_bound() -> None:
    r = pooled_rate(np.array([0, 0]), np.array([1.0, 2.0]))
    assert r.rate == 0 and r.ci_low == 0
    assert math.exp(-r.ci_high * 3.0) == pytest.approx(0.025)  # P(X = 0) = 0.025


@pytest.mark.parametrize(("n", "seed"), [(60, 4), (8, 5)])
def test_rate_ratio_equals_statsmodels_poisson_with_cr1_cluster_errors_and_t_interval(
        n: int, seed: int) -> None:
    sm = oracle("statsmodels.api")
    rng = np.random.default_rng(seed)
    t0 = np.full(n, 2.0)
    t1 = rng.uniform(0.5, 8, n)
    frailty = rng.gamma(2, 0.5, n)
    y0 = rng.poisson(1.4 * t0 * frailty)
    y1 = rng.poisson(0.8 * t1 * frailty)
    ours = rate_ratio(y0, t0, y1, t1)
    # statsmodels: GLM(y, [1, period], Poisson, offset=log t).fit(cov_type="cluster",
    # cov_kwds={"groups": patient}, use_t=True): its default use_correction=True is CR1,
    # G/(G-1) (N-1)/(N-K), and df_correction=True puts the t on G - 1 degrees of freedom
    y = np.r_[y0, y1]
    x = sm.add_constant(np.r_[np.zeros(n), np.ones(n)])
    fit = sm.GLM(y, x, family=sm.families.Poisson(), offset=np.log(np.r_[t0, t1])).fit(
        cov_type="cluster", cov_kwds={"groups": np.r_[np.arange(n), np.arange(n)]},
        use_t=True)
    assert fit.df_resid_inference == n - 1
    assert ours.ratio == pytest.approx(math.exp(fit.params[1]), rel=1e-8)
    lo, hi = np.exp(fit.conf_int()[1])
    assert (ours.ci_low, ours.ci_high) == (pytest.approx(lo, rel=1e-6),
                                           pytest.approx(hi, rel=1e-6))
    assert ours.p == pytest.approx(fit.pvalues[1], rel=1e-6)


def test_rate_ratio_interval_is_the_uncorrected_one_widened_by_cr1_and_t() -> None:
    # by hand: 3 patients, 1 year before and 1 year during each; counts before (2, 1, 3),
    # during (1, 1, 0): rates 2 and 2/3, RR = 1/3. The fitted means are mu0 = 2, mu1 = 2/3
    # per patient; scores U_i = (y0 - 2 + y1 - 2/3, y1 - 2/3) = (1/3, 1/3), (-2/3, 1/3),
    # (1/3, -2/3); bread [[8, 2], [2, 2]]^-1 = [[1/6, -1/6], [-1/6, 2/3]];
    # meat sum U U' = [[2/3, -1/3], [-1/3, 2/3]]; with b = (-1/6, 2/3) the second row of
    # the bread, (B M B)[1, 1] = b' M b = 1/54 + 4/54 + 16/54 = 7/18.
    b = np.array([[1 / 6, -1 / 6], [-1 / 6, 2 / 3]])
    meat = np.array([[2 / 3, -1 / 3], [-1 / 3, 2 / 3]])
    uncorrected = (b @ meat @ b)[1, 1]
    assert uncorrected == pytest.approx(7 / 18, rel=1e-12)
    var = 3 / 2 * 5 / 4 * 7 / 18  # CR1 = G/(G-1) (N-1)/(N-K), G = 3, N = 6, K = 2
    # t(0.975) on G - 1 = 2 df in closed form: (2p - 1) sqrt(2 / (4 p (1 - p))), p = 0.975
    q = 0.95 * math.sqrt(2 / 0.0975)
    r = rate_ratio(np.array([2, 1, 3]), np.ones(3), np.array([1, 1, 0]), np.ones(3))
    assert r.ratio == pytest.approx(1 / 3, rel=1e-12)
    assert r.ci_low == pytest.approx(math.exp(math.log(1 / 3) - q * math.sqrt(var)), rel=1e-9)
    assert r.ci_high == pytest.approx(math.exp(math.log(1 / 3) + q * math.sqrt(var)),
                                      rel=1e-9)


def test_rate_ratio_against_R_sandwich_hc1_and_coeftest_on_g_minus_1_df() -> None:
    # R: tests/data/r_rate_ratio/rate_ratio.R (glm poisson with offset, sandwich::vcovCL(
    # cluster = ~patient_id, type = "HC1"), lmtest::coeftest / coefci with df = G - 1) on
    # rate_ratio_data.csv (make_data.py); R 4.2.2, sandwich 3.0.2, lmtest 0.9.40
    data = pl.read_csv(R_RATE_RATIO / "rate_ratio_data.csv")
    expected = pl.read_csv(R_RATE_RATIO / "rate_ratio_expected.csv")
    assert expected.height == 2
    for want in expected.iter_rows(named=True):
        s = data.filter(pl.col("cohort") == want["cohort"])
        r = rate_ratio(s["relapses_before"].to_numpy(), s["years_before"].to_numpy(),
                       s["relapses_during"].to_numpy(), s["years_during"].to_numpy())
        assert r.n == want["n"]
        for got, key in ((r.ratio, "rate_ratio"), (r.ci_low, "ci_low"),
                         (r.ci_high, "ci_high"), (r.p, "p")):
            assert got == pytest.approx(want[key], rel=1e-6), (want["cohort"], key)


def test_rate_ratio_without_events_in_a_period_is_not_computed() -> None:
    r = rate_ratio(np.array([0, 0]), np.array([2.0, 2.0]), np.array([1, 2]),
                   np.array([1.0, 1.0]))
    assert r.ratio is None and "no events" in r.note


def test_kaplan_meier_by_hand() -> None:
    # times 1, 2, 2+, 3, 4+, 5: S = 5/6, then x 4/5 at 2, x 2/3 at 3, x 0 at 5
    km = kaplan_meier(np.array([1, 2, 2, 3, 4, 5]), np.array([1, 1, 0, 1, 0, 1]))
    assert km["time"].to_list() == [1, 2, 3, 5]
    assert km["at_risk"].to_list() == [6, 5, 3, 1]
    assert km["survival"].to_list() == pytest.approx([5 / 6, 2 / 3, 4 / 9, 0.0])


def test_kaplan_meier_equals_statsmodels() -> None:
    survfunc = oracle("statsmodels.duration.survfunc")
    rng = np.random.default_rng(8)
    t = rng.integers(1, 50, 200).astype(float)
    e = rng.random(200) < 0.6
    ours = kaplan_meier(t, e)
    sf = survfunc.SurvfuncRight(t, e.astype(int))
    np.testing.assert_allclose(ours["time"].to_numpy(), sf.surv_times)
    np.testing.assert_allclose(ours["survival"].to_numpy(), sf.surv_prob)


def test_log_rank_equals_statsmodels_survdiff() -> None:
    survfunc = oracle("statsmodels.duration.survfunc")
    rng = np.random.default_rng(9)
    n = 150
    group = rng.choice(["A", "B", "C"], n)
    t = rng.exponential(np.where(group == "A", 10, np.where(group == "B", 14, 20))).round(1)
    e = rng.random(n) < 0.7
    ours = log_rank(t, e, group)
    chi2, p = survfunc.survdiff(t, e.astype(int), group)
    assert ours.chi2 == pytest.approx(chi2, rel=1e-8) and ours.p == pytest.approx(p, rel=1e-8)
    assert ours.df == 2


def test_log_rank_of_one_group_is_not_a_test() -> None:
    r = log_rank(np.array([1.0, 2.0]), np.array([1, 1]), np.array(["A", "A"]))
    assert r.p is None and "fewer than 2 groups" in r.note

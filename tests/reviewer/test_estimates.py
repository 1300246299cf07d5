"""Estimates with 95% intervals, d_z, contrasts and Holm against statsmodels and scipy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from mscohort.analyse.contrasts import ancova, ols_coefficients, welch
from mscohort.analyse.effects import d_z
from mscohort.analyse.estimates import km_at, mean_ci, median_ci, poisson_rate, wilson
from mscohort.analyse.multiplicity import holm
from tests.oracles import oracle

RNG = np.random.default_rng(17)


def test_mean_interval_equals_scipy_t_interval() -> None:
    x = RNG.normal(-0.7, 1.2, 23)
    e = mean_ci(x)
    # scipy.stats.t.interval(0.95, df=n-1, loc=mean, scale=sem)
    lo, hi = stats.t.interval(0.95, x.size - 1, loc=x.mean(), scale=stats.sem(x))
    assert (e.estimate, e.ci_low, e.ci_high) == (pytest.approx(x.mean(), abs=1e-9),
                                                 pytest.approx(lo, abs=1e-6),
                                                 pytest.approx(hi, abs=1e-6))
    assert mean_ci([2.0]).ci_low is None and mean_ci([]).estimate is None


@pytest.mark.parametrize(("k", "n"), [(7, 20), (0, 12), (12, 12), (30, 55), (1, 3)])
def test_wilson_interval_equals_statsmodels(k: int, n: int) -> None:
    proportion = oracle("statsmodels.stats.proportion")
    # statsmodels.stats.proportion.proportion_confint(k, n, method="wilson")
    lo, hi = proportion.proportion_confint(k, n, alpha=0.05, method="wilson")
    e = wilson(k, n)
    assert e.estimate == k / n
    assert (e.ci_low, e.ci_high) == (pytest.approx(lo, abs=1e-6), pytest.approx(hi, abs=1e-6))


@pytest.mark.parametrize(("events", "years"), [(5, 2.5), (0, 4.0), (162, 112.0)])
def test_poisson_rate_interval_equals_statsmodels_exact(events: int, years: float) -> None:
    rates = oracle("statsmodels.stats.rates")
    # statsmodels.stats.rates.confint_poisson(count, exposure, method="exact-c")
    lo, hi = rates.confint_poisson(events, years, method="exact-c")
    e = poisson_rate(np.array([events]), np.array([years]))
    assert (e.ci_low, e.ci_high) == (pytest.approx(lo, abs=1e-6), pytest.approx(hi, abs=1e-6))


@pytest.mark.parametrize("n", [6, 7, 13, 40, 60, 101])
def test_median_interval_equals_scipy_quantile_test(n: int) -> None:
    x = np.round(RNG.normal(0, 1, n), 3)
    e = median_ci(x)
    # scipy.stats.quantile_test(x, q=median, p=0.5).confidence_interval(0.95)
    ci = stats.quantile_test(x, q=float(np.median(x)), p=0.5).confidence_interval(0.95)
    assert e.estimate == float(np.median(x))
    assert (e.ci_low, e.ci_high) == (float(ci.low), float(ci.high))


def test_median_interval_is_undefined_below_six_values() -> None:
    e = median_ci([1.0, 2, 3, 4, 5])
    assert e.estimate == 3 and e.ci_low is None and "fewer than 6" in e.note


def test_km_at_a_stated_time_equals_statsmodels_with_log_log_interval() -> None:
    sm = oracle("statsmodels.api")
    t = np.round(RNG.exponential(700, 80))
    e = RNG.random(80) < 0.6
    sf = sm.SurvfuncRight(t, e.astype(int))
    for days in (365.25, 730.5):
        # the step of sf.surv_times at or before `days`; log-log interval from its SE:
        # S ** exp(+/- z se / (S |log S|))
        i = int(np.searchsorted(sf.surv_times, days, side="right")) - 1
        s, se = sf.surv_prob[i], sf.surv_prob_se[i]
        z = stats.norm.ppf(0.975)
        w = z * se / (s * abs(math.log(s)))
        r = km_at(t, e, days)
        assert r.estimate == pytest.approx(s, abs=1e-9)
        assert (r.ci_low, r.ci_high) == (pytest.approx(s ** math.exp(w), abs=1e-6),
                                         pytest.approx(s ** math.exp(-w), abs=1e-6))
        assert r.n == int((t >= days).sum())
    assert km_at(t, e, t.max() + 1).estimate is None


def test_d_z_and_its_noncentral_t_interval() -> None:
    diff = RNG.normal(-0.5, 1.0, 30)
    r = d_z(diff)
    t = stats.ttest_1samp(diff, 0.0).statistic  # scipy: d_z = t / sqrt(n)
    assert r.d == pytest.approx(t / math.sqrt(30), abs=1e-9)
    # the bounds solve scipy.stats.nct.cdf(t, n - 1, bound * sqrt(n)) = 0.975 and 0.025
    assert stats.nct.cdf(t, 29, r.ci_low * math.sqrt(30)) == pytest.approx(0.975, abs=1e-6)
    assert stats.nct.cdf(t, 29, r.ci_high * math.sqrt(30)) == pytest.approx(0.025, abs=1e-6)
    # an exact d_z: 0.5 + values of mean 0 and SD 1 (interval by the same root property)
    x = np.linspace(-1, 1, 20)
    exact = d_z(0.5 + (x - x.mean()) / x.std(ddof=1))
    assert exact.d == pytest.approx(0.5, abs=1e-9)
    t20 = 0.5 * math.sqrt(20)
    assert stats.nct.cdf(t20, 19, exact.ci_low * math.sqrt(20)) == pytest.approx(0.975,
                                                                                  abs=1e-6)
    assert d_z([1.0, 1.0]).d is None and d_z([1.0]).note == "fewer than 2 pairs"


def test_welch_difference_equals_scipy_and_statsmodels() -> None:
    x, y = RNG.normal(0.2, 1.0, 18), RNG.normal(-0.4, 2.0, 31)
    r = welch(x, y)
    # scipy.stats.ttest_ind(x, y, equal_var=False) and its confidence_interval(0.95)
    ref = stats.ttest_ind(x, y, equal_var=False)
    ci = ref.confidence_interval(0.95)
    assert r.estimate == pytest.approx(x.mean() - y.mean(), abs=1e-9)
    assert r.p == pytest.approx(float(ref.pvalue), abs=1e-9)
    assert (r.ci_low, r.ci_high) == (pytest.approx(ci.low, abs=1e-6),
                                     pytest.approx(ci.high, abs=1e-6))
    assert welch(x[:1], y).estimate is None


def test_ancova_equals_statsmodels_ols() -> None:
    sm = oracle("statsmodels.api")
    n = 90
    group = np.array(["a", "b", "c"])[RNG.integers(0, 3, n)]
    baseline = RNG.uniform(2, 8, n)
    years = RNG.uniform(0.5, 4, n)
    change = (0.8 - 0.2 * baseline + 0.1 * years + 0.4 * (group == "b")
              - 0.3 * (group == "c") + RNG.normal(0, 0.7, n))
    r = ancova(change, group, np.column_stack([baseline, years]), ["a", "b", "c"], "a")
    # statsmodels.api.OLS(change, [1, b, c, baseline, years]).fit(): params, conf_int, pvalues
    x = sm.add_constant(np.column_stack([group == "b", group == "c", baseline, years])
                        .astype(float))
    fit = sm.OLS(change, x).fit()
    ci = fit.conf_int(0.05)
    for i, g in ((1, "b"), (2, "c")):
        assert r[g].estimate == pytest.approx(fit.params[i], abs=1e-6)
        assert (r[g].ci_low, r[g].ci_high) == (pytest.approx(ci[i, 0], abs=1e-6),
                                               pytest.approx(ci[i, 1], abs=1e-6))
        assert r[g].p == pytest.approx(fit.pvalues[i], abs=1e-6)


def test_a_covariate_that_defines_the_groups_gives_no_model() -> None:
    group = np.array(["a"] * 5 + ["b"] * 5)
    r = ancova(np.arange(10.0), group, (group == "b").astype(float)[:, None], ["a", "b"], "a")
    assert r["b"].estimate is None and "collinear" in r["b"].note
    assert ols_coefficients(np.ones(2), np.ones((2, 2))) is None


def test_holm_equals_statsmodels_multipletests() -> None:
    multitest = oracle("statsmodels.stats.multitest")
    p = [0.01, 0.04, 0.03, 0.005, 0.5, 0.04]
    # statsmodels.stats.multitest.multipletests(p, method="holm")[1]
    ref = multitest.multipletests(p, method="holm")[1]
    assert holm(p) == pytest.approx(list(ref), abs=1e-12)
    assert holm([0.02, None, 0.03]) == pytest.approx([0.04, None, 0.04])
    assert holm([None]) == [None]


def test_contrasts_leave_a_group_of_one_out_of_the_models() -> None:
    import polars as pl

    from mscohort.analyse.contrasts import contrast_table
    from mscohort.stratify.splits import Split

    out = pl.DataFrame({"edss_change": [-1.0, 0.0, -0.5, 1.0, 0.5, 0.0, -2.0],
                        "baseline_edss": [5.0, 4.0, 6.0, 3.0, 3.5, 4.5, 7.0],
                        "followup_days": [400, 700, 300, 900, 365, 500, 800]})
    g = pl.Series(["a", "a", "a", "b", "b", "b", "c"])
    split = Split("s", {k: g == k for k in "abc"}, True, "test")
    t = contrast_table(out, [split], [("edss_change", "baseline_edss", "change EDSS")])
    single = t.filter(pl.col("group") == "c")
    assert single.height == 3 and single["estimate"].is_null().all()
    assert set(single["note"]) == {"fewer than 2 patients in the group"}
    b = t.filter((pl.col("group") == "b") & (pl.col("adjustment") == "none (Welch)"))
    assert b["reference"][0] == "a"  # the largest group; ties: the first
    x, y = np.array([1.0, 0.5, 0.0]), np.array([-1.0, 0.0, -0.5])
    assert b["estimate"][0] == pytest.approx(x.mean() - y.mean())
    assert not split_contrasts_of_non_exclusive(out)


def split_contrasts_of_non_exclusive(out) -> list:
    import polars as pl

    from mscohort.analyse.contrasts import split_contrasts
    from mscohort.stratify.splits import Split

    split = Split("s", {"x": pl.Series([True] * 7), "y": pl.Series([True] * 7)}, False, "")
    return split_contrasts(out, split, [("edss_change", "baseline_edss", "change EDSS")])


def test_formatting_prints_numbers_intervals_and_p_values() -> None:
    from mscohort.analyse.formatting import estimate_ci, number, p_text, percent_ci

    assert number(-0.04, 1, signed=True) == "0.0" and number(0.5, 1, True) == "+0.5"
    assert estimate_ci(-0.6917, -1.05, -0.333, 2, True) == "-0.69 (-1.05 to -0.33)"
    assert estimate_ci(1.2, None, None, 1) == "1.2"
    assert percent_ci(0.5667, 0.441, 0.6843) == "57% (44 to 68)"
    assert (p_text(0.00004), p_text(0.0472), p_text(None)) == ("p < 0.0001", "p = 0.047",
                                                              "not tested")

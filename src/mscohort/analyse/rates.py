"""Relapse rates: the pooled rate with an exact Poisson interval, and the rate ratio of two
periods of the same patients with cluster-robust (sandwich) errors.

* Pooled rate = total events / total person-years; exact 95% interval (Garwood 1936):
  ``chi2(alpha/2, 2k) / 2T`` to ``chi2(1 - alpha/2, 2k + 2) / 2T`` (lower 0 when k = 0).
* Rate ratio (after vs before): a Poisson regression of each patient's counts in the two
  periods on the period, with log person-time as offset; its estimate equals the ratio of
  the pooled rates, and its standard error is the sandwich estimator clustered by patient
  (robust to over-dispersion and to the pairing of the two periods; Zeger and Liang 1986)
  with the CR1 small-sample correction c = G/(G-1) (N-1)/(N-K): G patients (clusters),
  N = 2G observations (two periods each), K = 2 coefficients (Cameron and Miller 2015,
  section II.C; R's ``sandwich::vcovCL(type = "HC1")``, whose ``cadjust`` gives G/(G-1) and
  ``HC1`` (N-1)/(N-K); statsmodels' default ``cov_type="cluster"``). The 95% interval is
  exp(log RR +/- t(0.975, G-1) SE) and the p-value the two-sided Wald t test on G-1 degrees
  of freedom (Cameron and Miller 2015, section VI.D), as the count models of
  :mod:`mscohort.analyse.models.counts`.

References
----------
Cameron AC, Miller DL. A practitioner's guide to cluster-robust inference. J Hum Resour
2015;50(2):317-372.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import stats


def relapse_population() -> pl.Expr:
    """The patients of the pooled relapse rates and their ratio: in the relapse analysis,
    with time at risk before the index date and during follow-up (``years_before``,
    ``years_during``: the relapse rules of the study definition)."""
    return (pl.col("in_relapse_analysis").fill_null(False)
            & (pl.col("years_during") > 0).fill_null(False)
            & (pl.col("years_before") > 0).fill_null(False))


@dataclass(frozen=True)
class PooledRate:
    events: int
    person_years: float
    rate: float | None
    ci_low: float | None
    ci_high: float | None


def pooled_rate(events: np.ndarray, years: np.ndarray, level: float = 0.95) -> PooledRate:
    """Total events per total person-year with the exact Poisson interval."""
    k = int(np.sum(events))
    t = float(np.sum(years))
    if t <= 0:
        return PooledRate(k, t, None, None, None)
    a = 1 - level
    low = 0.0 if k == 0 else stats.chi2.ppf(a / 2, 2 * k) / (2 * t)
    high = stats.chi2.ppf(1 - a / 2, 2 * k + 2) / (2 * t)
    return PooledRate(k, t, k / t, float(low), float(high))


#: The rate ratio's method, for table notes and the methods text.
RATE_RATIO_METHOD = ("a Poisson model with a person-time offset and patient-clustered robust "
                     "errors with the CR1 small-sample correction, t intervals and p on G-1 "
                     "degrees of freedom for G patients (Cameron and Miller 2015)")
#: The rate ratio's interval in one phrase (the ``method`` of ``estimates.csv``).
RATE_RATIO_INTERVAL = "Poisson model, patient-clustered robust CR1 interval, t(G-1)"


def cr1_factor(clusters: int, observations: int, coefficients: int) -> float:
    """The CR1 small-sample factor G/(G-1) (N-1)/(N-K) of a clustered sandwich
    (Cameron and Miller 2015; ``sandwich::vcovCL(type = "HC1")``)."""
    g, n, k = clusters, observations, coefficients
    return g / (g - 1) * (n - 1) / (n - k)


@dataclass(frozen=True)
class RateRatio:
    n: int
    ratio: float | None
    ci_low: float | None
    ci_high: float | None
    p: float | None
    note: str | None


def rate_ratio(before: np.ndarray, years_before: np.ndarray, after: np.ndarray,
               years_after: np.ndarray) -> RateRatio:
    """Rate ratio after / before with patient-clustered CR1 sandwich errors and a t(G-1)
    interval and p (module notes)."""
    y0, t0, y1, t1 = (np.asarray(v, dtype=float) for v in (before, years_before, after,
                                                            years_after))
    ok = (t0 > 0) & (t1 > 0) & ~np.isnan(y0) & ~np.isnan(y1)
    y0, t0, y1, t1 = y0[ok], t0[ok], y1[ok], t1[ok]
    n = int(y0.size)
    if n < 2:
        return RateRatio(n, None, None, None, None, "fewer than 2 patients: no model")
    if y0.sum() == 0 or y1.sum() == 0:
        return RateRatio(n, None, None, None, None, "no events in one period: no ratio")
    r0, r1 = y0.sum() / t0.sum(), y1.sum() / t1.sum()
    mu0, mu1 = r0 * t0, r1 * t1
    # design x = (1, period); bread B = sum mu x x'; meat = sum_i U_i U_i'
    bread = np.array([[mu0.sum() + mu1.sum(), mu1.sum()], [mu1.sum(), mu1.sum()]])
    u = np.column_stack([(y0 - mu0) + (y1 - mu1), y1 - mu1])
    meat = u.T @ u
    inv = np.linalg.inv(bread)
    interval = paired_ratio_interval(math.log(r1 / r0), float((inv @ meat @ inv)[1, 1]), n)
    return RateRatio(n, r1 / r0, interval.ci_low, interval.ci_high, interval.p, None)


@dataclass(frozen=True)
class RatioInterval:
    se: float  #: CR1 standard error of the log rate ratio
    ci_low: float
    ci_high: float
    p: float | None


def paired_ratio_interval(log_rr: float, sandwich_var: float, n: int,
                          level: float = 0.95) -> RatioInterval:
    """The interval and p of a before/after log rate ratio from its uncorrected
    patient-clustered sandwich variance (B M B)[1, 1] over ``n`` >= 2 patients: CR1 with
    G = n, N = 2n, K = 2, and t(G-1) (module notes; the federated fit uses it too)."""
    se = math.sqrt(cr1_factor(n, 2 * n, 2) * sandwich_var)
    q = float(stats.t.ppf(0.5 + level / 2, n - 1))
    p = float(2 * stats.t.sf(abs(log_rr / se), n - 1)) if se > 0 else None
    return RatioInterval(se, math.exp(log_rr - q * se), math.exp(log_rr + q * se), p)

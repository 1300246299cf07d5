"""Relapse rates: the pooled rate with an exact Poisson interval, and the rate ratio of two
periods of the same patients with cluster-robust (sandwich) errors.

* Pooled rate = total events / total person-years; exact 95% interval (Garwood 1936):
  ``chi2(alpha/2, 2k) / 2T`` to ``chi2(1 - alpha/2, 2k + 2) / 2T`` (lower 0 when k = 0).
* Rate ratio (after vs before): a Poisson regression of each patient's counts in the two
  periods on the period, with log person-time as offset; its estimate equals the ratio of
  the pooled rates, and its standard error is the sandwich estimator clustered by patient
  (robust to over-dispersion and to the pairing of the two periods; Zeger and Liang 1986).
  The 95% interval is exp(log RR +/- 1.96 SE) and the p-value is the two-sided Wald test.
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
    """Rate ratio after / before with patient-clustered sandwich errors (module notes)."""
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
    cov = inv @ meat @ inv
    se = math.sqrt(cov[1, 1])
    log_rr = math.log(r1 / r0)
    z = stats.norm.ppf(0.975)
    p = float(2 * stats.norm.sf(abs(log_rr / se))) if se > 0 else None
    return RateRatio(n, r1 / r0, math.exp(log_rr - z * se), math.exp(log_rr + z * se), p, None)

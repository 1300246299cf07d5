"""Standardised effect sizes of paired comparisons.

* **d_z** (Cohen 1988, section 2.3.5): the mean of the paired differences divided by their
  SD (n - 1), d_z = t / sqrt(n). Differences are compared at the data's precision
  (:func:`mscohort.analyse.stats.at_precision`).
* **Its 95% interval** inverts the noncentral t distribution (Steiger and Fouladi 1997;
  Cumming and Finch 2001): the noncentrality parameters lambda_L, lambda_U with
  P(T <= t_obs | df, lambda_L) = 0.975 and P(T <= t_obs | df, lambda_U) = 0.025, df = n - 1,
  divided by sqrt(n). This is the interval of R's ``MBESS::ci.sm``; it is exact under
  normality, where the normal approximation is not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import optimize, special

from mscohort.analyse.stats import as_float, at_precision


@dataclass(frozen=True)
class EffectSize:
    """A standardised mean difference with its 95% interval (``note``: why undefined)."""

    d: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    method: str = "d_z = mean / SD of the differences; noncentral t interval"
    note: str | None = None


def _ncp(t_obs: float, df: int, prob: float) -> float:
    """The noncentrality lambda with P(T <= t_obs | df, lambda) = prob (decreasing in
    lambda), by Brent's method on a bracket that widens until it holds the root."""
    def f(ncp: float) -> float:
        cdf = float(special.nctdtr(df, ncp, t_obs))  # = scipy.stats.nct.cdf, without its overhead
        if math.isnan(cdf):  # scipy's nct underflows far in the tails: 0 or 1 there
            cdf = 0.0 if ncp > t_obs else 1.0
        return cdf - prob

    # start from cdflib's inversion (scipy.special.nctdtrinc, accurate to about 1e-5) and
    # polish it with Brent's method in a small bracket, widened until it holds the root
    start = float(special.nctdtrinc(df, prob, t_obs))
    if not math.isfinite(start):
        start = t_obs
    step = 1e-3 * (1.0 + abs(start))
    lo, hi = start - step, start + step
    while f(lo) < 0:
        lo -= step
        step *= 4
    step = 1e-3 * (1.0 + abs(start))
    while f(hi) > 0:
        hi += step
        step *= 4
    return float(optimize.brentq(f, lo, hi, xtol=1e-12, rtol=1e-12))


def d_z(differences: pl.Series | np.ndarray, level: float = 0.95) -> EffectSize:
    """d_z of paired differences (after - before) with its noncentral-t interval."""
    v = as_float(differences)
    v = at_precision(v[~np.isnan(v)])
    n = int(v.size)
    if n < 2:
        return EffectSize(None, None, None, n, note="fewer than 2 pairs")
    if np.all(v == v[0]):
        return EffectSize(None, None, None, n, note="no variation: undefined")
    return d_z_of(float(v.mean() / v.std(ddof=1)), n, level)


def d_z_of(d: float, n: int, level: float = 0.95) -> EffectSize:
    """d_z = mean / SD of ``n`` differences (n >= 2, SD > 0) with its noncentral-t
    interval: the same as :func:`d_z` from the summary (used by the federated analysis,
    where only the mean, SD and n of the differences are pooled)."""
    t_obs = d * math.sqrt(n)
    a = (1 - level) / 2
    return EffectSize(d, _ncp(t_obs, n - 1, 1 - a) / math.sqrt(n),
                      _ncp(t_obs, n - 1, a) / math.sqrt(n), n)

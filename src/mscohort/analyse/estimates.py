"""Point estimates with their 95% confidence intervals, as one named result type.

* **Mean**: Student's t interval, mean +/- t(0.975, n - 1) SD / sqrt(n) (Student 1908);
  values compared at the data's precision (:func:`mscohort.analyse.stats.at_precision`), so
  that values equal on paper give a zero-width interval, not noise.
* **Proportion**: Wilson's score interval (Wilson 1927), which stays inside [0, 1] and is
  defined for 0 and n events (Newcombe 1998 recommends it over the Wald interval).
* **Rate**: events / person-years with the exact Poisson interval (Garwood 1936), from
  :func:`mscohort.analyse.rates.pooled_rate`.
* **Median**: the distribution-free interval between two order statistics,
  x(r) to x(n - r + 1) with r the largest rank such that P(Bin(n, 1/2) < r) <= 0.025
  (Conover 1999, section 3.2); defined from n = 6 on (coverage at least 95%).
* **Kaplan-Meier at a stated time**: the estimate S(t) of the curve (its last step at or
  before t) with the Greenwood log-log interval (Kalbfleisch and Prentice 1980); undefined
  beyond the last observed time.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import polars as pl
from scipy import stats

from mscohort.analyse.rates import (
    RATE_RATIO_INTERVAL,
    pooled_rate,
    rate_ratio,
    relapse_population,
)
from mscohort.analyse.stats import as_float, at_precision
from mscohort.analyse.survival import kaplan_meier
from mscohort.units import DAYS_PER_YEAR

Z95 = float(stats.norm.ppf(0.975))

ESTIMATE_SCHEMA = {"measure": pl.String, "group": pl.String, "estimate": pl.Float64,
                   "ci_low": pl.Float64, "ci_high": pl.Float64, "n": pl.Int64,
                   "method": pl.String, "note": pl.String}


@dataclass(frozen=True)
class Estimate:
    """One estimate with its 95% interval; ``method`` names the interval, ``note`` says
    why an interval (or the estimate) is undefined."""

    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    method: str
    note: str | None = None

    def row(self, measure: str, group: str = "all") -> dict[str, object]:
        return {"measure": measure, "group": group, **asdict(self)}


def _values(values: pl.Series | np.ndarray) -> np.ndarray:
    v = as_float(values)
    return v[~np.isnan(v)]


def mean_ci(values: pl.Series | np.ndarray, level: float = 0.95) -> Estimate:
    """Mean with Student's t interval (module notes)."""
    v = at_precision(_values(values))
    n = int(v.size)
    method = "t interval"
    if n == 0:
        return Estimate(None, None, None, 0, method, "no data")
    mean = float(v.mean())
    if n < 2:
        return Estimate(mean, None, None, n, method, "fewer than 2 values: no interval")
    if np.all(v == v[0]):
        return Estimate(mean, mean, mean, n, method, "all values are equal")
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * float(v.std(ddof=1)) / math.sqrt(n)
    return Estimate(mean, mean - half, mean + half, n, method)


def wilson(k: int, n: int, level: float = 0.95) -> Estimate:
    """Proportion k / n with Wilson's score interval:
    (p + z^2/2n +/- z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)."""
    method = "Wilson score interval"
    if n == 0:
        return Estimate(None, None, None, 0, method, "no data")
    z = float(stats.norm.ppf(0.5 + level / 2))
    p = k / n
    centre = p + z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    denom = 1 + z * z / n
    return Estimate(p, max(0.0, (centre - half) / denom), min(1.0, (centre + half) / denom),
                    n, method)


def poisson_rate(events: np.ndarray, years: np.ndarray) -> Estimate:
    """Pooled rate (events per person-year) with the exact Poisson interval."""
    r = pooled_rate(np.asarray(events), np.asarray(years, dtype=float))
    return Estimate(r.rate, r.ci_low, r.ci_high, r.events, "exact Poisson interval",
                    None if r.rate is not None else "no person-time")


def median_ci(values: pl.Series | np.ndarray) -> Estimate:
    """Median with the distribution-free order-statistic interval (module notes)."""
    v = np.sort(_values(values))
    n = int(v.size)
    method = "order-statistic interval"
    if n == 0:
        return Estimate(None, None, None, 0, method, "no data")
    median = float(np.median(v))
    # r = the largest rank with P(B <= r - 1) <= 0.025, B ~ Bin(n, 1/2)
    r = int(np.searchsorted(stats.binom.cdf(np.arange(n + 1), n, 0.5), 0.025, side="right"))
    if r < 1:
        return Estimate(median, None, None, n, method, "fewer than 6 values: no interval")
    return Estimate(median, float(v[r - 1]), float(v[n - r]), n, method)


def km_at(time: np.ndarray, event: np.ndarray, days: float) -> Estimate:
    """Kaplan-Meier probability of no event by ``days`` (module notes); ``n`` is the
    number still at risk at ``days``."""
    method = "Kaplan-Meier, Greenwood log-log interval"
    t = np.asarray(time, dtype=float)
    if t.size == 0:
        return Estimate(None, None, None, 0, method, "no data")
    if days > t.max():
        return Estimate(None, None, None, 0, method, "beyond the longest follow-up")
    at_risk = int((t >= days).sum())
    curve = kaplan_meier(t, np.asarray(event, dtype=bool)).filter(pl.col("time") <= days)
    if curve.height == 0:
        return Estimate(1.0, None, None, at_risk, method, "no event up to this time")
    r = curve.row(-1, named=True)
    return Estimate(r["survival"], r["ci_low"], r["ci_high"], at_risk, method,
                    None if r["ci_low"] is not None else "interval undefined")


def study_estimates(outcomes: pl.DataFrame) -> pl.DataFrame:
    """The overall estimates of the summary, each with its 95% interval (rows of
    :data:`ESTIMATE_SCHEMA`): EDSS and MSSS change (mean, median), improved / stable /
    worsened shares, follow-up (median, days), pooled ARR before and during follow-up over
    each patient's own time at risk (``years_before``, ``years_during``: the relapse rules of
    the definition), their rate ratio, and freedom from confirmed worsening at 1 and 2
    years."""
    ok = outcomes.filter(pl.col("excluded_reason").is_null())
    rows = []
    for column, label in (("edss_change", "EDSS change"), ("msss_change", "MSSS change")):
        rows += [mean_ci(ok[column]).row(f"{label}, mean"),
                 median_ci(ok[column]).row(f"{label}, median")]
    cats = ok["change_category"].drop_nulls()
    rows += [wilson(int((cats == c).sum()), cats.len()).row(f"EDSS {c}, proportion")
             for c in ("improved", "stable", "worsened")]
    rows.append(median_ci(ok["followup_days"]).row("follow-up (days), median"))
    # the patients of the relapse table's pooled rates (analyse.tables.relapse_table)
    rel = outcomes.filter(relapse_population())
    pre = rel["years_before"].cast(pl.Float64).to_numpy()
    during = rel["years_during"].cast(pl.Float64).to_numpy()
    rows += [poisson_rate(rel["relapses_before"].to_numpy(), pre).row("ARR before, pooled"),
             poisson_rate(rel["relapses_during"].to_numpy(), during).row(
                 "ARR during follow-up, pooled")]
    rr = rate_ratio(rel["relapses_before"].to_numpy(), pre, rel["relapses_during"].to_numpy(),
                    during)
    rows.append(Estimate(rr.ratio, rr.ci_low, rr.ci_high, rr.n,
                         RATE_RATIO_INTERVAL, rr.note)
                .row("ARR rate ratio, during / before"))
    cdw = outcomes.filter(pl.col("time_to_cdw_days").is_not_null())
    for years in (1, 2):
        rows.append(km_at(cdw["time_to_cdw_days"].cast(pl.Float64).to_numpy(),
                          cdw["cdw_observed"].to_numpy(), years * DAYS_PER_YEAR)
                    .row(f"free of confirmed worsening at {years} year{'s' * (years > 1)}"))
    return pl.DataFrame(rows, schema=ESTIMATE_SCHEMA)

"""Descriptive statistics and paired tests, as small result objects with fixed fields.

* Mean ± SD uses the sample SD (n - 1); the median of an even count is the mean of the two
  middle values.
* :func:`paired` compares paired values (after - before): the mean difference with its 95%
  t confidence interval, Student's paired t-test (two-sided; scipy ``ttest_rel``) and the
  Wilcoxon signed-rank test (two-sided; scipy ``wilcoxon``, zero differences dropped as in
  Wilcoxon's original method). A test that is undefined (fewer than 2 pairs, differences
  all equal, or all zero for Wilcoxon) is reported with a reason, never as a number.
* Differences are compared at the data's precision: rounded to :data:`PRECISION_DECIMALS`
  decimals before testing, so that floating-point noise (4.926 computed as 5.093 - 0.167
  and as 9.956 - 5.030) neither turns "all differences equal" into a test nor breaks a tie
  of the signed ranks.
* The means before and after of a paired comparison are over the pairs that were tested.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from scipy import stats

from mscohort.analyse import formatting as F
from mscohort.analyse.formatting import format_p, p_clause  # noqa: F401  (re-exported)

#: Decimals at which differences are compared (far below any clinical scale's step, far
#: above the noise of double-precision arithmetic on such values).
PRECISION_DECIMALS = 9


def as_float(values: pl.Series | np.ndarray | list) -> np.ndarray:
    """Values as a float array, missing values as NaN."""
    if isinstance(values, pl.Series):
        return values.cast(pl.Float64).to_numpy().astype(float, copy=False)
    return np.asarray(pl.Series(values, dtype=pl.Float64).to_numpy(), dtype=float)


def at_precision(values: np.ndarray) -> np.ndarray:
    """``values`` rounded to :data:`PRECISION_DECIMALS` decimals (``-0.0`` made ``0.0``)."""
    return np.round(np.asarray(values, dtype=float), PRECISION_DECIMALS) + 0.0


def _float(x: Any) -> float | None:
    """A statistic of a Float64 series (polars types it as any literal) as a float."""
    return None if x is None else float(x)


@dataclass(frozen=True)
class Describe:
    """n, mean, SD, median, min and max of one measure (missing values left out)."""

    n: int
    mean: float | None
    sd: float | None
    median: float | None
    minimum: float | None
    maximum: float | None

    @classmethod
    def of(cls, values: pl.Series) -> Describe:
        v = values.drop_nulls().cast(pl.Float64)
        v = v.filter(v.is_not_nan())
        if v.len() == 0:
            return cls(0, None, None, None, None, None)
        sd = v.std(ddof=1) if v.len() > 1 else None
        return cls(v.len(), _float(v.mean()), _float(sd), _float(v.median()), _float(v.min()),
                   _float(v.max()))

    def mean_sd_range(self, decimals: int = 1, signed: bool = False) -> str:
        """Mean ± SD (range), n (:func:`mscohort.analyse.formatting.mean_sd_range`)."""
        return F.with_n(F.mean_sd_range(self.mean, self.sd, self.minimum, self.maximum,
                                        decimals, signed), self.n)

    def median_range(self, decimals: int = 1) -> str:
        """Median (range), n (:func:`mscohort.analyse.formatting.median_range`)."""
        return F.with_n(F.median_range(self.median, self.minimum, self.maximum, decimals),
                        self.n)


@dataclass(frozen=True)
class Paired:
    """Paired comparison of after - before."""

    n: int
    mean_difference: float | None
    sd_difference: float | None
    ci_low: float | None
    ci_high: float | None
    t: float | None
    df: int | None
    p_t: float | None
    wilcoxon_statistic: float | None
    p_wilcoxon: float | None
    note: str | None
    mean_before: float | None = None  #: over the pairs tested
    mean_after: float | None = None  #: over the pairs tested


def paired(before: pl.Series | np.ndarray, after: pl.Series | np.ndarray) -> Paired:
    """Mean difference (95% CI), paired t-test and Wilcoxon signed-rank test of the complete
    pairs, differences compared at :data:`PRECISION_DECIMALS` (module notes)."""
    b, a = as_float(before), as_float(after)
    ok = ~(np.isnan(a) | np.isnan(b))
    diff = at_precision(a[ok] - b[ok])
    n = int(diff.size)
    means = (float(b[ok].mean()), float(a[ok].mean())) if n else (None, None)
    if n < 2:
        mean = float(diff.mean()) if n else None
        return Paired(n, mean, None, None, None, None, None, None, None, None,
                      "fewer than 2 pairs: no test", *means)
    mean = float(diff.mean())
    if np.all(diff == diff[0]):
        return Paired(n, mean, 0.0, mean, mean, None, n - 1, None, None, None,
                      "all differences are equal: no test", *means)
    sd = float(diff.std(ddof=1))
    half = float(stats.t.ppf(0.975, n - 1)) * sd / math.sqrt(n)
    t = stats.ttest_1samp(diff, 0.0)  # = ttest_rel(after, before) on the rounded differences
    note = None
    w_stat = w_p = None
    if np.count_nonzero(diff) == 0:
        note = "all differences are zero: no Wilcoxon test"
    else:
        w = stats.wilcoxon(diff, zero_method="wilcox")
        w_stat, w_p = float(w.statistic), float(w.pvalue)
    return Paired(n, mean, sd, mean - half, mean + half, float(t.statistic), n - 1,
                  float(t.pvalue), w_stat, w_p, note, *means)


def one_sample_t(values: pl.Series | np.ndarray) -> float | None:
    """Two-sided p of Student's one-sample t-test of the mean against 0 (scipy
    ``ttest_1samp``); None when fewer than 2 values or all values are equal at
    :data:`PRECISION_DECIMALS`."""
    v = as_float(values)
    v = at_precision(v[~np.isnan(v)])
    if v.size < 2 or np.all(v == v[0]):
        return None
    return float(stats.ttest_1samp(v, 0.0).pvalue)

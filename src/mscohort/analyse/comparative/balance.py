"""Covariate balance: standardised mean differences and variance ratios, before and after
matching or weighting.

Notes
-----
For a covariate x, treated (t = 1) and comparator (t = 0) episodes and weights w (1 before
adjustment; the matching, IPT or overlap weights after):

* weighted means m_a = sum(w x) / sum(w) within arm a;
* SMD = (m_1 - m_0) / s, with s from the unadjusted groups, before and after alike (Austin
  2009; Stuart 2010): pooled, s = sqrt((s_1^2 + s_0^2) / 2), or, as MatchIt's ``summary()``
  with the ATT, s = s_1 ("treated"). For a continuous x, s_a^2 is the sample variance
  (denominator n - 1); for a binary x it is p_a (1 - p_a), p_a the proportion (Austin
  2009, eq. 2);
* which covariates are binary is **declared**, not read from the values: in a design
  (:func:`covariate_balance`) the level indicators of a categorical covariate and the
  missing indicators are binary, and every numeric covariate
  (:data:`~mscohort.definition.comparison.NUMERIC_COVARIATES`: age, disease duration, EDSS,
  relapse counts, prior drugs, year) is continuous even when its values happen to be only 0
  and 1 (e.g. ``relapses_12m`` in a cohort with at most one relapse a year). Called without
  a declaration (``binary=None``), :func:`smd`, :func:`variance_ratio` and
  :func:`balance_table` read a column with only the values 0 and 1 as binary, as MatchIt's
  ``summary()`` and cobalt do (the check against R);
* variance ratio v_1 / v_0 of continuous covariates, with the weighted variances
  sum(w (x - m)^2) / (sum(w) - sum(w^2) / sum(w)) (the unbiased estimate with reliability
  weights, as cobalt and MatchIt); binary covariates have none (nan);
* a categorical covariate enters as one indicator per level (every level, the reference
  too); a covariate is balanced when |SMD| < 0.1 (Austin 2009).

References
----------
Austin PC. Balance diagnostics for comparing the distribution of baseline covariates between
treatment groups in propensity-score matched samples. Stat Med 2009;28:3083-3107.
Stuart EA. Matching methods for causal inference: a review and a look forward. Stat Sci
2010;25:1-21.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import polars as pl

from mscohort.definition.comparison import NUMERIC_COVARIATES
from mscohort.errors import bad_argument

DENOMINATORS = ("pooled", "treated")
#: |SMD| below this is taken as balanced (Austin 2009).
BALANCED_SMD = 0.1
BALANCE_SCHEMA = {
    "covariate": pl.String, "binary": pl.Boolean, "mean_treated_before": pl.Float64,
    "mean_control_before": pl.Float64, "smd_before": pl.Float64,
    "mean_treated_after": pl.Float64, "mean_control_after": pl.Float64,
    "smd_after": pl.Float64, "variance_ratio_before": pl.Float64,
    "variance_ratio_after": pl.Float64,
}


def balance_columns(table: pl.DataFrame, terms: tuple[str, ...],
                    categorical: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
    """Each numeric term, and one indicator ``term=level`` per level of a categorical one."""
    out: dict[str, np.ndarray] = {}
    for term in terms:
        if term in categorical:
            text = table[term].cast(pl.String).to_numpy()
            for level in sorted(set(text.tolist())):
                out[f"{term}={level}"] = (text == level).astype(float)
        else:
            out[term] = table[term].cast(pl.Float64).to_numpy()
    return out


def _is_binary(x: np.ndarray) -> bool:
    """MatchIt's and cobalt's reading of an undeclared column: only the values 0 and 1."""
    return bool(np.all((x == 0) | (x == 1)))


def _wmean(x: np.ndarray, w: np.ndarray) -> float:
    return float(np.sum(w * x) / np.sum(w))


def _wvar(x: np.ndarray, w: np.ndarray) -> float:
    m = _wmean(x, w)
    sw = np.sum(w)
    return float(np.sum(w * (x - m) ** 2) / (sw - np.sum(w ** 2) / sw))


def _spread(x: np.ndarray, binary: bool) -> float:
    """The unadjusted variance of one arm (module Notes)."""
    if binary:
        p = float(np.mean(x))
        return p * (1 - p)
    return float(np.var(x, ddof=1))


def smd(x: np.ndarray, treat: np.ndarray, weights: np.ndarray | None = None, *,
        denominator: str = "pooled", binary: bool | None = None) -> float:
    """The standardised mean difference of ``x`` (module Notes); ``weights`` None: before;
    ``binary`` None: read from the values (only 0 and 1), else as declared."""
    x = np.asarray(x, dtype=float)
    t = np.asarray(treat) == 1
    if denominator not in DENOMINATORS:
        raise bad_argument("denominator", "one of " + ", ".join(DENOMINATORS), denominator)
    w = np.ones(x.size) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != x.shape or np.any(w < 0) or not (w[t] > 0).any() or not (w[~t] > 0).any():
        raise bad_argument("weights", "weights >= 0, one per row, some > 0 in each arm",
                           w.shape)
    binary = _is_binary(x) if binary is None else binary
    s1, s0 = _spread(x[t], binary), _spread(x[~t], binary)
    s = np.sqrt((s1 + s0) / 2) if denominator == "pooled" else np.sqrt(s1)
    diff = _wmean(x[t], w[t]) - _wmean(x[~t], w[~t])
    if s == 0:
        return 0.0 if diff == 0 else float(np.sign(diff) * np.inf)
    return float(diff / s)


def variance_ratio(x: np.ndarray, treat: np.ndarray, weights: np.ndarray | None = None,
                   *, binary: bool | None = None) -> float:
    """Weighted variance of the treated over that of the comparator (nan if binary;
    ``binary`` None: read from the values, else as declared)."""
    x = np.asarray(x, dtype=float)
    t = np.asarray(treat) == 1
    if _is_binary(x) if binary is None else binary:
        return float("nan")
    w = np.ones(x.size) if weights is None else np.asarray(weights, dtype=float)
    keep1, keep0 = t & (w > 0), ~t & (w > 0)
    v0 = _wvar(x[keep0], w[keep0])
    return _wvar(x[keep1], w[keep1]) / v0 if v0 > 0 else float("nan")


def balance_table(columns: dict[str, np.ndarray], treat: np.ndarray,
                  weights: np.ndarray, *, denominator: str = "pooled",
                  binary: Collection[str] | None = None) -> pl.DataFrame:
    """One row per covariate column: means, SMD and variance ratio before and after
    (module Notes); ``weights`` are the adjusted ones (0: not in the adjusted sample).
    ``binary``: the columns declared binary (every other one is continuous); None: read
    from the values."""
    t = np.asarray(treat) == 1
    w = np.asarray(weights, dtype=float)
    rows = []
    for name, x in columns.items():
        kind = _is_binary(x) if binary is None else name in binary
        rows.append({
            "covariate": name, "binary": kind,
            "mean_treated_before": float(np.mean(x[t])),
            "mean_control_before": float(np.mean(x[~t])),
            "smd_before": smd(x, t, denominator=denominator, binary=kind),
            "mean_treated_after": _wmean(x[t], w[t]),
            "mean_control_after": _wmean(x[~t], w[~t]),
            "smd_after": smd(x, t, w, denominator=denominator, binary=kind),
            "variance_ratio_before": variance_ratio(x, t, binary=kind),
            "variance_ratio_after": variance_ratio(x, t, w, binary=kind),
        })
    return pl.DataFrame(rows, schema=BALANCE_SCHEMA)


def covariate_balance(table: pl.DataFrame, terms: tuple[str, ...],
                      categorical: tuple[str, ...], treat: np.ndarray, weights: np.ndarray
                      ) -> pl.DataFrame:
    """The balance table of a design's ``terms`` with the declared kinds (module Notes):
    the indicators of the ``categorical`` terms' levels and the missing indicators are
    binary, the numeric covariates continuous whatever their values."""
    columns = balance_columns(table, terms, categorical)
    binary = [name for name in columns if name not in NUMERIC_COVARIATES]
    return balance_table(columns, treat, weights, binary=binary)

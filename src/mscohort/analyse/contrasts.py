"""Between-group contrasts of a change: compare the groups, not their within-group p-values.

For every exclusive split of the group tables and every change measure, each group is
compared with the split's reference group (the group with the most patients; ties: the
first); a group of one patient is listed, not compared, and left out of the models. Rows
are tidy (:data:`CONTRAST_SCHEMA`), one per (split, measure, group,
adjustment):

* ``none (Welch)``: the difference in mean change, group - reference, with Welch's t
  interval and test (unequal variances; Welch 1947, Satterthwaite df).
* ``baseline``: ANCOVA, the coefficient of the group in an ordinary least-squares model of
  the change on the group indicators and the baseline value (Vickers and Altman 2001: the
  baseline-adjusted analysis of change is unbiased under baseline imbalance and more
  powerful than the raw change).
* ``baseline and follow-up``: the same model with follow-up length (years) added, as the
  change is measured at each patient's last assessment.

Changes are compared at the data's precision (:func:`mscohort.analyse.stats.at_precision`).
A model whose design is rank-deficient (a covariate constant, or that defines the groups)
gives no estimate, with a note. Two splits that put the same patients in the same groups
give the same tests: the table keeps both rows and marks the second (``test_id``,
``same_test_as``; :mod:`mscohort.analyse.same_tests`), and its Holm family counts it once.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import polars as pl
from scipy import stats

from mscohort.analyse.same_tests import mark_same_tests
from mscohort.analyse.stats import at_precision
from mscohort.stratify.splits import Split
from mscohort.units import DAYS_PER_YEAR

CONTRAST_SCHEMA = {
    "split": pl.String, "measure": pl.String, "group": pl.String, "reference": pl.String,
    "n_group": pl.Int64, "n_reference": pl.Int64, "adjustment": pl.String,
    "estimate": pl.Float64, "ci_low": pl.Float64, "ci_high": pl.Float64, "p": pl.Float64,
    "test": pl.String, "note": pl.String,
}
WELCH, BASELINE, BASELINE_FU = "none (Welch)", "baseline", "baseline and follow-up"


@dataclass(frozen=True)
class Difference:
    """A difference (group - reference) with its 95% interval and two-sided p."""

    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    p: float | None
    test: str
    note: str | None = None


def welch(x: np.ndarray, y: np.ndarray, level: float = 0.95) -> Difference:
    """mean(x) - mean(y) with Welch's t interval and test."""
    x, y = at_precision(np.asarray(x, float)), at_precision(np.asarray(y, float))
    if x.size < 2 or y.size < 2:
        return Difference(None, None, None, None, "Welch t-test",
                          "fewer than 2 patients in a group")
    return welch_from_moments(x.size, float(x.mean()), float(x.var(ddof=1)), y.size,
                              float(y.mean()), float(y.var(ddof=1)), level)


def welch_from_moments(nx: int, mean_x: float, var_x: float, ny: int, mean_y: float,
                       var_y: float, level: float = 0.95) -> Difference:
    """Welch's t interval and test of mean_x - mean_y from each group's n, mean and
    variance (ddof 1; both n >= 2): se = sqrt(var_x/nx + var_y/ny), Satterthwaite df."""
    test = "Welch t-test"
    vx, vy = var_x / nx, var_y / ny
    diff = mean_x - mean_y
    se = math.sqrt(vx + vy)
    if se == 0:
        return Difference(diff, None, None, None, test, "no variation: no test")
    df = (vx + vy) ** 2 / (vx ** 2 / (nx - 1) + vy ** 2 / (ny - 1))
    half = float(stats.t.ppf(0.5 + level / 2, df)) * se
    return Difference(diff, diff - half, diff + half,
                      float(2 * stats.t.sf(abs(diff / se), df)), test)


def ols_coefficients(y: np.ndarray, x: np.ndarray, level: float = 0.95
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """Ordinary least squares of ``y`` on the columns of ``x`` (with its intercept):
    coefficients, their 95% t interval bounds and two-sided p-values; None when ``x`` is
    rank-deficient or leaves no residual degree of freedom."""
    n, k = x.shape
    if np.linalg.matrix_rank(x) < k or n <= k:
        return None
    xtx_inv = np.linalg.inv(x.T @ x)
    beta = xtx_inv @ x.T @ y
    resid = y - x @ beta
    return ols_inference(beta, xtx_inv, float(resid @ resid), n, level)


def ols_inference(beta: np.ndarray, xtx_inv: np.ndarray, rss: float, n: int,
                  level: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The t intervals and two-sided p-values of OLS coefficients ``beta`` from (X'X)^-1, the
    residual sum of squares and n: sigma^2 = rss / (n - k), se = sqrt(diag (X'X)^-1
    sigma^2), t(n - k) (p NaN where se is 0)."""
    df = n - beta.size
    sigma2 = rss / df
    se = np.sqrt(np.diag(xtx_inv) * sigma2)
    crit = float(stats.t.ppf(0.5 + level / 2, df))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(se > 0, 2 * stats.t.sf(np.abs(beta / se), df), np.nan)
    return beta, beta - crit * se, beta + crit * se, p


def ancova(change: np.ndarray, groups: np.ndarray, covariates: np.ndarray,
           labels: list[str], reference: str) -> dict[str, Difference]:
    """Coefficient of each group (but the reference) in the OLS model
    change ~ 1 + group indicators + covariates."""
    test = "ANCOVA (OLS)"
    others = [g for g in labels if g != reference]
    x = np.column_stack([np.ones(change.size), *[(groups == g).astype(float) for g in others],
                         covariates])
    fit = ols_coefficients(at_precision(change), x)
    if fit is None:
        return {g: Difference(None, None, None, None, test,
                              "covariates collinear with the groups: no model")
                for g in others}
    beta, lo, hi, p = fit
    return {g: Difference(float(beta[i]), float(lo[i]), float(hi[i]),
                          None if np.isnan(p[i]) else float(p[i]), test)
            for i, g in enumerate(others, start=1)}


def split_contrasts(outcomes: pl.DataFrame, split: Split,
                    measures: list[tuple[str, str, str]]) -> list[dict[str, object]]:
    """Rows of :data:`CONTRAST_SCHEMA` for one exclusive split; ``measures`` are
    (change column, baseline column, label)."""
    if not split.exclusive:
        return []
    rows: list[dict[str, object]] = []
    for change, baseline, label in measures:
        parts = {}
        small = []
        for g, mask in split.groups.items():
            sub = outcomes.filter(mask).select(change, baseline, "followup_days").drop_nulls()
            if sub.height >= 2:
                parts[g] = sub
            elif sub.height:
                small.append(g)
        if len(parts) < 2:
            continue
        reference = max(parts, key=lambda g: parts[g].height)
        stacked = pl.concat([p.with_columns(pl.lit(g).alias("_g")) for g, p in parts.items()])
        y = stacked[change].to_numpy().astype(float)
        grp = stacked["_g"].to_numpy()
        base = stacked[baseline].to_numpy().astype(float)
        years = stacked["followup_days"].to_numpy().astype(float) / DAYS_PER_YEAR
        labels = list(parts)
        adjusted = {BASELINE: ancova(y, grp, base[:, None], labels, reference),
                    BASELINE_FU: ancova(y, grp, np.column_stack([base, years]), labels,
                                        reference)}
        for g in labels:
            if g == reference:
                continue
            results = {WELCH: welch(parts[g][change].to_numpy(),
                                    parts[reference][change].to_numpy()),
                       **{k: v[g] for k, v in adjusted.items()}}
            for adjustment, r in results.items():
                rows.append({"split": split.name, "measure": label, "group": g,
                             "reference": reference, "n_group": parts[g].height,
                             "n_reference": parts[reference].height,
                             "adjustment": adjustment, **asdict(r)})
        for g in small:
            for adjustment in (WELCH, BASELINE, BASELINE_FU):
                rows.append({"split": split.name, "measure": label, "group": g,
                             "reference": reference, "n_group": 1,
                             "n_reference": parts[reference].height, "adjustment": adjustment,
                             **asdict(Difference(None, None, None, None, "not compared",
                                                 "fewer than 2 patients in the group"))})
    return rows


def contrast_table(outcomes: pl.DataFrame, splits: list[Split],
                   measures: list[tuple[str, str, str]]) -> pl.DataFrame:
    """Every contrast of every exclusive split (module notes), with ``test_id`` and
    ``same_test_as`` marking the rows of coinciding splits as the same test
    (:func:`mscohort.analyse.same_tests.mark_same_tests`)."""
    rows = [r for s in splits for r in split_contrasts(outcomes, s, measures)]
    return mark_same_tests(pl.DataFrame(rows, schema=CONTRAST_SCHEMA), outcomes, splits,
                           measures)

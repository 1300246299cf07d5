"""Piecewise linear mixed model of a score at every visit: a slope before the index
treatment, another after it, and their difference (interrupted time series).

Model (Laird and Ware 1982; piecewise: Naumova et al. 2001), for visit j of patient i::

    y_ij = b0 + b1 time_ij + b2 time_after_ij + covariates + u0_i + u1_i time_ij + e_ij

with ``time`` in years since the index date and ``time_after`` = max(time, 0), so the
slope is b1 before the index date and b1 + b2 after it; b2 is the change of slope. The
random intercept and slope (u0_i, u1_i) are bivariate normal with an unstructured
covariance, e_ij normal with variance sigma^2. With a group, ``group``, ``group:time`` and
``group:time_after`` terms give each group's slopes and the between-group differences.

Fitted by REML (default; lme4's default) or maximum likelihood
(:mod:`mscohort.analyse.models.mixed`; statsmodels ``MixedLM`` is the test oracle);
95% intervals are Wald intervals. A model that does
not converge, or whose covariance of the estimates is not finite, is reported as not fitted
with the warnings, and no estimate is given. Checked against ``lme4::lmer`` (tests/data/
r_models/).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from mscohort.analyse.models.data import OUTCOME_LABELS, TrajectoryData
from mscohort.analyse.models.fitting import Z, estimate_table, run_captured, wald_row
from mscohort.analyse.models.mixed import fit_mixed

VARIANCE_NAMES = ("intercept", "slope", "intercept_slope_cov", "residual")


@dataclass(frozen=True)
class TrajectoryFit:
    """A fitted (or not fitted) trajectory model with everything needed to judge it."""

    outcome: str
    reml: bool
    converged: bool
    n_patients: int
    n_visits: int
    n_visits_before: int
    n_visits_after: int
    dropped: pl.DataFrame  #: reason, patients, visits
    coefficients: pl.DataFrame  #: term, estimate, se, ci_low, ci_high, p
    slopes: pl.DataFrame  #: slope before / after / change (per group), same columns
    variances: dict[str, float] = field(default_factory=dict)  #: VARIANCE_NAMES
    log_likelihood: float | None = None
    curve: pl.DataFrame = field(default_factory=pl.DataFrame)  #: group, time, fit, band
    warnings: tuple[str, ...] = ()
    note: str | None = None  #: why there is no estimate

    @property
    def label(self) -> str:
        """The outcome as tables and figures name it (``data.OUTCOME_LABELS``)."""
        return OUTCOME_LABELS.get(self.outcome, self.outcome.upper())

    def methods(self) -> str:
        fit = "restricted maximum likelihood (REML)" if self.reml else "maximum likelihood"
        return (
            f"{self.label} at every assessment was modelled by a piecewise linear "
            "mixed model with a random intercept and slope per patient (unstructured "
            "covariance), time since the index date and a change of slope at the index date, "
            f"fitted by {fit} (as lme4); slopes are per year with Wald 95% "
            "confidence intervals.")


def _design(data: TrajectoryData) -> tuple[np.ndarray, list[str], list[str]]:
    v = data.visits
    t, ta = v["time"].to_numpy(), v["time_after"].to_numpy()
    cols, names = [np.ones(v.height), t, ta], ["(intercept)", "time", "time_after"]
    skip = {"patient_id", "date", "time", "time_after", "value", data.group}
    for c in v.columns:
        if c not in skip:
            cols.append(v[c].cast(pl.Float64).to_numpy())
            names.append(c)
    levels: list[str] = []
    if data.group:
        levels = sorted(v[data.group].cast(pl.String).unique().to_list())
        g = v[data.group].cast(pl.String).to_numpy()
        for lev in levels[1:]:
            d = (g == lev).astype(float)
            cols += [d, d * t, d * ta]
            names += [f"{lev}", f"{lev}:time", f"{lev}:time_after"]
    return np.column_stack(cols), names, levels


def _slope_rows(names: list[str], b: np.ndarray, cov: np.ndarray,
                levels: list[str]) -> list[dict[str, object]]:
    k = len(names)

    def c(*terms: str) -> np.ndarray:
        out = np.zeros(k)
        for term in terms:
            out[names.index(term)] = 1.0
        return out

    ref = f"{levels[0]}: " if len(levels) > 1 else ""
    rows = [wald_row(f"{ref}slope before", c("time"), b, cov),
            wald_row(f"{ref}slope after", c("time", "time_after"), b, cov),
            wald_row(f"{ref}change of slope", c("time_after"), b, cov)]
    for lev in levels[1:]:
        rows += [
            wald_row(f"{lev}: slope before", c("time", f"{lev}:time"), b, cov),
            wald_row(f"{lev}: slope after", c("time", "time_after", f"{lev}:time",
                                              f"{lev}:time_after"), b, cov),
            wald_row(f"{lev}: change of slope", c("time_after", f"{lev}:time_after"), b, cov),
            wald_row(f"{lev} - {levels[0]}: slope after",
                     c(f"{lev}:time", f"{lev}:time_after"), b, cov)]
    return rows


def _curve(x: np.ndarray, names: list[str], b: np.ndarray, cov: np.ndarray,
           levels: list[str]) -> pl.DataFrame:
    """The fitted mean at the covariates' means, per group over the group's own time range,
    with its 95% band."""
    frames = []
    dummies = [names.index(lev) for lev in levels[1:]]
    for lev in levels or [""]:
        mask = (x[:, names.index(lev)] == 1) if lev in levels[1:] else (
            ~np.any(x[:, dummies] == 1, axis=1) if dummies else np.ones(len(x), bool))
        lo, hi = float(x[mask, 1].min()), float(x[mask, 1].max())
        grid = np.unique(np.r_[np.linspace(lo, hi, 41), 0.0] if lo < 0 < hi else
                         np.linspace(lo, hi, 41))
        rows = np.tile(x.mean(axis=0), (grid.size, 1))
        rows[:, 0], rows[:, 1], rows[:, 2] = 1.0, grid, np.maximum(grid, 0)
        for other in levels[1:]:
            d = float(other == lev)
            for j, term in enumerate((other, f"{other}:time", f"{other}:time_after")):
                rows[:, names.index(term)] = d * (1, grid, np.maximum(grid, 0))[j]
        fit = rows @ b
        se = np.sqrt(np.einsum("ij,jk,ik->i", rows, cov, rows))
        frames.append(pl.DataFrame({"group": lev, "time": grid, "fit": fit,
                                    "ci_low": fit - Z * se, "ci_high": fit + Z * se}))
    return pl.concat(frames)


def fit_trajectory(data: TrajectoryData, reml: bool = True) -> TrajectoryFit:
    """Fit the piecewise mixed model (module docstring) to ``data``."""
    v = data.visits
    before = int((v["time"] < 0).sum()) if v.height else 0
    base: dict[str, Any] = {"outcome": data.outcome, "reml": reml, "n_patients": data.n_patients,
            "n_visits": v.height, "n_visits_before": before,
            "n_visits_after": v.height - before, "dropped": data.dropped}
    empty = estimate_table([])

    def not_fitted(note: str, warnings: tuple[str, ...] = ()) -> TrajectoryFit:
        return TrajectoryFit(converged=False, coefficients=empty, slopes=empty,
                             warnings=warnings, note=note, **base)

    if data.n_patients < 3 or before == 0 or before == v.height:
        return not_fitted("too few data: a random-slope model needs at least 3 patients "
                          "and visits both before and after the index date")
    x, names, levels = _design(data)
    if np.linalg.matrix_rank(x) < x.shape[1]:
        return not_fitted("the fixed effects are collinear (e.g. a group with no visit "
                          "before the index date)")
    y = v["value"].cast(pl.Float64).to_numpy()
    caught: list[str] = []
    result = run_captured(lambda: fit_mixed(y, x, x[:, 1], v["patient_id"].to_numpy(),
                                            reml), caught)
    if result is None:
        return not_fitted("the fit failed", tuple(caught))
    k = len(names)
    b, cov = result.params, result.cov
    if not result.converged or not np.all(np.isfinite(cov)) or not np.all(np.isfinite(b)):
        return not_fitted("the model did not converge (or its covariance is not finite): "
                          f"no estimate ({result.message})", tuple(caught))
    if result.singular:
        caught.append("singular fit: a random-effect variance is estimated at 0 (the "
                      "estimates stand; the random slope may be dropped)")
    se = np.sqrt(np.diag(cov))
    coef = [wald_row(n, np.eye(k)[i], b, cov) for i, n in enumerate(names)]
    for row, s in zip(coef, se, strict=True):
        row["se"] = float(s)
    re = result.cov_re
    variances = {"intercept": float(re[0, 0]), "slope": float(re[1, 1]),
                 "intercept_slope_cov": float(re[0, 1]), "residual": float(result.scale)}
    return TrajectoryFit(
        converged=True, coefficients=estimate_table(coef),
        slopes=estimate_table(_slope_rows(names, b, cov, levels)), variances=variances,
        log_likelihood=result.llf if math.isfinite(result.llf) else None,
        curve=_curve(x, names, b, cov, levels), warnings=tuple(caught), **base)

"""Kaplan-Meier estimates and the log-rank test.

* Kaplan-Meier: S(t) = prod over event times t_i <= t of (1 - d_i / n_i), with d_i events
  and n_i patients at risk just before t_i; a patient censored at t_i is at risk at t_i
  (Kaplan and Meier 1958). Greenwood's variance gives a log-log 95% interval.
* Log-rank (Mantel 1966): at each event time, the expected events of group g are
  n_g,i d_i / n_i; the statistic (O - E)' V^-1 (O - E) over all groups but one is chi-square
  with (groups - 1) degrees of freedom, V the hypergeometric covariance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import stats


def _at_risk(t: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Patients with ``t >= time`` for each of ``times`` (by binary search)."""
    return t.size - np.searchsorted(np.sort(t), times, side="left")


def _count_at(values: np.ndarray, times: np.ndarray) -> np.ndarray:
    """How many ``values`` equal each of ``times``."""
    v = np.sort(values)
    return np.searchsorted(v, times, side="right") - np.searchsorted(v, times, side="left")


def kaplan_meier(time: np.ndarray, event: np.ndarray) -> pl.DataFrame:
    """The survival curve: one row per distinct event time (``time``, ``at_risk``,
    ``events``, ``censored``, ``survival``, ``ci_low``, ``ci_high``)."""
    t = np.asarray(time, dtype=float)
    e = np.asarray(event, dtype=bool)
    order, d = np.unique(t[e], return_counts=True)
    n = _at_risk(t, order)
    c = _count_at(t[~e], order)
    s = np.cumprod(1 - d / n)
    with np.errstate(divide="ignore", invalid="ignore"):
        var_sum = np.cumsum(np.where(n > d, d / (n * (n - d)), 0.0))
        z = stats.norm.ppf(0.975)
        ok = (s > 0) & (s < 1) & (var_sum > 0)
        se = np.sqrt(var_sum) / np.abs(np.log(s))
        lo = np.where(ok, s ** np.exp(z * se), np.nan)
        hi = np.where(ok, s ** np.exp(-z * se), np.nan)
    return pl.DataFrame({"time": order, "at_risk": n.astype(np.int64),
                         "events": d.astype(np.int64), "censored": c.astype(np.int64),
                         "survival": s, "ci_low": lo, "ci_high": hi},
                        schema={"time": pl.Float64, "at_risk": pl.Int64, "events": pl.Int64,
                                "censored": pl.Int64, "survival": pl.Float64,
                                "ci_low": pl.Float64, "ci_high": pl.Float64}
                        ).with_columns(pl.col("ci_low", "ci_high").fill_nan(None))


def numbers_at_risk(times: pl.DataFrame, grid: list[float]) -> pl.DataFrame:
    """The risk set under a Kaplan-Meier plot: for each group of ``times`` (``group``,
    ``time`` of every patient's event or censoring) and each time t of ``grid``, the patients
    still followed at t (time >= t, as :func:`kaplan_meier`'s ``at_risk``; R
    ``summary(survfit, times)$n.risk``, lifelines' ``at_risk`` of ``event_table``)."""
    rows = [{"group": g, "time": float(t), "n_at_risk": int(n)}
            for (g,), part in times.group_by("group", maintain_order=True)
            for t, n in zip(grid, _at_risk(part["time"].to_numpy().astype(float),
                                           np.asarray(grid, dtype=float)), strict=True)]
    return pl.DataFrame(rows, schema={"group": pl.String, "time": pl.Float64,
                                      "n_at_risk": pl.Int64})


@dataclass(frozen=True)
class LogRank:
    chi2: float | None
    df: int
    p: float | None
    observed: dict[str, int]
    expected: dict[str, float]
    note: str | None
    caveat: str | None = None  #: why the test should not be read as evidence, when it should not


def log_rank(time: np.ndarray, event: np.ndarray, group: np.ndarray) -> LogRank:
    """Log-rank test of equal survival across the groups."""
    t = np.asarray(time, dtype=float)
    e = np.asarray(event, dtype=bool)
    g = np.asarray(group).astype(str)
    labels = sorted(set(g.tolist()))
    k = len(labels)
    obs = {lab: int((e & (g == lab)).sum()) for lab in labels}
    if k < 2:
        return LogRank(None, 0, None, obs, {lab: float(obs[lab]) for lab in labels},
                       "fewer than 2 groups: no test")
    times = np.unique(t[e])
    # at risk and events per event time (rows) and group (columns)
    at_risk = np.column_stack([_at_risk(t[g == lab], times) for lab in labels]).astype(float)
    d_g = np.column_stack([_count_at(t[e & (g == lab)], times) for lab in labels]).astype(float)
    n, d = at_risk.sum(axis=1), d_g.sum(axis=1)
    exp_g = at_risk * (d / n)[:, None]
    expected = exp_g.sum(axis=0)
    o_minus_e = (d_g - exp_g).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.where(n > 1, d * (n - d) / (n * n * (n - 1)), 0.0)
    v = np.diag((f * n) @ at_risk) - (at_risk * f[:, None]).T @ at_risk
    sub, vs = o_minus_e[:-1], v[:-1, :-1]
    if np.linalg.matrix_rank(vs) < k - 1:
        return LogRank(None, k - 1, None, obs, dict(zip(labels, expected.tolist(),
                                                        strict=True)),
                       "no events to compare: no test")
    chi2 = float(sub @ np.linalg.solve(vs, sub))
    return LogRank(chi2, k - 1, float(stats.chi2.sf(chi2, k - 1)), obs,
                   dict(zip(labels, expected.tolist(), strict=True)), None)

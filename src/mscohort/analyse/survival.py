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


def kaplan_meier(time: np.ndarray, event: np.ndarray) -> pl.DataFrame:
    """The survival curve: one row per distinct event time (``time``, ``at_risk``,
    ``events``, ``censored``, ``survival``, ``ci_low``, ``ci_high``)."""
    t = np.asarray(time, dtype=float)
    e = np.asarray(event, dtype=bool)
    order = np.unique(t[e])
    rows = []
    s, var_sum = 1.0, 0.0
    for ti in order:
        n = int((t >= ti).sum())
        d = int(((t == ti) & e).sum())
        c = int(((t == ti) & ~e).sum())
        s *= 1 - d / n
        if n > d:
            var_sum += d / (n * (n - d))
        if 0 < s < 1 and var_sum > 0:
            se = np.sqrt(var_sum) / abs(np.log(s))
            z = stats.norm.ppf(0.975)
            lo, hi = s ** np.exp(z * se), s ** np.exp(-z * se)
        else:
            lo = hi = None
        rows.append({"time": ti, "at_risk": n, "events": d, "censored": c, "survival": s,
                     "ci_low": lo, "ci_high": hi})
    return pl.DataFrame(rows, schema={"time": pl.Float64, "at_risk": pl.Int64,
                                      "events": pl.Int64, "censored": pl.Int64,
                                      "survival": pl.Float64, "ci_low": pl.Float64,
                                      "ci_high": pl.Float64})


@dataclass(frozen=True)
class LogRank:
    chi2: float | None
    df: int
    p: float | None
    observed: dict[str, int]
    expected: dict[str, float]
    note: str | None


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
    o_minus_e = np.zeros(k)
    expected = np.zeros(k)
    v = np.zeros((k, k))
    for ti in np.unique(t[e]):
        at_risk = np.array([((t >= ti) & (g == lab)).sum() for lab in labels], dtype=float)
        d_g = np.array([((t == ti) & e & (g == lab)).sum() for lab in labels], dtype=float)
        n, d = at_risk.sum(), d_g.sum()
        exp_g = at_risk * d / n
        expected += exp_g
        o_minus_e += d_g - exp_g
        if n > 1:
            f = d * (n - d) / (n * n * (n - 1))
            v += f * (np.diag(at_risk * n) - np.outer(at_risk, at_risk))
    sub, vs = o_minus_e[:-1], v[:-1, :-1]
    if np.linalg.matrix_rank(vs) < k - 1:
        return LogRank(None, k - 1, None, obs, dict(zip(labels, expected.tolist(),
                                                        strict=True)),
                       "no events to compare: no test")
    chi2 = float(sub @ np.linalg.solve(vs, sub))
    return LogRank(chi2, k - 1, float(stats.chi2.sf(chi2, k - 1)), obs,
                   dict(zip(labels, expected.tolist(), strict=True)), None)

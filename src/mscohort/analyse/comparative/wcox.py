"""The weighted Cox model (Efron's ties) with robust, cluster-robust errors (Lin and Wei
1989), and the weighted Kaplan-Meier curve with numbers at risk.

Notes
-----
* **Weighted partial likelihood, Efron's ties** (as R ``coxph(weights = )`` and lifelines
  ``weights_col``): at an event time with ``d`` events D of weights w_i and mean weight
  wbar, the term is sum_D w_i eta_i - wbar sum_{r<d} log(S0(R) - r/d S0(D)), S0 the sum of
  w exp(eta) over a set, R the risk set. Newton-Raphson from 0 with step halving (when
  the log-likelihood falls by more than 1e-12 of itself, its rounding) until no
  coefficient moves by 1e-10 (:mod:`mscohort.analyse.models.cox` fits with unit weights).
* **Robust variance** (Lin and Wei 1989): V = sum_g D_g D_g', D_g the sum over cluster g
  (a matched set, or a patient) of w_i U_i I^-1, U_i the Efron score residual of episode
  i (:func:`score_residuals`); no small-sample factor (as R ``coxph(cluster = )``, checked
  against it with and without tied times). lifelines' ``cluster_col`` sandwich uses
  another residual and differs from R's by a few percent; its estimates agree. Two-way
  clusters (a patient in several matched sets): Austin and Cafri's (2020) estimator,
  sum of sign k/(k-1) V over set, patient and set-and-patient.
* **Weighted Kaplan-Meier**: S(t) = prod (1 - d_w / n_w) over event times, d_w and n_w the
  summed weights of the events and of the episodes at risk; the unweighted numbers at risk
  are reported beside it (Xie and Liu 2005).

References
----------
Lin DY, Wei LJ. The robust inference for the Cox proportional hazards model. J Am Stat
Assoc 1989;84:1074-1078. Efron B. J Am Stat Assoc 1977;72:557-565. Xie J, Liu C. Adjusted
Kaplan-Meier estimator and log-rank test with inverse probability of treatment weighting
for survival data. Stat Med 2005;24:3089-3110.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from mscohort.analyse.comparative.clustering import Clusters, summed


@dataclass(frozen=True)
class WeightedCox:
    """Coefficients (log hazard ratios), model-based and robust covariances."""

    params: np.ndarray
    cov: np.ndarray  #: inverse information (model-based)
    robust_cov: np.ndarray  #: Lin-Wei sandwich, clustered when clusters were given
    converged: bool
    n_clusters: int


def _prepare(time: np.ndarray, event: np.ndarray) -> tuple[np.ndarray, np.ndarray,
                                                           np.ndarray, np.ndarray]:
    """Descending order, the distinct event times, each event's time index, and the last
    row (in descending order) of each event time's risk set."""
    order = np.argsort(-time, kind="stable")
    t = time[order]
    times = np.unique(t[event[order]])
    k = np.searchsorted(-t, -times, side="right") - 1
    idx = np.searchsorted(times, time[event])
    return order, times, k, idx


def _terms(time: np.ndarray, event: np.ndarray, x: np.ndarray, w: np.ndarray,
           b: np.ndarray, prep: tuple[np.ndarray, ...]
           ) -> tuple[float, np.ndarray, np.ndarray]:
    """Weighted Efron log partial likelihood, score and information at ``b``."""
    order, times, k, idx = prep
    p = x.shape[1]
    eta = x @ b
    r = w * np.exp(eta)
    xs, rs = x[order], r[order]
    s0 = np.cumsum(rs)[k]
    s1 = np.cumsum(xs * rs[:, None], axis=0)[k]
    s2 = np.cumsum(xs[:, :, None] * xs[:, None, :] * rs[:, None, None], axis=0)[k]
    m = times.size
    xe, we, re_ = x[event], w[event], r[event]
    d = np.bincount(idx, minlength=m).astype(float)
    wsum = np.bincount(idx, weights=we, minlength=m)
    d0 = np.bincount(idx, weights=re_, minlength=m)
    d1 = np.zeros((m, p))
    np.add.at(d1, idx, xe * re_[:, None])
    d2 = np.zeros((m, p, p))
    np.add.at(d2, idx, xe[:, :, None] * xe[:, None, :] * re_[:, None, None])
    # one row per event: its tie rank r = 0..d-1 within its time, f = r / d
    rank = np.arange(idx.size) - np.searchsorted(np.sort(idx), np.sort(idx))
    j = np.sort(idx)
    f = rank / d[j]
    wbar = (wsum / d)[j]
    den = s0[j] - f * d0[j]
    num1 = s1[j] - f[:, None] * d1[j]
    num2 = s2[j] - f[:, None, None] * d2[j]
    llf = float(np.sum(we * eta[event]) - np.sum(wbar * np.log(den)))
    score = (xe * we[:, None]).sum(axis=0) - (wbar[:, None] * num1 / den[:, None]).sum(axis=0)
    info = (wbar[:, None, None] * (num2 / den[:, None, None]
                                   - num1[:, :, None] * num1[:, None, :]
                                   / den[:, None, None] ** 2)).sum(axis=0)
    return llf, score, info


def _tie_rows(time: np.ndarray, event: np.ndarray, x: np.ndarray, w: np.ndarray,
              b: np.ndarray, prep: tuple[np.ndarray, ...]
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One row per event, by time and tie rank r: its time index j, f = r/d, the hazard
    increment wbar / den and the mean xbar = num1 / den of Efron's term; and the d."""
    order, times, k, idx = prep
    r = w * np.exp(x @ b)
    xs, rs = x[order], r[order]
    s0 = np.cumsum(rs)[k]
    s1 = np.cumsum(xs * rs[:, None], axis=0)[k]
    m = times.size
    d = np.bincount(idx, minlength=m).astype(float)
    wsum = np.bincount(idx, weights=w[event], minlength=m)
    d0 = np.bincount(idx, weights=r[event], minlength=m)
    d1 = np.zeros((m, x.shape[1]))
    np.add.at(d1, idx, x[event] * r[event][:, None])
    j = np.sort(idx)
    f = (np.arange(j.size) - np.searchsorted(j, j)) / d[j]
    den = s0[j] - f * d0[j]
    return j, f, (wsum / d)[j] / den, (s1[j] - f[:, None] * d1[j]) / den[:, None], d


def score_residuals(time: np.ndarray, event: np.ndarray, x: np.ndarray, w: np.ndarray,
                    b: np.ndarray) -> np.ndarray:
    """Efron score residuals U_i (as R's ``residuals(coxph, "score")``): for episode i,
    delta_i (x_i - mean_r xbar_r(t_i)) - exp(eta_i) sum over event times t_k <= t_i and
    tie ranks r of c h_kr (x_i - xbar_kr), h_kr = wbar_k / den_kr, c = 1 - r/d_k when i is
    one of the tied events at t_k, else 1. Without ties this is Breslow's form."""
    prep = _prepare(time, event)
    times, idx = prep[1], prep[3]
    m, p = times.size, x.shape[1]
    j, f, h, xbar, d = _tie_rows(time, event, x, w, b, prep)
    a_full = np.bincount(j, weights=h, minlength=m)
    a_tied = np.bincount(j, weights=(1 - f) * h, minlength=m)
    b_full, b_tied, xbar_mean = np.zeros((m, p)), np.zeros((m, p)), np.zeros((m, p))
    np.add.at(b_full, j, h[:, None] * xbar)
    np.add.at(b_tied, j, ((1 - f) * h)[:, None] * xbar)
    np.add.at(xbar_mean, j, xbar / d[j][:, None])
    before = np.searchsorted(times, time, side="left")  # event times strictly before t_i
    cum_a = np.r_[0.0, np.cumsum(a_full)][before]
    cum_b = np.vstack([np.zeros((1, p)), np.cumsum(b_full, axis=0)])[before]
    at = np.minimum(before, max(m - 1, 0))
    same = (before < m) & (times[at] == time) if m else np.zeros(time.size, bool)
    a_same = np.where(same, np.where(event, a_tied[at], a_full[at]), 0.0)
    b_same = np.where(same[:, None], np.where(event[:, None], b_tied[at], b_full[at]), 0.0)
    u = -np.exp(x @ b)[:, None] * (x * (cum_a + a_same)[:, None] - (cum_b + b_same))
    ev = np.flatnonzero(event)
    u[ev] += x[ev] - xbar_mean[idx]
    return u


def fit_weighted_cox(time: np.ndarray, event: np.ndarray, x: np.ndarray,
                     weights: np.ndarray | None = None,
                     clusters: np.ndarray | Clusters | None = None) -> WeightedCox:
    """The weighted Cox model with Lin-Wei robust errors, clustered by ``clusters`` (each
    episode its own cluster when omitted; two-way :class:`Clusters`: Austin and Cafri's
    estimator, :mod:`mscohort.analyse.comparative.clustering`)."""
    time = np.asarray(time, float)
    event = np.asarray(event).astype(bool)
    x = np.asarray(x, float).reshape(len(time), -1)
    w = np.ones(len(time)) if weights is None else np.asarray(weights, float)
    prep = _prepare(time, event)
    b = np.zeros(x.shape[1])
    llf, score, info = _terms(time, event, x, w, b, prep)
    converged = False
    for _ in range(50):
        step = np.linalg.solve(info, score)
        for _ in range(30):
            new = b + step
            llf_new, score_new, info_new = _terms(time, event, x, w, new, prep)
            # a decrease within the rounding of the summed log-likelihood is none (else
            # the last Newton steps are halved again and again by rounding noise)
            if llf_new >= llf - 1e-12 * max(1.0, abs(llf)):
                break
            step = step / 2
        b, llf, score, info = new, llf_new, score_new, info_new
        if np.max(np.abs(step)) < 1e-10:
            converged = True
            break
    cov = np.linalg.inv(info)
    dfb = (score_residuals(time, event, x, w, b) * w[:, None]) @ cov
    if isinstance(clusters, Clusters) and len(clusters.ways) > 1:
        # Austin and Cafri (2020): sum of sign k/(k-1) V over the clusterings
        return WeightedCox(b, cov, summed(dfb, clusters), converged, clusters.n_clusters)
    if isinstance(clusters, Clusters):
        clusters = clusters.ways[0][0]
    if clusters is not None:
        _, g = np.unique(np.asarray(clusters), return_inverse=True)
        by_cluster = np.zeros((int(g.max()) + 1, x.shape[1]))
        np.add.at(by_cluster, g, dfb)
        dfb = by_cluster
    return WeightedCox(b, cov, dfb.T @ dfb, converged, dfb.shape[0])


def weighted_km(time: np.ndarray, event: np.ndarray, weights: np.ndarray | None = None
                ) -> pl.DataFrame:
    """The weighted Kaplan-Meier curve: one row per distinct event time (``time``,
    ``at_risk`` (episodes), ``events`` (episodes), ``at_risk_weighted``,
    ``events_weighted``, ``survival``, ``cumulative_incidence`` = 1 - survival)."""
    t = np.asarray(time, float)
    e = np.asarray(event).astype(bool)
    w = np.ones(t.size) if weights is None else np.asarray(weights, float)
    times = np.unique(t[e])
    order = np.argsort(t, kind="stable")
    ts, ws = t[order], w[order]
    first = np.searchsorted(ts, times, side="left")
    n = t.size - first
    nw = np.r_[np.cumsum(ws[::-1])[::-1], 0.0][first]
    idx = np.searchsorted(times, t[e])
    d = np.bincount(idx, minlength=times.size)
    dw = np.bincount(idx, weights=w[e], minlength=times.size)
    s = np.cumprod(1 - dw / nw)
    return pl.DataFrame({"time": times, "at_risk": n.astype(np.int64),
                         "events": d.astype(np.int64), "at_risk_weighted": nw,
                         "events_weighted": dw, "survival": s,
                         "cumulative_incidence": 1 - s},
                        schema={"time": pl.Float64, "at_risk": pl.Int64, "events": pl.Int64,
                                "at_risk_weighted": pl.Float64,
                                "events_weighted": pl.Float64, "survival": pl.Float64,
                                "cumulative_incidence": pl.Float64})

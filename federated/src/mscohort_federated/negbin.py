"""The negative binomial before/after rate ratio, federated: what a centre returns and the
central rounds that fit the pooled model from it.

The model is :func:`mscohort.analyse.models.counts.before_after`'s: NB2 (Var y = mu +
alpha mu^2; Lawless 1987), log link, offset log person-years, two rows per patient of the
relapse population (before and after the index date), errors clustered by patient (CR1,
t(G-1) intervals; Cameron and Miller 2015). Every quantity is a sum over patients, so the
centres' sums give the pooled ones exactly:

* at (b, theta = log alpha) a centre returns the log-likelihood, the score X'(y - mu) /
  (1 + alpha mu), the expected information X'WX (W = mu / (1 + alpha mu)), the observed
  Hessian of (b, theta), the sum of its patients' score outer products and Pearson's
  sum (y - mu)^2 / mu (at alpha = 0);
* the central function maximises the profile likelihood over theta in [-12, 5] (the bounds
  of the pooled fit) by a bracketed Newton iteration on P'(theta) = dl/dtheta and
  P''(theta) = H_tt - H_tb H_bb^-1 H_bt, each profile point being Fisher scoring of b at
  that alpha until no coefficient moves by 1e-10 (as the pooled IRLS); the pooled fit's
  bounded Brent search reaches the same maximum within its tolerance (1e-7 on theta);
* the SE of log alpha is the pooled fit's: the profile's finite-difference curvature at
  theta +- 1e-3; the covariance of b is the CR1 sandwich c B M B with B = (sum X'WX)^-1,
  M = the summed score outer products and c = G/(G-1) (N-1)/(N-K).

The rows are then written by the pooled analysis' own
:func:`~mscohort.analyse.models.counts.robust_ratio_rows`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.special import polygamma, psi

from mscohort.analyse.models.counts import NegBinFit, nb_llf, robust_ratio_rows
from mscohort_federated.disclosure import SUPPRESSED, is_suppressed, small

#: The pooled fit's bounds of log alpha and its finite-difference step for the SE.
LOG_ALPHA_BOUNDS = (-12.0, 5.0)
CURVATURE_STEP = 1e-3
SCORING_TOLERANCE = 1e-10
MAX_ROUNDS = 100

Ask = Callable[[dict[str, object]], list[dict[str, object]]]


def _rows(frame: pl.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """y, X, offset of the before/after model (two rows per patient) and the patients."""
    g = frame.filter(pl.col("relapse_population"))
    y0, t0, y1, t1 = (g[c].cast(pl.Float64).to_numpy() for c in (
        "relapses_before", "years_before", "relapses_during", "years_during"))
    n = g.height
    x = np.column_stack([np.ones(2 * n), np.r_[np.zeros(n), np.ones(n)]])
    return np.r_[y0, y1], x, np.log(np.r_[t0, t1]), n


def negbin_terms(frame: pl.DataFrame, b: list[float], log_alpha: float | None, k: int
                 ) -> dict[str, object]:
    """A centre's sums of the before/after NB2 model at ``b`` and ``log_alpha`` (None: the
    Poisson model, alpha = 0): see the module notes. Suppressed below ``k`` patients."""
    y, x, offset, n = _rows(frame)
    if small(n, k):
        return dict(SUPPRESSED)
    if n == 0:
        return {"n": 0}
    alpha = 0.0 if log_alpha is None else math.exp(log_alpha)
    mu = np.exp(x @ np.asarray(b, dtype=float) + offset)
    scores = x * ((y - mu) / (1 + alpha * mu))[:, None]
    per_patient = scores[:n] + scores[n:]
    return {"n": n, "rows": int(y.size), "events_before": int(y[:n].sum()),
            "events_during": int(y[n:].sum()), "meat": (per_patient.T @ per_patient).tolist()
            } | nb_sums(y, x, offset, b, log_alpha)


def nb_sums(y: np.ndarray, x: np.ndarray, offset: np.ndarray, b: list[float],
            log_alpha: float | None) -> dict[str, object]:
    """The NB2 sums of any design at ``b`` and ``log_alpha`` (None: Poisson): the
    log-likelihood, score, expected information, Pearson's sum and, when alpha > 0, the
    score in log alpha and the observed Hessian of (b, log alpha) (module notes)."""
    alpha = 0.0 if log_alpha is None else math.exp(log_alpha)
    mu = np.exp(x @ np.asarray(b, dtype=float) + offset)
    denom = 1 + alpha * mu
    scores = x * ((y - mu) / denom)[:, None]
    out: dict[str, object] = {
        "llf": nb_llf(y, mu, alpha), "score": scores.sum(axis=0).tolist(),
        "fisher": ((x * (mu / denom)[:, None]).T @ x).tolist(),
        "pearson": float(np.sum((y - mu) ** 2 / mu))}
    if alpha > 0:
        r = 1 / alpha
        p = x.shape[1]
        l_r = psi(y + r) - psi(r) + math.log(r) + 1 - np.log(r + mu) - (r + y) / (r + mu)
        l_rr = (polygamma(1, y + r) - polygamma(1, r) + 1 / r - 1 / (r + mu)
                - (mu - y) / (r + mu) ** 2)
        h_bb = -(x * (mu * (1 + alpha * y) / denom**2)[:, None]).T @ x
        h_bt = x.T @ (-r * (y - mu) * mu / (r + mu) ** 2)
        hess = np.zeros((p + 1, p + 1))
        hess[:p, :p] = h_bb
        hess[:p, p] = hess[p, :p] = h_bt
        hess[p, p] = float(np.sum(r * r * l_rr + r * l_r))
        out |= {"score_log_alpha": float(np.sum(-r * l_r)), "hessian": hess.tolist()}
    return out


def _total(parts: list[dict[str, object]], key: str) -> np.ndarray:
    return np.sum([np.asarray(p[key], dtype=float) for p in parts if p.get("n")], axis=0)


def _profile(ask: Ask, b: np.ndarray, log_alpha: float | None
             ) -> tuple[np.ndarray, list[dict[str, object]]]:
    """b maximising the likelihood at ``log_alpha`` by Fisher scoring (the pooled IRLS) and
    the centres' sums there."""
    for _ in range(MAX_ROUNDS):
        parts = ask({"b": b.tolist(), "log_alpha": log_alpha})
        step = np.linalg.solve(_total(parts, "fisher"), _total(parts, "score"))
        if np.max(np.abs(step)) < SCORING_TOLERANCE:
            return b, parts
        b = b + step
    raise RuntimeError("negative binomial: Fisher scoring did not converge")


def _derivatives(parts: list[dict[str, object]]) -> tuple[float, float]:
    """P'(theta) and P''(theta) of the profile log-likelihood (envelope theorem)."""
    h = _total(parts, "hessian")
    p = h.shape[0] - 1
    grad = float(_total(parts, "score_log_alpha"))
    return grad, float(h[p, p] - h[p, :p] @ np.linalg.solve(h[:p, :p], h[:p, p]))


def fit_rounds(ask: Ask) -> tuple[dict[str, object] | None, dict[str, object] | None, int]:
    """The pooled before/after NB2 fit from the centres' sums: the rate ratio row and the
    dispersion row of ``mscohort analyse`` (None, None when a centre suppressed the
    relapse population or the model is not defined) and the number of rounds."""
    rounds = {"n": 0}

    def counted(arguments: dict[str, object]) -> list[dict[str, object]]:
        rounds["n"] += 1
        return ask(arguments)

    first = counted({"b": [0.0, 0.0], "log_alpha": None})
    if any(is_suppressed(p) for p in first):
        return None, None, rounds["n"]
    n = sum(int(p["n"]) for p in first)  # type: ignore[call-overload]
    ev0 = sum(int(p.get("events_before", 0)) for p in first)  # type: ignore[call-overload]
    ev1 = sum(int(p.get("events_during", 0)) for p in first)  # type: ignore[call-overload]
    if n < 2 or ev0 == 0 or ev1 == 0:
        return None, None, rounds["n"]
    rows = sum(int(p["rows"]) for p in first if p.get("n"))  # type: ignore[call-overload]
    found = profile_search(counted, np.zeros(2), rows)
    bread = np.linalg.inv(_total(found.parts, "fisher"))
    cov = (n / (n - 1) * (rows - 1) / (rows - 2)
           * (bread @ _total(found.parts, "meat") @ bread))
    fit = NegBinFit(["(intercept)", "after"], found.b, cov, math.exp(found.theta),
                    math.exp(found.theta) * found.se_log, found.llf, found.llf_poisson,
                    found.pearson, rows - 2)
    ratio, dispersion = robust_ratio_rows(fit, n, ev0 + ev1)
    return ratio, dispersion, rounds["n"]


@dataclass(frozen=True)
class Profile:
    """The pooled NB2 maximum found by :func:`profile_search`."""

    b: np.ndarray
    theta: float  #: log alpha
    parts: list[dict[str, object]]  #: the centres' sums at the maximum
    llf: float
    llf_poisson: float
    pearson: float  #: Pearson's chi-square of the Poisson fit / (rows - p)
    se_log: float  #: SE of log alpha from the profile's curvature


def profile_search(counted: Ask, start: np.ndarray, rows: int) -> Profile:
    """The Poisson fit, then the maximum of the profile likelihood over log alpha in its
    bounds (module notes), from the centres' sums of a design with ``rows`` rows."""
    b0, poisson = _profile(counted, start, None)
    llf0 = float(_total(poisson, "llf"))
    pearson = float(_total(poisson, "pearson")) / (rows - start.size)
    low, high = LOG_ALPHA_BOUNDS
    b, parts = _profile(counted, b0, low)
    grad, curv = _derivatives(parts)
    theta = low
    if grad > 0:  # the maximum is inside: bracketed Newton on P'(theta)
        theta, lo, hi = 0.0, low, high
        for _ in range(MAX_ROUNDS):
            b, parts = _profile(counted, b, theta)
            grad, curv = _derivatives(parts)
            lo, hi = (theta, hi) if grad > 0 else (lo, theta)
            nxt = theta - grad / curv if curv < 0 else (lo + hi) / 2
            if not lo < nxt < hi:
                nxt = (lo + hi) / 2
            if abs(nxt - theta) < SCORING_TOLERANCE or hi - lo < SCORING_TOLERANCE:
                break
            theta = nxt
        else:
            raise RuntimeError("negative binomial: the profile maximum was not found")
    llf = float(_total(parts, "llf"))
    side = [float(_total(_profile(counted, b, theta + s)[1], "llf"))
            for s in (CURVATURE_STEP, -CURVATURE_STEP)]
    fd = (-side[0] - 2 * -llf + -side[1]) / CURVATURE_STEP**2
    se_log = 1 / math.sqrt(fd) if fd > 0 else float("nan")
    return Profile(b, theta, parts, llf, llf0, pearson, se_log)

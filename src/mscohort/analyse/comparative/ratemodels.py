"""Weighted Poisson and negative binomial rate ratios with cluster-robust errors for a
comparison cohort.

Notes
-----
* Model: log E[y_i] = b0 + b1 treatment_i + log(years_i), y_i the relapses of episode i
  in its follow-up (years_i > 0), weighted by the design's weight w_i (1 in a 1:1 match;
  the matching, IPT or overlap weight otherwise).
* Poisson: the weighted score sum w_i x_i (y_i - mu_i) = 0, solved by Fisher scoring.
  Negative binomial (NB2, Var y = mu + alpha mu^2; Lawless 1987): the coefficients by
  weighted IRLS at each alpha and alpha maximising the weighted log-likelihood
  sum w_i l_i (as ``MASS::glm.nb(weights = )``), kept within exp(-12) to exp(5).
  The same profile-likelihood method as :func:`mscohort.analyse.models.counts.fit_negbin`,
  which is unweighted.
* Errors: cluster-robust sandwich (CR1) by matched set (matched designs) or by patient
  (weighted designs): c B (sum_g U_g U_g') B, B the inverse weighted information,
  U_g the summed weighted scores of cluster g, c = G/(G-1) (N-1)/(N-K)
  (``sandwich::vcovCL(type = "HC1")``; Cameron and Miller 2015). The 95% interval and
  p-value use t(G-1). When a patient appears more than once in a matched design, two-way
  by matched set and patient (:mod:`mscohort.analyse.comparative.clustering`).

References
----------
Cameron AC, Miller DL. A practitioner's guide to cluster-robust inference. J Hum Resour
2015;50:317-372. Lawless JF. Negative binomial and mixed Poisson regression. Can J Stat
1987;15:209-225.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats
from scipy.optimize import minimize_scalar
from scipy.special import gammaln

from mscohort.analyse.comparative.clustering import Clusters, summed


@dataclass(frozen=True)
class RateFit:
    """A weighted count model: coefficients, CR1 covariance, alpha (0 for Poisson)."""

    params: np.ndarray
    cov: np.ndarray
    alpha: float
    n_clusters: int
    converged: bool

    def ratio(self, term: int = 1) -> dict[str, float | None]:
        """exp(b) of ``term`` with its t(G-1) 95% interval and p-value."""
        b, se = float(self.params[term]), math.sqrt(float(self.cov[term, term]))
        df = self.n_clusters - 1
        if not se > 0 or df < 1:
            return {"ratio": math.exp(b), "ci_low": None, "ci_high": None, "p": None,
                    "se": se}
        q = float(stats.t.ppf(0.975, df))
        return {"ratio": math.exp(b), "ci_low": math.exp(b - q * se),
                "ci_high": math.exp(b + q * se), "p": float(2 * stats.t.sf(abs(b / se), df)),
                "se": se}


def _irls(y: np.ndarray, x: np.ndarray, off: np.ndarray, w: np.ndarray, alpha: float,
          start: np.ndarray | None = None) -> tuple[np.ndarray, bool]:
    b = np.zeros(x.shape[1]) if start is None else start.copy()
    if start is None:
        b[0] = math.log(max(float(w @ y), 0.5) / float(w @ np.exp(off)))
    for _ in range(100):
        mu = np.exp(x @ b + off)
        info = (x * (w * mu / (1 + alpha * mu))[:, None]).T @ x
        step = np.linalg.solve(info, x.T @ (w * (y - mu) / (1 + alpha * mu)))
        b = b + step
        if np.max(np.abs(step)) < 1e-10:
            return b, True
    return b, False


def weighted_llf(y: np.ndarray, mu: np.ndarray, w: np.ndarray, alpha: float) -> float:
    """sum w_i l_i of NB2 (Poisson when ``alpha`` = 0)."""
    if alpha == 0:
        return float(w @ (y * np.log(mu) - mu - gammaln(y + 1)))
    r = 1 / alpha
    return float(w @ (gammaln(y + r) - gammaln(r) - gammaln(y + 1)
                      + r * np.log(r / (r + mu)) + y * np.log(mu / (r + mu))))


def cr1(y: np.ndarray, x: np.ndarray, off: np.ndarray, w: np.ndarray, b: np.ndarray,
        alpha: float, clusters: np.ndarray | Clusters) -> tuple[np.ndarray, int]:
    """The CR1 cluster-robust covariance (module Notes) and the number of clusters (the
    smaller one of two-way clusters, :mod:`mscohort.analyse.comparative.clustering`)."""
    if not isinstance(clusters, Clusters):
        clusters = Clusters.one_way(clusters, "")
    mu = np.exp(x @ b + off)
    bread = np.linalg.inv((x * (w * mu / (1 + alpha * mu))[:, None]).T @ x)
    meat = summed(x * (w * (y - mu) / (1 + alpha * mu))[:, None], clusters)
    n, k = x.shape
    hc1 = (n - 1) / (n - k) if n > k else float("nan")
    return hc1 * (bread @ meat @ bread), clusters.n_clusters


def fit_rate(y: np.ndarray, x: np.ndarray, years: np.ndarray, weights: np.ndarray,
             clusters: np.ndarray | Clusters, family: str) -> RateFit:
    """A weighted ``"poisson"`` or ``"negbin"`` rate model (module Notes)."""
    off = np.log(years)
    b, ok = _irls(y, x, off, weights, 0.0)
    alpha = 0.0
    if family == "negbin":
        start = {"b": b}

        def minus_llf(log_alpha: float) -> float:
            bb, _ = _irls(y, x, off, weights, math.exp(log_alpha), start["b"])
            start["b"] = bb
            return -weighted_llf(y, np.exp(x @ bb + off), weights, math.exp(log_alpha))

        best = minimize_scalar(minus_llf, bounds=(-12.0, 5.0), method="bounded",
                               options={"xatol": 1e-8})
        alpha = math.exp(float(best.x))
        b, ok = _irls(y, x, off, weights, alpha, b)
        ok = ok and bool(best.success)
    cov, ng = cr1(y, x, off, weights, b, alpha, clusters)
    return RateFit(b, cov, alpha, ng, ok)

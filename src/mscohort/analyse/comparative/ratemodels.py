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
  sum w_i l_i (as ``MASS::glm.nb(weights = )``), kept within exp(-12) to exp(5). Found
  by Newton-Raphson on (b, log alpha) together (the joint maximum is the profile's
  maximum); if that does not converge, as the root of the profile score
  d l_p / d log(alpha) (:func:`profile_score`) by Brent's root finder; if the score does
  not change sign within the bounds, by a bounded search of the profile likelihood.
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
from scipy.optimize import brentq, minimize_scalar
from scipy.special import digamma, gammaln, polygamma

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
        # a two-way clustered variance can be negative in small samples (Cameron, Gelbach
        # and Miller 2011): no interval then
        v = float(self.cov[term, term])
        b, se = float(self.params[term]), math.sqrt(v) if v > 0 else float("nan")
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


#: log(alpha) is kept within these bounds (alpha from 6e-6, as no over-dispersion, to 148).
LOG_ALPHA_BOUNDS = (-12.0, 5.0)


def profile_score(y: np.ndarray, x: np.ndarray, off: np.ndarray, w: np.ndarray,
                  log_alpha: float, start: np.ndarray) -> tuple[float, np.ndarray]:
    """d l_p / d log(alpha) of the weighted NB2 profile log-likelihood l_p, and the
    coefficients at that alpha. With r = 1/alpha and the coefficients at their IRLS fit
    (where d l / d b = 0, so the profile's derivative is the partial one),
    d l / d r = sum w_i [psi(y_i + r) - psi(r) + log(r / (r + mu_i)) + (mu_i - y_i) /
    (r + mu_i)], and d r / d log(alpha) = -r."""
    r = math.exp(-log_alpha)
    b, _ = _irls(y, x, off, w, 1 / r, start)
    mu = np.exp(x @ b + off)
    dl_dr = float(w @ (_psi_differences(y, r, second=False)[0] + np.log(r / (r + mu))
                       + (mu - y) / (r + mu)))
    return -r * dl_dr, b


def _psi_differences(y: np.ndarray, r: float, second: bool = True
                     ) -> tuple[np.ndarray, np.ndarray | None]:
    """psi(y + r) - psi(r) and psi'(y + r) - psi'(r) of every row. For whole counts y
    (relapses) by the recurrence psi(z + 1) = psi(z) + 1/z: the sums over j < y of
    1/(r + j) and -1/(r + j)^2, tabled once per distinct count; else by scipy."""
    top = float(y.max()) if y.size else 0.0
    if top <= 100_000 and np.array_equal(y, np.floor(y)):
        steps = r + np.arange(int(top))
        k = y.astype(np.int64)
        one = np.r_[0.0, np.cumsum(1 / steps)][k]
        two = np.r_[0.0, np.cumsum(-1 / steps ** 2)][k] if second else None
        return one, two
    return (digamma(y + r) - digamma(r),
            polygamma(1, y + r) - polygamma(1, r) if second else None)


def _joint_newton(y: np.ndarray, x: np.ndarray, off: np.ndarray, w: np.ndarray,
                  b: np.ndarray) -> tuple[float, bool | None]:
    """The maximum of the weighted NB2 log-likelihood in (b, log alpha) together by
    Newton-Raphson with the observed Hessian, from the Poisson fit and the moment
    estimate of alpha; ``None`` unless it converges (every step below 1e-10) inside
    :data:`LOG_ALPHA_BOUNDS` to a point where the Hessian is negative definite.

    With r = 1/alpha, eta = x b + off and mu = exp(eta), per row:
    dl/deta = r (y - mu) / (r + mu); d2l/deta2 = -(r + y) r mu / (r + mu)^2;
    dl/dr = psi(y + r) - psi(r) + log(r / (r + mu)) + (mu - y) / (r + mu);
    d2l/dr2 = psi'(y + r) - psi'(r) + 1/r - 1/(r + mu) - (mu - y) / (r + mu)^2;
    d2l/dr deta = (y - mu) mu / (r + mu)^2; and for theta = log alpha (r = exp(-theta)):
    dl/dtheta = -r dl/dr, d2l/dtheta2 = r^2 d2l/dr2 + r dl/dr,
    d2l/dtheta deta = -r d2l/dr deta."""
    low, high = LOG_ALPHA_BOUNDS
    mu = np.exp(x @ b + off)
    moment = float(w @ ((y - mu) ** 2 - mu)) / float(w @ mu ** 2)
    if not moment > math.exp(low):
        return 0.0, None
    theta, k = math.log(moment), x.shape[1]
    for _ in range(100):
        r = math.exp(-theta)
        mu = np.exp(x @ b + off)
        rm = r + mu
        d_eta = r * (y - mu) / rm
        d2_eta = -(r + y) * r * mu / rm ** 2
        psi1, psi2 = _psi_differences(y, r)
        assert psi2 is not None
        d_r = psi1 + np.log(r / rm) + (mu - y) / rm
        d2_r = psi2 + 1 / r - 1 / rm - (mu - y) / rm ** 2
        d_r_eta = (y - mu) * mu / rm ** 2
        grad = np.r_[x.T @ (w * d_eta), -r * float(w @ d_r)]
        hess = np.empty((k + 1, k + 1))
        hess[:k, :k] = (x * (w * d2_eta)[:, None]).T @ x
        hess[:k, k] = hess[k, :k] = x.T @ (w * -r * d_r_eta)
        hess[k, k] = r * r * float(w @ d2_r) + r * float(w @ d_r)
        try:
            step = np.linalg.solve(hess, -grad)
        except np.linalg.LinAlgError:
            return 0.0, None
        b, theta = b + step[:k], theta + float(step[k])
        if not low < theta < high or not np.all(np.isfinite(step)):
            return 0.0, None
        if np.max(np.abs(step)) < 1e-10:
            negative = bool(np.all(np.linalg.eigvalsh(hess) < 0))
            return (theta, True) if negative else (0.0, None)
    return 0.0, None


def _profile_root(y: np.ndarray, x: np.ndarray, off: np.ndarray, w: np.ndarray,
                  b: np.ndarray) -> tuple[float, bool | None]:
    """The maximum of the profile likelihood as the root of its score (Brent's root
    finder on log alpha, to 1e-12); ``None`` when the score does not change sign within
    :data:`LOG_ALPHA_BOUNDS` (a maximum at a bound)."""
    start = {"b": b}

    def score(log_alpha: float) -> float:
        value, start["b"] = profile_score(y, x, off, w, log_alpha, start["b"])
        return value

    low, high = LOG_ALPHA_BOUNDS
    if not (score(low) > 0 > score(high)):
        return 0.0, None
    start["b"] = b
    root, info = brentq(score, low, high, xtol=1e-12, full_output=True)
    return float(root), bool(info.converged)


def _profile_search(y: np.ndarray, x: np.ndarray, off: np.ndarray, w: np.ndarray,
                    b: np.ndarray) -> tuple[float, bool]:
    """The maximum of the profile likelihood by a bounded scalar search (a maximum at or
    near a bound of :data:`LOG_ALPHA_BOUNDS`)."""
    start = {"b": b}

    def minus_llf(log_alpha: float) -> float:
        bb, _ = _irls(y, x, off, w, math.exp(log_alpha), start["b"])
        start["b"] = bb
        return -weighted_llf(y, np.exp(x @ bb + off), w, math.exp(log_alpha))

    best = minimize_scalar(minus_llf, bounds=LOG_ALPHA_BOUNDS, method="bounded",
                           options={"xatol": 1e-8})
    return float(best.x), bool(best.success)


def fit_rate(y: np.ndarray, x: np.ndarray, years: np.ndarray, weights: np.ndarray,
             clusters: np.ndarray | Clusters, family: str) -> RateFit:
    """A weighted ``"poisson"`` or ``"negbin"`` rate model (module Notes)."""
    off = np.log(years)
    b, ok = _irls(y, x, off, weights, 0.0)
    alpha = 0.0
    if family == "negbin":
        log_alpha, found = _joint_newton(y, x, off, weights, b)
        if found is None:  # no convergence: the root of the profile score
            log_alpha, found = _profile_root(y, x, off, weights, b)
        if found is None:  # no sign change of the profile score: search the bounds
            log_alpha, found = _profile_search(y, x, off, weights, b)
        alpha = math.exp(log_alpha)
        b, ok = _irls(y, x, off, weights, alpha, b)
        ok = ok and found
    cov, ng = cr1(y, x, off, weights, b, alpha, clusters)
    return RateFit(b, cov, alpha, ng, ok)

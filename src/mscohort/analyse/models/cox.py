"""The Cox proportional hazards model with Efron's method for tied event times, fitted by
Newton-Raphson on the log partial likelihood (Cox 1972; Efron 1977), as R's ``coxph``
default. statsmodels (``PHReg``) is a test-only dependency of mscohort, so the few lines
are here; they are checked against ``survival::coxph`` (tests/data/r_models/).

At each distinct event time with d events D in risk set R, Efron's term is
sum_D eta - sum_{r<d} log(S0(R) - r/d S0(D)), S0 the sum of exp(eta) over a set; the score
and information follow with S1 = sum x exp(eta) and S2 = sum x x' exp(eta).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class CoxFit:
    params: np.ndarray
    cov: np.ndarray
    converged: bool


def _terms(time: np.ndarray, event: np.ndarray, x: np.ndarray, b: np.ndarray
           ) -> tuple[float, np.ndarray, np.ndarray]:
    """Log partial likelihood, score and information at ``b``."""
    w = np.exp(x @ b)
    order = np.argsort(-time, kind="stable")
    t, e, xs, ws = time[order], event[order], x[order], w[order]
    s0 = np.cumsum(ws)
    s1 = np.cumsum(xs * ws[:, None], axis=0)
    s2 = np.cumsum(xs[:, :, None] * xs[:, None, :] * ws[:, None, None], axis=0)
    times = np.unique(t[e])
    # risk set at u: everyone with t >= u = the first k rows of the descending order
    k = np.searchsorted(-t, -times, side="right") - 1
    llf, score = 0.0, np.zeros(x.shape[1])
    info = np.zeros((x.shape[1], x.shape[1]))
    for j, u in enumerate(times):
        dm = e & (t == u)
        d = int(dm.sum())
        xd, wd = xs[dm], ws[dm]
        d0, d1 = wd.sum(), (xd * wd[:, None]).sum(axis=0)
        d2 = (xd[:, :, None] * xd[:, None, :] * wd[:, None, None]).sum(axis=0)
        llf += float(xd.sum(axis=0) @ b)
        score += xd.sum(axis=0)
        for r in range(d):
            f = r / d
            den = s0[k[j]] - f * d0
            num1 = s1[k[j]] - f * d1
            num2 = s2[k[j]] - f * d2
            llf -= float(np.log(den))
            score -= num1 / den
            info += num2 / den - np.outer(num1, num1) / den**2
    return llf, score, info


def fit_cox(time: np.ndarray, event: np.ndarray, x: np.ndarray) -> CoxFit:
    """Newton-Raphson from 0 with step halving, until no coefficient moves by 1e-10."""
    time = np.asarray(time, float)
    event = np.asarray(event).astype(bool)
    x = np.asarray(x, float)
    b = np.zeros(x.shape[1])
    llf, score, info = _terms(time, event, x, b)
    converged = False
    for _ in range(50):
        step = np.linalg.solve(info, score)
        for _ in range(30):
            new = b + step
            llf_new, score_new, info_new = _terms(time, event, x, new)
            if llf_new >= llf - 1e-12:
                break
            step = step / 2
        b, llf, score, info = new, llf_new, score_new, info_new
        if np.max(np.abs(step)) < 1e-10:
            converged = True
            break
    return CoxFit(b, np.linalg.inv(info), converged)

"""The Cox proportional hazards model with Efron's method for tied event times, fitted by
Newton-Raphson on the log partial likelihood (Cox 1972; Efron 1977), as R's ``coxph``
default. statsmodels (``PHReg``) is a test-only dependency of mscohort; the fit is the
weighted engine of :mod:`mscohort.analyse.comparative.wcox` with unit weights, checked
against ``survival::coxph`` here (tests/data/r_models/) and with weights there.

At each distinct event time with d events D in risk set R, Efron's term is
sum_D eta - sum_{r<d} log(S0(R) - r/d S0(D)), S0 the sum of exp(eta) over a set; the score
and information follow with S1 = sum x exp(eta) and S2 = sum x x' exp(eta).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mscohort.analyse.comparative.wcox import fit_weighted_cox


@dataclass(frozen=True)
class CoxFit:
    params: np.ndarray
    cov: np.ndarray
    converged: bool


def fit_cox(time: np.ndarray, event: np.ndarray, x: np.ndarray) -> CoxFit:
    """Newton-Raphson from 0 with step halving, until no coefficient moves by 1e-10: the
    weighted engine of :mod:`mscohort.analyse.comparative.wcox` with every weight 1."""
    fit = fit_weighted_cox(time, event, x)
    return CoxFit(fit.params, fit.cov, fit.converged)

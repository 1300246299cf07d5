"""The propensity score: a logistic regression of the treatment on the baseline covariates.

Notes
-----
The propensity score is the probability of receiving the treatment of interest given the
covariates, e(x) = P(T = 1 | x) (Rosenbaum & Rubin 1983), estimated by the logistic model
logit e(x) = b0 + b'x fitted by maximum likelihood with iteratively reweighted least squares
(Newton-Raphson; McCullagh & Nelder 1989, section 4.4): with eta = Xb, p = expit(eta) and
W = diag(p(1 - p)), b <- b + (X'WX)^-1 X'(y - p), until the deviance changes by less than
1e-12 relative. Standard errors: sqrt(diag((X'WX)^-1)) at the estimate. Checked against
statsmodels ``Logit`` (tests/test_comparative_propensity.py).

The design matrix has an intercept, each numeric term as it is, and each categorical term as
indicators of its levels but the first in sorted order (R's default treatment contrasts, as
``glm`` in the R fixture). A term with one value is an error naming it.

Separation (Albert & Anderson 1984): a level or indicator present only in one arm (quasi-
complete separation, seen before the fit), or fitted probabilities within 1e-10 of 0 or 1,
or no convergence in 50 iterations, raise :class:`SeparationError` naming the rule broken,
the covariate(s) that separate the arms and what to do
(:mod:`mscohort.analyse.comparative.separation`).

References
----------
Rosenbaum PR, Rubin DB. The central role of the propensity score in observational studies
for causal effects. Biometrika 1983;70:41-55.
Albert A, Anderson JA. On the existence of maximum likelihood estimates in logistic
regression models. Biometrika 1984;71:1-10.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.special import expit

from mscohort.analyse.comparative.separation import separation_message
from mscohort.errors import UsageError, bad_argument

MAX_ITER = 50
_EDGE = 1e-10


class SeparationError(UsageError):
    """The treatment is (quasi-)completely separated by some terms of the model: a choice
    of ``[comparison] covariates`` to change (a usage error, exit code 2)."""


@dataclass(frozen=True)
class Design:
    """The model matrix of the propensity score: ``matrix`` columns named ``columns``."""

    matrix: np.ndarray
    columns: tuple[str, ...]
    term_of: tuple[str, ...]  #: the term each column comes from ("(Intercept)" first)
    reference: tuple[tuple[str, str], ...] = ()  #: (term, reference level) of categoricals


def design_matrix(table: pl.DataFrame, terms: tuple[str, ...],
                  categorical: tuple[str, ...] = ()) -> Design:
    """Intercept, numeric ``terms`` as they are, ``categorical`` ones as level indicators
    (the first level in sorted order is the reference; column ``term=level``)."""
    cols: list[np.ndarray] = [np.ones(table.height)]
    names, term_of = ["(Intercept)"], ["(Intercept)"]
    reference: list[tuple[str, str]] = []
    for term in terms:
        values = table[term]
        if values.null_count():
            raise bad_argument(term, "a covariate without missing values (use [comparison] "
                               "missing)", f"{values.null_count()} missing")
        if term in categorical:
            levels = sorted(values.cast(pl.String).unique().to_list())
            if len(levels) < 2:
                raise bad_argument(term, "a covariate with at least two values", levels)
            text = values.cast(pl.String).to_numpy()
            reference.append((term, levels[0]))
            for level in levels[1:]:
                cols.append((text == level).astype(float))
                names.append(f"{term}={level}")
                term_of.append(term)
        else:
            x = values.cast(pl.Float64).to_numpy()
            if np.ptp(x) == 0:
                raise bad_argument(term, "a covariate with at least two values",
                                   float(x[0]))
            cols.append(x)
            names.append(term)
            term_of.append(term)
    return Design(np.column_stack(cols), tuple(names), tuple(term_of), tuple(reference))


@dataclass(frozen=True)
class PropensityModel:
    """A fitted propensity-score model (module Notes)."""

    columns: tuple[str, ...]
    coef: np.ndarray
    se: np.ndarray
    ps: np.ndarray  #: e(x) of every row
    n_iter: int
    deviance: float

    @property
    def logit(self) -> np.ndarray:
        """The linear predictor log(e / (1 - e)), MatchIt's ``link = "linear.logit"``."""
        return np.log(self.ps) - np.log1p(-self.ps)

    def table(self) -> pl.DataFrame:
        return pl.DataFrame({"term": list(self.columns), "coef": self.coef, "se": self.se})


def _binary_separation(design: Design, y: np.ndarray) -> list[tuple[str, str]]:
    """(term, how) of indicators (every level of a categorical term, the reference too)
    with all their episodes in one arm, or none of them outside it."""
    out = []
    cols = [(design.term_of[j], name, design.matrix[:, j])
            for j, name in enumerate(design.columns) if j]
    for term, level in design.reference:
        own = [j for j, t in enumerate(design.term_of) if t == term]
        cols.insert(0, (term, f"{term}={level}", 1 - design.matrix[:, own].sum(axis=1)))
    for term, name, x in cols:
        if not np.all((x == 0) | (x == 1)):
            continue
        for value in (0.0, 1.0):
            arms = np.unique(y[x == value])
            if arms.size == 1 and (x == value).any():
                out.append((term, f"{name} ({'all' if value else 'none'} in arm "
                                  f"{int(arms[0])})"))
    return out


def _irls(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, int, float, bool]:
    """IRLS from 0 (module Notes): coefficients, fitted probabilities, iterations, deviance
    and whether the deviance converged within :data:`MAX_ITER` iterations."""
    beta = np.zeros(x.shape[1])
    dev_old = np.inf
    p = expit(x @ beta)
    dev = np.inf
    for it in range(1, MAX_ITER + 1):
        w = p * (1 - p)
        info = x.T @ (x * w[:, None])
        try:
            beta = beta + np.linalg.solve(info, x.T @ (y - p))
        except np.linalg.LinAlgError:  # an information matrix singular in floating point
            return beta, p, it, dev, False
        eta = x @ beta
        p = expit(eta)
        dev = 2 * float(np.sum(np.logaddexp(0, eta) - y * eta))  # -2 log L, overflow-safe
        if abs(dev - dev_old) < 1e-12 * (abs(dev) + 0.1):
            return beta, p, it, dev, True
        dev_old = dev
    return beta, p, MAX_ITER, dev, False


def _fits(x: np.ndarray, y: np.ndarray) -> bool:
    """Whether the model of the columns ``x`` can be fitted: full rank, converged, no
    fitted probability within 1e-10 of 0 or 1."""
    if np.linalg.matrix_rank(x) < x.shape[1]:
        return False
    _, p, _, _, converged = _irls(x, y)
    return converged and not np.any((p < _EDGE) | (p > 1 - _EDGE))


def fit_logistic(design: Design, y: np.ndarray) -> PropensityModel:
    """Maximum-likelihood logistic regression by IRLS (module Notes)."""
    y = np.asarray(y, dtype=float)
    if y.ndim != 1 or y.size != design.matrix.shape[0] or not np.all((y == 0) | (y == 1)):
        raise bad_argument("y", "a 0/1 vector with one value per row of the design", y.shape)
    if y.min() == y.max():
        raise bad_argument("y", "both arms present", f"only arm {int(y[0])}")
    sep = _binary_separation(design, y)
    if sep:
        terms = list(dict.fromkeys(term for term, _ in sep))
        names = ", ".join(f"`{t}`" for t in terms)
        raise SeparationError(
            "The treatment is separated by: " + "; ".join(how for _, how in sep)
            + " (a level or indicator with all its episodes in one arm, or none outside it: "
            f"quasi-complete separation, Albert & Anderson 1984). Merge rare levels of {names}"
            f" or leave {'it' if len(terms) == 1 else 'them'} out of [comparison] covariates.")
    x = design.matrix
    if np.linalg.matrix_rank(x) < x.shape[1]:
        raise bad_argument("covariates", "terms that are not linear combinations of each "
                           "other", ", ".join(design.columns))
    beta, p, n_iter, dev, converged = _irls(x, y)
    if not converged:
        raise SeparationError(separation_message(
            f"no convergence in {MAX_ITER} iterations", design, y, beta, _fits))
    edge = (p < _EDGE) | (p > 1 - _EDGE)
    if edge.any():
        raise SeparationError(separation_message(
            f"fitted propensity scores within {_EDGE:g} of 0 or 1 for {int(edge.sum())} "
            "episode(s)", design, y, beta, _fits))
    w = p * (1 - p)
    cov = np.linalg.inv(x.T @ (x * w[:, None]))
    return PropensityModel(design.columns, beta, np.sqrt(np.diag(cov)), p, n_iter, dev)


def propensity_score(table: pl.DataFrame, terms: tuple[str, ...],
                     categorical: tuple[str, ...] = (), treatment: str = "treatment"
                     ) -> PropensityModel:
    """The propensity score of every row of ``table`` (module Notes)."""
    design = design_matrix(table, terms, categorical)
    return fit_logistic(design, table[treatment].cast(pl.Float64).to_numpy())

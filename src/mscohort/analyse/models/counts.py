"""Relapses as counts with person-time offsets: the rate ratio after vs before the index
date (negative binomial with patient-clustered errors, and the conditional Poisson model)
and between groups during follow-up (negative binomial, adjusted).

* Negative binomial (NB2: Var y = mu + alpha mu^2; Lawless 1987), log link, offset log
  person-years. alpha is estimated by maximising the profile likelihood (the coefficients
  by IRLS at each alpha, vectorised numpy: statsmodels' GLM took minutes on 100,000
  patients), which is the joint maximum ``MASS::glm.nb`` converges to (alpha = 1 / theta);
  alpha is kept within exp(-12) to exp(5).
  Before/after: two rows per patient, so the errors are cluster-robust by patient with
  the small-sample correction CR1
  (G/(G-1) (N-1)/(N-K)) and t(G-1) intervals (Cameron and Miller 2015).
* Conditional Poisson (patient fixed effects; each patient compared with themself):
  the likelihood conditional on each patient's total count (a binomial likelihood with
  offset log(t1/t0), fitted by Newton-Raphson; Cameron and Trivedi 2013, 9.2); patients
  with no relapse in either period carry no information. Equal to a Poisson GLM with one
  intercept per patient (the R check).
* Over-dispersion: alpha with its Wald 95% interval, the likelihood-ratio test of alpha = 0
  (chi-square(1) halved at the boundary; Self and Liang 1987) and the Pearson
  chi-square / df of the Poisson fit.
* Between groups: the on-treatment count over years_during, adjusted for ``group_adjust``
  (default: the pre-index ARR, age, disease duration and baseline EDSS); one row per
  patient, model-based errors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
from scipy import stats

from mscohort.analyse.models.fitting import captured, wald_row

RATIO_SCHEMA = {"model": pl.String, "comparison": pl.String, "n_patients": pl.Int64,
                "events": pl.Int64, "ratio": pl.Float64, "ci_low": pl.Float64,
                "ci_high": pl.Float64, "p": pl.Float64, "note": pl.String}
DISPERSION_SCHEMA = {"model": pl.String, "alpha": pl.Float64, "alpha_ci_low": pl.Float64,
                     "alpha_ci_high": pl.Float64, "lr_chi2": pl.Float64, "lr_p": pl.Float64,
                     "pearson_dispersion": pl.Float64}


@dataclass(frozen=True)
class NegBinFit:
    """A negative binomial fit: coefficients (log scale), their covariance, alpha."""

    names: list[str]
    params: np.ndarray
    cov: np.ndarray
    alpha: float
    alpha_se: float
    llf: float
    llf_poisson: float
    pearson_poisson: float
    df_resid: int


def _irls(y: np.ndarray, x: np.ndarray, offset: np.ndarray, alpha: float,
          start: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, float]:
    """NB2 (Poisson when ``alpha`` = 0) coefficients at fixed alpha by iteratively
    reweighted least squares (Fisher scoring: W = mu / (1 + alpha mu), working response
    eta + (y - mu) / mu) until no coefficient moves by 1e-10; returns b, the expected
    information X'WX and the log-likelihood."""
    b = np.zeros(x.shape[1]) if start is None else start.copy()
    if start is None:
        b[0] = math.log(max(y.sum(), 0.5) / np.exp(offset).sum())
    for _ in range(100):
        mu = np.exp(x @ b + offset)
        w = mu / (1 + alpha * mu)
        info = (x * w[:, None]).T @ x
        step = np.linalg.solve(info, x.T @ ((y - mu) / (1 + alpha * mu)))
        b = b + step
        if np.max(np.abs(step)) < 1e-10:
            break
    mu = np.exp(x @ b + offset)
    return b, (x * (mu / (1 + alpha * mu))[:, None]).T @ x, nb_llf(y, mu, alpha)


def nb_llf(y: np.ndarray, mu: np.ndarray, alpha: float) -> float:
    """The NB2 log-likelihood (Poisson when alpha = 0)."""
    from scipy.special import gammaln

    if alpha == 0:
        return float(np.sum(y * np.log(mu) - mu - gammaln(y + 1)))
    r = 1 / alpha
    return float(np.sum(gammaln(y + r) - gammaln(r) - gammaln(y + 1)
                        + r * np.log(r / (r + mu)) + y * np.log(mu / (r + mu))))


def fit_negbin(y: np.ndarray, x: np.ndarray, names: list[str], offset: np.ndarray,
               caught: list[str], clusters: np.ndarray | None = None) -> NegBinFit | None:
    """NB2 by maximum likelihood: alpha maximises the profile likelihood (the coefficients
    fitted by IRLS at each alpha, as ``MASS::glm.nb`` alternates them); errors
    cluster-robust (CR1) when ``clusters`` is given, else model-based (expected
    information, as ``glm.nb``). The SE of log alpha is from the profile's curvature."""
    from scipy.optimize import minimize_scalar

    with captured(caught):
        try:
            b0, _, llf0 = _irls(y, x, offset, 0.0)
            mu0 = np.exp(x @ b0 + offset)
            pearson = float(np.sum((y - mu0) ** 2 / mu0) / (len(y) - x.shape[1]))
            start = {"b": b0}

            def minus_llf(log_alpha: float) -> float:
                b, _, llf = _irls(y, x, offset, math.exp(log_alpha), start["b"])
                start["b"] = b
                return -llf

            best = minimize_scalar(minus_llf, bounds=(-12.0, 5.0), method="bounded",
                                   options={"xatol": 1e-7})
            la = float(best.x)
            h = 1e-3
            curv = (minus_llf(la + h) - 2 * minus_llf(la) + minus_llf(la - h)) / h**2
            b, info, llf = _irls(y, x, offset, math.exp(la), b0)
        except (np.linalg.LinAlgError, ValueError, FloatingPointError) as exc:
            caught.append(f"negative binomial: {type(exc).__name__}: {exc}")
            return None
    if not best.success or not np.all(np.isfinite(b)):
        caught.append("negative binomial: maximum likelihood did not converge")
        return None
    se_log = 1 / math.sqrt(curv) if curv > 0 else float("nan")
    alpha = math.exp(la)
    cov = (cluster_robust(y, x, offset, b, alpha, clusters) if clusters is not None
           else np.linalg.inv(info))
    return NegBinFit(names, b, cov, alpha, alpha * se_log, llf, llf0, pearson,
                     len(y) - x.shape[1])


def cluster_robust(y: np.ndarray, x: np.ndarray, offset: np.ndarray, params: np.ndarray,
                   alpha: float, clusters: np.ndarray) -> np.ndarray:
    """CR1 sandwich covariance of NB2 coefficients clustered by ``clusters``:
    c B (sum_g U_g U_g') B with B = (X'WX)^-1, W = mu / (1 + alpha mu), U_g the sum of the
    scores x (y - mu) / (1 + alpha mu) of cluster g, c = G/(G-1) (N-1)/(N-K) (as
    ``sandwich::vcovCL(type = "HC1")`` and statsmodels' GLM ``cov_type="cluster"`` default)."""
    mu = np.exp(x @ params + offset)
    bread = np.linalg.inv((x * (mu / (1 + alpha * mu))[:, None]).T @ x)
    _, g = np.unique(clusters, return_inverse=True)
    u = np.zeros((int(g.max()) + 1, x.shape[1]))
    np.add.at(u, g, x * ((y - mu) / (1 + alpha * mu))[:, None])
    n, k, ng = x.shape[0], x.shape[1], u.shape[0]
    return ng / (ng - 1) * (n - 1) / (n - k) * (bread @ (u.T @ u) @ bread)


def dispersion_row(model: str, fit: NegBinFit) -> dict[str, object]:
    """alpha with its interval (none at the lower bound exp(-12), where the data show no
    over-dispersion and alpha is reported as 0), the LR test and Pearson's dispersion."""
    lr = max(2 * (fit.llf - fit.llf_poisson), 0.0)
    z = stats.norm.ppf(0.975)
    boundary = fit.alpha < math.exp(-11.5)
    # Wald interval on log alpha (delta method), so that it stays positive
    s = fit.alpha_se / fit.alpha if fit.alpha > 0 else float("nan")
    low, high = ((None, None) if boundary or not math.isfinite(s) else
                 (fit.alpha * math.exp(-z * s), fit.alpha * math.exp(z * s)))
    return {"model": model, "alpha": 0.0 if boundary else fit.alpha, "alpha_ci_low": low,
            "alpha_ci_high": high, "lr_chi2": lr, "lr_p": 0.5 * float(stats.chi2.sf(lr, 1)),
            "pearson_dispersion": fit.pearson_poisson}


@dataclass(frozen=True)
class CountModels:
    """Rate ratios of the count models, over-dispersion and what the fits said."""

    ratios: pl.DataFrame  #: RATIO_SCHEMA
    dispersion: pl.DataFrame  #: DISPERSION_SCHEMA
    warnings: tuple[str, ...] = ()
    adjusted: pl.DataFrame = field(default_factory=pl.DataFrame)  #: between-group terms


def _row(model: str, comparison: str, n: int, events: int, est: dict[str, object] | None,
         note: str | None = None) -> dict[str, object]:
    out = {"model": model, "comparison": comparison, "n_patients": n, "events": events,
           "ratio": None, "ci_low": None, "ci_high": None, "p": None, "note": note}
    if est is not None:
        out |= {k: est[k] for k in ("ci_low", "ci_high", "p")} | {"ratio": est["estimate"]}
    return out


def conditional_poisson(y0: np.ndarray, t0: np.ndarray, y1: np.ndarray, t1: np.ndarray,
                        caught: list[str]) -> dict[str, object] | None:
    """The conditional Poisson rate ratio of two periods: given a patient's total
    n = y0 + y1, y1 is binomial(n, p) with logit p = log RR + log(t1 / t0) (the conditional
    likelihood; Cameron and Trivedi 2013, 9.2). statsmodels' ``ConditionalPoisson`` is not
    used: it drops every patient whose two counts are equal (e.g. 1 and 1), who are
    informative here."""
    from scipy.special import expit

    ok = (y0 + y1) > 0
    if ok.sum() < 1 or y1[ok].sum() == 0 or y0[ok].sum() == 0:
        return None
    n, k, off = (y0 + y1)[ok], y1[ok], np.log(t1[ok] / t0[ok])
    b = math.log(k.sum() / (n - k).sum()) - float(np.mean(off))
    for _ in range(100):  # Newton-Raphson on the binomial log-likelihood (concave)
        p = expit(b + off)
        info = float(np.sum(n * p * (1 - p)))
        step = float(np.sum(k - n * p)) / info
        b += step
        if abs(step) < 1e-12:
            break
    else:
        caught.append("conditional Poisson: Newton-Raphson did not converge")
        return None
    p = expit(b + off)
    return wald_row("after", np.array([1.0]), np.array([b]),
                    np.array([[1 / float(np.sum(n * p * (1 - p)))]]), math.exp)


def robust_ratio_rows(fit: NegBinFit, n: int, events: int
                      ) -> tuple[dict[str, object], dict[str, object]]:
    """The after/before rate ratio row of a before/after NB2 fit with patient-clustered
    (CR1) covariance, its t(G-1) interval and p (G = ``n`` patients; Cameron and Miller
    2015), and the fit's over-dispersion row (:func:`dispersion_row`)."""
    comp = "after / before the index date"
    est: dict[str, Any] = wald_row("after", np.array([0.0, 1.0]), fit.params, fit.cov,
                                   math.exp)
    q = stats.t.ppf(0.975, n - 1)  # t(G-1) reference distribution
    log_rr, se = math.log(float(est["estimate"])), float(est["se"])
    note = None
    if se > 0:
        est |= {"ci_low": math.exp(log_rr - q * se), "ci_high": math.exp(log_rr + q * se),
                "p": float(2 * stats.t.sf(abs(log_rr / se), n - 1))}
    else:  # every patient's scores cancel (e.g. all have the same counts)
        est |= {"ci_low": None, "ci_high": None, "p": None}
        note = "the cluster-robust standard error is 0: no interval"
    return (_row("negative binomial (cluster-robust)", comp, n, events, est, note),
            dispersion_row("negative binomial (before/after)", fit))


def before_after(counts: pl.DataFrame, caught: list[str]
                 ) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """The after/before rate ratio by negative binomial (cluster-robust, t(G-1)) and by
    conditional Poisson; one row per patient of ``counts``."""
    n = counts.height
    y0 = counts["relapses_before"].cast(pl.Float64).to_numpy()
    y1 = counts["relapses_during"].cast(pl.Float64).to_numpy()
    t0 = counts["years_before"].to_numpy()
    t1 = counts["years_during"].to_numpy()
    events = int(y0.sum() + y1.sum())
    comp = "after / before the index date"
    if n < 2 or y0.sum() == 0 or y1.sum() == 0:
        note: str | None = "fewer than 2 patients or no relapse in one period: no model"
        return ([_row(m, comp, n, events, None, note) for m in
                 ("negative binomial (cluster-robust)", "conditional Poisson")], [])
    y = np.r_[y0, y1]
    period = np.r_[np.zeros(n), np.ones(n)]
    x = np.column_stack([np.ones(2 * n), period])
    offset = np.log(np.r_[t0, t1])
    pid = np.r_[np.arange(n), np.arange(n)]
    rows, disp = [], []
    fit = fit_negbin(y, x, ["(intercept)", "after"], offset, caught, clusters=pid)
    if fit is None:
        rows.append(_row("negative binomial (cluster-robust)", comp, n, events, None,
                         "the fit failed or did not converge: no estimate"))
    else:
        row, dispersion = robust_ratio_rows(fit, n, events)
        rows.append(row)
        disp.append(dispersion)
    informative = (y0 + y1) > 0
    cp = conditional_poisson(y0, t0, y1, t1, caught)
    if cp is None:
        rows.append(_row("conditional Poisson", comp, int(informative.sum()), events, None,
                         "the fit failed: no estimate"))
    else:
        rows.append(_row("conditional Poisson", comp, int(informative.sum()), events, cp))
    return rows, disp


def between_groups(counts: pl.DataFrame, group: str, adjust: tuple[str, ...],
                   caught: list[str]) -> tuple[list[dict[str, object]],
                                               list[dict[str, object]], pl.DataFrame]:
    """On-treatment rate ratio of each group vs the first (alphabetical), adjusted."""
    model = "negative binomial (adjusted)"
    frame = counts.filter(pl.col(group).is_not_null()) if group else counts.clear()
    levels = sorted(frame[group].cast(pl.String).unique().to_list()) if group else []
    if len(levels) < 2:
        return [_row(model, f"groups of {group or 'none'}", frame.height, 0, None,
                     "fewer than 2 groups: no comparison")], [], pl.DataFrame()
    complete = frame.drop_nulls(list(adjust))
    note = (f"{frame.height - complete.height} patient(s) without "
            f"{', '.join(adjust)} left out" if complete.height < frame.height else None)
    g = complete[group].cast(pl.String).to_numpy()
    names = ["(intercept)", *levels[1:], *adjust]
    x = np.column_stack([np.ones(complete.height), *((g == lev).astype(float)
                                                      for lev in levels[1:]),
                         *(complete[c].cast(pl.Float64).to_numpy() for c in adjust)])
    y = complete["relapses_during"].cast(pl.Float64).to_numpy()
    events = int(y.sum())
    comps = [f"{lev} / {levels[0]}, on treatment" for lev in levels[1:]]
    if np.linalg.matrix_rank(x) < x.shape[1] or events == 0:
        return [_row(model, c, complete.height, events, None,
                     "no relapse or collinear covariates: no model") for c in comps], [], \
            pl.DataFrame()
    fit = fit_negbin(y, x, names, np.log(complete["years_during"].to_numpy()), caught)
    if fit is None:
        return [_row(model, c, complete.height, events, None, "the fit failed or did not "
                     "converge: no estimate") for c in comps], [], pl.DataFrame()
    k = len(names)
    rows = [_row(model, c, complete.height, events,
                 wald_row(lev, np.eye(k)[i + 1], fit.params, fit.cov, math.exp), note)
            for i, (c, lev) in enumerate(zip(comps, levels[1:], strict=True))]
    terms = pl.DataFrame([wald_row(nm, np.eye(k)[i], fit.params, fit.cov, math.exp)
                          for i, nm in enumerate(names)])
    return rows, [dispersion_row("negative binomial (between groups)", fit)], terms


def count_models(counts: pl.DataFrame, group: str, adjust: tuple[str, ...],
                 fit: tuple[str, ...] = ("counts", "between_groups")) -> CountModels:
    """The count models asked for in ``fit`` on the patients of ``counts``
    (:func:`mscohort.analyse.models.data.count_data`)."""
    caught: list[str] = []
    rows, disp, terms = [], [], pl.DataFrame()
    if "counts" in fit:
        r, d = before_after(counts, caught)
        rows += r
        disp += d
    if "between_groups" in fit:
        r, d, terms = between_groups(counts, group, adjust, caught)
        rows += r
        disp += d
    return CountModels(pl.DataFrame(rows, schema=RATIO_SCHEMA, orient="row"),
                       pl.DataFrame(disp, schema=DISPERSION_SCHEMA, orient="row"),
                       tuple(caught), terms)

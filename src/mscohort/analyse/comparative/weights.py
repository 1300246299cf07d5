"""Inverse-probability-of-treatment weights and overlap weights from the propensity score.

Notes
-----
With e the propensity score, t the treatment (1/0) and p = mean(t):

* IPTW, ATE: w = t / e + (1 - t) / (1 - e); stabilised: w = t p / e + (1 - t)(1 - p) / (1 - e)
  (Robins, Hernan & Brumback 2000; Xu, Ross & Chen 2010);
* IPTW, ATT: w = t + (1 - t) e / (1 - e); stabilised: the control weights times (1 - p) / p,
  so that they sum to about the number of controls (Austin & Stuart 2015);
* truncation at percentiles (low, high): weights below the low percentile are set to it,
  weights above the high one to it (numpy's linear percentile, R ``quantile`` type 7; Cole &
  Hernan 2008); (0, 100) leaves them unchanged. ATE: the percentiles of all weights. ATT:
  the treated weights are 1 and are left as they are; the percentiles are those of the
  comparator episodes' weights and only those are truncated (as WeightIt's ``trim()`` for
  the ATT, which trims the comparison units only): pooled percentiles would cap a share of
  the comparator weights set by the number of treated episodes;
* PS bounds (low, high): episodes with e < low or e > high are left out before the weights
  are computed (trimming the non-overlap region; Crump et al. 2009); p is computed on the
  episodes kept;
* overlap weights (ATO): w = t (1 - e) + (1 - t) e (Li, Morgan & Zaslavsky 2018); they need
  no truncation and balance the means of the model's terms exactly.

References
----------
Xu S, Ross C, Raebel MA, et al. Use of stabilized inverse propensity scores as weights to
directly estimate relative risk and its confidence intervals. Value Health 2010;13:273-277.
Austin PC, Stuart EA. Moving towards best practice when using inverse probability of
treatment weighting (IPTW). Stat Med 2015;34:3661-3679.
Cole SR, Hernan MA. Constructing inverse probability weights for marginal structural models.
Am J Epidemiol 2008;168:656-664.
Crump RK, Hotz VJ, Imbens GW, Mitnik OA. Dealing with limited overlap in estimation of average
treatment effects. Biometrika 2009;96:187-199.
Li F, Morgan KL, Zaslavsky AM. Balancing covariates via propensity score weighting. J Am Stat
Assoc 2018;113:390-400.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mscohort.errors import bad_argument

ESTIMANDS = ("ATE", "ATT")
METHODS = ("iptw", "overlap")


@dataclass(frozen=True)
class Weights:
    """Weights of the episodes kept (``kept``: within the PS bounds) and their settings."""

    weights: np.ndarray  #: one per row; 0 for rows outside the PS bounds
    kept: np.ndarray  #: rows within the PS bounds
    method: str
    estimand: str
    stabilised: bool
    trim_percentiles: tuple[float, float]
    ps_bounds: tuple[float, float]

    def methods(self) -> str:
        """A methods sentence naming every setting."""
        if self.method == "overlap":
            return ("Overlap weights (treated: 1 - PS; comparator: PS) estimate the effect in "
                    "the population with clinical equipoise (Li, Morgan & Zaslavsky 2018).")
        lo, hi = self.trim_percentiles
        of = ("of the comparator episodes' weights (the treated weights are 1)"
              if self.estimand == "ATT" else "of all weights")
        trim = (f" truncated at the {lo:g}th and {hi:g}th percentiles {of}"
                if (lo, hi) != (0.0, 100.0) else "")
        bounds = (f"; episodes with a PS outside {self.ps_bounds[0]:g}-{self.ps_bounds[1]:g} "
                  "were left out" if self.ps_bounds != (0.0, 1.0) else "")
        target = ("the average treatment effect in the treated" if self.estimand == "ATT"
                  else "the average treatment effect")
        return (f"{'Stabilised i' if self.stabilised else 'I'}nverse-probability-of-treatment"
                f" weights for the {self.estimand} ({target}){trim}{bounds}.")


def _check(ps: np.ndarray, treat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    e = np.asarray(ps, dtype=float)
    t = np.asarray(treat, dtype=float)
    if e.ndim != 1 or t.shape != e.shape or not np.all((e > 0) & (e < 1)):
        raise bad_argument("ps", "probabilities strictly between 0 and 1, one per row of "
                           "treat", f"{e.size} values, range {e.min():g}-{e.max():g}"
                           if e.size else "none")
    if not np.all((t == 0) | (t == 1)):
        raise bad_argument("treat", "0 or 1 for every row", np.unique(t).tolist())
    return e, t


def truncate(w: np.ndarray, percentiles: tuple[float, float]) -> np.ndarray:
    """``w`` with values outside its ``percentiles`` set to them (Cole & Hernan 2008)."""
    lo, hi = percentiles
    if not 0 <= lo < hi <= 100:
        raise bad_argument("trim_percentiles", "(low, high) with 0 <= low < high <= 100",
                           percentiles)
    if (lo, hi) == (0, 100):
        return w
    a, b = np.percentile(w, [lo, hi])
    return np.clip(w, a, b)


def iptw(ps: np.ndarray, treat: np.ndarray, *, estimand: str = "ATE",
         stabilised: bool = True, trim_percentiles: tuple[float, float] = (0.0, 100.0)
         ) -> np.ndarray:
    """IPT weights (module Notes)."""
    e, t = _check(ps, treat)
    if estimand not in ESTIMANDS:
        raise bad_argument("estimand", "one of " + ", ".join(ESTIMANDS), estimand)
    p = t.mean()
    if estimand == "ATE":
        w = t / e + (1 - t) / (1 - e)
        if stabilised:
            w = np.where(t == 1, w * p, w * (1 - p))
    else:
        w = t + (1 - t) * e / (1 - e)
        if stabilised:
            w = np.where(t == 1, w, w * (1 - p) / p)
        control = t == 0
        w[control] = truncate(w[control], trim_percentiles)  # module Notes
        return w
    return truncate(w, trim_percentiles)


def overlap_weights(ps: np.ndarray, treat: np.ndarray) -> np.ndarray:
    """Overlap weights t (1 - e) + (1 - t) e (Li, Morgan & Zaslavsky 2018)."""
    e, t = _check(ps, treat)
    return t * (1 - e) + (1 - t) * e


def weigh(ps: np.ndarray, treat: np.ndarray, *, method: str = "iptw", estimand: str = "ATE",
          stabilised: bool = True, trim_percentiles: tuple[float, float] = (0.0, 100.0),
          ps_bounds: tuple[float, float] = (0.0, 1.0)) -> Weights:
    """Weights of every row after leaving out rows outside ``ps_bounds`` (module Notes)."""
    e, t = _check(ps, treat)
    if method not in METHODS:
        raise bad_argument("method", "one of " + ", ".join(METHODS), method)
    lo, hi = ps_bounds
    if not 0 <= lo < hi <= 1:
        raise bad_argument("ps_bounds", "(low, high) with 0 <= low < high <= 1", ps_bounds)
    kept = (e >= lo) & (e <= hi)
    if not (t[kept] == 1).any() or not (t[kept] == 0).any():
        raise bad_argument("ps_bounds", "bounds that keep episodes of both arms", ps_bounds)
    w = np.zeros(e.size)
    w[kept] = (overlap_weights(e[kept], t[kept]) if method == "overlap" else
               iptw(e[kept], t[kept], estimand=estimand, stabilised=stabilised,
                    trim_percentiles=trim_percentiles))
    return Weights(w, kept, method, estimand, stabilised,
                   (float(trim_percentiles[0]), float(trim_percentiles[1])),
                   (float(lo), float(hi)))

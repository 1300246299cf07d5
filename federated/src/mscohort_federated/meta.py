"""Heterogeneity between centres and the random-effects companion estimate.

Inverse-variance meta-analysis of one estimate per centre (y_c, variance v_c):

* fixed effect: w_c = 1 / v_c, y = sum w y / sum w;
* Cochran's Q = sum w_c (y_c - y)^2 with k - 1 degrees of freedom, and
  I^2 = max(0, (Q - (k - 1)) / Q) (Higgins and Thompson 2002, Stat Med 21:1539);
* DerSimonian and Laird (1986, Control Clin Trials 7:177):
  tau^2 = max(0, (Q - (k - 1)) / (sum w - sum w^2 / sum w)), w*_c = 1 / (v_c + tau^2),
  y_RE = sum w* y / sum w*, SE = 1 / sqrt(sum w*), 95% interval y_RE +/- 1.96 SE.

Checked against statsmodels ``combine_effects(..., method_re="dl")``. The pooled federated
estimate stays the primary one (it is the pooled analysis); the random-effects estimate is
a companion that says how much the centres differ.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class MetaAnalysis:
    k: int
    fixed: float | None
    q: float | None
    p_q: float | None
    i2: float | None  #: a share (0-1)
    tau2: float | None
    random: float | None
    random_se: float | None
    random_ci_low: float | None
    random_ci_high: float | None
    note: str | None = None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def dersimonian_laird(effects: list[float], variances: list[float]) -> MetaAnalysis:
    """The module's estimates from one (effect, variance) per centre."""
    y, v = np.asarray(effects, dtype=float), np.asarray(variances, dtype=float)
    k = int(y.size)
    if k < 2 or np.any(v <= 0):
        return MetaAnalysis(k, None, None, None, None, None, None, None, None, None,
                            "fewer than 2 centres with a variance: no meta-analysis")
    w = 1 / v
    fixed = float((w * y).sum() / w.sum())
    q = float((w * (y - fixed) ** 2).sum())
    df = k - 1
    i2 = max(0.0, (q - df) / q) if q > 0 else 0.0
    tau2 = max(0.0, (q - df) / (w.sum() - (w ** 2).sum() / w.sum()))
    ws = 1 / (v + tau2)
    re = float((ws * y).sum() / ws.sum())
    se = 1 / math.sqrt(float(ws.sum()))
    z = float(stats.norm.ppf(0.975))
    return MetaAnalysis(k, fixed, q, float(stats.chi2.sf(q, df)), i2, tau2, re, se,
                        re - z * se, re + z * se)

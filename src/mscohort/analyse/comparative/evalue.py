"""The E-value: how strong unmeasured confounding would have to be to explain away an
estimate (VanderWeele and Ding 2017).

Notes
-----
For a risk ratio RR >= 1 the E-value is ``RR + sqrt(RR (RR - 1))``; for RR < 1 it is that
of 1 / RR. It is the minimum strength of association, on the risk-ratio scale, that an
unmeasured confounder would need with both the treatment and the outcome, conditional on
the measured covariates, to move the estimate to 1. For the confidence interval the
E-value is that of the limit closer to 1, and 1 when the interval contains 1.

Other ratios are first converted to the risk-ratio scale (the paper's Table 2):

* a **rate ratio** (count outcome) is used as a risk ratio (VanderWeele and Ding treat a
  rate ratio as a risk ratio; relapses per patient-year are a rate);
* a **hazard ratio** is used as a risk ratio when the outcome is rare (under 15% at the
  end of follow-up); when it is common, ``RR = (1 - 0.5^sqrt(HR)) / (1 - 0.5^sqrt(1/HR))``;
* an **odds ratio** is used as a risk ratio when the outcome is rare, else its square root.

References
----------
VanderWeele TJ, Ding P. Sensitivity analysis in observational research: introducing the
E-value. Ann Intern Med 2017;167:268-274. doi:10.7326/M16-2607.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from mscohort.errors import bad_argument

#: The ratio scales accepted by :func:`e_value`.
RATIO_KINDS = ("risk_ratio", "rate_ratio", "hazard_ratio", "odds_ratio")


@dataclass(frozen=True)
class EValue:
    """The E-values of an estimate and of its confidence limit closer to 1."""

    estimate: float  #: of the point estimate
    ci: float  #: of the confidence limit closer to 1 (1 when the interval contains 1)
    kind: str
    rare: bool

    def methods(self) -> str:
        conv = {"risk_ratio": "used as it is",
                "rate_ratio": "used as a risk ratio",
                "hazard_ratio": ("used as a risk ratio (rare outcome)" if self.rare else
                                 "converted as (1 - 0.5^sqrt(HR)) / (1 - 0.5^sqrt(1/HR)) "
                                 "(common outcome)"),
                "odds_ratio": ("used as a risk ratio (rare outcome)" if self.rare else
                               "converted by its square root (common outcome)")}[self.kind]
        return (f"E-values for unmeasured confounding (VanderWeele and Ding 2017) were "
                f"computed for the point estimate and the confidence limit closer to 1; "
                f"the {self.kind.replace('_', ' ')} was {conv}.")


def as_risk_ratio(ratio: float, kind: str, rare: bool = True) -> float:
    """``ratio`` on the risk-ratio scale (module Notes)."""
    if kind not in RATIO_KINDS:
        raise bad_argument("kind", "one of " + ", ".join(RATIO_KINDS), kind)
    if not (isinstance(ratio, int | float) and math.isfinite(ratio) and ratio > 0):
        raise bad_argument("ratio", "a finite number > 0", ratio)
    if kind == "hazard_ratio" and not rare:
        return (1 - 0.5 ** math.sqrt(ratio)) / (1 - 0.5 ** math.sqrt(1 / ratio))
    if kind == "odds_ratio" and not rare:
        return math.sqrt(ratio)
    return float(ratio)


def e_value_rr(rr: float) -> float:
    """The E-value of a risk ratio: ``RR + sqrt(RR (RR - 1))`` for RR >= 1, else of 1/RR."""
    if not (math.isfinite(rr) and rr > 0):
        raise bad_argument("rr", "a finite number > 0", rr)
    r = rr if rr >= 1 else 1 / rr
    return r + math.sqrt(r * (r - 1))


def e_value(ratio: float, ci_low: float, ci_high: float, kind: str = "risk_ratio",
            rare: bool = True) -> EValue:
    """The E-values of ``ratio`` and of its 95% limit closer to 1 (module Notes)."""
    if not ci_low <= ratio <= ci_high:
        raise bad_argument("ci_low, ci_high", "limits around the ratio", (ci_low, ci_high),
                           shown=f"{ci_low:g} to {ci_high:g} around {ratio:g}")
    rr = as_risk_ratio(ratio, kind, rare)
    lo, hi = (as_risk_ratio(v, kind, rare) for v in (ci_low, ci_high))
    ci = 1.0 if lo <= 1 <= hi else e_value_rr(lo if rr > 1 else hi)
    return EValue(e_value_rr(rr), ci, kind, rare)

"""Exact combination of the centres' aggregates into the statistics of a pooled analysis.

* Moments (Chan, Golub and LeVeque 1983): n = sum n_c, mean = sum(sum_c) / n,
  m2 = sum(m2_c + n_c (mean_c - mean)^2); SD = sqrt(m2 / (n - 1)). These equal the pooled
  values up to floating-point rounding (checked against ``mscohort analyse`` to 1e-9).
* From them, as :mod:`mscohort.analyse.stats`, :mod:`~mscohort.analyse.estimates` and
  :mod:`~mscohort.analyse.effects` define them: Student's one-sample / paired t-test
  (t = mean / (SD / sqrt n), df = n - 1, two-sided), the t interval of the mean, d_z =
  mean / SD with its noncentral-t interval; Wilson intervals of shares; exact Poisson
  intervals of pooled rates (Garwood 1936).
* A cell that any centre suppressed is suppressed in the pooled result too: the pooled
  count minus the other centres' counts would give the suppressed cell away
  (complementary suppression).
* "All values equal" (no test, as mscohort says) is m2 below the rounding noise of the
  mean: values at the analysis precision that differ do so by at least 1e-9.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats

from mscohort.analyse.effects import d_z_of
from mscohort.analyse.estimates import wilson
from mscohort.analyse.rates import pooled_rate
from mscohort_federated.disclosure import is_suppressed

SUPPRESSED_TEXT = "suppressed"


@dataclass(frozen=True)
class Moments:
    """Pooled n, sum and centred sum of squares (min and max only when every centre sent
    them)."""

    n: int
    total: float
    m2: float
    minimum: float | None = None
    maximum: float | None = None

    @property
    def mean(self) -> float | None:
        return self.total / self.n if self.n else None

    @property
    def sd(self) -> float | None:
        return math.sqrt(self.m2 / (self.n - 1)) if self.n > 1 else None

    @property
    def all_equal(self) -> bool:
        mean = self.mean or 0.0
        return self.m2 <= self.n * (1e-13 * max(1.0, abs(mean))) ** 2


def add_moments(cells: list[object]) -> Moments | None:
    """The pooled moments of the centres' cells; None when any centre suppressed its cell."""
    if any(is_suppressed(c) for c in cells):
        return None
    parts = [c for c in cells if isinstance(c, dict) and c.get("n")]
    n = sum(int(c["n"]) for c in parts)
    if n == 0:
        return Moments(0, 0.0, 0.0)
    total = sum(float(c["sum"]) for c in parts)
    mean = total / n
    m2 = sum(float(c["m2"]) + int(c["n"]) * (float(c["sum"]) / int(c["n"]) - mean) ** 2
             for c in parts)
    ranges = all("min" in c for c in parts)
    return Moments(n, total, m2, min(c["min"] for c in parts) if ranges else None,
                   max(c["max"] for c in parts) if ranges else None)


def _t_test(m: Moments) -> tuple[float | None, float | None]:
    """t and two-sided p of the mean against 0; None when undefined."""
    if m.n < 2 or m.all_equal:
        return None, None
    t = m.total / m.n / (m.sd / math.sqrt(m.n))  # type: ignore[operator]
    return t, float(2 * stats.t.sf(abs(t), m.n - 1))


def cell_stats(m: Moments | None, signed: bool) -> dict[str, object]:
    """n, mean, SD, t interval, p of the t-test and d_z (signed measures) of one cell."""
    if m is None:
        return {"status": SUPPRESSED_TEXT}
    out: dict[str, object] = {"n": m.n, "mean": m.mean, "sd": m.sd, "min": m.minimum,
                              "max": m.maximum, "ci_low": None, "ci_high": None,
                              "status": "exact" if m.minimum is not None else
                              "exact (range suppressed)"}
    if m.n >= 2:
        if m.all_equal:
            out |= {"ci_low": m.mean, "ci_high": m.mean}
        else:
            half = float(stats.t.ppf(0.975, m.n - 1)) * m.sd / math.sqrt(m.n)  # type: ignore[operator]
            out |= {"ci_low": m.mean - half, "ci_high": m.mean + half}  # type: ignore[operator]
    if signed:
        out["p_t"] = _t_test(m)[1]
        if m.n >= 2 and not m.all_equal:
            eff = d_z_of(m.mean / m.sd, m.n)  # type: ignore[operator]
            out |= {"d_z": eff.d, "d_z_ci_low": eff.ci_low, "d_z_ci_high": eff.ci_high}
    return out


def paired_stats(cells: list[object]) -> dict[str, object]:
    """A paired comparison (after - before) from the centres' paired moments, as
    :func:`mscohort.analyse.stats.paired` (Wilcoxon's test needs the pooled ranks: not
    combinable)."""
    m = add_moments(cells)
    if m is None:
        return {"status": SUPPRESSED_TEXT}
    parts = [c for c in cells if isinstance(c, dict) and c.get("n")]
    out: dict[str, object] = {
        "n": m.n, "mean_difference": m.mean,
        "mean_before": sum(c["before"] for c in parts) / m.n if m.n else None,
        "mean_after": sum(c["after"] for c in parts) / m.n if m.n else None,
        "ci_low": None, "ci_high": None, "t": None, "df": None, "p_t": None,
        "note": None, "status": "exact (Wilcoxon test not combinable)"}
    if m.n < 2:
        return out | {"note": "fewer than 2 pairs: no test"}
    if m.all_equal:
        return out | {"ci_low": m.mean, "ci_high": m.mean, "df": m.n - 1,
                      "note": "all differences are equal: no test"}
    t, p = _t_test(m)
    half = float(stats.t.ppf(0.975, m.n - 1)) * m.sd / math.sqrt(m.n)  # type: ignore[operator]
    eff = d_z_of(m.mean / m.sd, m.n)  # type: ignore[operator]
    return out | {"ci_low": m.mean - half, "ci_high": m.mean + half, "t": t,  # type: ignore[operator]
                  "df": m.n - 1, "p_t": p, "d_z": eff.d, "d_z_ci_low": eff.ci_low,
                  "d_z_ci_high": eff.ci_high}


def add_counts(cells: list[object]) -> int | None:
    """The pooled count; None when any centre suppressed it."""
    if any(is_suppressed(c) for c in cells):
        return None
    return sum(int(c) for c in cells)  # type: ignore[call-overload]


def share_stats(cells: list[object]) -> dict[str, object]:
    """k of n with Wilson's interval (NEDA-3 and its components)."""
    if any(is_suppressed(c) for c in cells):
        return {"status": SUPPRESSED_TEXT}
    n = sum(int(c["n"]) for c in cells)  # type: ignore[index]
    k = sum(int(c["k"]) for c in cells)  # type: ignore[index]
    w = wilson(k, n)
    return {"n": n, "k": k, "share": k / n if n else None, "ci_low": w.ci_low,
            "ci_high": w.ci_high, "status": "exact"}


def rate_stats(events: int, years: float) -> dict[str, object]:
    """Pooled rate with its exact Poisson interval (mscohort.analyse.rates.pooled_rate)."""
    r = pooled_rate([events], [years])  # type: ignore[arg-type]
    return {"events": r.events, "person_years": r.person_years, "rate": r.rate,
            "ci_low": r.ci_low, "ci_high": r.ci_high}

"""The conditional Poisson before/after rate ratio, federated
(:func:`mscohort.analyse.models.counts.conditional_poisson`).

Given a patient's total count n = y0 + y1, y1 is binomial(n, p) with
logit p = log RR + log(t1 / t0) (Cameron and Trivedi 2013, 9.2); patients without a relapse
in either period carry no information. The log-likelihood, its score
sum(k - n p) and information sum(n p (1 - p)) are sums over patients, so each Newton step
of the pooled fit is the centres' sums at the current log RR:

* round 0: each centre returns its informative patients, sum k, sum (n - k) and the sum
  of the offsets log(t1 / t0) (the pooled start log(sum k / sum(n - k)) - mean offset);
* then at each log RR b the score and information; the central function steps
  b += score / information until the step is below 1e-12 (the pooled fit's rule) and
  writes the row with the pooled analysis' own ``wald_row`` (Wald interval, normal p).

Disclosure: a relapse population or an informative group of 1 to ``min_cell_size`` - 1
patients at a centre is suppressed, and the pooled row with it.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import polars as pl
from scipy.special import expit

from mscohort.analyse.models.fitting import wald_row
from mscohort_federated.combine import SUPPRESSED_TEXT
from mscohort_federated.disclosure import SUPPRESSED, is_suppressed, small
from mscohort_federated.model_rows import model_row

MODEL = "conditional Poisson"
COMPARISON = "after / before the index date"
NEWTON_TOLERANCE = 1e-12
MAX_ITERATIONS = 100

Ask = Callable[[dict[str, object]], list[dict[str, object]]]


def cpoisson_terms(frame: pl.DataFrame, b: float | None, k: int) -> dict[str, object]:
    """A centre's sums (module notes) at log RR ``b`` (None: the starting sums)."""
    g = frame.filter(pl.col("relapse_population"))
    y0, t0, y1, t1 = (g[c].cast(pl.Float64).to_numpy() for c in (
        "relapses_before", "years_before", "relapses_during", "years_during"))
    ok = (y0 + y1) > 0
    if small(g.height, k) or small(int(ok.sum()), k):
        return dict(SUPPRESSED)
    n, kk, off = (y0 + y1)[ok], y1[ok], np.log(t1[ok] / t0[ok])
    out: dict[str, object] = {"population": g.height, "n": int(ok.sum()),
                              "events_before": int(y0.sum()), "events_during": int(y1.sum())}
    if b is None:
        return out | {"k": float(kk.sum()), "n_minus_k": float((n - kk).sum()),
                      "offset": float(off.sum())}
    p = expit(b + off)
    return out | {"score": float(np.sum(kk - n * p)), "information": float(np.sum(n * p * (1 - p)))}


def cpoisson_rounds(ask: Ask) -> tuple[dict[str, object], int]:
    """The pooled conditional Poisson row (the columns of ``models_rate_ratios``) and the
    number of rounds."""
    first = ask({"b": None})
    if any(is_suppressed(p) for p in first):
        return {"model": MODEL, "comparison": COMPARISON, "status": SUPPRESSED_TEXT}, 1
    population = sum(int(p["population"]) for p in first)  # type: ignore[call-overload]
    informative = sum(int(p["n"]) for p in first)  # type: ignore[call-overload]
    ev0 = sum(int(p["events_before"]) for p in first)  # type: ignore[call-overload]
    ev1 = sum(int(p["events_during"]) for p in first)  # type: ignore[call-overload]
    if population < 2 or ev0 == 0 or ev1 == 0:  # before_after: no model at all
        return model_row(MODEL, COMPARISON, population, ev0 + ev1,
                         "fewer than 2 patients or no relapse in one period: no model"), 1
    k = sum(float(p["k"]) for p in first)  # type: ignore[arg-type]
    rest = sum(float(p["n_minus_k"]) for p in first)  # type: ignore[arg-type]
    b = math.log(k / rest) - sum(float(p["offset"]) for p in first) / informative  # type: ignore[arg-type]
    rounds = 1
    for _ in range(MAX_ITERATIONS):
        parts = ask({"b": b})
        rounds += 1
        step = (sum(float(p["score"]) for p in parts)  # type: ignore[arg-type]
                / sum(float(p["information"]) for p in parts))  # type: ignore[arg-type]
        b += step
        if abs(step) < NEWTON_TOLERANCE:
            break
    else:
        return model_row(MODEL, COMPARISON, informative, ev0 + ev1,
                         "the fit failed: no estimate"), rounds
    parts = ask({"b": b})
    info = sum(float(p["information"]) for p in parts)  # type: ignore[arg-type]
    est = wald_row("after", np.array([1.0]), np.array([b]), np.array([[1 / info]]), math.exp)
    return model_row(MODEL, COMPARISON, informative, ev0 + ev1, None, est), rounds + 1

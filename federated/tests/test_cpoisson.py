"""The federated conditional Poisson before/after rate ratio equals the pooled fit
(:func:`mscohort.analyse.models.counts.conditional_poisson` in ``mscohort analyse``) to
1e-9, and a Poisson GLM with one intercept per patient (statsmodels, the model's
definition); a small centre suppresses it."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from mscohort.analyse.models.counts import before_after
from mscohort.analyse.rates import relapse_population
from mscohort_federated.cpoisson import cpoisson_rounds, cpoisson_terms

from .conftest import Network

TOL = {"abs": 1e-9, "rel": 1e-9}
KEYS = ("n_patients", "events", "ratio", "ci_low", "ci_high", "p")


def _frame(seed: int, n: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    return pl.DataFrame({
        "relapse_population": [True] * n,
        "relapses_before": rng.negative_binomial(2, 0.5, n).astype(float),
        "years_before": rng.uniform(1, 4, n),
        "relapses_during": rng.negative_binomial(2, 0.7, n).astype(float),
        "years_during": rng.uniform(1, 4, n)})


def _fit(parts: list[pl.DataFrame], k: int = 5) -> tuple[dict, int]:
    return cpoisson_rounds(lambda a: [cpoisson_terms(p, a["b"], k) for p in parts])


def test_conditional_poisson_of_the_network_equals_the_pooled_fit(net: Network) -> None:
    counts = net.pooled.models.counts.ratios  # type: ignore[union-attr]
    want = counts.filter(pl.col("model") == "conditional Poisson").to_dicts()[0]
    (got,) = net.result["models_conditional_poisson"]
    small = any(0 < o.filter(relapse_population()).height < 5 for o in net.centres)
    if small:
        assert got["status"] == "suppressed" and "ratio" not in got
        return
    for key in KEYS:
        assert got[key] == pytest.approx(want[key], **TOL), key
    assert net.result["rounds"]["cpoisson_rounds"] < 20


def test_three_centres_give_the_pooled_fit_and_the_patient_intercept_glm() -> None:
    """Seeded counts cut 150 / 90 / 60 against ``before_after`` on all 300 patients and
    against statsmodels: GLM(Poisson) with one intercept per patient and the period, offset
    log person-years (the conditional likelihood's estimate; Cameron and Trivedi 2013)."""
    import statsmodels.api as sm

    frame = _frame(11, 300)
    row, _ = _fit([frame[:150], frame[150:240], frame[240:]])
    rows, _ = before_after(frame, [])
    want = next(r for r in rows if r["model"] == "conditional Poisson")
    for key in KEYS:
        assert row[key] == pytest.approx(want[key], **TOL), key
    inf = frame.filter((pl.col("relapses_before") + pl.col("relapses_during")) > 0)
    n = inf.height
    y = np.r_[inf["relapses_before"].to_numpy(), inf["relapses_during"].to_numpy()]
    x = np.column_stack([np.r_[np.zeros(n), np.ones(n)], np.vstack([np.eye(n)] * 2)])
    off = np.log(np.r_[inf["years_before"].to_numpy(), inf["years_during"].to_numpy()])
    glm = sm.GLM(y, x, family=sm.families.Poisson(), offset=off).fit(tol=1e-12)
    assert row["ratio"] == pytest.approx(float(np.exp(glm.params[0])), rel=1e-7)
    assert row["n_patients"] == n


def test_a_small_centre_suppresses_the_conditional_poisson_row() -> None:
    assert cpoisson_terms(_frame(3, 4), None, 5) == {"suppressed": True}
    row, rounds = _fit([_frame(2, 40), _frame(3, 4)])
    assert row == {"model": "conditional Poisson",
                   "comparison": "after / before the index date", "status": "suppressed"}
    assert rounds == 1


def test_no_relapse_in_one_period_gives_no_model_as_the_pooled_analysis_says() -> None:
    frame = _frame(5, 20).with_columns(pl.lit(0.0).alias("relapses_during"))
    row, _ = _fit([frame[:10], frame[10:]])
    (want,) = [r for r in before_after(frame, [])[0] if r["model"] == "conditional Poisson"]
    assert row["note"] == want["note"] and row["ratio"] is None

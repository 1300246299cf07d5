"""Standardised mean differences and variance ratios (#25): by hand and against MatchIt's
summary() on the R fixture."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from mscohort.analyse.comparative.balance import (
    balance_columns,
    balance_table,
    smd,
    variance_ratio,
)
from mscohort.analyse.comparative.matching import nearest_match
from mscohort.analyse.comparative.propensity import propensity_score
from mscohort.errors import InvalidArgumentError
from tests.test_comparative_matching import R_CONFIGS
from tests.test_comparative_propensity import FIXTURE, TERMS, fixture

X = np.array([1.0, 2, 3, 4, 5, 6])
T = np.array([1, 1, 1, 0, 0, 0])


def test_smd_of_a_continuous_covariate_by_hand() -> None:
    # means 2 and 5, sample variances 1 and 1: pooled SD 1
    assert smd(X, T) == pytest.approx(-3.0, abs=1e-12)
    # weighted treated mean (1 + 2 + 2 * 3) / 4 = 2.25; the denominator stays the
    # unadjusted pooled SD (Austin 2009)
    w = np.array([1, 1, 2, 1, 1, 1.0])
    assert smd(X, T, w) == pytest.approx(-2.75, abs=1e-12)


def test_smd_of_a_binary_covariate_uses_proportions() -> None:
    x = np.array([1.0, 1, 0, 1, 0, 0])
    # p 2/3 and 1/3; variances p(1-p) = 2/9 each; (1/3) / sqrt(2/9) = 1 / sqrt(2)
    assert smd(x, T) == pytest.approx(1 / np.sqrt(2), abs=1e-12)
    # with the treated SD only: (1/3) / sqrt(2/9), the same here
    assert smd(x, T, denominator="treated") == pytest.approx(1 / np.sqrt(2), abs=1e-12)


def test_weighted_variance_ratio_by_hand() -> None:
    w = np.array([1, 1, 2, 1, 1, 1.0])
    # treated: mean 2.25, sum w (x - m)^2 = 1.5625 + 0.0625 + 2 * 0.5625 = 2.75, divided by
    # sum w - sum w^2 / sum w = 4 - 6/4 = 2.5: 1.1; controls 1
    assert variance_ratio(X, T, w) == pytest.approx(1.1, abs=1e-12)
    assert variance_ratio(X, T) == pytest.approx(1.0, abs=1e-12)
    assert np.isnan(variance_ratio(np.array([1.0, 0, 1, 0, 1, 0]), T))


@pytest.mark.parametrize("config", list(R_CONFIGS))
def test_smd_and_variance_ratios_equal_matchit_summary_against_R(config: str) -> None:
    # summary(m, standardize = TRUE): sum.all and sum.matched, "Std. Mean Diff." (the SD of
    # the treated, MatchIt's default with the ATT) and "Var. Ratio"
    data = fixture()
    model = propensity_score(data, TERMS, ("sex", "phenotype"))
    t = data["treatment"].to_numpy()
    match = nearest_match(model.logit, t, **R_CONFIGS[config])
    table = balance_table(balance_columns(data, TERMS, ("sex", "phenotype")), t,
                          match.weights, denominator="treated")
    ref = pl.read_csv(FIXTURE / "balance.csv", null_values="NA").filter(
        pl.col("config") == config)
    assert table["covariate"].str.replace("=", "").to_list() == ref["covariate"].to_list()
    for mine, r in (("smd_before", "smd_before"), ("smd_after", "smd_after"),
                    ("variance_ratio_before", "vr_before"),
                    ("variance_ratio_after", "vr_after")):
        got, want = table[mine].to_numpy(), ref[r].to_numpy().astype(float)
        assert np.array_equal(np.isnan(got), np.isnan(want)), mine
        assert got[~np.isnan(got)] == pytest.approx(want[~np.isnan(want)], abs=1e-6), mine


def test_a_bad_denominator_or_weights_are_named() -> None:
    with pytest.raises(InvalidArgumentError, match="`denominator` must be one of pooled"):
        smd(X, T, denominator="control")
    with pytest.raises(InvalidArgumentError, match="`weights` must be weights >= 0"):
        smd(X, T, np.array([1, 1, 1, 0, 0, 0.0]))

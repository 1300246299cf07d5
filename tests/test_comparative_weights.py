"""IPT and overlap weights (#25), checked by hand calculation."""

from __future__ import annotations

import numpy as np
import pytest

from mscohort.analyse.comparative.weights import iptw, overlap_weights, truncate, weigh
from mscohort.errors import InvalidArgumentError

PS = np.array([0.8, 0.5, 0.25, 0.4])
TREAT = np.array([1, 1, 0, 0])


def test_ate_weights_by_hand() -> None:
    # 1/0.8, 1/0.5, 1/(1-0.25), 1/(1-0.4)
    expected = [1.25, 2.0, 4 / 3, 5 / 3]
    assert iptw(PS, TREAT, estimand="ATE", stabilised=False) == pytest.approx(expected,
                                                                               abs=1e-12)
    # stabilised: times P(T = t) = 0.5 in both arms
    assert iptw(PS, TREAT, estimand="ATE") == pytest.approx([0.625, 1.0, 2 / 3, 5 / 6],
                                                            abs=1e-12)


def test_att_weights_by_hand() -> None:
    # treated 1; controls e/(1-e): 0.25/0.75, 0.4/0.6
    assert iptw(PS, TREAT, estimand="ATT", stabilised=False) == pytest.approx(
        [1, 1, 1 / 3, 2 / 3], abs=1e-12)
    # one treated of four: p = 0.25; stabilised controls times (1-p)/p = 3
    treat = np.array([1, 0, 0, 0])
    assert iptw(PS, treat, estimand="ATT") == pytest.approx([1, 3 * 1.0, 3 * 1 / 3, 3 * 2 / 3],
                                                            abs=1e-12)


def test_overlap_weights_by_hand_balance_the_score_terms_exactly() -> None:
    assert overlap_weights(PS, TREAT) == pytest.approx([0.2, 0.5, 0.25, 0.4], abs=1e-12)


def test_truncation_at_percentiles_by_hand() -> None:
    # 80th percentile of 1, 2, 3, 4, 100 (linear, R quantile type 7): position 0.8 * 4 =
    # 3.2 -> 4 + 0.2 * (100 - 4) = 23.2; the 0th is the minimum
    w = np.array([1.0, 2.0, 3.0, 4.0, 100.0])
    assert truncate(w, (0, 80)) == pytest.approx([1, 2, 3, 4, 23.2], abs=1e-12)
    # 25th: position 1 -> 2
    assert truncate(w, (25, 100)) == pytest.approx([2, 2, 3, 4, 100], abs=1e-12)


def test_att_weights_are_truncated_at_the_percentiles_of_the_comparator_weights() -> None:
    # review of #25, finding 8 (WeightIt's trim() for the ATT trims the comparison units):
    # controls' unstabilised weights e/(1-e): 1/9, 1/3, 1, 3, 9 (ps 0.1, 0.25, 0.5, 0.75,
    # 0.9); their 25th percentile is the 2nd (position 1) = 1/3 and their 75th the 4th = 3;
    # the three treated weights stay 1
    ps = np.array([0.5, 0.6, 0.7, 0.1, 0.25, 0.5, 0.75, 0.9])
    treat = np.array([1, 1, 1, 0, 0, 0, 0, 0])
    got = iptw(ps, treat, estimand="ATT", stabilised=False, trim_percentiles=(25, 75))
    assert got == pytest.approx([1, 1, 1, 1 / 3, 1 / 3, 1, 3, 3], abs=1e-12)
    # pooled percentiles would have capped at the 75th of all eight weights: position 5.25
    # of 1/9, 1/3, 1, 1, 1, 1, 3, 9 -> 1 + 0.25 (3 - 1) = 1.5
    assert np.percentile(np.r_[np.ones(3), [1 / 9, 1 / 3, 1, 3, 9]], 75) == pytest.approx(1.5)
    text = weigh(ps, treat, estimand="ATT", stabilised=False,
                 trim_percentiles=(25, 75)).methods()
    assert "ATT (the average treatment effect in the treated)" in text
    assert "percentiles of the comparator episodes' weights" in text


def test_ps_bounds_leave_episodes_out_before_weighting() -> None:
    ps = np.array([0.95, 0.5, 0.25, 0.4, 0.05])
    treat = np.array([1, 1, 0, 0, 0])
    result = weigh(ps, treat, method="iptw", estimand="ATE", stabilised=True,
                   ps_bounds=(0.1, 0.9))
    assert result.kept.tolist() == [False, True, True, True, False]
    # kept: one treated of three, p = 1/3: 1/3 / 0.5; 2/3 / 0.75; 2/3 / 0.6
    assert result.weights == pytest.approx([0, 2 / 3, 8 / 9, 10 / 9, 0], abs=1e-12)
    assert "outside 0.1-0.9" in result.methods()


def test_bad_weight_arguments_are_named() -> None:
    with pytest.raises(InvalidArgumentError, match="`ps` must be probabilities strictly"):
        iptw(np.array([0.0, 0.5]), np.array([1, 0]))
    with pytest.raises(InvalidArgumentError, match="`estimand` must be one of ATE, ATT"):
        iptw(PS, TREAT, estimand="ATC")
    with pytest.raises(InvalidArgumentError, match="`trim_percentiles` must be"):
        truncate(np.ones(3), (50, 40))
    with pytest.raises(InvalidArgumentError, match="`ps_bounds` must be bounds that keep"):
        weigh(PS, TREAT, ps_bounds=(0.6, 0.9))

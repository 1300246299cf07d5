"""Nearest-neighbour matching (#25): a hand-built 10-episode case with the expected pairs
written out, and R MatchIt 4.5.1 on the committed fixture (tests/data/r_matchit/)."""

from __future__ import annotations

import statistics

import numpy as np
import polars as pl
import pytest

from mscohort.analyse.comparative.matching import nearest_match
from mscohort.analyse.comparative.propensity import propensity_score
from mscohort.errors import InvalidArgumentError
from tests.test_comparative_propensity import FIXTURE, TERMS, fixture

#: rows 0-9: the logit of the PS and the arm
LOGIT = np.array([2.0, 1.9, 0.7, 1.2, 0.58, 0.6, 0.55, -1.0, -3.0, 0.0])
TREAT = np.array([1, 0, 1, 0, 1, 0, 0, 1, 0, 0])
T1, C1, T2, C2, T3, C3, C4, T4, C5, C6 = range(10)


def _pairs(match) -> set[tuple[int, int]]:
    return set(zip(match.pairs["treated"].to_list(), match.pairs["control"].to_list(),
                   strict=True))


def test_hand_built_pairs_largest_first_within_the_caliper() -> None:
    # caliper 0.5 SD of all ten logits: 0.5 * stdev(LOGIT) = 0.7321 (statistics.stdev, n - 1)
    match = nearest_match(LOGIT, TREAT, caliper_sd=0.5)
    assert match.caliper == pytest.approx(0.5 * statistics.stdev(LOGIT.tolist()), abs=1e-12)
    # T1 (2.0) takes C1 (1.9); T2 (0.7) takes C3 (0.6, gap 0.1) before T3 can; T3 (0.58)
    # takes C4 (0.55); T4 (-1.0): nearest free C6 is 1.0 away, outside 0.732: dropped
    assert _pairs(match) == {(T1, C1), (T2, C3), (T3, C4)}
    assert match.dropped_treated(TREAT).tolist() == [T4]
    assert match.weights.tolist() == [1, 1, 1, 0, 1, 1, 1, 0, 0, 0]


def test_hand_built_pairs_depend_on_the_order() -> None:
    # smallest first: T4 takes C6; T3 (0.58) takes C3 (gap 0.02); T2 then C4 (0.15)
    match = nearest_match(LOGIT, TREAT, caliper_sd=0, order="smallest")
    assert _pairs(match) == {(T4, C6), (T3, C3), (T2, C4), (T1, C1)}
    assert np.isnan(match.caliper)
    data = nearest_match(LOGIT, TREAT, caliper_sd=0, order="data")  # rows 0, 2, 4, 7
    assert _pairs(data) == {(T1, C1), (T2, C3), (T3, C4), (T4, C6)}


def test_hand_built_one_to_two_matching_in_rounds_and_its_weights() -> None:
    match = nearest_match(LOGIT, TREAT, ratio=2, caliper_sd=0)
    # round 1 as data order above; round 2 in the same order: T1 takes C2 (1.2), T2 the
    # last free control C5 (-3.0); T3 and T4 find none
    assert _pairs(match) == {(T1, C1), (T2, C3), (T3, C4), (T4, C6), (T1, C2), (T2, C5)}
    # MatchIt: controls of the 2-control sets 1/2, of the 1-control sets 1; sum 4 over 6
    # matched controls: scaled by 6/4
    expected = np.zeros(10)
    expected[[T1, T2, T3, T4]] = 1
    expected[[C1, C2, C3, C5]] = 0.75
    expected[[C4, C6]] = 1.5
    assert match.weights == pytest.approx(expected, abs=1e-12)


def test_hand_built_matching_with_replacement_reuses_the_nearest_control() -> None:
    match = nearest_match(LOGIT, TREAT, replace=True, caliper_sd=0)
    # T2 and T3 both take C3: weights C1 1, C3 2, C6 1, scaled by 3 controls / 4
    assert _pairs(match) == {(T1, C1), (T2, C3), (T3, C3), (T4, C6)}
    expected = np.zeros(10)
    expected[[T1, T2, T3, T4]] = 1
    expected[[C1, C6]] = 0.75
    expected[C3] = 1.5
    assert match.weights == pytest.approx(expected, abs=1e-12)
    assert match.pairs["set_id"].n_unique() == 4


#: the configurations of tests/data/r_matchit/matchit.R
R_CONFIGS = {
    "c1_cal01": {"ratio": 1, "replace": False, "caliper_sd": 0.1, "order": "largest"},
    "c2_cal02_ratio2": {"ratio": 2, "replace": False, "caliper_sd": 0.2, "order": "largest"},
    "c3_cal01_replace": {"ratio": 1, "replace": True, "caliper_sd": 0.1, "order": "largest"},
    "c4_nocal_smallest": {"ratio": 1, "replace": False, "caliper_sd": 0.0, "order": "smallest"},
    "c5_cal025_ratio3_replace_data": {"ratio": 3, "replace": True, "caliper_sd": 0.25,
                                      "order": "data"},
}


@pytest.mark.parametrize("config", list(R_CONFIGS))
def test_pairs_and_weights_equal_matchit_against_R(config: str) -> None:
    # matchit(treatment ~ ..., method = "nearest", distance = <glm linear predictor>,
    #         mahvars = ~lp, caliper, std.caliper = TRUE, ratio, replace, m.order)
    data = fixture()
    model = propensity_score(data, TERMS, ("sex", "phenotype"))
    match = nearest_match(model.logit, data["treatment"].to_numpy(), **R_CONFIGS[config])
    ids = data["episode_id"].to_numpy()
    r_pairs = pl.read_csv(FIXTURE / "matches.csv").filter(pl.col("config") == config)
    expected = set(zip(r_pairs["treated"].to_list(), r_pairs["control"].to_list(),
                       strict=True))
    assert {(ids[a], ids[b]) for a, b in _pairs(match)} == expected
    r_w = pl.read_csv(FIXTURE / "weights.csv", schema_overrides={"weight": pl.Float64}) \
        .filter(pl.col("config") == config)
    assert r_w["episode_id"].to_list() == ids.tolist()
    assert match.weights == pytest.approx(r_w["weight"].to_numpy(), abs=1e-6)


def test_bad_matching_arguments_are_named() -> None:
    with pytest.raises(InvalidArgumentError, match="`ratio` must be a whole number >= 1"):
        nearest_match(LOGIT, TREAT, ratio=0)
    with pytest.raises(InvalidArgumentError, match="`order` must be one of largest"):
        nearest_match(LOGIT, TREAT, order="random")
    with pytest.raises(InvalidArgumentError, match="`treat` must be 0 or 1"):
        nearest_match(LOGIT, TREAT * 2)
    with pytest.raises(InvalidArgumentError, match="`distance` must be finite numbers"):
        nearest_match(np.r_[LOGIT[:-1], np.nan], TREAT)


def test_controls_with_equal_scores_go_in_row_order_as_matchit() -> None:
    # R: d <- data.frame(t = c(1, 0, 1, 0, 0), lp = c(0, -0.5, 0.3, -0.5, -0.5), x = 1:5)
    #    matchit(t ~ x, data = d, distance = d$lp, mahvars = ~lp)$match.matrix
    #    -> row 3 takes row 2, row 1 takes row 4 (MatchIt 4.5.1); with replace = TRUE,
    #    ratio = 2: rows 1 and 3 both take rows 2 and 4
    logit = np.array([0.0, -0.5, 0.3, -0.5, -0.5])
    treat = np.array([1, 0, 1, 0, 0])
    match = nearest_match(logit, treat, caliper_sd=0)
    assert _pairs(match) == {(2, 1), (0, 3)}
    # with replacement and 1:2 the two nearest are the first two rows of the tie
    both = nearest_match(logit, treat, caliper_sd=0, replace=True, ratio=2)
    assert _pairs(both) == {(2, 1), (2, 3), (0, 1), (0, 3)}

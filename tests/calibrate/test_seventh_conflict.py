"""The seventh conflict among the seed's published numbers proved by hand: sums of squared
deviations on the design's blocks (:mod:`mscohort.calibrate.squares_proof`), no MSSS table,
no EDSS, no solver. The linear program's proof of the same 11 numbers is the slow test of
``test_third_conflict.py``; dataset README, "What an exact solver says about them".

A number printed with d decimals lies in [value - 0.5 10^-d, value + 0.5 10^-d]; the SD is
the sample SD, so a group's sum of squared deviations (SS) is (n - 1) SD^2."""

from __future__ import annotations

from fractions import Fraction

import pytest

from mscohort.calibrate.design import load_design
from mscohort.calibrate.exact import Reading, Target, cells_of, targets_of
from mscohort.calibrate.published import load_published
from mscohort.calibrate.seed import SEED
from mscohort.calibrate.squares_proof import Extreme, largest

LT = "by follow-up cohort/long-term"
ST = "by follow-up cohort/short-term"
IFN = "by immediate prior DMD/IFN-GA"
NAT = "by immediate prior DMD/NAT"
FTY = "by immediate prior DMD/FTY"
W_IFN = "by DMD within prior window/IFN-GA"
NFA = "by DMD within prior window/NAT -> FTY -> ALE"
SEVENTH = {(LT, "mean"), (LT, "sd"), (ST, "mean"), (ST, "sd"), (IFN, "mean"), (IFN, "sd"),
           (NAT, "sd"), (W_IFN, "mean"), (W_IFN, "sd"), (NFA, "mean"), (NFA, "sd")}


def _change_msss(keys: set[tuple[str, str]]) -> list[Target]:
    return [t for t in targets_of(load_published(SEED / "published.toml"))
            if t.measure == "change MSSS" and (t.group, t.stat) in keys]


def _intervals(keys: set[tuple[str, str]], stat: str) -> dict[str, tuple[float, float]]:
    return {t.group: t.interval for t in _change_msss(keys) if t.stat == stat}


def _blocks(groups: tuple[str, ...]) -> dict[tuple[str, ...], int]:
    # the design's patients by their memberships of ``groups`` (design.toml)
    sizes: dict[tuple[str, ...], int] = {}
    for c in cells_of(load_design(SEED / "design.toml"), Reading()):
        key = tuple(g for g in groups if g in c.groups)
        sizes[key] = sizes.get(key, 0) + c.count
    return sizes


def test_the_published_numbers_are_the_ones_the_seventh_proof_uses() -> None:
    got = {(t.group, t.stat): t.number.text for t in _change_msss(SEVENTH)}
    assert got == {(LT, "mean"): "-2.34", (LT, "sd"): "1.95", (ST, "mean"): "-0.54",
                   (ST, "sd"): "0.97", (IFN, "mean"): "-2.24", (IFN, "sd"): "1.97",
                   (NAT, "sd"): "2.05", (W_IFN, "mean"): "-2.24", (W_IFN, "sd"): "1.97",
                   (NFA, "mean"): "-0.57", (NFA, "sd"): "1.07"}


def test_the_bound_reproduces_the_third_conflicts_hand_proof() -> None:
    # the third conflict's blocks and weights (test_third_conflict.py): IFN + NAT - LT - ST
    # with the 10's SD and the FTY minimum in the other 4; its exact largest G is 9.6868
    # against C = 10.152 (there, by a hand-written parabola and the faces of the box)
    blocks = {"LT IFN": 21, "LT NAT": 8, "LT other": 1, "ST IFN": 5, "ST NAT": 3, "NFA": 10,
              "FTY other": 4, "ST other": 8}
    groups = {LT: ["LT IFN", "LT NAT", "LT other"],
              ST: ["ST IFN", "ST NAT", "NFA", "FTY other", "ST other"],
              IFN: ["LT IFN", "ST IFN"], NAT: ["LT NAT", "ST NAT"], FTY: ["NFA", "FTY other"],
              NFA: ["NFA"]}
    keys = {(g, "mean") for g in groups} | {(g, "sd") for g in (LT, ST, IFN, NAT, NFA)}
    sd = _intervals(keys, "sd")
    means = _intervals(keys, "mean")
    assert set(means) == set(groups)
    bound = largest(blocks, groups, {IFN: 1, NAT: 1, LT: -1, ST: -1, NFA: 1}, sd, means,
                    [Extreme("FTY other", end=-2.815)])
    assert bound.k == pytest.approx(10.152, abs=5e-4)
    assert bound.largest == pytest.approx(9.6868, abs=1e-4)
    # c_b: every block's within-block spread cancels but the ones bounded from below
    assert bound.coefficients == {"LT IFN": 0, "LT NAT": 0, "LT other": -1, "ST IFN": 0,
                                  "ST NAT": 0, "NFA": 0, "FTY other": -1, "ST other": -1}


def test_two_groups_of_one_block_each_bound_their_means_distance_by_hand() -> None:
    # a group of 4 = blocks a (2) and b (2), a also a group of its own, mean 3-4 against
    # the 4's mean 1: b's mean is 2 - m_a <= -1, so SS4 = s_a + s_b + 4 (m_a - 1)^2 >= 16,
    # beyond the 3 x 1.0^2 = 3 that an SD of at most 1.0 allows. The weights SS_a (its
    # lower end 1.0) - SS4 (upper end): K = 1 x 1.0^2 - 3 x 1.0^2 = -2, the right side
    # 0 x s_a - s_b - 4 (m_a - 1)^2 at most -16 (m_a = 3): short by 14
    blocks = {"a": 2, "b": 2}
    groups = {"all": ["a", "b"], "A": ["a"]}
    sd = {"A": (1.0, 2.0), "all": (0.5, 1.0)}
    bound = largest(blocks, groups, {"A": 1, "all": -1}, sd, {"A": (3.0, 4.0),
                                                               "all": (1.0, 1.0)})
    assert bound.k == pytest.approx(-2.0)
    assert bound.largest == pytest.approx(-16.0)
    assert bound.margin == pytest.approx(14.0)
    # with a's mean allowed at the 4's mean there is no conflict: the largest is 0
    loose = largest(blocks, groups, {"A": 1, "all": -1}, sd, {"A": (0.0, 2.0),
                                                              "all": (1.0, 1.0)})
    assert loose.largest == pytest.approx(0.0, abs=1e-9)
    assert loose.margin < 0


def test_a_weight_that_leaves_a_blocks_spread_unbounded_is_an_error() -> None:
    with pytest.raises(ValueError, match="`weights` must be at most 0 in sum"):
        largest({"a": 2}, {"A": ["a"]}, {"A": 1}, {"A": (1.0, 2.0)}, {"A": (0.0, 1.0)})
    with pytest.raises(ValueError, match=r"`groups\['A'\]` must be a list of blocks"):
        largest({"a": 2}, {"A": ["z"]}, {"A": -1}, {"A": (1.0, 2.0)}, {"A": (0.0, 1.0)})


def test_the_seventh_conflicts_blocks_are_the_designs() -> None:
    # long-term: 20 in both IFN-GA rows (13 on interferon up to alemtuzumab, 7 back from a
    # short natalizumab), 1 only in the immediate one (interferon ended more than two years
    # before), 8 immediate NAT (also within-window IFN-GA), 1 in neither; short-term: the
    # 10 of NAT -> FTY -> ALE, 1 within-window IFN-GA only (interferon then fingolimod),
    # 3 immediate NAT, 5 in both IFN-GA rows, 11 in none of these groups
    assert _blocks((LT, ST, IFN, NAT, W_IFN, NFA)) == {
        (LT, IFN, W_IFN): 20, (LT, IFN): 1, (LT, NAT, W_IFN): 8, (LT,): 1, (ST, NFA): 10,
        (ST, W_IFN): 1, (ST, NAT): 3, (ST, IFN, W_IFN): 5, (ST,): 11}


def test_the_seventh_conflict_holds_by_sums_of_squares() -> None:
    # Weights: 9/10 of the within-window IFN-GA SS and 1/10 of each of the immediate IFN-GA
    # and NAT SS (lower ends), the 10's SS (lower end), less the long-term and short-term
    # SS (upper ends). Every block of two or more has c_b <= 0: the 20 (9/10 + 1/10 - 1),
    # the 8 (9/10 + 1/10 - 1), the 5 (9/10 + 1/10 - 1), the 10 (1 - 1), the 3 (1/10 - 1)
    # and the 11 others (-1). So
    #   K = 9/10 x 33 x 1.965^2 + 1/10 (25 x 1.965^2 + 10 x 2.045^2) + 9 x 1.065^2
    #       - 29 x 1.955^2 - 29 x 0.975^2 = 0.3146
    # is at most the weighted between-block terms, whose largest value over every block
    # mean (concave in the four left free by the five published means) and every corner
    # and face of the box of the means' printed intervals is 0.2848: short by 0.0298.
    # (A thin margin, but the largest value is exact, not a grid's: the weights 1/10 are
    # the best of a grid of 0.08-0.12 in steps of 0.005, which all leave 0.029-0.030.)
    blocks = {"LT IFN both": 20, "LT IFN imm": 1, "LT NAT": 8, "LT other": 1, "NFA": 10,
              "ST IFN window": 1, "ST NAT": 3, "ST IFN both": 5, "ST other": 11}
    assert sorted(blocks.values()) == sorted(_blocks((LT, ST, IFN, NAT, W_IFN, NFA))
                                             .values())
    groups = {LT: ["LT IFN both", "LT IFN imm", "LT NAT", "LT other"],
              ST: ["NFA", "ST IFN window", "ST NAT", "ST IFN both", "ST other"],
              IFN: ["LT IFN both", "LT IFN imm", "ST IFN both"], NAT: ["LT NAT", "ST NAT"],
              W_IFN: ["LT IFN both", "LT NAT", "ST IFN window", "ST IFN both"],
              NFA: ["NFA"]}
    weights = {W_IFN: 0.9, IFN: 0.1, NAT: 0.1, NFA: 1, LT: -1, ST: -1}
    sd = _intervals(SEVENTH, "sd")
    means = _intervals(SEVENTH, "mean")
    assert set(means) == {LT, ST, IFN, W_IFN, NFA}  # the NAT mean is not one of the 11
    bound = largest(blocks, groups, weights, sd, means)
    # K by hand, in exact fractions of the printed intervals' ends
    k = (Fraction(9, 10) * 33 * Fraction("1.965") ** 2
         + Fraction(1, 10) * (25 * Fraction("1.965") ** 2 + 10 * Fraction("2.045") ** 2)
         + 9 * Fraction("1.065") ** 2 - 29 * Fraction("1.955") ** 2
         - 29 * Fraction("0.975") ** 2)
    assert bound.k == pytest.approx(float(k), abs=1e-9)
    assert bound.k == pytest.approx(0.314645, abs=1e-6)
    assert bound.largest == pytest.approx(0.284807, abs=1e-5)
    assert bound.margin > 0.029
    assert all(c <= 1e-12 for b, c in bound.coefficients.items() if blocks[b] > 1)
    # the immediate IFN-GA and NAT SDs are needed by this argument: with weight 0 on both
    # (the within-window IFN-GA's 1) it falls short (K -0.7784 against -0.7486)
    without = largest(blocks, groups, {W_IFN: 1, NFA: 1, LT: -1, ST: -1}, sd, means)
    assert without.margin == pytest.approx(-0.0298, abs=1e-4)

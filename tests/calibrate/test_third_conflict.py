"""A third conflict among the seed's published numbers, under the design's groups: the two
follow-up cohorts' MSSS change rows cannot hold the immediate-prior IFN-GA and NAT rows next
to the fingolimod rows (13 numbers, all of MSSS change; no MSSS table, no EDSS). Found by
the deletion filter of the linear relaxation (64 tangents); proved here by hand from sums of
squared deviations (dataset README, "What an exact solver says about them").

A number printed with d decimals lies in [value - 0.5 10^-d, value + 0.5 10^-d]; the SD is the
sample SD, so a group's sum of squared deviations (SS) is (n - 1) SD^2."""

from __future__ import annotations

import numpy as np
import pytest

from mscohort.calibrate.design import load_design
from mscohort.calibrate.exact import Reading, Target, cells_of, solve, targets_of
from mscohort.calibrate.published import load_published
from mscohort.calibrate.seed import SEED

LT = "by follow-up cohort/long-term"
ST = "by follow-up cohort/short-term"
IFN = "by immediate prior DMD/IFN-GA"
NAT = "by immediate prior DMD/NAT"
FTY = "by immediate prior DMD/FTY"
NFA = "by DMD within prior window/NAT -> FTY -> ALE"
THIRTEEN = {(LT, "mean"), (LT, "sd"), (ST, "mean"), (ST, "sd"), (IFN, "mean"), (IFN, "sd"),
            (NAT, "mean"), (NAT, "sd"), (FTY, "mean"), (FTY, "min"), (NFA, "mean"),
            (NFA, "sd"), (NFA, "min")}


def _thirteen() -> list[Target]:
    return [t for t in targets_of(load_published(SEED / "published.toml"))
            if t.measure == "change MSSS" and (t.group, t.stat) in THIRTEEN]


def _interval(group: str, stat: str) -> tuple[float, float]:
    (t,) = [t for t in _thirteen() if (t.group, t.stat) == (group, stat)]
    return t.interval


def test_the_published_numbers_are_the_ones_the_proof_uses() -> None:
    got = {(t.group, t.stat): t.number.text for t in _thirteen()}
    assert got == {(LT, "mean"): "-2.34", (LT, "sd"): "1.95", (ST, "mean"): "-0.54",
                   (ST, "sd"): "0.97", (IFN, "mean"): "-2.24", (IFN, "sd"): "1.97",
                   (NAT, "mean"): "-1.24", (NAT, "sd"): "2.05", (FTY, "mean"): "-0.53",
                   (FTY, "min"): "-2.82", (NFA, "mean"): "-0.57", (NFA, "sd"): "1.07",
                   (NFA, "min"): "-2.17"}


def test_the_designs_groups_are_the_blocks_the_proof_uses() -> None:
    # the proof splits the 60 into blocks by these memberships; their sizes from design.toml:
    # long-term = 21 in IFN-GA + 8 in NAT + 1 in neither; short-term = 5 in IFN-GA + 3 in
    # NAT + the 10 of NAT -> FTY -> ALE + 4 other immediate FTY + 8 in none of these
    sizes: dict[tuple[str, ...], int] = {}
    for c in cells_of(load_design(SEED / "design.toml"), Reading()):
        key = tuple(g for g in (LT, ST, IFN, NAT, FTY, NFA) if g in c.groups)
        sizes[key] = sizes.get(key, 0) + c.count
    assert sizes == {(LT, IFN): 21, (LT, NAT): 8, (LT,): 1, (ST, IFN): 5, (ST, NAT): 3,
                     (ST, FTY, NFA): 10, (ST, FTY): 4, (ST,): 8}


def test_the_cohort_rows_cannot_hold_the_immediate_prior_rows_by_hand() -> None:
    # Blocks (mean m, within-block SS s): 1 = the 21 long-term IFN-GA, 2 = the 8 long-term
    # NAT, 3 = the 1 long-term other, 4 = the 5 short-term IFN-GA, 5 = the 3 short-term NAT,
    # 6 = the 10 NAT -> FTY -> ALE, 7 = the other 4 immediate FTY, 8 = the other 8
    # short-term. A group's SS is the sum of its blocks' s plus sum n_b (m_b - mean)^2.
    #   IFN SS = s1 + s4 + b_IFN >= 25 x 1.965^2;   NAT SS = s2 + s5 + b_NAT >= 10 x 2.045^2;
    #   LT SS = s1 + s2 + B_LT <= 29 x 1.955^2;     ST SS = s4 + s5 + s6 + s7 + s8 + B_ST
    #   <= 29 x 0.975^2, with s6 >= 9 x 1.065^2 (the 10's SD) and s7 >= (4/3)(m7 + 2.815)^2
    # (the FTY minimum, at most -2.815, is one of block 7, since block 6 is at least
    # -2.175: Cauchy-Schwarz over 4). Adding the two lower bounds and using the upper ones:
    #   C = 25 x 1.965^2 + 10 x 2.045^2 - 29 x 1.955^2 - 29 x 0.975^2 + 9 x 1.065^2
    #     <= G = b_IFN + b_NAT - B_LT - B_ST - (4/3)(m7 + 2.815)^2.
    # With m1 = mI + d, m2 = mN + e the group means fix m4 = mI - 4.2 d, m5 = mN - 8 e / 3,
    # and every term of G depends on d and e only through u = 21 d + 8 e (the squares of d
    # and e cancel: 21 x 26 / 5 = 21 + 5 x 4.2^2, 8 x 11 / 3 = 8 + 3 (8/3)^2):
    #   G = 2 (mL - mS) u - (R - u)^2 - (P + u)^2 / 8 + K,
    # R = 29 mL - 21 mI - 8 mN (block 3's distance from mL is R - u), P = 22 mS - 5 mI -
    # 3 mN - 14 mF (8 (m8 - mS) = P + u), K the terms free of u. G is a concave parabola in
    # u, largest at u* = (2 (mL - mS) + 2 R - P / 4) / 2.25: about 9.7 at most, short of
    # C = 10.15, for every choice of the six means inside their printed intervals.
    mL_lo, _ = _interval(LT, "mean")
    _, sdL_hi = _interval(LT, "sd")
    _, sdS_hi = _interval(ST, "sd")
    sdI_lo, _ = _interval(IFN, "sd")
    sdN_lo, _ = _interval(NAT, "sd")
    sd6_lo, _ = _interval(NFA, "sd")
    _, x_hi = _interval(FTY, "min")
    min6_lo, _ = _interval(NFA, "min")
    assert x_hi < min6_lo  # the FTY minimum is none of the 10
    c = 25 * sdI_lo**2 + 10 * sdN_lo**2 - 29 * sdL_hi**2 - 29 * sdS_hi**2 + 9 * sd6_lo**2
    assert c == pytest.approx(10.152, abs=5e-4)
    assert mL_lo == pytest.approx(-2.345)
    # the six means on a grid of 9 points each over their printed intervals
    axes = [np.linspace(*_interval(g, "mean"), 9) for g in (LT, ST, IFN, NAT, FTY, NFA)]
    mL, mS, mI, mN, mF, m6 = np.meshgrid(*axes, indexing="ij")
    m7 = (14 * mF - 10 * m6) / 4
    assert (m7 > x_hi).all()
    r = 29 * mL - 21 * mI - 8 * mN
    p = 22 * mS - 5 * mI - 3 * mN - 14 * mF
    k = (-21 * (mI - mL) ** 2 - 8 * (mN - mL) ** 2 - 5 * (mI - mS) ** 2 - 3 * (mN - mS) ** 2
         - 10 * (m6 - mS) ** 2 - 4 * (m7 - mS) ** 2 - 4 / 3 * (m7 - x_hi) ** 2)
    a = 2 * (mL - mS)
    u = (a + 2 * r - p / 4) / 2.25
    g = a * u - (r - u) ** 2 - (p + u) ** 2 / 8 + k
    # the parabola's top: the derivative a + 2 (r - u) - (p + u) / 4 vanishes there
    assert np.abs(a + 2 * (r - u) - (p + u) / 4).max() < 1e-9
    # from a grid point to any point of its cell G moves by about half a step along each
    # axis (G is a quadratic: its steps along an axis change linearly); bounded by the
    # largest steps, doubled for safety, it still stays below C
    wobble = sum(float(np.abs(np.diff(g, axis=i)).max()) for i in range(6)) / 2
    assert wobble < 0.2
    assert g.max() + 2 * wobble < c  # short by at least 0.2 at the most favourable means
    assert g.max() == pytest.approx(9.69, abs=0.01)


@pytest.mark.slow
def test_the_linear_program_proves_the_thirteen_numbers() -> None:
    # the deletion filter (64 tangents of the squared sum) left these 13 of the 34 MSSS
    # change numbers of the 9 groups (without the immediate FTY SD and the within-window NAT
    # SD, one number of each known conflict): dropping any one makes the relaxation feasible
    cells = cells_of(load_design(SEED / "design.toml"), Reading())
    thirteen = _thirteen()
    assert len(thirteen) == 13
    assert solve(cells, thirteen, integral=False, time_limit=300,
                 tangents=64).status == "infeasible"


@pytest.mark.slow
def test_the_linear_program_proves_a_sixth_conflict_of_eleven_numbers() -> None:
    # A sixth conflict, found by the deletion filter (64 tangents) on the 32 MSSS change
    # numbers without the immediate and within-window NAT SDs and FTY means (a pair that
    # meets the five conflicts, with its twins): the cohort rows against the IFN-GA rows of
    # both tables, the immediate NAT mean and the immediate FTY SD and minimum. Irreducible
    # for the relaxation; no hand proof yet (dataset README).
    within_ifn = "by DMD within prior window/IFN-GA"
    keys = {(LT, "mean"), (LT, "sd"), (ST, "mean"), (ST, "sd"), (IFN, "mean"), (FTY, "sd"),
            (FTY, "min"), (NAT, "mean"), (within_ifn, "mean"), (within_ifn, "sd"),
            (within_ifn, "max")}
    eleven = [t for t in targets_of(load_published(SEED / "published.toml"))
              if t.measure == "change MSSS" and (t.group, t.stat) in keys]
    assert sorted(t.number.text for t in eleven) == sorted(
        ["-2.34", "1.95", "-0.54", "0.97", "-2.24", "1.06", "-2.82", "-1.24", "-2.24", "1.97",
         "+1.02"])
    cells = cells_of(load_design(SEED / "design.toml"), Reading())
    assert solve(cells, eleven, integral=False, time_limit=300,
                 tangents=64).status == "infeasible"


@pytest.mark.slow
def test_the_linear_program_proves_a_seventh_conflict_of_eleven_numbers() -> None:
    # A seventh, found by the deletion filter (64 tangents) on the 33 MSSS change numbers
    # without both NAT means and the NAT -> FTY -> ALE minimum (a pair that meets the other
    # six, with its twin): the cohort rows against the IFN-GA rows of both tables, the
    # immediate NAT SD and the NAT -> FTY -> ALE mean and SD. No hand proof yet.
    within_ifn = "by DMD within prior window/IFN-GA"
    keys = {(LT, "mean"), (LT, "sd"), (ST, "mean"), (ST, "sd"), (IFN, "mean"), (IFN, "sd"),
            (NAT, "sd"), (within_ifn, "mean"), (within_ifn, "sd"), (NFA, "mean"), (NFA, "sd")}
    eleven = [t for t in targets_of(load_published(SEED / "published.toml"))
              if t.measure == "change MSSS" and (t.group, t.stat) in keys]
    assert len(eleven) == 11
    cells = cells_of(load_design(SEED / "design.toml"), Reading())
    assert solve(cells, eleven, integral=False, time_limit=300,
                 tangents=64).status == "infeasible"

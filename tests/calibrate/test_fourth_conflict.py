"""A fourth conflict among the seed's published numbers, under the design's groups: the
natalizumab rows cannot hold the NAT -> FTY -> ALE row's spread (5 numbers of MSSS change,
no MSSS table, no EDSS). It is the natalizumab conflict of test_published_conflicts.py with
the 10's SD in place of their minimum, so no single published number is in all four proved
conflicts (dataset README, "What an exact solver says about them"). Found by the deletion
filter of the linear relaxation (64 tangents) on the 35 MSSS change numbers without the
NAT -> FTY -> ALE minimum.

A number printed with d decimals lies in [value - 0.5 10^-d, value + 0.5 10^-d]; the SD is the
sample SD, so a group's sum of squared deviations (SS) is (n - 1) SD^2."""

from __future__ import annotations

import pytest

from mscohort.calibrate.design import load_design
from mscohort.calibrate.exact import Reading, Target, cells_of, solve, targets_of
from mscohort.calibrate.published import load_published
from mscohort.calibrate.seed import SEED

NAT_IMMEDIATE = "by immediate prior DMD/NAT"
NAT_WINDOW = "by DMD within prior window/NAT"
NFA = "by DMD within prior window/NAT -> FTY -> ALE"
FIVE = {(NAT_IMMEDIATE, "mean"), (NAT_IMMEDIATE, "sd"), (NAT_WINDOW, "mean"),
        (NAT_WINDOW, "sd"), (NFA, "sd")}


def _msss_change(keys: set[tuple[str, str]]) -> list[Target]:
    return [t for t in targets_of(load_published(SEED / "published.toml"))
            if t.measure == "change MSSS" and (t.group, t.stat) in keys]


def _interval(group: str, stat: str) -> tuple[float, float]:
    (t,) = _msss_change({(group, stat)})
    return t.interval


def test_the_published_numbers_are_the_ones_the_proof_uses() -> None:
    got = {(t.group, t.stat): t.number.text for t in _msss_change(FIVE)}
    assert got == {(NAT_IMMEDIATE, "mean"): "-1.24", (NAT_IMMEDIATE, "sd"): "2.05",
                   (NAT_WINDOW, "mean"): "-0.59", (NAT_WINDOW, "sd"): "1.36",
                   (NFA, "sd"): "1.07"}


def test_the_designs_groups_nest_as_the_proof_uses() -> None:
    # the 11 of immediate NAT and the 10 of NAT -> FTY -> ALE are disjoint parts of the 29
    # with natalizumab within two years (design.toml)
    cells = cells_of(load_design(SEED / "design.toml"), Reading())
    size = {g: sum(c.count for c in cells if g in c.groups)
            for g in (NAT_IMMEDIATE, NAT_WINDOW, NFA)}
    assert size == {NAT_IMMEDIATE: 11, NAT_WINDOW: 29, NFA: 10}
    assert all(NAT_WINDOW in c.groups for c in cells if c.groups & {NAT_IMMEDIATE, NFA})
    assert not any({NAT_IMMEDIATE, NFA} <= c.groups for c in cells)


def test_the_natalizumab_rows_cannot_hold_the_spread_of_the_ten_by_hand() -> None:
    # The 29 = the 11 + 18 others, among them the 10. SS29 = SS11 + SS18 + (11 x 18 / 29)
    # (m11 - m18)^2 with m18 = (29 m29 - 11 m11) / 18, so the last term is (11 x 29 / 18)
    # (m11 - m29)^2; SS11 >= 10 SD11^2 and SS18 >= SS10 >= 9 SD10^2. Every term at its least
    # inside the printed intervals: 41.82 + 10.21 + 7.26 = 59.29, where an SD printed 1.36
    # allows at most 28 x 1.365^2 = 52.17.
    m11_lo, m11_hi = _interval(NAT_IMMEDIATE, "mean")
    sd11_lo, _ = _interval(NAT_IMMEDIATE, "sd")
    m29_lo, _ = _interval(NAT_WINDOW, "mean")
    _, sd29_hi = _interval(NAT_WINDOW, "sd")
    sd10_lo, _ = _interval(NFA, "sd")
    gap = m29_lo - m11_hi  # the least |m11 - m29|: the 11's mean is below the 29's
    assert gap == pytest.approx(0.64)
    least = 10 * sd11_lo**2 + 9 * sd10_lo**2 + (11 * 29 / 18) * gap**2
    most = 28 * sd29_hi**2
    assert least == pytest.approx(59.29, abs=0.005)
    assert most == pytest.approx(52.17, abs=0.005)
    assert least > most
    assert m11_lo < m11_hi < m29_lo  # (so the gap is the least distance of the two means)


@pytest.mark.slow
def test_the_linear_program_proves_the_five_with_the_tens_mean() -> None:
    # With 64 tangents of the squared sum the relaxation needs the 10's mean (-0.57) as a
    # sixth number: without it the 10's sum ranges over all their choices and 64 tangents
    # are too coarse (256 prove the five alone, 186 s under load: too slow for a test)
    cells = cells_of(load_design(SEED / "design.toml"), Reading())
    six = _msss_change(FIVE | {(NFA, "mean")})
    assert len(six) == 6
    assert solve(cells, six, integral=False, time_limit=300, tangents=64).status == "infeasible"


def test_the_natalizumab_rows_cannot_hold_the_tens_mean_and_maximum_by_hand() -> None:
    # A fifth conflict, without the 10's SD and minimum: one of the 10 is at least 1.155,
    # their mean at most -0.565, so SS10 >= (10 / 9) 1.72^2 = 3.29 (the other 9 balance it,
    # Cauchy-Schwarz); with the same four natalizumab numbers as above 41.82 + 3.29 + 7.26
    # = 52.37 > 52.17.
    sd11_lo, _ = _interval(NAT_IMMEDIATE, "sd")
    _, m11_hi = _interval(NAT_IMMEDIATE, "mean")
    m29_lo, _ = _interval(NAT_WINDOW, "mean")
    _, sd29_hi = _interval(NAT_WINDOW, "sd")
    _, m10_hi = _interval(NFA, "mean")
    (t,) = [t for t in targets_of(load_published(SEED / "published.toml"))
            if (t.group, t.measure, t.stat) == (NFA, "change MSSS", "max")]
    x_lo, _ = t.interval
    assert (t.number.text, x_lo - m10_hi) == ("1.16", pytest.approx(1.72))
    least = 10 * sd11_lo**2 + (10 / 9) * (x_lo - m10_hi) ** 2 \
        + (11 * 29 / 18) * (m29_lo - m11_hi) ** 2
    assert least == pytest.approx(52.37, abs=0.005)
    assert least > 28 * sd29_hi**2  # 52.17


@pytest.mark.slow
def test_the_linear_program_proves_the_fifth_conflict() -> None:
    # the deletion filter's set (64 tangents): the four natalizumab numbers with the 10's
    # mean and maximum
    cells = cells_of(load_design(SEED / "design.toml"), Reading())
    keys = (FIVE - {(NFA, "sd")}) | {(NFA, "mean"), (NFA, "max")}
    six = _msss_change(keys)
    assert len(six) == 6
    assert solve(cells, six, integral=False, time_limit=300, tangents=64).status == "infeasible"

"""The calibration's exact sub-problems (mixed-integer program, HiGHS): a feasible program
gives a cohort that prints every number as published; an infeasible one is shrunk to an
irreducible conflicting set; checked on hand-built groups whose answers are worked out here."""

from __future__ import annotations

import numpy as np
import pytest

from mscohort.calibrate.design import load_design
from mscohort.calibrate.exact import (
    Cell,
    Reading,
    Target,
    cells_of,
    choices,
    conflict,
    solve,
    targets_of,
)
from mscohort.calibrate.published import Number, load_published
from mscohort.calibrate.seed import SEED

THREE = [Cell("three", 3, frozenset({"T/g"}), (2.0, 7.0), (168.0, 700.0))]


def _targets(**stats: str) -> list[Target]:
    return [Target("T/g", "change EDSS", stat, Number.parse(text))
            for stat, text in stats.items()]


def test_a_feasible_group_gives_a_cohort_that_prints_as_published() -> None:
    # three EDSS changes -2, -1, 0: mean -1.0, SD 1.0 (hand: sqrt((1 + 0 + 1) / 2)), -2 to 0
    targets = _targets(mean="-1.0", sd="1.0", min="-2.0", max="0.0")
    out = solve(THREE, targets, time_limit=30)
    assert out.status == "feasible" and out.verified
    values = sorted(v[1] for v, k in out.counts["three"] for _ in range(k))
    assert values == [-2.0, -1.0, 0.0]  # the only three half-steps with this range and SD


def test_an_impossible_sd_is_proved_and_is_in_the_conflict() -> None:
    # SD 0.1 of three EDSS changes: half steps give SD 0 or at least 0.289 (0, 0, 0.5:
    # sqrt((2 * (1/6)^2 + (1/3)^2) / 2) = 0.2887), so the SD alone cannot be met
    targets = _targets(mean="-1.0", sd="0.1", min="-2.0", max="0.0")
    assert solve(THREE, targets, time_limit=30).status == "infeasible"
    found, irreducible = conflict(THREE, targets, time_limit=30)
    assert irreducible and "T / g / change EDSS / sd = 0.1" in [str(t) for t in found]
    assert solve(THREE, found, time_limit=30).status == "infeasible"


def test_a_conflict_of_two_numbers_needs_both() -> None:
    # max -1.5 puts every change at or below -1.5, so the mean cannot print -1.0; each alone
    # is met (-1, -1, -1 and -1.5, -1.5, -1.5)
    targets = _targets(mean="-1.0", max="-1.5")
    assert solve(THREE, targets, time_limit=30).status == "infeasible"
    found, irreducible = conflict(THREE, targets, time_limit=30)
    assert irreducible and {t.stat for t in found} == {"mean", "max"}
    for alone in (_targets(mean="-1.0"), _targets(max="-1.5")):
        out = solve(THREE, alone, time_limit=30)
        assert out.status == "feasible" and out.verified


@pytest.mark.parametrize("reading", [
    Reading(), Reading(unit_days=29.530589), Reading(convention="ms.sev"),
    Reading(table="manouchehrinia2017")], ids=["28-days", "synodic", "ms.sev", "updated"])
def test_the_published_minimum_msss_change_is_reachable_by_one_long_term_patient(
        reading: Reading) -> None:
    # the residual -6.85 vs -6.84 is not forced by the MSSS table: a long-term patient
    # inside every published range of the cohort can print -6.84 under each reading
    design = load_design(SEED / "design.toml")
    group = "by follow-up cohort/long-term"
    targets = [t for t in targets_of(load_published(SEED / "published.toml"), [group])
               if t.stat in ("min", "max")]
    cell = next(c for c in cells_of(design, reading) if group in c.groups)
    v = choices(cell, reading.grid(), targets, reading.baseline_days)
    assert np.any((v[:, 3] >= -6.845) & (v[:, 3] <= -6.835))


def test_the_2011_retrospective_cohort_summary_is_reached_exactly() -> None:
    # The seed's background, "Retrospective Analysis #2" (Hunter et al. 2011 AAN), n = 55:
    # "EDSS at ALE: Mean 5.5 + 1.6, Median 6.0, range 2.5-8.5"; "EDSS Change pretreatment to
    # follow up: -0.7 + 1.2 Mean ... Median -0.5, Range -4 to +1.0"; improved 30/55 (55%),
    # worsened 7/55 (13%), stable 18/55. (Its ARR 1.36 to 0.93 is of relapses, which this
    # program does not model.)
    from mscohort.calibrate.published import parse_cell

    cell = [Cell("2011", 55, frozenset({"2011/all"}), (0.0, 9.5), (6 * 30.4, 46 * 30.4))]
    stats = {"baseline EDSS": {**parse_cell("5.5 ± 1.6 (2.5-8.5)", "baseline EDSS", "t"),
                               "median": Number.parse("6.0")},
             # "-4": an EDSS change is a half step, so read as -4.0 (-3.5 would print -3.5)
             "change EDSS": {**parse_cell("-0.7 ± 1.2 (-4.0 to +1.0)", "change EDSS", "t"),
                             "median": Number.parse("-0.5"), "improved": Number.parse("30"),
                             "stable": Number.parse("18"), "worsened": Number.parse("7")}}
    targets = [Target("2011/all", m, s, n) for m, d in stats.items() for s, n in d.items()]
    out = solve(cell, targets, time_limit=120)
    assert out.status == "feasible" and out.verified
    base = np.array([v[0] for v, k in out.counts["2011"] for _ in range(k)])
    change = np.array([v[1] for v, k in out.counts["2011"] for _ in range(k)])
    # every published number, printed from the cohort as the seed prints it
    assert (f"{base.mean():.1f}", f"{base.std(ddof=1):.1f}", f"{np.median(base):.1f}",
            base.min(), base.max()) == ("5.5", "1.6", "6.0", 2.5, 8.5)
    assert (f"{change.mean():.1f}", f"{change.std(ddof=1):.1f}", f"{np.median(change):.1f}",
            change.min(), change.max()) == ("-0.7", "1.2", "-0.5", -4.0, 1.0)
    assert ((change < 0).sum(), (change == 0).sum(), (change > 0).sum()) == (30, 18, 7)
    assert round(100 * 30 / 55) == 55  # "55% improved"


def test_the_linear_relaxation_proves_an_impossible_sd_and_says_nothing_of_a_feasible_one(
        ) -> None:
    # counts as fractions: SD 0.1 of three half steps is still impossible (its bounds
    # alone), and a feasible program gives no counts (no witness)
    assert solve(THREE, _targets(mean="-1.0", sd="0.1", min="-2.0", max="0.0"),
                 integral=False).status == "infeasible"
    out = solve(THREE, _targets(mean="-1.0", sd="1.0", min="-2.0", max="0.0"), integral=False)
    assert out.status == "feasible" and not out.counts and not out.verified


@pytest.mark.slow
def test_the_immediate_fty_row_contradicts_the_nat_fty_ale_row() -> None:
    # The 10 of NAT -> FTY -> ALE had fingolimod immediately before alemtuzumab, so they are
    # 10 of the 14 of "immediate prior FTY"; its minimum MSSS change -2.82 is below theirs
    # (-2.17), so one of the other 4 carries it. The solver proves the two rows' MSSS
    # changes incompatible from 6 published numbers (irreducible). A hand proof of a
    # sibling set (the 10's mean in place of their max), with sums of squared deviations
    # SSD = (n - 1) SD^2: SSD14 >= SSD10 + SSD4; SSD10 >= 9 x 1.065^2 = 10.21; the other 4
    # sum to s4 in 14 x [-0.535, -0.525] - 10 x [-0.575, -0.565] = [-1.84, -1.60], one of
    # them is at most -2.815, so SSD4 >= 2.815^2 + (s4 + 2.815)^2 / 3 - s4^2 / 4 >= 7.39
    # (at s4 = -1.84); SSD14 >= 17.6 > 13 x 1.065^2 = 14.75, the most an SD printed 1.06
    # allows. The solver agrees on that set too.
    groups = ["by immediate prior DMD/FTY", "by DMD within prior window/NAT -> FTY -> ALE"]
    targets = [t for t in targets_of(load_published(SEED / "published.toml"), groups)
               if t.measure in ("change EDSS", "change MSSS")]
    cells = cells_of(load_design(SEED / "design.toml"), Reading())
    assert solve(cells, targets, integral=False, time_limit=120).status == "infeasible"
    found, irreducible = conflict(cells, targets, integral=False, time_limit=120)
    assert irreducible and sorted(map(str, found)) == [
        "by DMD within prior window / NAT -> FTY -> ALE / change MSSS / max = 1.16",
        "by DMD within prior window / NAT -> FTY -> ALE / change MSSS / min = -2.17",
        "by DMD within prior window / NAT -> FTY -> ALE / change MSSS / sd = 1.07",
        "by immediate prior DMD / FTY / change MSSS / mean = -0.53",
        "by immediate prior DMD / FTY / change MSSS / min = -2.82",
        "by immediate prior DMD / FTY / change MSSS / sd = 1.06"]
    by_hand = {("by immediate prior DMD/FTY", s) for s in ("mean", "sd", "min")} | {
        ("by DMD within prior window/NAT -> FTY -> ALE", s) for s in ("mean", "sd", "min")}
    sibling = [t for t in targets if t.measure == "change MSSS" and (t.group, t.stat) in by_hand]
    assert len(sibling) == 6
    assert solve(cells, sibling, integral=False, time_limit=120).status == "infeasible"


@pytest.mark.slow
@pytest.mark.parametrize("reading", [
    Reading(unit_days=29.530589), Reading(convention="ms.sev"),
    Reading(table="manouchehrinia2017")], ids=["synodic", "ms.sev", "updated"])
def test_the_fty_conflict_holds_under_every_reading(reading: Reading) -> None:
    # the six numbers of the conflict above, under the synodic lunar month, the MSSS
    # under-one-year row (ms.sev) and the updated MSSS table
    keys = {("by immediate prior DMD/FTY", s) for s in ("mean", "sd", "min")} | {
        ("by DMD within prior window/NAT -> FTY -> ALE", s) for s in ("sd", "min", "max")}
    targets = [t for t in targets_of(load_published(SEED / "published.toml"))
               if t.measure == "change MSSS" and (t.group, t.stat) in keys]
    assert len(targets) == 6
    cells = cells_of(load_design(SEED / "design.toml"), reading)
    assert solve(cells, targets, reading, integral=False,
                 time_limit=120).status == "infeasible"


READINGS = [Reading(), Reading(unit_days=29.530589), Reading(convention="ms.sev"),
            Reading(table="manouchehrinia2017")]
READING_IDS = ["28-days", "synodic", "ms.sev", "updated"]


@pytest.mark.slow
@pytest.mark.parametrize("reading", READINGS, ids=READING_IDS)
def test_the_natalizumab_rows_contradict_each_other_under_the_designs_groups(
        reading: Reading) -> None:
    # The 11 with natalizumab immediately before are in the 29 with natalizumab within two
    # years (design.toml), as are the 10 of NAT -> FTY -> ALE (fingolimod immediately
    # before, so not of the 11): the 29's MSSS change (mean -0.59, SD 1.36) cannot hold the
    # 11's (-1.24, SD 2.05, with their EDSS change mean -0.5) next to 10 at or above -2.17.
    # Found by the deletion filter on the 24 EDSS and MSSS change numbers of the three rows
    # (linear relaxation, 677 s under load; one deletion timed out, so the set is a proof,
    # perhaps not the smallest).
    published = {("by immediate prior DMD/NAT", "change EDSS", "mean"),
                 ("by immediate prior DMD/NAT", "change MSSS", "mean"),
                 ("by immediate prior DMD/NAT", "change MSSS", "sd"),
                 ("by DMD within prior window/NAT", "change MSSS", "mean"),
                 ("by DMD within prior window/NAT", "change MSSS", "sd"),
                 ("by DMD within prior window/NAT -> FTY -> ALE", "change MSSS", "min")}
    targets = [t for t in targets_of(load_published(SEED / "published.toml"))
               if (t.group, t.measure, t.stat) in published]
    assert len(targets) == 6
    cells = cells_of(load_design(SEED / "design.toml"), reading)
    assert solve(cells, targets, reading, integral=False,
                 time_limit=120).status == "infeasible"

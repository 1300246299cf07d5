"""The calibration's sub-problems in whole numbers with the SD exact (CP-SAT): its verdicts
agree with a brute-force enumeration of every cohort, an infeasible program is shrunk to an
irreducible conflict, a protocol constraint takes part in it, and a witness prints every
number as the comparison does."""

from __future__ import annotations

import itertools
import statistics

import pytest

from mscohort.calibrate.design import load_design
from mscohort.calibrate.exact import Cell, Solution, Target, cells_of, merged, targets_of
from mscohort.calibrate.exact_sat import (
    SEED_READING,
    AtMost,
    conflict_exact,
    find_witness,
    solve_exact,
)
from mscohort.calibrate.published import Number, load_published
from mscohort.calibrate.seed import SEED
from mscohort.calibrate.witness import realise, within_published_ranges
from tests.calibrate.test_witnesses import _dated_alike, _followup_broken

FOUR = [Cell("four", 4, frozenset({"T/g"}), (2.0, 7.0), (168.0, 700.0))]


def _targets(measure: str = "change EDSS", **stats: str) -> list[Target]:
    return [Target("T/g", measure, stat, Number.parse(text)) for stat, text in stats.items()]


def _baselines_in_range(out: Solution, cells: list[Cell], targets: list[Target]) -> bool:
    # each choice of the witness realised as a patient of its cell: baseline EDSS 2.5-7.0
    by_name = {c.name: c for c in merged(cells, targets)}
    measures = sorted({t.measure for t in targets})
    patients = [realise(by_name[name], v, measures, SEED_READING)
                for name, counts in out.counts.items() for v, _ in counts]
    return bool(patients) and all(2.5 <= p.base_edss <= 7.0 for p in patients)


def _patients(out: Solution, cells: list[Cell], targets: list[Target]
              ) -> list[tuple[float, float, int, int]]:
    # the witness as patients, each choice realised with the fewest completed years gained
    # (the shortest follow-up its measures allow), for the follow-up rule of the witnesses
    by_name = {c.name: c for c in merged(cells, targets)}
    measures = sorted({t.measure for t in targets})
    out_rows = []
    for name, counts in out.counts.items():
        for v, k in counts:
            p = realise(by_name[name], v, measures, SEED_READING, fewest_years=True)
            out_rows += [(p.base_edss, p.followup_edss, p.d0, p.d1)] * k
    return out_rows


def _prints(values: tuple[float, ...], sd: str, mean: str) -> bool:
    # the oracle: Python's statistics.stdev / fmean printed at the published precision,
    # the range -1.0 to +1.0
    return (min(values) == -1.0 and max(values) == 1.0
            and Number.parse(sd).matches(statistics.stdev(values))
            and Number.parse(mean).matches(statistics.fmean(values)))


@pytest.mark.parametrize("sd", ["0.25", "0.84", "0.85", "0.86", "0.9", "1.0", "1.02", "1.03",
                                "1.04", "1.1"])
def test_the_exact_sd_agrees_with_every_cohort_of_four_half_steps(sd: str) -> None:
    # four EDSS changes from -1.0 to +1.0 with mean -0.1 (printed at 1 decimal): the solver
    # says feasible exactly when one of the 70 multisets of half steps prints all four
    # (two do: -1, -0.5, 0, 1 with SD 0.854 and -1, -1, 0.5, 1 with SD 1.031)
    steps = (-1.0, -0.5, 0.0, 0.5, 1.0)
    exists = any(_prints(v, sd, "-0.1") for v in itertools.combinations_with_replacement(
        steps, 4))
    targets = _targets(mean="-0.1", sd=sd, min="-1.0", max="+1.0")
    out = solve_exact(FOUR, targets, time_limit=30)
    assert out.status == ("feasible" if exists else "infeasible")
    assert out.verified == exists


def test_an_impossible_sd_is_proved_and_shrunk_to_itself() -> None:
    # SD 0.1 of four half steps: 0 or at least 0.25 (0, 0, 0, 0.5: sqrt(0.1875 / 3))
    targets = _targets(mean="-1.0", sd="0.1", min="-2.0", max="0.0")
    found, irreducible = conflict_exact(FOUR, targets, time_limit=30)
    assert irreducible and [str(t) for t in found] == ["T / g / change EDSS / sd = 0.1"]


def test_a_conflict_of_two_numbers_needs_both() -> None:
    # max -1.5 puts every change at or below -1.5: the mean cannot print -1.0
    targets = _targets(mean="-1.0", sd="0.0", max="-1.5")
    found, irreducible = conflict_exact(FOUR, targets, time_limit=30)
    assert irreducible and sorted(t.stat for t in found) == ["max", "mean"]


def test_a_feasible_program_has_no_conflict() -> None:
    with pytest.raises(ValueError, match="feasible, not infeasible"):
        conflict_exact(FOUR, _targets(mean="-1.0"), time_limit=30)


def test_a_protocol_constraint_joins_the_conflict() -> None:
    # baseline EDSS (the cell's 2.0-7.0) mean 2.50 of four patients: the sum 10 needs two
    # patients below 3.0 at least (2.0 + 2.0 + 3.0 + 3.0); with one below 3.0 the sum is
    # at least 2.0 + 3 x 3.0 = 11. So "at most one below 3.0" and the mean conflict, and
    # nothing else is needed (the min and max are met without the rule)
    targets = _targets("baseline EDSS", mean="2.50", min="2.0", max="3.0")
    assert solve_exact(FOUR, targets, time_limit=30).verified
    rule = AtMost("T/g", "baseline EDSS", 3.0, 1)
    assert solve_exact(FOUR, targets, time_limit=30, extra=[rule]).status == "infeasible"
    found, irreducible = conflict_exact(FOUR, targets, time_limit=30, extra=[rule])
    assert irreducible and rule in found
    assert {str(t) for t in found} == {str(rule), "T / g / baseline EDSS / mean = 2.50"}


def test_a_value_on_the_end_of_an_interval_that_prints_outside_is_no_witness() -> None:
    # one change of 0.25: the float 0.25 prints "0.2" at one decimal (round half to even),
    # so a published mean of 0.3 has no witness, though 0.25 lies in [0.25, 0.35]
    cell = [Cell("one", 2, frozenset({"T/g"}), (2.0, 7.0), (168.0, 700.0))]
    out = solve_exact(cell, _targets(mean="0.3", max="0.5"), time_limit=30)
    assert f"{0.25:.1f}" == "0.2"
    assert out.status == "feasible" and not out.verified  # only (0, 0.5): mean 0.25


@pytest.mark.slow
def test_the_nat_fty_ale_row_alone_is_printed_by_a_witness() -> None:
    # the residual "NAT -> FTY -> ALE / change EDSS / sd 1.2 (cohort 1.1)" is not forced by
    # its own row: ten patients of its profile, every baseline EDSS in the short-term
    # cohort's published 2.5-7.0, print all 8 numbers of the row together (the stored
    # witness of test_witnesses.py; 53 s on one worker under load)
    group = "by DMD within prior window/NAT -> FTY -> ALE"
    published = targets_of(load_published(SEED / "published.toml"))
    targets = [t for t in published
               if t.group == group and t.measure in ("change EDSS", "change MSSS")]
    cells = within_published_ranges(cells_of(load_design(SEED / "design.toml"), SEED_READING),
                                    published)
    out = find_witness(cells, targets, time_limit=240, sample=300, seed=0)
    assert out.status == "feasible" and out.verified
    rows = [v for counts in out.counts.values() for v, k in counts for _ in range(k)]
    assert _baselines_in_range(out, cells, targets)
    edss = tuple(r[1] for r in rows)
    msss = tuple(r[3] for r in rows)
    assert len(rows) == 10
    # printed as the seed prints them (statistics.fmean / stdev, the oracle)
    assert (f"{statistics.fmean(edss):.1f}", f"{statistics.stdev(edss):.1f}", min(edss),
            max(edss)) == ("-0.4", "1.2", -2.0, 1.0)
    assert (f"{statistics.fmean(msss):.2f}", f"{statistics.stdev(msss):.2f}",
            f"{min(msss):.2f}", f"{max(msss):.2f}") == ("-0.57", "1.07", "-2.17", "1.16")
    # the follow-up rule of the stored witnesses (test_witnesses.py): the completed years
    # each patient gains need a follow-up whose median still prints the row's 12, and the
    # patients can be dated so that it does
    patients = _patients(out, cells, targets)
    assert _followup_broken(patients, group) is None
    _dated_alike(patients, group)


@pytest.mark.slow
def test_the_short_term_cohorts_change_rows_are_printed_by_a_witness() -> None:
    # the residual "short-term / change MSSS / sd 0.97 (cohort 1.06)" is not forced by its
    # own row: 30 ALE-naive patients, every baseline EDSS in the published 2.5-7.0, print
    # the 8 numbers of EDSS and MSSS change together (11 s on one worker under load)
    group = "by follow-up cohort/short-term"
    published = targets_of(load_published(SEED / "published.toml"))
    targets = [t for t in published
               if t.group == group and t.measure in ("change EDSS", "change MSSS")]
    cells = within_published_ranges(cells_of(load_design(SEED / "design.toml"), SEED_READING),
                                    published)
    out = find_witness(cells, targets, time_limit=240, sample=150, seed=0, workers=2)
    assert out.status == "feasible" and out.verified
    rows = [v for counts in out.counts.values() for v, k in counts for _ in range(k)]
    assert _baselines_in_range(out, cells, targets)
    edss = tuple(r[1] for r in rows)
    msss = tuple(r[3] for r in rows)
    assert len(rows) == 30
    assert (f"{statistics.fmean(edss):.1f}", f"{statistics.stdev(edss):.1f}", min(edss),
            max(edss)) == ("-0.4", "1.4", -4.5, 1.5)
    assert (f"{statistics.fmean(msss):.2f}", f"{statistics.stdev(msss):.2f}",
            f"{min(msss):.2f}", f"{max(msss):.2f}") == ("-0.54", "0.97", "-2.82", "1.16")
    # Not checked here against the follow-up rule: the solver does not model follow-up,
    # and its witnesses of this row gain up to three completed years for most patients
    # (the rejected witness of test_witnesses.py: a follow-up median of at least 25.04
    # lunar months against the published 10). The row's witness that meets the rule (and
    # the baseline EDSS row) is the stored one, checked in test_witnesses.py.

"""Witness cohorts stored as patients (EDSS steps and completed years of disease), checked
without any solver: the real MSSS table (:func:`mscohort.derive.severity.msss`, as the
analysis computes it), Python's ``statistics`` for the mean and sample SD, and the
comparison's printing rule (:meth:`Number.matches`). Each was found by CP-SAT on cells whose
baseline EDSS lies in the published range (:func:`within_published_ranges`); the solver
re-runs are the slow tests of ``test_exact_sat.py``. Dataset README, "What an exact solver
says about them"."""

from __future__ import annotations

import statistics

import numpy as np
import pytest

from mscohort.calibrate.design import load_design
from mscohort.calibrate.exact import Cell, cells_of, targets_of
from mscohort.calibrate.exact_sat import SEED_READING
from mscohort.calibrate.published import Number, load_published
from mscohort.calibrate.seed import SEED
from mscohort.calibrate.witness import Patient, realise, within_published_ranges
from mscohort.derive.severity import msss

NFA = "by DMD within prior window/NAT -> FTY -> ALE"
SHORT = "by follow-up cohort/short-term"

# (baseline EDSS, follow-up EDSS, completed years of disease at baseline, at follow-up)
NFA_WITNESS = [
    (6.0, 4.0, 1, 1),
    *[(4.0, 2.5, 26, 29)] * 3,
    (6.5, 5.5, 22, 23),
    *[(2.5, 3.0, 2, 4)] * 3,
    (3.0, 4.0, 22, 25),
    (3.0, 4.0, 1, 1),
]
SHORT_WITNESS = [
    *[(4.5, 0.0, 25, 26)] * 3,
    (2.5, 1.5, 4, 5),
    *[(6.0, 6.0, 3, 6)] * 4,
    (6.0, 6.0, 19, 21),
    *[(2.5, 2.5, 22, 25)] * 20,
    (4.0, 5.5, 23, 26),
]


def _published(group: str) -> dict[tuple[str, str], Number]:
    return {(t.measure, t.stat): t.number
            for t in targets_of(load_published(SEED / "published.toml"), [group])}


def _printed_alike(patients: list[tuple[float, float, int, int]], group: str) -> None:
    base, follow, d0, d1 = (np.array(c, dtype=float) for c in zip(*patients, strict=True))
    change = {"change EDSS": follow - base,
              "change MSSS": msss(follow, d1) - msss(base, d0)}  # the real table's floats
    published = _published(group)
    for measure, x in change.items():
        assert not np.isnan(x).any()
        values = list(map(float, x))
        got = {"mean": statistics.fmean(values), "sd": statistics.stdev(values),
               "min": min(values), "max": max(values)}
        for stat, value in got.items():
            number = published[(measure, stat)]
            assert number.matches(value), (measure, stat, number.text, value)
    # every baseline EDSS inside the short-term cohort's published range 2.5-7.0 (the NFA
    # patients are ALE-naive, so short-term), a valid EDSS step
    assert ((base >= 2.5) & (base <= 7.0)).all()
    assert set(np.concatenate([base, follow]) * 2 % 1) == {0.0}
    # the follow-up of the short-term cohort is 6-25 lunar months (at most 25.5 x 28 days)
    # plus the baseline's 30 days before the index: at most 744 days, so the completed years
    # of disease grow by 0 to 3 (two years and one more anniversary)
    assert ((d1 - d0 >= 0) & (d1 - d0 <= 3)).all()


def test_the_nat_fty_ale_row_is_printed_by_ten_patients_in_the_published_baseline_range(
        ) -> None:
    # the residual "NAT -> FTY -> ALE / change EDSS / sd 1.2 (cohort 1.1)" is not forced by
    # its own row and the published baseline range: these 10 print all 8 change numbers
    assert len(NFA_WITNESS) == 10
    _printed_alike(NFA_WITNESS, NFA)
    assert ("change EDSS", "sd") in _published(NFA)


def test_the_short_term_change_rows_are_printed_by_thirty_patients_in_the_baseline_range(
        ) -> None:
    # the residual "short-term / change MSSS / sd 0.97 (cohort 1.06)": 30 ALE-naive patients
    # with baseline EDSS in 2.5-7.0 print the 8 change numbers of the cohort
    assert len(SHORT_WITNESS) == 30
    _printed_alike(SHORT_WITNESS, SHORT)
    assert _published(SHORT)[("change MSSS", "sd")].text == "0.97"


def test_a_printed_range_bounds_the_baseline_edss_of_every_cell_in_its_group() -> None:
    published = targets_of(load_published(SEED / "published.toml"))
    cells = within_published_ranges(cells_of(load_design(SEED / "design.toml"),
                                             SEED_READING), published)
    ranges = {c.base_edss for c in cells if SHORT in c.groups}
    assert ranges == {(2.45, 7.05)}  # "2.5-7.0" at one decimal
    assert {c.base_edss for c in cells if SHORT not in c.groups} == {(1.95, 7.55)}
    # a cell in no group with a baseline range keeps its own
    lone = Cell("lone", 1, frozenset({"T/g"}), (0.0, 9.5), (168.0, 700.0))
    assert within_published_ranges([lone], published) == [lone]


def test_a_choice_is_realised_as_a_patient_with_the_same_measures() -> None:
    # EDSS 6.0 -> 4.0 with 1 completed year at both: MSSS 9.737 -> 9.092 (Roxburgh 2005)
    cell = Cell("one", 1, frozenset({"T/g"}), (2.5, 7.0), (6 * 28.0, 25.5 * 28.0))
    change = float(msss(np.array([4.0]), np.array([1.0]))[0]
                   - msss(np.array([6.0]), np.array([1.0]))[0])
    assert change == pytest.approx(9.092 - 9.737, abs=1e-9)
    patient = realise(cell, (6.0, -2.0, 0.0, change), ["baseline EDSS", "change EDSS",
                                                         "change MSSS"], SEED_READING)
    assert patient == Patient(6.0, 4.0, 1, 1)


def test_a_choice_no_patient_of_the_cell_has_is_an_error() -> None:
    cell = Cell("one", 1, frozenset({"T/g"}), (2.5, 7.0), (6 * 28.0, 25.5 * 28.0))
    with pytest.raises(ValueError, match="no patient of 'one' has the measures"):
        realise(cell, (8.0, 0.0, 0.0, 0.0), ["baseline EDSS"], SEED_READING)
    with pytest.raises(ValueError, match="`measures` must be some of"):
        realise(cell, (8.0, 0.0, 0.0, 0.0), ["EDSS"], SEED_READING)


def test_the_stored_witnesses_are_realisations_of_the_solvers_choices() -> None:
    # each stored patient's measures are a choice of its cell: realise finds a patient
    # with the same change EDSS and MSSS inside the cell's baseline range
    published = targets_of(load_published(SEED / "published.toml"))
    cells = within_published_ranges(cells_of(load_design(SEED / "design.toml"),
                                             SEED_READING), published)
    cell = next(c for c in cells if NFA in c.groups)
    for b, f, d0, d1 in set(NFA_WITNESS):
        change = float(msss(np.array([f]), np.array([float(d1)]))[0]
                       - msss(np.array([b]), np.array([float(d0)]))[0])
        found = realise(cell, (b, f - b, 0.0, change), ["baseline EDSS", "change EDSS",
                                                          "change MSSS"], SEED_READING)
        assert found.base_edss == b and found.followup_edss == f


# EDSS change (and how many patients have it) per profile of design.toml
EDSS_WITNESS = {
    "LT, interferon/GA up to alemtuzumab": [(-4.0, 1), (-1.5, 12)],
    "LT, interferon/GA ended more than 2 years before": [(-3.0, 1)],
    "LT, short natalizumab then back to interferon/GA": [(-1.5, 2), (-1.0, 2), (2.0, 3)],
    "LT, interferon/GA then short natalizumab": [(-1.5, 5), (0.0, 1), (1.5, 2)],
    "LT, fingolimod then an immunosuppressant": [(-0.5, 1)],
    "ST, natalizumab then fingolimod": [(-2.0, 1), (-1.5, 3), (-0.5, 1), (0.0, 2), (1.0, 3)],
    "ST, interferon/GA then fingolimod": [(0.5, 1)],
    "ST, fingolimod": [(-0.5, 1)],
    "ST, fingolimod ended more than 2 years before": [(-1.0, 1), (0.0, 1)],
    "ST, natalizumab": [(-3.0, 1), (1.0, 2)],
    "ST, interferon/GA": [(-1.0, 2), (0.0, 2)],
    "ST, natalizumab then back to interferon/GA": [(1.5, 1)],
    "ST, an oral drug": [(-4.5, 1), (-1.5, 2), (1.0, 4)],
    "ST, fingolimod then an oral drug": [(-1.0, 1)],
}


def test_the_edss_change_rows_of_all_nine_groups_are_printed_by_one_cohort() -> None:
    # the residuals of EDSS change (IFN-GA within two years mean -0.8, NAT within two years
    # SD 1.5, NAT -> FTY -> ALE SD 1.2) are not forced by the EDSS change numbers: this
    # cohort of the design's profiles prints all 36 of them together (CP-SAT over every
    # choice, no sampling, 34 s). The MSSS change is not part of this witness.
    design = load_design(SEED / "design.toml")
    assert {p.name: p.count for p in design.profiles} == {
        name: sum(k for _, k in rows) for name, rows in EDSS_WITNESS.items()}
    published = targets_of(load_published(SEED / "published.toml"))
    groups = {t.group for t in published if t.measure == "change EDSS"}
    assert len(groups) == 9
    for group in groups:
        values = [v for p in design.profiles
                  if group in (*p.member_of, f"by follow-up cohort/{p.cohort}")
                  for v, k in EDSS_WITNESS[p.name] for _ in range(k)]
        got = {"mean": statistics.fmean(values), "sd": statistics.stdev(values),
               "min": min(values), "max": max(values)}
        for t in published:
            if t.group == group and t.measure == "change EDSS":
                assert t.number.matches(got[t.stat]), (group, t.stat, t.number.text)
    # every change is a change between EDSS steps from a baseline in 2.5-7.0
    steps = {x / 2 for x in range(20)} - {0.5}
    for rows in EDSS_WITNESS.values():
        for change, _ in rows:
            assert any(b + change in steps for b in (2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5,
                                                     6.0, 6.5, 7.0))

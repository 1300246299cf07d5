"""Witness cohorts of the exact programs (:mod:`.exact`, :mod:`.exact_sat`) as patients:
the published ranges every patient of a group lies in, and each solver choice turned back
into the four whole numbers it was made of.

A published min-max range of a group bounds every one of its patients, so narrowing a
cell's baseline EDSS to the published baseline range of each group it belongs to removes
no cohort that prints those ranges (:func:`within_published_ranges`). A witness found on
the narrowed cells is then a cohort whose every baseline EDSS lies in the published range,
as a screening of the records would see it.

A solver choice is a value vector (:data:`mscohort.calibrate.exact.MEASURES`);
:func:`realise` finds the baseline and follow-up EDSS step and the completed years of
disease at both assessments that give it, so a witness can be stored as patients and
checked with the real MSSS table (:func:`mscohort.derive.severity.msss`) and the printing
rule of the comparison, independently of the solver.

References
----------
Roxburgh RHSR et al. Multiple Sclerosis Severity Score. Neurology 2005;64:1144-1151.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mscohort.calibrate.exact import MEASURES, Cell, Reading, Target
from mscohort.calibrate.fit import STEPS
from mscohort.errors import bad_argument


@dataclass(frozen=True)
class Patient:
    """One patient of a witness: EDSS at baseline and follow-up, completed years of
    disease at both assessments (``d1 - d0`` within what the follow-up allows)."""

    base_edss: float
    followup_edss: float
    d0: int
    d1: int


def within_published_ranges(cells: Sequence[Cell], targets: Sequence[Target]) -> list[Cell]:
    """The cells with their baseline EDSS narrowed to the published baseline EDSS min-max
    of every group they belong to (``targets``: the published numbers, any measure).

    Notes
    -----
    Every patient of a group lies inside the group's printed range, so the narrowing is
    implied by the published numbers: a program on the narrowed cells holds every cohort
    that prints those ranges."""
    out = []
    for c in cells:
        lo, hi = c.base_edss
        for t in targets:
            if t.measure == "baseline EDSS" and t.group in c.groups:
                low, high = t.interval
                if t.stat == "min":
                    lo = max(lo, low)
                elif t.stat == "max":
                    hi = min(hi, high)
        out.append(dataclasses.replace(c, base_edss=(lo, hi)))
    return out


def years_apart(cell: Cell, reading: Reading) -> range:
    """The completed years of disease a patient of ``cell`` may gain from baseline to
    follow-up (the baseline assessment ``reading.baseline_days`` before the index date),
    as :func:`mscohort.calibrate.exact.choices` allows them.

    Notes
    -----
    A relaxation of the calendar, on both ends. The fewest, ``lo // 366`` for ``lo`` days
    from baseline to the shortest follow-up, holds because any 366 days hold an
    anniversary. The most, ``hi // 365 + 1``, allows at least one day more than the
    calendar: ``g`` anniversaries need at least ``1 + 365 (g - 1)`` days, and a 29 February
    more for every 4 years after the first (:func:`least_followup_days`). Being looser,
    the solvers' choices hold every cohort the calendar allows, so their infeasibility
    proofs stay valid; a witness of theirs is checked against the calendar's rule
    (:func:`least_followup_days`) before it is called one."""
    lo = cell.followup_days[0] + reading.baseline_days
    hi = cell.followup_days[1] + reading.baseline_days
    return range(int(lo // 366), int(hi // 365) + 2)


def realise(cell: Cell, value: Sequence[float], measures: Sequence[str],
            reading: Reading, fewest_years: bool = False) -> Patient:
    """A patient of ``cell`` whose ``measures`` (of :data:`MEASURES`, the ones the targets
    read) are those of the choice ``value``; the first in the order of baseline EDSS,
    follow-up EDSS, ``d0`` and ``d1 - d0`` (``fewest_years``: the first of those gaining
    the fewest completed years of :func:`years_apart`, which the shortest follow-up
    allows, :func:`least_followup_days`). ``d1`` stops at 30, the MSSS table's last
    column, so ``d1 - d0`` is then at most the years gained. Raises ``ValueError`` when
    none is."""
    if len(value) != len(MEASURES):
        raise bad_argument("value", f"a vector of {len(MEASURES)} measures", value)
    unknown = [m for m in measures if m not in MEASURES]
    if unknown:
        raise bad_argument("measures", f"some of {', '.join(MEASURES)}", unknown)
    grid = reading.grid()
    years = grid.shape[1] - 1
    b = np.flatnonzero((cell.base_edss[0] <= STEPS) & (cell.base_edss[1] >= STEPS))
    B, F, D0, K = (a.ravel() for a in np.meshgrid(
        b, np.arange(STEPS.size), np.arange(years + 1), np.array(years_apart(cell, reading)),
        indexing="ij"))
    D1 = np.minimum(D0 + K, years)
    got = np.stack([STEPS[B], STEPS[F] - STEPS[B], grid[B, D0], grid[F, D1] - grid[B, D0]],
                   axis=1)
    cols = [MEASURES.index(m) for m in measures]
    hit = ~np.isnan(got).any(axis=1) & (
        np.abs(got[:, cols] - np.asarray(value, dtype=float)[cols]) < 5e-10).all(axis=1)
    if not hit.any():
        raise ValueError(f"no patient of {cell.name!r} has the measures {tuple(value)}")
    found = np.flatnonzero(hit)
    i = int(found[np.argmin(K[found])] if fewest_years else found[0])
    return Patient(float(STEPS[B[i]]), float(STEPS[F[i]]), int(D0[i]), int(D1[i]))


def least_followup_days(gain: int, reading: Reading) -> int:
    """The fewest follow-up days (after the index date) in which a patient's completed
    years of disease grow by ``gain`` from the baseline assessment, ``reading.baseline_days``
    before the index date; 0 when any follow-up allows it.

    Notes
    -----
    Completed years count calendar anniversaries of the onset
    (:func:`mscohort.derive.timing.completed_years_expr`), so ``gain`` years gained means
    ``gain`` anniversaries after the baseline, up to and including the follow-up date. The
    first can fall on the day after the baseline; each further one is at least 365 days
    after the one before (a year without 29 February), and any 4 consecutive years of
    1901-2099 hold one 29 February. So ``gain >= 1`` needs at least
    ``1 + 365 (gain - 1) + (gain - 1) // 4`` days from baseline to follow-up, less the
    baseline's days before the index date. :func:`years_apart` (the solvers' choices) is
    looser (it needs ``365 (gain - 1)`` days), so a solver's witness can ask for more
    follow-up than its cell allows; this bound is the calendar's."""
    if isinstance(gain, bool) or not isinstance(gain, int) or gain < 0:
        raise bad_argument("gain", "a whole number of years, 0 or more", gain)
    if gain == 0:
        return 0
    return max(1 + 365 * (gain - 1) + (gain - 1) // 4 - reading.baseline_days, 0)

"""Fit per-patient values to published group summaries by simulated annealing.

Each patient has an age at index (completed years), a follow-up (days), a baseline and a
follow-up EDSS (valid steps, never 0.5, which has no MSSS) and a disease duration at baseline
(completed years). From these follow the six measures of the seed's tables: age, follow-up in
the study unit, baseline EDSS, EDSS change, baseline MSSS and MSSS change, the MSSS being the
global MSSS of Roxburgh et al. (2005) at the baseline and follow-up dates (durations by the
calendar, as the analysis computes them).

The cost is the sum, over every published number, of its distance from the analysis value in
units of its last printed digit, 0 when it prints the same (with a 10% safety margin). The
annealing (Kirkpatrick et al. 1983) changes one value of one patient per step and accepts a
worse cost with probability exp(-increase / temperature), the temperature falling
geometrically; it stops at cost 0. Seeded: the same inputs give the same cohort.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from mscohort.calibrate.kernels import anneal_kernel, fit_errors, polish_kernel
from mscohort.calibrate.published import PublishedCell
from mscohort.derive.severity import msss

#: EDSS steps the fit may use (0.5 has no MSSS)
STEPS = np.array([0.0, *np.arange(1.0, 9.51, 0.5)])
MEASURES = ("age at index", "follow-up", "baseline EDSS", "change EDSS", "baseline MSSS",
            "change MSSS")
MAX_YEARS = 45
_MSSS = np.array([[msss(np.array([e]), np.array([float(min(y, 30))]))[0] if y >= 1 else np.nan
                   for y in range(MAX_YEARS + 1)] for e in STEPS])
#: the global MSSS by EDSS step (rows, :data:`STEPS`) and completed years 0-45 (columns;
#: 30 or more read the last row of the table; 0: no score)
MSSS_GRID = _MSSS


def completed_years(start: dt.date, end: dt.date) -> int:
    """Whole years from ``start`` to ``end`` by the calendar (as the analysis)."""
    years = end.year - start.year
    return years - ((end.month, end.day) < (start.month, start.day))


def shift_months(day: dt.date, months: int) -> dt.date:
    """The 15th of the month ``months`` after (negative: before) the month of ``day``."""
    k = day.year * 12 + day.month - 1 + months
    return dt.date(k // 12, k % 12 + 1, 15)


@dataclass
class Patients:
    """The fitted values of every patient (arrays of one length)."""

    age: np.ndarray  #: completed years at index
    followup_days: np.ndarray
    base_step: np.ndarray  #: index into STEPS
    last_step: np.ndarray
    duration: np.ndarray  #: completed years from onset at the baseline assessment
    end_offset_days: np.ndarray  #: interim date minus the follow-up date
    #: months from the onset's month to the baseline's beyond the whole years (onset on the
    #: 15th; None: :data:`ONSET_MONTHS` for every patient)
    onset_months: np.ndarray | None = None

    def onset(self) -> np.ndarray:
        """:attr:`onset_months`, every patient's (:data:`ONSET_MONTHS` when None)."""
        if self.onset_months is None:
            return np.full(self.age.size, ONSET_MONTHS, dtype=np.int64)
        return self.onset_months


#: the onset's months before the baseline's beyond the whole years, unless a patient's
#: :attr:`Patients.onset_months` says otherwise: half a year, so the duration at baseline
#: is ``duration`` completed years whatever the day
ONSET_MONTHS = 6


@dataclass(frozen=True)
class Bounds:
    followup_days: tuple[np.ndarray, np.ndarray]  #: per patient, from its cohort
    onset_age: tuple[int, int] = (16, 55)
    age: tuple[int, int] = (18, 75)
    #: per patient, the lowest and highest baseline EDSS step (indices into :data:`STEPS`;
    #: None: every step), e.g. a protocol's screening EDSS range
    base_step: tuple[np.ndarray, np.ndarray] | None = None

    def base_steps(self, n: int) -> np.ndarray:
        """The baseline step bounds as a (2, ``n``) array (every step when None)."""
        if self.base_step is None:
            return np.array([np.zeros(n), np.full(n, STEPS.size - 1)], dtype=np.int64)
        return np.stack(self.base_step).astype(np.int64)


@dataclass(frozen=True)
class Target:
    group: int
    measure: int
    stat: str
    value: float
    decimals: int
    weight: float = 1.0  #: the cost of a miss per printed digit (:data:`LIGHT` for members)


#: the weight of a published number that is a member of a proved conflict: the fit meets
#: every other number first and then misses as few members as it can (lexicographic while
#: the members are together less than 450 printed digits off: a miss of any other number
#: costs at least 0.45)
LIGHT = 0.001


class Model:
    """Measures of every patient from their values, and the cost against the targets."""

    def __init__(self, targets: list[Target], members: np.ndarray, interim: dt.date,
                 baseline_days: int, unit_days: float) -> None:
        self.targets, self.members = targets, members
        self.interim, self.baseline_days, self.unit_days = interim, baseline_days, unit_days
        self._t = (np.array([t.group for t in targets], dtype=np.int64),
                   np.array([t.measure for t in targets], dtype=np.int64),
                   np.array([STAT_CODES[t.stat] for t in targets], dtype=np.int64),
                   np.array([t.value for t in targets]),
                   np.array([10.0 ** -t.decimals for t in targets]),
                   np.array([t.weight for t in targets]))

    def dates(self, p: Patients, i: int) -> tuple[dt.date, dt.date, dt.date, dt.date]:
        """Follow-up, index, baseline and onset date of patient ``i``."""
        end = self.interim - dt.timedelta(days=int(p.end_offset_days[i]))
        index = end - dt.timedelta(days=int(p.followup_days[i]))
        base = index - dt.timedelta(days=self.baseline_days)
        onset = shift_months(base, -12 * int(p.duration[i]) - int(p.onset()[i]))
        return end, index, base, onset

    def row(self, p: Patients, i: int) -> np.ndarray:
        end, _, _, onset = self.dates(p, i)
        d1 = min(completed_years(onset, end), MAX_YEARS)
        b, f = STEPS[p.base_step[i]], STEPS[p.last_step[i]]
        m0 = _MSSS[p.base_step[i], min(int(p.duration[i]), MAX_YEARS)]
        m1 = _MSSS[p.last_step[i], d1]
        return np.array([p.age[i], p.followup_days[i] / self.unit_days, b, f - b, m0, m1 - m0])

    def values(self, p: Patients) -> np.ndarray:
        return np.array([self.row(p, i) for i in range(p.age.size)]).T

    def stat(self, v: np.ndarray, t: Target) -> float:
        x = v[t.measure][self.members[t.group]]
        if t.stat == "mean":
            return float(x.mean())
        if t.stat == "sd":
            return float(x.std(ddof=1)) if x.size > 1 else math.nan
        if t.stat == "median":
            return float(np.median(x))
        return float(x.min() if t.stat == "min" else x.max())

    def errors(self, v: np.ndarray) -> np.ndarray:
        """Distance of every target in units of its last printed digit (0: prints alike)."""
        return fit_errors(np.ascontiguousarray(v), self.members, *self._t)


STAT_CODES = {"mean": 0, "sd": 1, "median": 2, "min": 3, "max": 4}


def targets_for(cells: list[PublishedCell], groups: list[str],
                light: set[tuple[str, str, str, str]] | frozenset[tuple[str, str, str, str]]
                = frozenset()) -> list[Target]:
    """Targets of every published statistic whose group is one of ``groups``
    ("table/group"); those in ``light`` (table, group, measure, stat: the members of proved
    conflicts) weigh :data:`LIGHT`, the others 1."""
    out = []
    for c in cells:
        key = f"{c.table}/{c.group}"
        if key not in groups:
            continue
        measure = "follow-up" if c.measure.startswith("follow-up") else c.measure
        for stat, number in c.stats.items():
            weight = LIGHT if (c.table, c.group, c.measure, stat) in light else 1.0
            out.append(Target(groups.index(key), MEASURES.index(measure), stat, number.value,
                              number.decimals, weight))
    return out


#: the moves of one step: change one value, shift an EDSS step and re-choose the duration
#: that keeps the patient's MSSS closest, or swap two patients of one cohort
MOVES = ("age", "follow-up", "baseline EDSS", "follow-up EDSS", "both EDSS", "duration",
         "EDSS keeping MSSS", "swap")


def anneal(model: Model, p: Patients, bounds: Bounds, rng: np.random.Generator,
           steps: int = 2_000_000, t_start: float = 20.0, t_end: float = 0.05,
           moves: tuple[str, ...] = MOVES) -> float:
    """Improve ``p`` in place by changing only ``moves``; returns the final cost (0: every
    target printed alike)."""
    n = p.age.size
    kinds = np.array([MOVES.index(m) for m in moves])
    draws = (rng.integers(n, size=steps), kinds[rng.integers(kinds.size, size=steps)],
             rng.choice(np.array([-1, 1]), size=steps), rng.integers(1, 4, size=steps),
             rng.integers(-40, 41, size=steps), rng.random(steps), rng.random(steps))
    state = np.stack([p.age, p.followup_days, p.base_step, p.last_step, p.duration,
                      p.end_offset_days, p.onset()]).astype(np.int64)
    cohort = np.unique(np.stack(bounds.followup_days), axis=1, return_inverse=True)[1]
    partner = np.array([rng.choice(np.flatnonzero(cohort == cohort[i])) for i in draws[0]])
    limits = np.array([bounds.age[0], bounds.age[1], bounds.onset_age[0], bounds.onset_age[1]],
                      dtype=np.int64)
    epoch = dt.date(1970, 1, 1).toordinal()
    fu = np.vstack([np.stack(bounds.followup_days), bounds.base_steps(n)]).astype(np.int64)
    args = (fu, limits, model.interim.toordinal() - epoch, model.baseline_days,
            model.unit_days, STEPS, _MSSS, model.members, *model._t)
    anneal_kernel(state, *args, *draws, partner.astype(np.int64), t_start, t_end)
    cost = polish_kernel(state, *args, cohort.astype(np.int64))
    for k, f in enumerate(("age", "followup_days", "base_step", "last_step", "duration")):
        getattr(p, f)[:] = state[k]
    return float(cost)


def _valid(p: Patients, i: int, b: Bounds) -> bool:
    onset_age = p.age[i] - p.duration[i] - 1
    steps = b.base_steps(p.age.size)
    return bool(b.age[0] <= p.age[i] <= b.age[1]
                and b.followup_days[0][i] <= p.followup_days[i] <= b.followup_days[1][i]
                and steps[0, i] <= p.base_step[i] <= steps[1, i]
                and 0 <= p.last_step[i] < STEPS.size
                and 1 <= p.duration[i] <= 40 and b.onset_age[0] <= onset_age <= b.onset_age[1])

"""Repair of a fitted cohort by large-neighbourhood search: free a few patients' EDSS steps
and disease durations, solve exactly for them with CP-SAT, keep every number already met.

A patient outside their bounds (:class:`Bounds`, a protocol's screening EDSS), then a
published number outside the proved conflicts that the annealing still misses, is taken in
turn; a neighbourhood is a seeded sample of the patient's cohort or the number's group (the
others are fixed). Each freed patient keeps their age, follow-up and dates and chooses one of the
*choices* near their fitted values: baseline and follow-up EDSS steps within
``step_radius`` (the baseline step inside the patient's bounds, :class:`Bounds`: a
protocol's screening EDSS) and a disease duration at baseline within ``year_radius``
completed years (the duration at follow-up moves with it: the onset moves by whole
years, so the years gained by the follow-up date stay the same, unless ``onsets`` lets the
onset's month move too: :func:`onset_choices`). The program, in whole
numbers (EDSS in half steps, MSSS in thousandths, as :mod:`mscohort.calibrate.exact_sat`),
holds every published number of the freed patients' groups over those choices and the
fixed patients' values:

* mean: the group's sum strictly inside ``N`` times the printed interval;
* SD: ``N Q - S^2`` strictly inside ``N (N - 1)`` times the squared interval (``S * S`` a
  solver product, exact);
* min and max: no member beyond the interval's far end, one inside it.

Every number outside the conflicts met before the step is a hard constraint; those still
missed, then the conflicts' members, are goals (the objective counts them, the former
weighing more than all of the latter). The interval ends themselves are left out,
so a solution prints alike unless a float sum lands within rounding of an end; the
solution is then checked with the fit's own cost (:meth:`Model.errors`) and kept only if
no number outside the conflicts met before is lost and more are met (outside the conflicts
first, then members). A freed patient outside their bounds must come inside: then every
solution is taken that loses none of those numbers, though it may meet fewer members.

CP-SAT runs on one worker with a fixed ``random_seed`` and a deterministic time limit
(``max_deterministic_time``, never seconds of the wall clock), so the repair is the same on
every machine.

References
----------
Shaw P. Using constraint programming and local search methods to solve vehicle routing
problems. CP 1998, LNCS 1520:417-431 (large-neighbourhood search). Perron L, Didier F.
CP-SAT. OR-Tools v9, Google 2024.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from mscohort.calibrate.fit import (
    MAX_YEARS,
    MSSS_GRID,
    STEPS,
    Bounds,
    Model,
    Patients,
    Target,
    shift_months,
)
from mscohort.calibrate.fit import completed_years as _years
from mscohort.errors import UsageError, bad_argument

#: the fit's measures (:data:`mscohort.calibrate.fit.MEASURES`) a repair changes, and their
#: whole-number unit: EDSS in half steps, MSSS in thousandths
SCALE = {2: 2, 3: 2, 4: 1000, 5: 1000}
#: the weight of a number outside the conflicts in the objective, per conflict member
HEAVY_OVER_LIGHT = 1000


@dataclass(frozen=True)
class RepairStep:
    """One neighbourhood tried: the missed number aimed at, the freed patients (indices),
    the solver's status and whether the cohort was changed."""

    target: int  #: the target's index; ``-1 - i``: patient ``i`` brought inside their bounds
    freed: tuple[int, ...]
    status: str
    kept: bool


def _interval(t: Target, scale: int) -> tuple[Fraction, Fraction]:
    v = Fraction(f"{t.value:.{t.decimals}f}")
    half = Fraction(1, 2 * 10 ** t.decimals)
    return (v - half) * scale, (v + half) * scale


def _inside(lo: Fraction, hi: Fraction) -> tuple[int, int]:
    """Whole numbers strictly inside (lo, hi)."""
    return math.floor(lo) + 1, math.ceil(hi) - 1


def onset_choices(model: Model, p: Patients, i: int) -> list[tuple[int, int]]:
    """Patient ``i``'s onset months (:attr:`Patients.onset_months`) that keep their
    duration at baseline, one per number of completed years gained by the follow-up date
    (the nearest to the current; ties: the fewer months): (onset months, years gained)."""
    end, _, base, _ = model.dates(p, i)
    d, now = int(p.duration[i]), int(p.onset()[i])
    best: dict[int, tuple[int, int]] = {}
    for months in sorted(range(12), key=lambda m: (abs(m - now), m)):
        onset = shift_months(base, -12 * d - months)
        if _years(onset, base) != d:
            continue
        best.setdefault(_years(onset, end) - d, (months, _years(onset, end) - d))
    return sorted(best.values())


def choices(model: Model, p: Patients, bounds: Bounds, i: int, step_radius: int,
            year_radius: int, onsets: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Patient ``i``'s choices (rows: baseline step, follow-up step, duration, onset
    months) near their fitted values, and each choice's measures in whole units (rows;
    columns: the fit's measures 2-5, :data:`SCALE`). ``onsets``: the onset months of
    :func:`onset_choices` too (else the patient's own)."""
    end, _, _, onset = model.dates(p, i)
    now = int(p.onset()[i])
    months = (onset_choices(model, p, i) if onsets
              else [(now, _years(onset, end) - int(p.duration[i]))])
    b0, f0, d0 = int(p.base_step[i]), int(p.last_step[i]), int(p.duration[i])
    low, high = (int(s) for s in bounds.base_steps(p.age.size)[:, i])
    rows, vals = [], []
    for b in range(max(low, b0 - step_radius), min(high, b0 + step_radius) + 1):
        for f in range(max(0, f0 - step_radius), min(STEPS.size - 1, f0 + step_radius) + 1):
            for d in range(max(1, d0 - year_radius), min(40, d0 + year_radius) + 1):
                onset_age = int(p.age[i]) - d - 1
                if not bounds.onset_age[0] <= onset_age <= bounds.onset_age[1]:
                    continue
                for o, gained in months:
                    m0 = MSSS_GRID[b, min(d, MAX_YEARS)]
                    m1 = MSSS_GRID[f, min(d + gained, MAX_YEARS)]
                    rows.append((b, f, d, o))
                    vals.append((STEPS[b], STEPS[f] - STEPS[b], m0, m1 - m0))
    units = np.array([SCALE[m] for m in (2, 3, 4, 5)], dtype=float)
    scaled = np.array(vals) * units
    ints = np.rint(scaled).astype(np.int64)
    if not np.allclose(scaled, ints, atol=1e-6):
        raise ValueError("an EDSS or MSSS value is not a whole number of its unit (SCALE)")
    return np.array(rows, dtype=np.int64), ints


def _within(bounds: Bounds, p: Patients, i: int) -> bool:
    """Whether patient ``i``'s baseline step is inside their bounds."""
    low, high = bounds.base_steps(p.age.size)[:, i]
    return bool(low <= p.base_step[i] <= high)


def _current(model: Model, p: Patients) -> tuple[np.ndarray, np.ndarray]:
    v = model.values(p)
    return v, model.errors(v)


def solve_neighbourhood(model: Model, p: Patients, bounds: Bounds, freed: list[int],
                        step_radius: int = 3, year_radius: int = 8,
                        deterministic_time: float = 20.0, seed: int = 0,
                        onsets: bool = False
                        ) -> tuple[str, dict[int, tuple[int, int, int, int]]]:
    """The CP-SAT program of the module notes for the ``freed`` patients: its status
    ("improved", "no better", "infeasible", "unknown") and, when improved, each freed
    patient's (baseline step, follow-up step, duration, onset months; ``onsets``: see
    :func:`choices`)."""
    from ortools.sat.python import cp_model

    v, err = _current(model, p)
    opts = {i: choices(model, p, bounds, i, step_radius, year_radius, onsets) for i in freed}
    cp = cp_model.CpModel()
    x = {i: [cp.new_bool_var(f"x{i}_{c}") for c in range(len(opts[i][0]))] for i in freed}
    for i in freed:
        cp.add_exactly_one(x[i])
        now = (int(p.base_step[i]), int(p.last_step[i]), int(p.duration[i]),
               int(p.onset()[i]))
        for c, row in enumerate(opts[i][0]):
            cp.add_hint(x[i][c], tuple(int(a) for a in row) == now)
    goals: list[tuple[int, Any]] = []
    goal_targets: list[int] = []
    fixed_mask = np.ones(v.shape[1], dtype=bool)
    fixed_mask[freed] = False
    for k, t in enumerate(model.targets):
        if t.measure not in SCALE:
            continue
        inside = model.members[t.group]
        mine = [i for i in freed if inside[i]]
        if not mine:
            continue
        s = SCALE[t.measure]
        col = (2, 3, 4, 5).index(t.measure)
        fixed = np.rint(v[t.measure][inside & fixed_mask] * s).astype(np.int64)
        heavy = t.weight >= 1
        hard = heavy and err[k] == 0
        flag = cp.new_constant(1) if hard else cp.new_bool_var(f"goal{k}")
        if not hard:
            goals.append((HEAVY_OVER_LIGHT if heavy else 1, flag))
            goal_targets.append(k)
        terms = [(x[i][c], int(opts[i][1][c, col])) for i in mine for c in range(len(x[i]))]
        _constrain(cp, t, flag, terms, fixed, int(inside.sum()), s)
    # a freed patient outside their bounds (a protocol's baseline EDSS) must come inside:
    # then every solution is an improvement (the goals, only as many as it can)
    outside = [i for i in freed if not _within(bounds, p, i)]
    if not goals and not outside:
        return "no better", {}
    if goals:
        cp.maximize(sum(w * g for w, g in goals))
    before = sum(w for (w, _), k in zip(goals, goal_targets, strict=True) if err[k] == 0)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    solver.parameters.max_deterministic_time = deterministic_time
    status = solver.solve(cp)
    if status == cp_model.INFEASIBLE:
        return "infeasible", {}
    if status not in (cp_model.FEASIBLE, cp_model.OPTIMAL):
        return "unknown", {}
    if goals and not outside and solver.objective_value < before + 0.5:
        return "no better", {}
    chosen = {}
    for i in freed:
        c = next(c for c in range(len(x[i])) if solver.value(x[i][c]))
        b, f, d, o = (int(a) for a in opts[i][0][c])
        chosen[i] = (b, f, d, o)
    return "improved", chosen


def _constrain(cp: Any, t: Target, flag: Any, terms: list[tuple[Any, int]],
               fixed: np.ndarray, n: int, s: int) -> None:
    lo, hi = _interval(t, s)
    if t.stat == "mean":
        low, high = _inside(n * lo, n * hi)
        total = sum(a * var for var, a in terms) + int(fixed.sum())
        cp.add(total >= low).only_enforce_if(flag)
        cp.add(total <= high).only_enforce_if(flag)
    elif t.stat == "sd":
        values = [a for _, a in terms] + fixed.tolist()
        lo_s, hi_s = n * min(values), n * max(values)
        summed = cp.new_int_var(lo_s, hi_s, f"sum{id(t)}")
        cp.add(summed == sum(a * var for var, a in terms) + int(fixed.sum()))
        square = cp.new_int_var(0, max(lo_s * lo_s, hi_s * hi_s), f"square{id(t)}")
        cp.add_multiplication_equality(square, [summed, summed])
        quad = sum(a * a * var for var, a in terms) + int((fixed * fixed).sum())
        low, high = _inside(n * (n - 1) * max(lo, Fraction(0)) ** 2, n * (n - 1) * hi * hi)
        cp.add(n * quad - square >= low).only_enforce_if(flag)
        cp.add(n * quad - square <= high).only_enforce_if(flag)
    elif t.stat in ("min", "max"):
        low, high = _inside(lo, hi)
        beyond = [var for var, a in terms if (a < low if t.stat == "min" else a > high)]
        if fixed.size and (fixed.min() < low if t.stat == "min" else fixed.max() > high):
            cp.add_bool_or([flag.Not()])  # a fixed patient is beyond: not reachable here
            return
        for var in beyond:
            cp.add_implication(flag, var.Not())
        if not ((fixed >= low) & (fixed <= high)).any():
            hit = [var for var, a in terms if low <= a <= high]
            cp.add(sum(hit) >= 1).only_enforce_if(flag)
    else:
        raise ValueError(f"the repair does not model the {t.stat} of an EDSS or MSSS measure")


def _score(model: Model, err: np.ndarray, outside: int = 0
           ) -> tuple[int, int, int, float, float]:
    heavy = np.array([t.weight >= 1 for t in model.targets])
    return (outside, int((err[heavy] > 0).sum()), int((err[~heavy] > 0).sum()),
            float(err[heavy].sum()), float(err[~heavy].sum()))


def _outside(bounds: Bounds, p: Patients) -> list[int]:
    return [i for i in range(p.age.size) if not _within(bounds, p, i)]


def repair(model: Model, p: Patients, bounds: Bounds, rng: np.random.Generator,
           rounds: int = 4, size: int = 8, deterministic_time: float = 20.0,
           members: bool = True, step_radius: int = 3, year_radius: int = 8,
           onsets: bool = False, until: int | None = None,
           progress: Callable[[str], None] | None = None) -> list[RepairStep]:
    """Large-neighbourhood search on ``p`` (changed in place): for every patient outside
    their bounds (``bounds.base_step``, a protocol's screening EDSS) and every number
    outside the conflicts still missed (once there are none and ``members``: every missed
    member of a conflict), ``rounds`` neighbourhoods of ``size`` patients (seeded: the
    patient and others of their cohort, the patients with their follow-up bounds; the
    number's group), each solved by
    :func:`solve_neighbourhood`; a solution is kept only when every number outside the
    conflicts met before stays met and fewer patients are outside their bounds or more
    numbers are met (outside the conflicts first). ``step_radius``, ``year_radius`` and
    ``onsets``: each freed patient's :func:`choices`. ``until``: stop once every number
    outside the conflicts is met, every patient is inside their bounds and at most this
    many conflict members are missed. Returns the steps tried."""
    if rounds < 0:
        raise bad_argument("rounds", "a whole number >= 0", rounds)
    if size < 1:
        raise bad_argument("size", "a whole number >= 1", size)
    try:
        import ortools  # noqa: F401
    except ModuleNotFoundError:
        raise UsageError("OR-Tools is not installed; the calibration's repair step uses it: "
                         "pip install 'mscohort[exact]'.") from None
    steps: list[RepairStep] = []
    _, err = _current(model, p)
    if until is not None and _done(model, err, bounds, p, until):
        return steps
    for r in range(rounds):
        # patients outside their bounds first (target -1 - patient), then the numbers
        missed = [-1 - i for i in _outside(bounds, p)]
        missed += [k for k, t in enumerate(model.targets)
                   if err[k] > 0 and t.weight >= 1 and t.measure in SCALE]
        if not missed and members:
            missed = [k for k, t in enumerate(model.targets)
                      if err[k] > 0 and t.weight < 1 and t.measure in SCALE]
        if not missed:
            break
        for k in missed:
            if (k >= 0 and err[k] == 0) or (k < 0 and _within(bounds, p, -1 - k)):
                continue
            if k < 0:  # the patient and others of their cohort (their follow-up bounds)
                fu = np.stack(bounds.followup_days)
                group = np.flatnonzero((fu == fu[:, [-1 - k]]).all(axis=0))
                group = group[group != -1 - k]
                freed = sorted([-1 - k, *(int(i) for i in rng.choice(
                    group, min(size - 1, group.size), replace=False))])
            else:
                group = np.flatnonzero(model.members[model.targets[k].group])
                freed = sorted(int(i) for i in rng.choice(group, min(size, group.size),
                                                           replace=False))
            status, chosen = solve_neighbourhood(model, p, bounds, freed, step_radius,
                                                 year_radius, deterministic_time, seed=r,
                                                 onsets=onsets)
            kept = False
            if chosen:
                if p.onset_months is None:
                    p.onset_months = p.onset().copy()
                months = p.onset_months
                old_outside = _outside(bounds, p)
                old = {i: (p.base_step[i], p.last_step[i], p.duration[i], months[i])
                       for i in chosen}
                for i, (b, f, d, o) in chosen.items():
                    p.base_step[i], p.last_step[i], p.duration[i], months[i] = b, f, d, o
                _, new = _current(model, p)
                heavy = np.array([t.weight >= 1 for t in model.targets])
                lost = ((err == 0) & (new > 0) & heavy).any()
                if not lost and (_score(model, new, len(_outside(bounds, p)))
                                 < _score(model, err, len(old_outside))):
                    err, kept = new, True
                else:
                    for i, (b, f, d, o) in old.items():
                        p.base_step[i], p.last_step[i], p.duration[i], months[i] = b, f, d, o
            steps.append(RepairStep(k, tuple(freed), status, kept))
            if progress is not None:
                progress(f"repair round {r + 1}: target {k}, {len(freed)} patients freed: "
                         f"{status}{', kept' if kept else ''}")
            if kept and until is not None and _done(model, err, bounds, p, until):
                return steps
    return steps


def _done(model: Model, err: np.ndarray, bounds: Bounds, p: Patients, until: int) -> bool:
    outside, heavy, light, *_ = _score(model, err, len(_outside(bounds, p)))
    return outside == 0 and heavy == 0 and light <= until

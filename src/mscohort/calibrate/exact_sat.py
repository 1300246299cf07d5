"""The calibration's sub-problems decided exactly: the program of :mod:`.exact` in whole
numbers, SD included, solved by a constraint-programming solver (OR-Tools CP-SAT).

Every measure the targets read is a whole number in its own unit: EDSS and its change in
half steps (x 2), the MSSS and its change in thousandths (x 1000: the global MSSS table
prints three decimals). Patients are counts over their cell's distinct value vectors
(:func:`mscohort.calibrate.exact.choices`), so with ``S`` the sum and ``Q`` the sum of
squares of a measure over a group of ``N`` (both linear in the counts):

* mean: ``S / N`` prints as published, so ``S`` lies in ``N`` times the interval;
* SD: ``(N Q - S^2) / (N (N - 1))`` is the squared sample SD, so ``N Q - S^2`` (a whole
  number) lies in ``N (N - 1)`` times the squared interval; ``S^2`` is one variable tied
  to ``S`` by ``S * S`` (exact: no secant, no tangent);
* min and max: every choice inside the far end, at least one patient inside the interval;
* median (odd ``N``) and improved / stable / worsened: counts, as in :mod:`.exact`.

The intervals are the closed intervals of values that print as published, bounded in
exact fractions and rounded inwards to whole numbers, so the program holds every cohort
that prints the targets alike: infeasible is a proof that none does. A feasible answer is a
witness: its counts are checked with the real floats of the MSSS table and the printing
rule of the comparison (:attr:`mscohort.calibrate.exact.Solution.verified`).

A conflict is shrunk from the solver's own core (the targets whose constraints it needed,
``SufficientAssumptionsForInfeasibility``) by the deletion filter (Chinneck & Dravnieks
1991), each deletion decided by a fresh solve.

References
----------
Perron L, Didier F. CP-SAT. OR-Tools v9, Google 2024. Chinneck JW, Dravnieks EW. ORSA J
Comput 1991;3:157-168.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from mscohort.calibrate.exact import (
    MEASURES,
    SHARES,
    AtMost,
    Cell,
    Reading,
    Solution,
    Target,
    choices,
    merged,
    verify,
)
from mscohort.errors import bad_argument

#: the seed's reading (28-day lunar month, the global MSSS, its under-one-year row missing)
SEED_READING = Reading()
#: the whole-number unit of each measure: EDSS in half steps, MSSS in thousandths
SCALE = {"baseline EDSS": 2, "change EDSS": 2, "baseline MSSS": 1000, "change MSSS": 1000}


def _interval(t: Target) -> tuple[Fraction, Fraction]:
    """The closed interval of values printing as ``t`` (exact)."""
    v, half = Fraction(t.number.text), Fraction(1, 2 * 10 ** t.number.decimals)
    return v - half, v + half


def _model(cells: list[Cell], targets: Sequence[Target], reading: Reading,
           extra: Sequence[AtMost], ties: bool, sample: int,
           seed: int):  # type: ignore[no-untyped-def,unused-ignore]
    from ortools.sat.python import cp_model

    grid = reading.grid()
    opts = [choices(c, grid, [*targets, *(a.stand_in() for a in extra)], reading.baseline_days)
            for c in cells]
    if sample:
        opts = [_sampled(o, targets, sample, np.random.default_rng(seed)) for o in opts]
    if not ties:
        opts = [_printing(o, c, targets) for o, c in zip(opts, cells, strict=True)]
    ints = [np.rint(o * np.array([SCALE[m] for m in MEASURES])).astype(np.int64) for o in opts]
    for o, k in zip(opts, ints, strict=True):
        if not np.allclose(o * np.array([SCALE[m] for m in MEASURES]), k, atol=1e-6):
            raise ValueError("a measure is not a whole number of its unit (SCALE)")
    model = cp_model.CpModel()
    x = [[model.new_int_var(0, c.count, f"n{j}_{i}") for i in range(o.shape[0])]
         for j, (c, o) in enumerate(zip(cells, opts, strict=True))]
    for j, c in enumerate(cells):
        model.add(sum(x[j]) == c.count)
    flags: dict[int, Any] = {}
    names: list[Target | AtMost] = [*targets, *extra]
    means = {(t.group, t.measure): t for t in targets if t.stat == "mean"}
    for k, t in enumerate(names):
        flag = model.new_bool_var(f"t{k}")
        flags[k] = flag
        inside = [j for j, c in enumerate(cells) if t.group in c.groups]
        if isinstance(t, AtMost):
            m = MEASURES.index(t.measure)
            below = [x[j][i] for j in inside for i in range(opts[j].shape[0])
                     if opts[j][i, m] < t.below - 1e-9]
            model.add(sum(below) <= t.count).only_enforce_if(flag)
            continue
        _constrain(model, t, flag, inside, cells, x, ints, means.get((t.group, t.measure)),
                   ties)
    return model, x, opts, flags, names


def _sampled(o: np.ndarray, targets: Sequence[Target], k: int,
             rng: np.random.Generator) -> np.ndarray:
    """``k`` of the choices (seeded), with every choice that meets a min or max target."""
    if o.shape[0] <= k:
        return o
    keep = np.zeros(o.shape[0], dtype=bool)
    keep[rng.choice(o.shape[0], k, replace=False)] = True
    for t in targets:
        if t.stat in ("min", "max"):
            lo, hi = t.interval
            col = o[:, MEASURES.index(t.measure)]
            keep |= (col >= lo - 1e-9) & (col <= hi + 1e-9)
    return o[keep]


def _printing(o: np.ndarray, cell: Cell, targets: Sequence[Target]) -> np.ndarray:
    """The choices whose value, at an end of a min or max interval, still prints inside."""
    keep = np.ones(o.shape[0], dtype=bool)
    for t in targets:
        if t.group in cell.groups and t.stat in ("min", "max"):
            lo, hi = t.interval
            col = o[:, MEASURES.index(t.measure)]
            prints = np.array([t.number.matches(float(v)) for v in col], dtype=bool)
            keep &= prints | ((col > lo + 1e-9) if t.stat == "min" else (col < hi - 1e-9))
    return o[keep]


def _bounds(t: Target, n: int, s: int, square: bool, ties: bool) -> tuple[int, int]:
    """Whole-number bounds of ``n`` times the interval (squared: of the SD's square) in
    units ``s``; ``ties=False`` leaves out an end that does not print as published."""
    lo, hi = _interval(t)
    if square:
        lo = max(lo, Fraction(0))
    a, b = (n * lo * lo * s * s, n * hi * hi * s * s) if square else (n * lo * s, n * hi * s)
    low, high = math.ceil(a), math.floor(b)
    if not ties:
        if a == low and not t.number.matches(float(lo)):
            low += 1
        if b == high and not t.number.matches(float(hi)):
            high -= 1
    return low, high


def _constrain(model, t: Target, flag, inside: list[int], cells: list[Cell],  # type: ignore[no-untyped-def,unused-ignore]
               x, ints, mean: Target | None, ties: bool) -> None:
    m = MEASURES.index(t.measure)
    s = SCALE[t.measure]
    n = sum(cells[j].count for j in inside)
    lo, hi = _interval(t)
    terms = [(x[j][i], int(ints[j][i, m])) for j in inside for i in range(len(x[j]))]
    total = sum(v * a for v, a in terms)
    if t.stat == "mean":
        low, high = _bounds(t, n, s, False, ties)
        model.add(total >= low).only_enforce_if(flag)
        model.add(total <= high).only_enforce_if(flag)
    elif t.stat in ("min", "max"):
        hit = [v for v, a in terms if math.ceil(lo * s) <= a <= math.floor(hi * s)
               and (ties or t.number.matches(a / s))]
        model.add(sum(hit) >= 1).only_enforce_if(flag)
    elif t.stat in SHARES:
        pick = SHARES[t.stat]
        hit = [v for v, a in terms if pick(np.array([a]))[0]]
        model.add(sum(hit) >= math.ceil(lo)).only_enforce_if(flag)
        model.add(sum(hit) <= math.floor(hi)).only_enforce_if(flag)
    elif t.stat == "median" and n % 2:
        half = (n - 1) // 2
        model.add(sum(v for v, a in terms if a < lo * s) <= half).only_enforce_if(flag)
        model.add(sum(v for v, a in terms if a > hi * s) <= half).only_enforce_if(flag)
    elif t.stat == "sd":
        values = [a for _, a in terms]
        if mean is not None:
            s_lo, s_hi = _bounds(mean, n, s, False, ties)
        else:
            s_lo, s_hi = n * min(values), n * max(values)
        s_lo, s_hi = min(s_lo, s_hi), max(s_lo, s_hi)
        summed = model.new_int_var(s_lo, s_hi, f"sum{id(t)}")
        model.add(total == summed)
        square = model.new_int_var(0, max(s_lo * s_lo, s_hi * s_hi), f"square{id(t)}")
        model.add_multiplication_equality(square, [summed, summed])
        quad = sum(v * (a * a) for v, a in terms)
        low, high = _bounds(t, n * (n - 1), s, True, ties)
        model.add(n * quad - square >= low).only_enforce_if(flag)
        model.add(n * quad - square <= high).only_enforce_if(flag)


def solve_exact(cells: list[Cell], targets: Sequence[Target], reading: Reading = SEED_READING,
                time_limit: float = 60.0, extra: Sequence[AtMost] = (), workers: int = 1,
                seed: int = 0) -> Solution:
    """Whether counts exist that print every target as published (module notes), with the
    ``extra`` protocol constraints; ``status`` "feasible" (with counts and ``verified``),
    "infeasible" (a proof) or "unknown" (time limit).

    The closed intervals decide; when their answer does not print alike (a value exactly
    on an interval's end prints the other way), the program without such ends is solved
    for a witness in the time left."""
    out, _ = _run(cells, targets, reading, time_limit, extra, workers, seed, core=False)
    if out.status == "feasible" and not out.verified:
        strict, _ = _run(cells, targets, reading, time_limit, extra, workers, seed,
                         core=False, ties=False)
        if strict.verified:
            return strict
    return out


def find_witness(cells: list[Cell], targets: Sequence[Target], reading: Reading = SEED_READING,
                 time_limit: float = 60.0, extra: Sequence[AtMost] = (), workers: int = 1,
                 sample: int = 300, seed: int = 0) -> Solution:
    """A cohort that prints every target as published, searched among ``sample`` seeded
    choices per cell (fewer variables: found fast when one exists; "infeasible" here
    proves nothing, as choices were left out)."""
    out, _ = _run(cells, targets, reading, time_limit, extra, workers, seed, core=False,
                  ties=False, sample=sample)
    return out if out.status == "feasible" else Solution("unknown")


def _run(cells, targets, reading, time_limit, extra, workers, seed, core,  # type: ignore[no-untyped-def,unused-ignore]
         ties=True, sample=0):
    from ortools.sat.python import cp_model

    if time_limit <= 0:
        raise bad_argument("time_limit", "positive (seconds)", time_limit)
    groups = {t.group for t in [*targets, *extra]}
    cells = [c for c in merged(cells, [*targets, *(a.stand_in() for a in extra)])
             if c.groups & groups]
    model, x, opts, flags, names = _model(cells, targets, reading, extra, ties, sample, seed)
    model.add_assumptions(list(flags.values()))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    status = solver.solve(model)
    if status == cp_model.INFEASIBLE:
        found = []
        if core:
            idx = {flags[k].index: k for k in flags}
            found = [names[idx[i]] for i in solver.sufficient_assumptions_for_infeasibility()]
        return Solution("infeasible"), found
    if status not in (cp_model.FEASIBLE, cp_model.OPTIMAL):
        return Solution("unknown"), []
    counts = {c.name: [(tuple(map(float, opts[j][i])), int(solver.value(x[j][i])))
                       for i in range(len(x[j])) if solver.value(x[j][i])]
              for j, c in enumerate(cells)}
    return Solution("feasible", counts, verify(cells, list(targets), counts)
                    and all(_holds(a, cells, counts) for a in extra)), []


def _holds(a: AtMost, cells: list[Cell],
           counts: dict[str, list[tuple[tuple[float, ...], int]]]) -> bool:
    m = MEASURES.index(a.measure)
    return sum(k for c in cells if a.group in c.groups for v, k in counts[c.name]
               if v[m] < a.below - 1e-9) <= a.count


def conflict_exact(cells: list[Cell], targets: Sequence[Target],
                   reading: Reading = SEED_READING, time_limit: float = 60.0,
                   extra: Sequence[AtMost] = (), workers: int = 1
                   ) -> tuple[list[Target | AtMost], bool]:
    """The targets (and ``extra`` constraints) of an infeasible program shrunk to an
    irreducible conflicting set: the solver's core, then the deletion filter. The flag is
    True when every deletion was decided (a time-out keeps the member, so the set stays a
    proof, perhaps not irreducible). Raises ``ValueError`` when the program is not proved
    infeasible."""
    first, core = _run(cells, targets, reading, time_limit, extra, workers, 0, core=True)
    if first.status != "infeasible":
        raise ValueError(f"the program is {first.status}, not infeasible: no conflict")
    # a min or max also drops choices outside it, which no assumption of the core records:
    # the deletion filter starts with all of them
    keep: list[Target | AtMost] = ([*core, *(t for t in targets if t.stat in ("min", "max")
                                             and t not in core)] if core
                                   else [*targets, *extra])
    decided = True
    for member in list(keep):
        trial = [u for u in keep if u is not member]
        verdict = solve_exact(cells, [u for u in trial if isinstance(u, Target)], reading,
                              time_limit, [u for u in trial if isinstance(u, AtMost)],
                              workers).status
        if verdict == "infeasible":
            keep = trial
        elif verdict == "unknown":
            decided = False
    return keep, decided

"""The calibration's hard sub-problems solved exactly: a mixed-integer program over the finite
choices of every patient, with the published numbers' printed-precision intervals as
constraints (``scipy.optimize.milp``, the HiGHS solver).

A patient's EDSS and MSSS measures follow from four whole numbers: the baseline and follow-up
EDSS steps, the completed years of disease at baseline (``d0``) and at follow-up (``d1``,
``d1 - d0`` within what the cohort's follow-up range allows). Every such *choice* gives the
vector (baseline EDSS, change EDSS, baseline MSSS, change MSSS). Patients who share their
group memberships (a *cell*: a profile of ``design.toml``) are exchangeable, so the variables
are counts: ``n[cell, choice] >= 0``, integer, summing to the cell's size.

Every published statistic of a group is then a constraint on these counts, over the closed
interval of values that print as published (``-0.54`` at 2 decimals: [-0.545, -0.535]):

* mean: ``sum n v`` within ``N`` times the interval (linear);
* SD: ``Q = sum n v^2`` and ``S = sum n v`` satisfy ``(Q - S^2/N) / (N - 1)`` within the
  interval of the squared SD; ``S^2`` is replaced by its secant over the mean's interval
  (an upper bound) and by tangents (lower bounds), so the constraints hold for every cohort
  that prints as published: a relaxation;
* min and max: no choice outside the interval's far end, and at least one patient inside
  the interval;
* median (odd ``N``): at most ``(N - 1) / 2`` patients below the interval and as many above;
* improved / stable / worsened: the count of patients with a change below, at or above 0.

What the program leaves out (age, follow-up medians, the calendar of each patient, other
groups' numbers) only removes constraints, so the program is a relaxation of the fit: when
it is infeasible, no cohort reproduces those published numbers together, whatever the fit.
The proof is the solver's infeasibility verdict; :func:`conflict` shrinks the published
numbers to an irreducible infeasible set (a deletion filter, Chinneck & Dravnieks 1991:
dropping any one of them makes the rest feasible). A feasible program gives counts that are
checked against every published number exactly (:attr:`Solution.verified`).

References
----------
Chinneck JW, Dravnieks EW. Locating minimal infeasible constraint sets in linear programs.
ORSA Journal on Computing 1991;3:157-168. Huangfu Q, Hall JAJ. Parallelizing the dual revised
simplex method. Math Prog Comp 2018;10:119-142 (HiGHS).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import LinearConstraint, milp
from scipy.sparse import coo_matrix

from mscohort.calibrate.design import Design
from mscohort.calibrate.fit import STEPS
from mscohort.calibrate.published import Number, PublishedCell
from mscohort.derive.severity import msss

#: the measures of a choice, in the order of its value vector
MEASURES = ("baseline EDSS", "change EDSS", "baseline MSSS", "change MSSS")
#: counts of patients by the sign of a change (the seed's "improved / stable / worsened",
#: any 0.5 step: ``change.rule = "any_step"``)
SHARES = {"improved": lambda v: (v < 0).astype(float), "stable": lambda v: (v == 0).astype(float),
          "worsened": lambda v: (v > 0).astype(float)}


@dataclass(frozen=True)
class Reading:
    """How the seed's words are read: the MSSS table and its first-year convention, and
    the days of a lunar month (follow-up ranges in days, hence ``d1 - d0``)."""

    table: str = "roxburgh2005"
    convention: str = "standard"  #: "ms.sev" scores the first year of disease
    unit_days: float = 28.0
    baseline_days: int = 30  #: baseline assessment before the index date

    def grid(self) -> np.ndarray:
        """MSSS by EDSS step (rows, :data:`STEPS`) and completed years 0-30 (columns)."""
        years = np.arange(31, dtype=float)
        return np.array([msss(np.full(years.size, e), years, table=self.table,
                              convention=self.convention) for e in STEPS])  # type: ignore[arg-type]


@dataclass(frozen=True)
class Cell:
    """Patients who share their groups: ``count`` of them, in ``groups`` ("table/group")."""

    name: str
    count: int
    groups: frozenset[str]
    base_edss: tuple[float, float]  #: the baseline EDSS they may have
    followup_days: tuple[float, float]


@dataclass(frozen=True)
class Target:
    """One published number: ``stat`` of ``measure`` in ``group`` ("table/group")."""

    group: str
    measure: str
    stat: str
    number: Number

    @property
    def interval(self) -> tuple[float, float]:
        half = 0.5 * 10.0 ** -self.number.decimals
        return self.number.value - half, self.number.value + half

    def __str__(self) -> str:
        return f"{self.group.replace('/', ' / ')} / {self.measure} / {self.stat} = " \
               f"{self.number.text}"


@dataclass(frozen=True)
class AtMost:
    """At most ``count`` patients of ``group`` ("table/group") with ``measure`` below
    ``below`` (a protocol's constraint, e.g. screening EDSS 3-7 with one declared
    deviation)."""

    group: str
    measure: str
    below: float
    count: int

    def __str__(self) -> str:
        return f"{self.group.replace('/', ' / ')} / at most {self.count} with " \
               f"{self.measure} below {self.below:g}"

    def stand_in(self) -> Target:
        """A target that no constraint reads: keeps the group's cells and the measure in
        the choices."""
        return Target(self.group, self.measure, "at_most", Number.parse("0"))


@dataclass(frozen=True)
class Solution:
    """The solver's verdict: ``status`` is "feasible", "infeasible" or "unknown" (time
    limit); ``counts`` per cell: (choice vector, count) of a feasible program."""

    status: str
    counts: dict[str, list[tuple[tuple[float, ...], int]]] = field(default_factory=dict)
    verified: bool = False  #: the counts print every target as published


def cells_of(design: Design, reading: Reading) -> list[Cell]:
    """One cell per profile of the design."""
    out = []
    for p in design.profiles:
        cohort = design.cohorts[p.cohort]
        lo, hi = cohort.followup_lunar_months
        out.append(Cell(p.name, p.count,
                        frozenset((*p.member_of, f"by follow-up cohort/{p.cohort}")),
                        _edss_range(p, cohort),
                        (lo * reading.unit_days, (hi + 0.5) * reading.unit_days)))
    return out


def _edss_range(profile: object, cohort: object) -> tuple[float, float]:
    """The baseline EDSS a profile's patients may have: the profile's or its cohort's
    ``baseline_edss`` when the design gives one, else every step."""
    return (getattr(profile, "baseline_edss", None) or getattr(cohort, "baseline_edss", None)
            or (0.0, 9.5))


def targets_of(cells: list[PublishedCell], groups: list[str] | None = None) -> list[Target]:
    """The published numbers of the EDSS and MSSS measures (of ``groups``, if given)."""
    return [Target(f"{c.table}/{c.group}", c.measure, stat, number) for c in cells
            if c.measure in MEASURES and (groups is None or f"{c.table}/{c.group}" in groups)
            for stat, number in c.stats.items()]


def choices(cell: Cell, grid: np.ndarray, targets: list[Target],
            baseline_days: int = 30) -> np.ndarray:
    """Distinct value vectors (rows; columns :data:`MEASURES`, 0 for a measure no target
    reads) a patient of ``cell`` may have, inside the min-max intervals of the targets of
    its groups."""
    years = grid.shape[1] - 1
    b = np.flatnonzero((cell.base_edss[0] <= STEPS) & (cell.base_edss[1] >= STEPS))
    f = np.arange(STEPS.size)
    first = 0 if not np.isnan(grid[:, 0]).all() else 1
    d0 = np.arange(first, years + 1)
    # baseline to follow-up: the follow-up and the baseline's days before the index date
    elapsed = (cell.followup_days[0] + baseline_days, cell.followup_days[1] + baseline_days)
    k = np.arange(int(elapsed[0] // 366), int(elapsed[1] // 365) + 2)
    B, F, D0, K = (a.ravel() for a in np.meshgrid(b, f, d0, k, indexing="ij"))
    D1 = np.minimum(D0 + K, years)
    v = np.stack([STEPS[B], STEPS[F] - STEPS[B], grid[B, D0], grid[F, D1] - grid[B, D0]],
                 axis=1)
    keep = ~np.isnan(v).any(axis=1)
    for t in targets:
        if t.group in cell.groups and t.stat in ("min", "max"):
            lo, hi = t.interval
            col = v[:, MEASURES.index(t.measure)]
            keep &= col >= lo - 1e-9 if t.stat == "min" else col <= hi + 1e-9
    # only the measures of the targets tell choices apart (the others read 0)
    used = [MEASURES.index(t.measure) for t in targets]
    v = np.round(v[keep], 9)
    v[:, [m for m in range(len(MEASURES)) if m not in used]] = 0.0
    return np.unique(v, axis=0)


def solve(cells: list[Cell], targets: list[Target], reading: Reading = Reading(),
          time_limit: float = 60.0, tangents: int = 9, integral: bool = True,
          extra: tuple[AtMost, ...] = ()) -> Solution:
    """Whether counts exist that print every target as published (module notes).

    ``integral=False`` solves the linear relaxation (counts may be fractions): fast, and
    its "infeasible" is still a proof; its "feasible" says nothing (no counts). ``extra``:
    protocol constraints that hold with the targets."""
    every = [*targets, *(a.stand_in() for a in extra)]
    cells = merged(cells, every)
    grid = reading.grid()
    opts = [choices(c, grid, every, reading.baseline_days) for c in cells]
    means = {(t.group, t.measure): t.interval for t in targets if t.stat == "mean"}
    if any(o.shape[0] == 0 for o, c in zip(opts, cells, strict=True) if c.count):
        return Solution("infeasible")
    offset = np.cumsum([0, *(o.shape[0] for o in opts)])
    rows: list[tuple[np.ndarray, float, float]] = []
    for j, c in enumerate(cells):
        a = np.zeros(offset[-1])
        a[offset[j]:offset[j + 1]] = 1
        rows.append((a, c.count, c.count))
    for t in targets:
        rows += _rows(t, cells, opts, offset, tangents, means.get((t.group, t.measure)))
    for rule in extra:
        below = np.zeros(offset[-1])
        for j, c in enumerate(cells):
            if rule.group in c.groups:
                below[offset[j]:offset[j + 1]] = opts[j][:, MEASURES.index(rule.measure)] \
                    < rule.below - 1e-9
        rows.append((below, -math.inf, rule.count))
    if not rows[len(cells):]:
        return Solution("feasible")
    nz = [np.flatnonzero(a) for a, _, _ in rows]
    A = coo_matrix((np.concatenate([a[z] for (a, _, _), z in zip(rows, nz, strict=True)]),
                    (np.repeat(np.arange(len(rows)), [z.size for z in nz]),
                     np.concatenate(nz))), shape=(len(rows), offset[-1]))
    res = milp(np.zeros(offset[-1]), integrality=np.full(offset[-1], int(integral)),
               bounds=(0, np.repeat([c.count for c in cells], np.diff(offset))),
               constraints=LinearConstraint(A.tocsr(), [r[1] for r in rows],
                                            [r[2] for r in rows]),
               options={"time_limit": time_limit, "presolve": True})
    if res.status == 2:
        return Solution("infeasible")
    if res.x is None:
        return Solution("unknown")
    if not integral:
        return Solution("feasible")
    x = np.round(res.x).astype(int)
    counts = {c.name: [(tuple(map(float, opts[j][i])), int(x[offset[j] + i]))
                       for i in np.flatnonzero(x[offset[j]:offset[j + 1]])]
              for j, c in enumerate(cells)}
    return Solution("feasible", counts, verify(cells, targets, counts))


def merged(cells: list[Cell], targets: list[Target]) -> list[Cell]:
    """Cells that the targets cannot tell apart (the same groups among the targets', the
    same ranges) as one cell; cells in none of the targets' groups left out."""
    seen = {t.group for t in targets}
    out: dict[tuple[object, ...], Cell] = {}
    for c in cells:
        groups = c.groups & seen
        if not groups:
            continue
        key = (groups, c.base_edss, c.followup_days)
        old = out.get(key)
        out[key] = Cell(c.name if old is None else f"{old.name} + {c.name}",
                        c.count + (old.count if old else 0), frozenset(groups), c.base_edss,
                        c.followup_days)
    return list(out.values())


def _rows(t: Target, cells: list[Cell], opts: list[np.ndarray], offset: np.ndarray,
          tangents: int, mean: tuple[float, float] | None
          ) -> list[tuple[np.ndarray, float, float]]:
    m = MEASURES.index(t.measure)
    inside = [j for j, c in enumerate(cells) if t.group in c.groups]
    n = sum(cells[j].count for j in inside)
    lo, hi = t.interval
    v = np.zeros(offset[-1])
    for j in inside:
        v[offset[j]:offset[j + 1]] = opts[j][:, m]
    member = np.zeros(offset[-1])
    for j in inside:
        member[offset[j]:offset[j + 1]] = 1
    if t.stat == "mean":
        return [(v, n * lo, n * hi)]
    if t.stat in ("min", "max"):
        hit = member * ((v >= lo - 1e-9) & (v <= hi + 1e-9))
        return [(hit, 1, math.inf)]
    if t.stat in SHARES:  # patients improved (< 0), stable (0) or worsened (> 0): a count
        return [(member * SHARES[t.stat](v), lo, hi)]
    if t.stat == "median":
        if n % 2 == 0:
            return []  # the mean of the two middle values: left out (a relaxation)
        # odd n: at most (n - 1) / 2 values below the interval and as many above it
        half = (n - 1) / 2
        return [(member * (v < lo - 1e-9), -math.inf, half),
                (member * (v > hi + 1e-9), -math.inf, half)]
    if t.stat != "sd":
        return []
    # S = sum n v lies in n * [mean interval] when the mean is published, else in n * range
    s_lo, s_hi = ((n * mean[0], n * mean[1]) if mean is not None else
                  (n * float(v[member > 0].min()), n * float(v[member > 0].max())))
    sq_lo, sq_hi = (n - 1) * max(lo, 0) ** 2, (n - 1) * hi ** 2
    out = []
    # Q - S^2/n <= sq_hi, with S^2 <= its secant on [s_lo, s_hi]
    out.append((v ** 2 - (s_lo + s_hi) / n * v, -math.inf, sq_hi - s_lo * s_hi / n))
    # Q - S^2/n >= sq_lo, with S^2 >= each tangent 2 s0 S - s0^2
    for s0 in np.linspace(s_lo, s_hi, tangents):
        out.append((v ** 2 - 2 * s0 / n * v, sq_lo - s0 ** 2 / n, math.inf))
    return out


def verify(cells: list[Cell], targets: list[Target],
           counts: dict[str, list[tuple[tuple[float, ...], int]]]) -> bool:
    """Every target printed alike by the cohort the counts describe."""
    for t in targets:
        m = MEASURES.index(t.measure)
        x = np.array([v[m] for c in cells if t.group in c.groups
                      for v, k in counts[c.name] for _ in range(k)])
        value = ({"mean": x.mean(), "sd": x.std(ddof=1) if x.size > 1 else math.nan,
                  "min": x.min(), "max": x.max(), "median": np.median(x)}[t.stat]
                 if t.stat not in SHARES else SHARES[t.stat](x).sum())
        if not t.number.matches(float(value)):
            return False
    return True


def conflict(cells: list[Cell], targets: list[Target], reading: Reading = Reading(),
             time_limit: float = 60.0, integral: bool = True,
             extra: tuple[AtMost, ...] = ()) -> tuple[list[Target], bool]:
    """A set of targets proved infeasible, shrunk by the deletion filter; the flag is True
    when every deletion test was decided (a time-out keeps the target, so the set stays
    infeasible). Irreducible for the program: dropping any one target makes the relaxation
    feasible (the true cohort may still be impossible, so the set is a proof, and the
    smallest one this relaxation can give). The ``extra`` constraints are always kept."""
    keep = list(targets)
    decided = True
    for t in list(targets):
        trial = [u for u in keep if u is not t]
        verdict = solve(cells, trial, reading, time_limit, integral=integral,
                        extra=extra).status
        if verdict == "infeasible":
            keep = trial
        elif verdict == "unknown":
            decided = False
    return keep, decided

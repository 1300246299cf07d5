"""Compiled kernels of the calibration fit (numba): the calendar, one patient's measures,
the cost of the targets, the annealing and the coordinate-descent polish.

Dates are days since 1970-01-01; the state of the patients is one int64 array with rows
age, follow-up days, baseline step, follow-up step, duration, end offset, onset months (see
:class:`mscohort.calibrate.fit.Patients`). ``fu`` holds each patient's bounds (columns):
the lowest and highest follow-up days, then the lowest and highest baseline EDSS step
(:class:`mscohort.calibrate.fit.Bounds`).
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True)
def fit_errors(v: np.ndarray, members: np.ndarray, group: np.ndarray, measure: np.ndarray,
               stat: np.ndarray, value: np.ndarray, unit: np.ndarray,
               weight: np.ndarray) -> np.ndarray:
    """Each target's distance in units of its last printed digit (0: prints alike), times
    its weight."""
    return _errors_of(v, members, group, measure, stat, value, unit, weight,
                      np.ones(group.size, dtype=np.bool_))


@numba.njit(cache=True)
def _errors_of(v: np.ndarray, members: np.ndarray, group: np.ndarray, measure: np.ndarray,
               stat: np.ndarray, value: np.ndarray, unit: np.ndarray, weight: np.ndarray,
               which: np.ndarray) -> np.ndarray:
    """The errors of the targets in ``which`` (the others are 0)."""
    out = np.zeros(group.size)
    buf = np.empty(v.shape[1])
    for k in range(group.size):
        if not which[k]:
            continue
        row, mask = v[measure[k]], members[group[k]]
        m = 0
        for i in range(row.size):
            if mask[i]:
                buf[m] = row[i]
                m += 1
        x = buf[:m]
        s = stat[k]
        if s == 0:
            r = x.mean()
        elif s == 1:
            r = np.sqrt(((x - x.mean()) ** 2).sum() / (m - 1)) if m > 1 else np.nan
        elif s == 2:
            r = np.median(x)
        elif s == 3:
            r = x.min()
        else:
            r = x.max()
        gap = abs(r - value[k]) / unit[k] if not np.isnan(r) else 100.0
        out[k] = 0.0 if gap < 0.45 else gap * weight[k]
    return out


@numba.njit(cache=True)
def _civil(z: int) -> tuple[int, int, int]:
    """Year, month, day of day ``z`` since 1970-01-01 (H. Hinnant's civil_from_days)."""
    z += 719468
    era = (z if z >= 0 else z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (1 if m <= 2 else 0), m, d


@numba.njit(cache=True)
def _row(state: np.ndarray, i: int, interim: int, base_days: int, unit_days: float,
         steps: np.ndarray, table: np.ndarray, out: np.ndarray) -> None:
    end = interim - state[5, i]
    base = end - state[1, i] - base_days
    by, bm, _ = _civil(base)
    months = by * 12 + bm - 1 - 12 * state[4, i] - state[6, i]
    oy, om = months // 12, months % 12 + 1
    ey, em, ed = _civil(end)
    d1 = ey - oy - (1 if (em < om or (em == om and ed < 15)) else 0)
    d1 = min(d1, table.shape[1] - 1)
    d0 = min(state[4, i], table.shape[1] - 1)
    b, f = steps[state[2, i]], steps[state[3, i]]
    out[0, i] = state[0, i]
    out[1, i] = state[1, i] / unit_days
    out[2, i] = b
    out[3, i] = f - b
    out[4, i] = table[state[2, i], d0]
    out[5, i] = table[state[3, i], d1] - table[state[2, i], d0]


@numba.njit(cache=True)
def _ok(state: np.ndarray, i: int, fu: np.ndarray, limits: np.ndarray, n_steps: int) -> bool:
    onset_age = state[0, i] - state[4, i] - 1
    return (limits[0] <= state[0, i] <= limits[1] and fu[0, i] <= state[1, i] <= fu[1, i]
            and fu[2, i] <= state[2, i] <= fu[3, i] and 0 <= state[2, i] < n_steps
            and 0 <= state[3, i] < n_steps
            and 1 <= state[4, i] <= 40 and limits[2] <= onset_age <= limits[3])


@numba.njit(cache=True)
def polish_kernel(state, fu, limits, interim, base_days, unit_days, steps, table, members,
            group, measure, stat, value, unit, weight, cohort):
    """Coordinate descent after the annealing: try every value of every variable of every
    patient (follow-up within 60 days) and every swap within a cohort; keep what lowers the
    cost; repeat until nothing does."""
    n = state.shape[1]
    v = np.empty((6, n))
    for i in range(n):
        _row(state, i, interim, base_days, unit_days, steps, table, v)
    cost = fit_errors(v, members, group, measure, stat, value, unit, weight).sum()
    improved = True
    keep = np.empty(5, dtype=np.int64)
    while improved and cost > 0:
        improved = False
        for i in range(n):
            for f in range(5):
                base = state[f, i]
                lo = base - 60 if f == 1 else (0 if f in (2, 3) else base - 10)
                hi = base + 60 if f == 1 else (steps.size - 1 if f in (2, 3) else base + 10)
                best, best_x = cost, base
                for x in range(lo, hi + 1):
                    state[f, i] = x
                    if not _ok(state, i, fu, limits, steps.size):
                        continue
                    _row(state, i, interim, base_days, unit_days, steps, table, v)
                    c = fit_errors(v, members, group, measure, stat, value, unit, weight).sum()
                    if c < best - 1e-12:
                        best, best_x = c, x
                state[f, i] = best_x
                _row(state, i, interim, base_days, unit_days, steps, table, v)
                if best < cost - 1e-12:
                    cost, improved = best, True
            for j in range(i + 1, n):
                if cohort[j] != cohort[i]:
                    continue
                for f in range(5):
                    keep[f] = state[f, i]
                    state[f, i] = state[f, j]
                    state[f, j] = keep[f]
                _row(state, i, interim, base_days, unit_days, steps, table, v)
                _row(state, j, interim, base_days, unit_days, steps, table, v)
                c = fit_errors(v, members, group, measure, stat, value, unit, weight).sum()
                if c < cost - 1e-12:
                    cost, improved = c, True
                else:
                    for f in range(5):
                        state[f, j] = state[f, i]
                        state[f, i] = keep[f]
                    _row(state, i, interim, base_days, unit_days, steps, table, v)
                    _row(state, j, interim, base_days, unit_days, steps, table, v)
    return cost


@numba.njit(cache=True)
def _closest_duration(state, i, msss0, change0, fu, limits, interim, base_days, unit_days,
                      steps, table, scratch):
    """Set patient ``i``'s duration to the one whose MSSS and MSSS change are closest to
    ``msss0`` and ``change0`` (``scratch``: a (6, n) work array)."""
    row = scratch
    best, best_d = np.inf, state[4, i]
    for d in range(1, 41):
        state[4, i] = d
        if not _ok(state, i, fu, limits, steps.size):
            continue
        _row(state, i, interim, base_days, unit_days, steps, table, row)
        gap = abs(row[4, i] - msss0) + abs(row[5, i] - change0)
        if gap < best:
            best, best_d = gap, d
    state[4, i] = best_d


@numba.njit(cache=True)
def anneal_kernel(state, fu, limits, interim, base_days, unit_days, steps, table, members,
            group, measure, stat, value, unit, weight, who, kinds, signs, sizes, shifts, jumps,
            accept, partner, t_start, t_end):
    n = state.shape[1]
    v = np.empty((6, n))
    for i in range(n):
        _row(state, i, interim, base_days, unit_days, steps, table, v)
    err = fit_errors(v, members, group, measure, stat, value, unit, weight)
    cost = err.sum()
    total = who.size
    ratio = t_end / t_start
    old = np.empty(5, dtype=np.int64)
    old_j = np.empty(5, dtype=np.int64)
    saved = np.empty(6)
    saved_j = np.empty(6)
    scratch = np.empty((6, n))
    # targets whose group holds each patient: only those change when the patient does
    hit = np.zeros((n, group.size), dtype=np.bool_)
    for k in range(group.size):
        for i in range(n):
            hit[i, k] = members[group[k], i]
    which = np.empty(group.size, dtype=np.bool_)
    for k in range(total):
        if cost <= 0:
            break
        temp = t_start * ratio ** (k / total)
        i, kind, j = who[k], kinds[k], partner[k]
        for f in range(5):
            old[f] = state[f, i]
            old_j[f] = state[f, j]
        if kind == 0:
            state[0, i] += signs[k] * sizes[k]
        elif kind == 1:
            if jumps[k] < 0.1:
                state[1, i] = fu[0, i] + int(jumps[k] * 10 * (fu[1, i] - fu[0, i] + 1))
            else:
                state[1, i] += shifts[k]
        elif kind == 2:
            state[2, i] += signs[k]
        elif kind == 3:
            state[3, i] += signs[k]
        elif kind == 4:
            state[2, i] += signs[k]
            state[3, i] += signs[k]
        elif kind == 5:
            state[4, i] += signs[k] * sizes[k]
        elif kind == 6:
            state[2 if jumps[k] < 0.5 else 3, i] += signs[k]
            if 0 <= state[2, i] < steps.size and 0 <= state[3, i] < steps.size:
                _closest_duration(state, i, v[4, i], v[5, i], fu, limits, interim,
                                  base_days, unit_days, steps, table, scratch)
        else:
            if j == i:
                continue
            for f in range(5):
                state[f, i], state[f, j] = old_j[f], old[f]
        if not (_ok(state, i, fu, limits, steps.size) and _ok(state, j, fu, limits,
                                                             steps.size)):
            for f in range(5):
                state[f, i] = old[f]
                state[f, j] = old_j[f]
            continue
        for r in range(6):
            saved[r] = v[r, i]
            saved_j[r] = v[r, j]
        _row(state, i, interim, base_days, unit_days, steps, table, v)
        _row(state, j, interim, base_days, unit_days, steps, table, v)
        before = 0.0
        for t in range(group.size):
            which[t] = hit[i, t] or (kind == 7 and hit[j, t])
            if which[t]:
                before += err[t]
        fresh = _errors_of(v, members, group, measure, stat, value, unit, weight, which)
        new = cost - before + fresh.sum()
        if new <= cost or accept[k] < np.exp(-(new - cost) / temp):
            cost = new
            for t in range(group.size):
                if which[t]:
                    err[t] = fresh[t]
        else:
            for r in range(6):
                v[r, i] = saved[r]
                v[r, j] = saved_j[r]
            for f in range(5):
                state[f, i] = old[f]
                state[f, j] = old_j[f]
    return cost

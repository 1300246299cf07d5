"""Codes and small compiled helpers of the event scan (see :mod:`.kernel`)."""

from __future__ import annotations

import numba
import numpy as np

# event type codes
CDI, CDW, RAW, PIRA = 1, 2, 3, 4
# settings codes
EV_FIRST_CDW, EV_FIRST_CDI, EV_FIRST, EV_FIRST_PIRA, EV_FIRST_RAW, EV_MULTIPLE = range(6)
BL_FIXED, BL_ROVING_IMPR, BL_ROVING_WORS, BL_ROVING = range(4)
ST_NONE, ST_EVENT, ST_IMPROVEMENT, ST_WORSENING = range(4)
SKIP_NONE, SKIP_STRICT, SKIP_ALL = range(3)
PREC_BASELINE, PREC_LAST, PREC_LAST_DELTA = range(3)
# trace codes (explain one patient)
TR_BASELINE, TR_BL_RELAPSE, TR_BL_EXTREMUM, TR_CHANGE, TR_CDI, TR_CDW, TR_NOT_SUSTAINED, \
    TR_SUB_IMPR, TR_SUB_WORS, TR_UNCONFIRMED, TR_REL_REBASELINE, TR_SKIPPED, TR_STOP, \
    TR_CROSSED_RELAPSE = range(14)

# integer parameters (ip) and float parameters (fp): positions
I_EVENT, I_BASELINE, I_FIRSTCONF, I_SUBTHR, I_BLGEQ, I_RELREBL, I_SKIP, I_CHECKINT, \
    I_RAWPIRA, I_PRECTYPE, I_SIGN = range(11)
F_RTB0, F_RTB1, F_RTE0, F_RTE1, F_RTC0, F_RTC1, F_RA0, F_RA1, F_SUST, F_IMPUTE_P, \
    F_IMPUTE_FU = range(11)


@numba.njit(cache=True)
def _is(xv: float, b: float, bd: float, kind: int, sub: bool, sign: float) -> bool:
    """Change of xv from baseline b: kind 1 worsening, -1 improvement, 0 any change."""
    d = sign * (xv - b)  # > 0 is worse
    if sub:
        if kind == 1:
            return d > 0
        if kind == -1:
            return d < 0
        return d != 0
    if kind == 1:
        return d >= bd
    if kind == -1:
        return d <= -bd
    return abs(d) >= bd


@numba.njit(cache=True)
def _extremum(x, dv, i, n, skip, sign) -> bool:  # pragma: no cover - compiled
    if skip == SKIP_NONE:
        return False
    sub = skip == SKIP_ALL
    prec = x[i] if i == 0 else x[i - 1]
    prec2 = -1.0 if i <= 1 else x[i - 2]
    subs = x[i] if i == n - 1 else x[i + 1]
    v = x[i]
    low = _is(prec, v, dv[i], 1, sub, sign) and _is(subs, v, dv[i], 1, sub, sign)
    high = _is(prec, v, dv[i], -1, sub, sign) and _is(subs, v, dv[i], -1, sub, sign)
    return (low or high) and v != prec2


@numba.njit(cache=True)
def _last_delta(x, dv, ch, conf0, kind, n, skip, checkint, sign) -> int:  # pragma: no cover
    """Last visit before the event from which the event (and its confirmation) is a
    clinically meaningful change; 0 when there is none (msprog never tests visit 0)."""
    iref = ch
    while iref > 1:
        iref -= 1
        if _extremum(x, dv, iref, n, skip, sign):
            continue
        if not _is(x[ch], x[iref], dv[iref], kind, False, sign):
            continue
        ok = True
        if checkint:
            for k in range(ch + 1, conf0 + 1):
                if not _is(x[k], x[iref], dv[iref], kind, False, sign):
                    ok = False
                    break
        else:
            ok = _is(x[conf0], x[iref], dv[iref], kind, False, sign)
        if ok:
            return iref
    return 0


@numba.njit(cache=True)
def _trace(tr, ntr, code, a, b) -> int:  # pragma: no cover - compiled
    if ntr < tr.shape[0]:
        tr[ntr, 0] = code
        tr[ntr, 1] = a
        tr[ntr, 2] = b
    return ntr + 1


@numba.njit(cache=True)
def _write_events(p, o, npe, pe_int, pe_val, pe_conf, pe_pconf, event_code, nm, ev_int, ev_val,
                  ev_conf, ev_pconf, nev):  # pragma: no cover - compiled
    """Order one patient's events by visit, keep the last detection of a visit, keep the
    first event of the type searched, and write them out; returns the new event count."""
    order = np.argsort(pe_int[:npe, 1], kind="mergesort")
    count = 0
    for q in range(npe):
        e = order[q]
        if q + 1 < npe and pe_int[order[q + 1], 1] == pe_int[e, 1]:
            continue  # a later detection of the same visit replaces this one
        et = pe_int[e, 0]
        if event_code == EV_FIRST_CDW and (et == CDI or count > 0):
            continue
        if event_code == EV_FIRST_CDI and (et != CDI or count > 0):
            continue
        if event_code == EV_FIRST_PIRA and (et != PIRA or count > 0):
            continue
        if event_code == EV_FIRST_RAW and (et != RAW or count > 0):
            continue
        if event_code == EV_FIRST and count > 0:
            continue
        count += 1
        ev_int[nev, 0] = p
        ev_int[nev, 1] = et
        ev_int[nev, 2] = o + pe_int[e, 1]
        ev_int[nev, 3] = o + pe_int[e, 2]
        ev_int[nev, 4] = o + pe_int[e, 3]
        ev_int[nev, 5] = o + pe_int[e, 4]
        ev_int[nev, 6] = count
        ev_val[nev] = pe_val[e]
        for m in range(nm):
            ev_conf[nev, m] = o + pe_conf[e, m] if pe_conf[e, m] >= 0 else -1
            ev_pconf[nev, m] = o + pe_pconf[e, m] if pe_pconf[e, m] >= 0 else -1
        nev += 1
    return nev


@numba.njit(cache=True)
def _relapse_free(tt, rel, nrel, indep, prec, ch, n, inconf, pconf_ok) -> int:  # pragma: no cover
    """Mark the confirmation visits with no relapse in the PIRA windows around the preceding
    visit, the onset and that visit (``None`` ends, NaN here, merge windows); count them."""
    npc = 0
    for k in range(ch, n):
        pconf_ok[k] = False
        if not inconf[k]:
            continue
        t0 = np.nan
        free = True
        for pt in range(3):
            tp = tt[prec] if pt == 0 else (tt[ch] if pt == 1 else tt[k])
            if not np.isnan(indep[pt, 0]):
                t0 = tp - indep[pt, 0]
            if not np.isnan(indep[pt, 1]):
                t1 = tp + indep[pt, 1]
                if t1 > t0:
                    for r in range(nrel):
                        if t0 <= rel[r] <= t1:
                            free = False
        pconf_ok[k] = free
        if free:
            npc += 1
    return npc


@numba.njit(cache=True)
def _unconfirmed(un_int, un_val, nun, p, change, baseline, value) -> int:  # pragma: no cover
    """Record an unconfirmed (or not sustained) change; returns the new count."""
    if nun < un_int.shape[0]:
        un_int[nun, 0] = p
        un_int[nun, 1] = change
        un_int[nun, 2] = baseline
        un_val[nun] = value
    return nun + 1


@numba.njit(cache=True)
def relapse_distance(rt, ro, nrel, day) -> tuple[float, float]:  # pragma: no cover
    """Days since the last relapse on or before ``day``, and until the next on or after."""
    before = np.inf
    after = np.inf
    for r in range(nrel):
        d = rt[ro + r] - day
        if d <= 0:
            before = min(before, -d)
        if d >= 0:
            after = min(after, d)
    return before, after

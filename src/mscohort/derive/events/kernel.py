"""The event scan: one compiled pass over every patient's visits (numba).

This is the algorithm of msprog (Montobbio et al. 2024), re-implemented over arrays so that
a registry of 100,000 patients takes seconds. It is driven by :mod:`.settings` through
integer and float codes; :mod:`.detect` prepares the arrays and turns the output into tables.
Where msprog's behaviour depends on Python list order or can fail on an empty list, the
choice made here is noted in a comment; every difference is listed in docs/events/msprog.md.

Visit arrays are per patient slices ``[offsets[p], offsets[p + 1])`` sorted by day; relapse
days likewise with ``roffsets``. Indices written to the outputs are global visit indices.
"""

from __future__ import annotations

import numba
import numpy as np

from mscohort.derive.events import primitives as P  # the scan's codes and helpers


@numba.njit(cache=True, nogil=True)
def scan(offsets, t, xs, dvs, vc, roffsets, rt, rwin, ip, fp, conf_lo, conf_hi, indep, draws,
         ev_int, ev_val, ev_conf, ev_pconf, un_int, un_val, tr):  # pragma: no cover
    """Scan every patient; returns (number of events, unconfirmed changes, trace rows).

    rwin: per visit, the distance compared with the "after" windows of relapse_to_bl/event/
    conf (NaN: days since the last relapse onset; see relapse_end.py)
    draws: per patient, its uniform number in [0, 1) for a last-visit imputation with a
    probability strictly between 0 and 1 (draws.py; read only then)

    ev_int columns: patient, type, change, baseline, last_delta, sust, number
    ev_val columns: baseline value (after bl_geq)
    un_int columns: patient, change, baseline; un_val: baseline value
    """
    event_code = ip[P.I_EVENT]
    baseline = ip[P.I_BASELINE]
    firstconf = ip[P.I_FIRSTCONF] == 1
    subthr = ip[P.I_SUBTHR]
    blgeq = ip[P.I_BLGEQ] == 1
    relrebl = ip[P.I_RELREBL] == 1
    skip = ip[P.I_SKIP]
    checkint = ip[P.I_CHECKINT] == 1
    rawpira = ip[P.I_RAWPIRA] == 1
    prectype = ip[P.I_PRECTYPE]
    sign = float(ip[P.I_SIGN])
    nm = conf_lo.size
    nev = 0
    nun = 0
    ntr = 0
    npat = offsets.size - 1
    # per-patient scratch, sized for the largest patient
    maxn = 0
    for p in range(npat):
        maxn = max(maxn, offsets[p + 1] - offsets[p])
    cand = np.zeros((nm, maxn + 1), dtype=np.bool_)
    inconf = np.zeros(maxn + 1, dtype=np.bool_)
    pconf_ok = np.zeros(maxn + 1, dtype=np.bool_)
    relb = np.empty(maxn + 1)
    rela = np.empty(maxn + 1)
    relw = np.empty(maxn + 1)
    # events of one patient before ordering: type, change, baseline, lastdelta, sust, blval
    pe_int = np.empty((maxn + 1, 6), dtype=np.int64)
    pe_val = np.empty(maxn + 1)
    pe_conf = np.empty((maxn + 1, nm), dtype=np.int64)
    pe_pconf = np.empty((maxn + 1, nm), dtype=np.int64)

    for p in range(npat):
        o = offsets[p]
        n = offsets[p + 1] - o
        if n == 0:
            continue
        tt = t[o:o + n]
        x = xs[o:o + n].copy()
        dv = dvs[o:o + n].copy()
        ro = roffsets[p]
        nrel = roffsets[p + 1] - ro
        rel = rt[ro:ro + nrel]
        # distance to the closest relapse on or before / on or after each visit
        j = 0
        for i in range(n):
            while j < nrel and rel[j] <= tt[i]:
                j += 1
            relb[i] = tt[i] - rel[j - 1] if j > 0 else np.inf
            k = j - 1 if (j > 0 and rel[j - 1] == tt[i]) else j
            rela[i] = rel[k] - tt[i] if k < nrel else np.inf
            relw[i] = relb[i] if np.isnan(rwin[o + i]) else rwin[o + i]
        npe = 0
        bl = 0
        search = 1
        proceed = True
        irel = -1
        for r in range(nrel):
            if rel[r] > tt[bl]:
                irel = r
                break
        has_last = False
        bl_last = 0.0
        d_last = 0.0
        while proceed:
            extr = P._extremum(x, dv, bl, n, skip, sign)
            while proceed and (relw[bl] < fp[P.F_RTB0] or rela[bl] < fp[P.F_RTB1] or extr):
                ntr = P._trace(tr, ntr, P.TR_BL_EXTREMUM if extr else P.TR_BL_RELAPSE, o + bl, -1)
                bl += 1
                extr = P._extremum(x, dv, bl, n, skip, sign) if bl < n else False
                if bl > n - 2:
                    proceed = False
            if relrebl and irel >= 0 and bl < n:
                nxt = -1
                for r in range(irel, nrel):
                    if rel[r] > tt[bl]:
                        nxt = r
                        break
                irel = nxt
            if search <= bl:
                search = bl + 1
            if bl > n - 1:
                bl = n - 1
                proceed = False
            elif blgeq and has_last and bl_last > x[bl]:
                x[bl] = bl_last
                dv[bl] = d_last
            b = x[bl]
            bd = dv[bl]
            has_last = True
            bl_last = b
            d_last = bd
            ntr = P._trace(tr, ntr, P.TR_BASELINE, o + bl, -1)
            # the first visit that differs from baseline, outside relapse influence
            ch = -1
            for k in range(search, n):
                if (P._is(x[k], b, bd, 0, subthr != P.ST_NONE, sign) and relw[k] >= fp[P.F_RTE0]
                        and rela[k] >= fp[P.F_RTE1]):
                    ch = k
                    break
            if ch < 0:
                proceed = False
                ntr = P._trace(tr, ntr, P.TR_STOP, -1, -1)
            elif (relrebl and irel >= 0 and tt[ch] > rel[irel]
                  + (0.0 if event_code == P.EV_FIRST_PIRA else fp[P.F_RA0])):
                search = ch  # the change crossed a relapse: re-baseline below
                ntr = P._trace(tr, ntr, P.TR_CROSSED_RELAPSE, o + ch, -1)
            else:
                ntr = P._trace(tr, ntr, P.TR_CHANGE, o + ch, o + bl)
                first_conf = -1
                for k in range(ch, n):
                    inconf[k] = False
                for m in range(nm):
                    for k in range(ch + 1, n):
                        dt = tt[k] - tt[ch]
                        c = (conf_lo[m] <= dt <= conf_hi[m] and relw[k] >= fp[P.F_RTC0]
                             and rela[k] >= fp[P.F_RTC1] and vc[o + k])
                        cand[m, k] = c
                        if c:
                            inconf[k] = True
                for k in range(ch + 1, n):
                    if inconf[k]:
                        first_conf = k
                        break
                has_conf = first_conf >= 0

                impr_ok = False
                if has_conf and P._is(x[ch], b, bd, -1, False, sign):
                    impr_ok = True
                    if checkint:
                        for k in range(ch + 1, first_conf + 1):
                            if not P._is(x[k], b, bd, -1, False, sign):
                                impr_ok = False
                                break
                    else:
                        impr_ok = P._is(x[first_conf], b, bd, -1, False, sign)
                sub_impr = False
                if (not impr_ok and has_conf and sign * (x[ch] - b) < 0
                        and (baseline == P.BL_ROVING or baseline == P.BL_ROVING_IMPR)
                        and (subthr == P.ST_EVENT or subthr == P.ST_IMPROVEMENT)):
                    sub_impr = True
                    if checkint:
                        for k in range(ch + 1, first_conf + 1):
                            if not sign * (x[k] - b) < 0:
                                sub_impr = False
                                break
                    else:
                        sub_impr = sign * (x[first_conf] - b) < 0
                wors_ok = False
                if not impr_ok and not sub_impr and P._is(x[ch], b, bd, 1, False, sign):
                    if has_conf:
                        wors_ok = True
                        if checkint:
                            for k in range(ch + 1, first_conf + 1):
                                if not P._is(x[k], b, bd, 1, False, sign):
                                    wors_ok = False
                                    break
                        else:
                            wors_ok = P._is(x[first_conf], b, bd, 1, False, sign)
                    if (not wors_ok and ch == n - 1 and tt[ch] - tt[0] <= fp[P.F_IMPUTE_FU]
                            and fp[P.F_IMPUTE_P] > 0):
                        if fp[P.F_IMPUTE_P] >= 1 or draws[p] < fp[P.F_IMPUTE_P]:
                            wors_ok = True
                sub_wors = False
                if (not impr_ok and not sub_impr and not wors_ok and has_conf
                        and sign * (x[ch] - b) > 0
                        and (baseline == P.BL_ROVING or baseline == P.BL_ROVING_WORS)
                        and (subthr == P.ST_EVENT or subthr == P.ST_WORSENING)):
                    sub_wors = True
                    if checkint:
                        for k in range(ch + 1, first_conf + 1):
                            if not sign * (x[k] - b) > 0:
                                sub_wors = False
                                break
                    else:
                        sub_wors = sign * (x[first_conf] - b) > 0

                if impr_ok or wors_ok:
                    kind = -1 if impr_ok else 1
                    imputed = wors_ok and not has_conf
                    start = ch if imputed else first_conf
                    nonsust = -1
                    for k in range(start + 1, n):
                        if not P._is(x[k], b, bd, kind, False, sign):
                            nonsust = k
                            break
                    if imputed:
                        inconf[ch] = True
                        first_conf = ch
                    cutoff = n if nonsust < 0 else nonsust
                    for k in range(ch + 1, n):
                        if k >= cutoff:
                            inconf[k] = False
                    valid = True
                    if fp[P.F_SUST] > 0:
                        if checkint:
                            valid = nonsust < 0 or tt[nonsust] - tt[ch] >= fp[P.F_SUST]
                        else:
                            sv = n - 1
                            if tt[n - 1] - tt[ch] >= fp[P.F_SUST]:
                                for k in range(ch + 1, n):
                                    if tt[k] - tt[ch] >= fp[P.F_SUST]:
                                        sv = k
                                        break
                            valid = P._is(x[sv], b, bd, kind, False, sign)
                    sust = n - 1 if nonsust < 0 else nonsust - 1
                    # earliest confirmation per window (among the kept confirmation visits)
                    for m in range(nm):
                        pe_conf[npe, m] = -1
                        pe_pconf[npe, m] = -1
                        for k in range(ch + 1, cutoff):
                            if cand[m, k] and inconf[k]:
                                pe_conf[npe, m] = k
                                break
                    include = valid
                    etype = P.CDI if impr_ok else P.CDW
                    if valid and wors_ok and rawpira:
                        if relb[ch] <= fp[P.F_RA0] or rela[ch] <= fp[P.F_RA1]:
                            etype = P.RAW
                            if event_code == P.EV_FIRST_PIRA and (baseline == P.BL_FIXED
                                                                or baseline == P.BL_ROVING_IMPR):
                                include = False
                        elif event_code == P.EV_FIRST_RAW and (baseline == P.BL_FIXED
                                                             or baseline == P.BL_ROVING_IMPR):
                            include = False
                        else:
                            ld = P._last_delta(x, dv, ch, first_conf, 1, n, skip, checkint, sign)
                            prec = bl if prectype == P.PREC_BASELINE else (
                                ch - 1 if prectype == P.PREC_LAST else ld)
                            npc = P._relapse_free(tt, rel, nrel, indep, prec, ch, n, inconf,
                                                pconf_ok)
                            if npc > 0:
                                etype = P.PIRA
                                for m in range(nm):
                                    pe_pconf[npe, m] = -1
                                    for k in range(ch, cutoff):
                                        if cand[m, k] and inconf[k] and pconf_ok[k]:
                                            pe_pconf[npe, m] = k
                                            break
                            elif event_code == P.EV_FIRST_PIRA and (
                                    baseline == P.BL_FIXED or baseline == P.BL_ROVING_IMPR):
                                include = False
                    if include:
                        ld = P._last_delta(x, dv, ch, first_conf, kind, n, skip, checkint, sign)
                        pe_int[npe, 0] = etype
                        pe_int[npe, 1] = ch
                        pe_int[npe, 2] = bl
                        pe_int[npe, 3] = ld
                        pe_int[npe, 4] = sust
                        pe_val[npe] = b
                        npe += 1
                        ntr = P._trace(tr, ntr, P.TR_CDI if impr_ok else P.TR_CDW, o + ch, etype)
                    elif not valid:
                        ntr = P._trace(tr, ntr, P.TR_NOT_SUSTAINED, o + ch, -1)
                        nun = P._unconfirmed(un_int, un_val, nun, p, o + ch, o + bl, b)
                    else:
                        ntr = P._trace(tr, ntr, P.TR_SKIPPED, o + ch, etype)
                    # windows still confirming, in the order given; the first one's earliest
                    # visit is where the search goes on (msprog: conf_idx[0])
                    nxt_conf = -1
                    for m in range(nm):
                        for k in range(ch + 1, cutoff):
                            if cand[m, k] and inconf[k]:
                                nxt_conf = k
                                break
                        if nxt_conf >= 0:
                            break
                    roving = (baseline == P.BL_ROVING or (
                        baseline == P.BL_ROVING_IMPR if impr_ok else baseline == P.BL_ROVING_WORS))
                    if nxt_conf < 0:
                        newref = ch  # an imputed event at the last visit
                        search = ch + 1
                    else:
                        if roving or include:
                            newref = nxt_conf if firstconf else ch
                        else:
                            newref = ch
                        if roving:
                            bl = newref
                        search = newref + 1
                elif sub_impr or sub_wors:
                    newref = first_conf if firstconf else ch
                    bl = newref
                    search = newref + 1
                    code = P.TR_SUB_IMPR if sub_impr else P.TR_SUB_WORS
                    ntr = P._trace(tr, ntr, code, o + ch, -1)
                else:
                    search = ch + 1
                    ntr = P._trace(tr, ntr, P.TR_UNCONFIRMED, o + ch, -1)
                    nun = P._unconfirmed(un_int, un_val, nun, p, o + ch, o + bl, b)
            # post-relapse re-baseline
            if relrebl and proceed and search < n and irel >= 0:
                crossed = False
                for r in range(nrel):
                    if tt[bl] < rel[r] and rel[r] + (0.0 if event_code == P.EV_FIRST_PIRA
                                                      else fp[P.F_RA0]) < tt[search]:
                        crossed = True
                        break
                if crossed:
                    nb = -1
                    for k in range(bl, n):
                        if rel[irel] <= tt[k]:
                            nb = k
                            break
                    if nb >= 0:
                        bl = nb
                        search = bl + 1
                        ntr = P._trace(tr, ntr, P.TR_REL_REBASELINE, o + bl, -1)
                    if nb < 0 or nb > n - 2:
                        proceed = False
            if proceed and npe > 0:
                found = False
                for e in range(npe):
                    et = pe_int[e, 0]
                    if event_code == P.EV_FIRST and npe > 1:
                        found = True
                    elif event_code == P.EV_FIRST_CDW and et != P.CDI:
                        found = True
                    elif event_code == P.EV_FIRST_CDI and et == P.CDI:
                        found = True
                    elif event_code == P.EV_FIRST_PIRA and et == P.PIRA:
                        found = True
                    elif event_code == P.EV_FIRST_RAW and et == P.RAW:
                        found = True
                if found:
                    proceed = False
        nev = P._write_events(p, o, npe, pe_int, pe_val, pe_conf, pe_pconf, event_code, nm,
                            ev_int, ev_val, ev_conf, ev_pconf, nev)
    return nev, nun, ntr

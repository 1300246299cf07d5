"""Time to a confirmed disability milestone (e.g. the first confirmed EDSS >= 4.0 or 6.0).

For each patient, scanning visits in date order: the first assessment at or beyond the
milestone (outside ``relapse_to_event`` of a relapse) counts if it is confirmed at a visit in
a confirmation window (outside ``relapse_to_conf``, a valid confirmation visit) and every
assessment up to that visit is at or beyond the milestone; with ``require_sust_days`` it must
also stay there for that long (or to the last visit). An unconfirmed candidate makes the scan
go on after the next assessment below the milestone. Patients who never reach it are
censored at their last assessment. This is msprog's ``value_milestone`` (Montobbio et al.
2024), with two msprog slips corrected and documented in ``docs/events/msprog.md``.
"""

from __future__ import annotations

import numba
import numpy as np
import polars as pl

from mscohort.derive.events.detect import as_dates, prepare, relapse_cut
from mscohort.derive.events.draws import draws_needed, patient_uniforms
from mscohort.derive.events.primitives import relapse_distance
from mscohort.derive.events.settings import EventSettings


@numba.njit(cache=True)
def _scan(offsets, t, x, vc, roffsets, rt, rwin, milestone, sign, lo, hi, rte0, rte1, rtc0, rtc1,
          sust, imp_p, imp_fu, draws, out_idx, out_obs):  # pragma: no cover - compiled
    for p in range(offsets.size - 1):
        o = offsets[p]
        n = offsets[p + 1] - o
        out_idx[p] = o + n - 1
        out_obs[p] = False
        ro = roffsets[p]
        nrel = roffsets[p + 1] - ro
        search = 0
        while True:
            ms = -1
            for k in range(search, n):
                if sign * (x[o + k] - milestone) >= 0:
                    before, after = relapse_distance(rt, ro, nrel, t[o + k])
                    if not np.isnan(rwin[o + k]):  # relapse end dates (relapse_end.py)
                        before = rwin[o + k]
                    if before >= rte0 and after >= rte1:
                        ms = k
                        break
            if ms < 0:
                break
            first_conf = -1
            for k in range(ms + 1, n):
                dt = t[o + k] - t[o + ms]
                inwin = False
                for m in range(lo.size):
                    if lo[m] <= dt <= hi[m]:
                        inwin = True
                if not inwin or not vc[o + k]:
                    continue
                before, after = relapse_distance(rt, ro, nrel, t[o + k])
                if not np.isnan(rwin[o + k]):
                    before = rwin[o + k]
                if before >= rtc0 and after >= rtc1:
                    first_conf = k
                    break
            confirmed = first_conf >= 0
            if confirmed:
                for k in range(ms + 1, first_conf + 1):
                    if sign * (x[o + k] - milestone) < 0:
                        confirmed = False
                        break
            if not confirmed and ms == n - 1 and t[o + ms] - t[o] <= imp_fu and imp_p > 0:
                confirmed = imp_p >= 1 or draws[p] < imp_p
                first_conf = ms
            if confirmed:
                nonsust = -1
                for k in range(first_conf + 1, n):
                    if sign * (x[o + k] - milestone) < 0:
                        nonsust = k
                        break
                if sust > 0 and nonsust >= 0 and t[o + nonsust] - t[o + ms] < sust:
                    search = nonsust + 1
                    continue
                out_idx[p] = o + ms
                out_obs[p] = True
                break
            nxt = n - 1
            for k in range(ms + 1, n):
                if sign * (x[o + k] - milestone) < 0:
                    nxt = k
                    break
            search = nxt + 1


def milestone_times(visits: pl.DataFrame, relapses: pl.DataFrame | None, milestone: float,
                    settings: EventSettings | None = None, *, value: str = "edss"
                    ) -> pl.DataFrame:
    """One row per patient: ``milestone``, ``observed``, ``date`` (when reached, else the
    last assessment), ``value`` at that date, ``time2event_days`` from the first assessment.

    Uses ``conf_days``, ``conf_tol_days``, ``require_sust_days``, ``relapse_to_event``,
    ``relapse_to_conf``, ``impute_last_visit`` and the direction of ``settings``.
    """
    s = settings or EventSettings()
    # msprog's value_milestone drops relapses by relapse_to_event (not relapse_to_bl)
    prep = prepare(visits, relapses, value, relapse_cut(s, s.relapse_to_event),
                   end_dates=s.relapse_end_dates)
    npat = len(prep.ids)
    out_idx = np.empty(npat, dtype=np.int64)
    out_obs = np.empty(npat, dtype=np.bool_)
    conf = np.array(s.conf_days, dtype=np.float64)
    imp_p, imp_fu = ((s.impute_last_visit, np.inf) if s.impute_last_visit <= 1
                     else (1.0, s.impute_last_visit))
    # each patient's own draw (draws.py): the same as in the event scan
    draws = (patient_uniforms(prep.ids, s.seed) if draws_needed(imp_p)
             else np.zeros(npat))
    _scan(prep.offsets, prep.days, prep.values, prep.validconf, prep.roffsets, prep.rdays,
          prep.window_distance(), float(milestone), 1.0 if s.worsening == "increase" else -1.0,
          conf - s.conf_tol_days[0], conf + s.conf_tol_days[1], *s.relapse_to_event,
          *s.relapse_to_conf, float(s.require_sust_days), float(imp_p), float(imp_fu), draws,
          out_idx, out_obs)
    first = prep.days[prep.offsets[:-1]] if npat else np.array([])
    return pl.DataFrame({
        "patient_id": pl.Series(prep.ids, dtype=pl.String),
        "milestone": np.full(npat, float(milestone)),
        "observed": out_obs,
        "date": as_dates(prep.days[out_idx]),
        "value": np.where(out_obs, prep.values[out_idx], np.nan),
        "time2event_days": prep.days[out_idx] - first,
    }).with_columns(pl.col("value").fill_nan(None))

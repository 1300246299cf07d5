"""Detect confirmed disability events for many patients at once.

:func:`detect_events` prepares sorted arrays, runs the compiled scan of :mod:`.kernel` and
returns an :class:`EventResult`: one row per event, a per-patient summary, the unconfirmed
changes, and the settings, with :meth:`EventResult.methods` and :meth:`EventResult.explain`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np
import polars as pl

from mscohort.derive.events import primitives as K
from mscohort.derive.events.batches import scan_in_batches
from mscohort.derive.events.draws import draws_needed, patient_uniforms
from mscohort.derive.events.kernel import scan
from mscohort.derive.events.ordering import (
    offsets_of,
    order_by_patient_day,
    patient_numbers,
    shared_days,
)
from mscohort.derive.events.relapse_end import window_distance
from mscohort.derive.events.settings import DeltaRule, EventSettings, delta_values
from mscohort.errors import bad_argument

_EVENT_CODES = {"firstCDW": K.EV_FIRST_CDW, "firstCDI": K.EV_FIRST_CDI, "first": K.EV_FIRST,
                "firstPIRA": K.EV_FIRST_PIRA, "firstRAW": K.EV_FIRST_RAW,
                "multiple": K.EV_MULTIPLE}
_BASELINE_CODES = {"fixed": K.BL_FIXED, "roving_impr": K.BL_ROVING_IMPR,
                   "roving_wors": K.BL_ROVING_WORS, "roving": K.BL_ROVING}
_SUB_CODES = {"none": K.ST_NONE, "event": K.ST_EVENT, "improvement": K.ST_IMPROVEMENT,
              "worsening": K.ST_WORSENING}
_SKIP_CODES = {"none": K.SKIP_NONE, "strict": K.SKIP_STRICT, "all": K.SKIP_ALL}
_PREC_CODES = {"baseline": K.PREC_BASELINE, "last": K.PREC_LAST,
               "last_delta": K.PREC_LAST_DELTA}
_TYPE_NAMES = {K.CDI: "CDI", K.CDW: "CDW", K.RAW: "CDW", K.PIRA: "CDW"}
_CDW_TYPES = {K.CDI: None, K.CDW: "undefined", K.RAW: "RAW", K.PIRA: "PIRA"}


@dataclass(frozen=True)
class Prepared:
    """Sorted input arrays of the scan."""

    ids: list[str]
    offsets: np.ndarray
    days: np.ndarray
    values: np.ndarray
    validconf: np.ndarray
    roffsets: np.ndarray
    rdays: np.ndarray
    n_dropped: int
    #: relapse end days aligned with ``rdays`` (NaN: no end date); None unless asked for
    rends: np.ndarray | None = None

    def window_distance(self) -> np.ndarray:
        """Per visit, the distance the scan compares with the "after" relapse windows: NaN
        (use onsets) without end dates, else :func:`relapse_end.window_distance`."""
        if self.rends is None:
            return np.full(self.days.size, np.nan)
        return window_distance(self.offsets, self.days, self.roffsets, self.rdays, self.rends)


def _days(series: pl.Series) -> np.ndarray:
    return series.cast(pl.Date).cast(pl.Int64).to_numpy().astype(np.float64)


def prepare(visits: pl.DataFrame, relapses: pl.DataFrame | None, value: str,
            drop_relapses_before_days: float | None = None, *, end_dates: bool = False
            ) -> Prepared:
    """Check and sort the inputs (see :func:`detect_events` for their columns).

    ``drop_relapses_before_days``: leave out relapses more than that many days before a
    patient's first visit (msprog's behaviour, for ``msprog_compat``); None keeps all.
    ``end_dates``: also read the relapses' ``end_date`` (``relapse_end_dates``).
    """
    for col in ("patient_id", "date", value):
        if col not in visits.columns:
            raise bad_argument("visits", f"a table with columns patient_id, date, {value}",
                               visits.columns)
    cols = ["patient_id", "date", value] + (["validconf"] if "validconf" in visits.columns
                                            else [])
    v = visits.select(cols).with_columns(pl.col("patient_id").cast(pl.String))
    n_before = v.height
    v = v.filter(pl.col(value).is_not_null() & pl.col("date").is_not_null()
                 & pl.col("patient_id").is_not_null())
    r = None
    if relapses is not None and relapses.height:
        date_col = "onset_date" if "onset_date" in relapses.columns else "date"
        if end_dates and "end_date" not in relapses.columns:
            raise bad_argument("relapses", "a table with an `end_date` column when "
                               "relapse_end_dates=True", f"columns {relapses.columns}")
        end = pl.col("end_date").cast(pl.Date) if end_dates else pl.lit(None, pl.Date)
        r = (relapses.select(pl.col("patient_id").cast(pl.String), pl.col(date_col)
                             .cast(pl.Date).alias("_d"), end.alias("_e"))
             .drop_nulls(["patient_id", "_d"]))
    # patients numbered in identifier order, visits ordered by patient and day (ordering.py)
    numbers = patient_numbers(v["patient_id"], None if r is None else r["patient_id"])
    vday = v["date"].cast(pl.Date).cast(pl.Int64).to_numpy()
    order = order_by_patient_day(numbers.visits, vday)
    pnum, vday = numbers.visits[order], vday[order]
    shared = shared_days(pnum, vday)
    if shared.any():
        rows = v[order[shared]].select("patient_id", pl.col("date").cast(pl.Date))
        shown = ", ".join(f"{p} {d}" for p, d in rows.unique(maintain_order=True)
                          .head(5).iter_rows())
        raise bad_argument("visits", "one assessment per patient and day (same-day visits are "
                           "never merged silently)", f"{rows.height} rows on shared days: "
                           f"{shown}")
    offsets = offsets_of(pnum, numbers.n)
    ids = v["patient_id"].gather(order[offsets[:-1]]).to_list() if v.height else []
    days = vday.astype(np.float64)
    values = v[value].cast(pl.Float64).to_numpy()[order]
    validconf = (v["validconf"].cast(pl.Boolean).fill_null(False).to_numpy()[order]
                 if "validconf" in v.columns else np.ones(v.height, dtype=np.bool_))
    # relapses, per patient, in the same patient order
    rends = np.array([], dtype=np.float64) if end_dates else None
    if r is None:
        rdays = np.array([], dtype=np.float64)
        roffsets = np.zeros(len(ids) + 1, dtype=np.int64)
    else:
        mine = np.flatnonzero(numbers.relapses >= 0)  # relapses of patients with visits
        rday = r["_d"].cast(pl.Int64).to_numpy()
        rows = mine[order_by_patient_day(numbers.relapses[mine], rday[mine])]
        if end_dates:
            _check_ends(r[rows])
        rd = rday[rows].astype(np.float64)
        re = r["_e"].cast(pl.Int64).cast(pl.Float64).fill_null(np.nan).to_numpy()[rows]
        rp = numbers.relapses[rows]
        if drop_relapses_before_days is not None:
            first = days[offsets[:-1]]
            keep = rd >= first[rp] - drop_relapses_before_days
            rd, rp, re = rd[keep], rp[keep], re[keep]
        roffsets = offsets_of(rp, len(ids))
        rdays = rd
        rends = re if end_dates else None
    return Prepared(ids, offsets, days, values, validconf, roffsets, rdays,
                    n_before - v.height, rends)


def _check_ends(r: pl.DataFrame) -> None:
    """An end date before its onset is an error naming the patient and both dates."""
    bad = r.filter(pl.col("_e") < pl.col("_d"))
    if bad.height:
        row = bad.row(0, named=True)
        raise bad_argument("relapses.end_date", "on or after the relapse's onset_date",
                           f"{row['_e']} for patient {row['patient_id']} (onset "
                           f"{row['_d']}; {bad.height} such relapse(s))")


def relapse_cut(s: EventSettings, window: tuple[float, float]) -> float | None:
    """msprog drops relapses more than ``window[0]`` days before the first visit."""
    return window[0] if s.msprog_compat else None


def _params(s: EventSettings) -> tuple[np.ndarray, np.ndarray]:
    ip = np.zeros(11, dtype=np.int64)
    ip[K.I_EVENT] = _EVENT_CODES[s.event]
    ip[K.I_BASELINE] = _BASELINE_CODES[s.baseline]
    ip[K.I_FIRSTCONF] = int(s.proceed_from == "firstconf")
    ip[K.I_SUBTHR] = _SUB_CODES[s.sub_threshold_rebl if s.baseline != "fixed" else "none"]
    ip[K.I_BLGEQ] = int(s.uses_bl_geq)
    ip[K.I_RELREBL] = int(s.relapse_rebl)
    ip[K.I_SKIP] = _SKIP_CODES[s.skip_local_extrema]
    ip[K.I_CHECKINT] = int(s.check_intermediate)
    ip[K.I_RAWPIRA] = int(s.classifies_raw_pira)
    ip[K.I_PRECTYPE] = _PREC_CODES[s.relapse_indep.prec_type]
    ip[K.I_SIGN] = 1 if s.worsening == "increase" else -1
    fp = np.zeros(11, dtype=np.float64)
    fp[K.F_RTB0], fp[K.F_RTB1] = s.relapse_to_bl
    fp[K.F_RTE0], fp[K.F_RTE1] = s.relapse_to_event
    fp[K.F_RTC0], fp[K.F_RTC1] = s.relapse_to_conf
    fp[K.F_RA0], fp[K.F_RA1] = s.relapse_assoc
    fp[K.F_SUST] = s.require_sust_days
    if s.impute_last_visit <= 1:
        fp[K.F_IMPUTE_P], fp[K.F_IMPUTE_FU] = s.impute_last_visit, np.inf
    else:
        fp[K.F_IMPUTE_P], fp[K.F_IMPUTE_FU] = 1.0, s.impute_last_visit
    return ip, fp


def run_scan(prep: Prepared, settings: EventSettings, trace_rows: int = 0
             ) -> tuple[np.ndarray, ...]:
    """Run the compiled scan; returns the raw event, unconfirmed and trace arrays.

    Without trace rows the patients are scanned in batches on every core numba may use
    (:mod:`.batches`); the result is the same.
    """
    nm = len(settings.conf_days)
    conf = np.array(settings.conf_days, dtype=np.float64)
    lo = conf - settings.conf_tol_days[0]
    hi = conf + settings.conf_tol_days[1]
    ip, fp = _params(settings)
    deltas = delta_values(cast(DeltaRule, settings.delta), prep.values)  # set by __post_init__
    rwin = prep.window_distance()
    indep = settings.relapse_indep.array()
    tr = np.empty((trace_rows, 3), dtype=np.int64)

    # each patient's own draw (draws.py), so that batches and threads change nothing
    draws = (patient_uniforms(prep.ids, settings.seed) if draws_needed(fp[K.F_IMPUTE_P])
             else np.zeros(len(prep.ids)))

    def run(offsets: np.ndarray, roffsets: np.ndarray, uniforms: np.ndarray, ev_int: np.ndarray,
            ev_val: np.ndarray, ev_conf: np.ndarray, ev_pconf: np.ndarray,
            un_int: np.ndarray, un_val: np.ndarray) -> tuple[int, int, int]:
        nev, nun, ntr = scan(offsets, prep.days, prep.values, deltas, prep.validconf,
                             roffsets, prep.rdays, rwin, ip, fp, lo, hi, indep,
                             uniforms, ev_int, ev_val, ev_conf, ev_pconf, un_int,
                             un_val, tr)
        return nev, nun, ntr

    if trace_rows == 0:
        return (*scan_in_batches(prep.offsets, prep.roffsets, draws, nm, run), tr)
    n = max(prep.days.size, 1)
    out = (np.empty((n, 7), dtype=np.int64), np.empty(n), np.empty((n, nm), dtype=np.int64),
           np.empty((n, nm), dtype=np.int64), np.empty((n, 3), dtype=np.int64), np.empty(n))
    nev, nun, ntr = run(prep.offsets, prep.roffsets, draws, *out)
    return (out[0][:nev], out[1][:nev], out[2][:nev], out[3][:nev], out[4][:nun],
            out[5][:nun], tr[:min(ntr, trace_rows)])


def as_dates(days: np.ndarray, ok: np.ndarray | None = None) -> pl.Series:
    s = pl.Series(days.astype(np.int64)).cast(pl.Date)
    if ok is not None:
        s = pl.select(pl.when(pl.Series(ok)).then(s)).to_series()
    return s


def _label(c: float) -> str:
    return str(int(c)) if float(c).is_integer() else str(c)


def build_events(prep: Prepared, raw: tuple[np.ndarray, ...], settings: EventSettings
                 ) -> pl.DataFrame:
    ev_int, ev_val, ev_conf, ev_pconf = raw[:4]
    ids = np.array(prep.ids, dtype=object)
    t, x = prep.days, prep.values
    first = t[prep.offsets[:-1]]
    last = t[prep.offsets[1:] - 1]
    p = ev_int[:, 0]
    ch, bl, ld, sust = ev_int[:, 2], ev_int[:, 3], ev_int[:, 4], ev_int[:, 5]
    cols: dict[str, object] = {
        "patient_id": pl.Series(ids[p].tolist(), dtype=pl.String),
        "nevent": ev_int[:, 6],
        "event_type": pl.Series(ev_int[:, 1]).replace_strict(_TYPE_NAMES,
                                                             return_dtype=pl.String),
        "cdw_type": pl.Series(ev_int[:, 1]).replace_strict(
            _CDW_TYPES if settings.classifies_raw_pira else dict.fromkeys(_CDW_TYPES),
            return_dtype=pl.String),
        "date": as_dates(t[ch]),
        "value": x[ch],
        "bl_date": as_dates(t[bl]),
        "bl_value": ev_val,
        "last_delta_date": as_dates(t[ld]),
        "last_delta_value": x[ld],
        "total_fu_days": last[p] - first[p],
        "time2event_days": t[ch] - first[p],
        "bl2event_days": t[ch] - t[bl],
    }
    for m, c in enumerate(settings.conf_days):
        ok = ev_conf[:, m] >= 0
        idx = np.where(ok, ev_conf[:, m], 0)
        cols[f"conf{_label(c)}_date"] = as_dates(t[idx], ok)
        cols[f"conf{_label(c)}_value"] = np.where(ok, x[idx], np.nan)
    if settings.classifies_raw_pira:
        for m, c in enumerate(settings.conf_days):
            ok = ev_pconf[:, m] >= 0
            idx = np.where(ok, ev_pconf[:, m], 0)
            cols[f"pira_conf{_label(c)}_date"] = as_dates(t[idx], ok)
            cols[f"pira_conf{_label(c)}_value"] = np.where(ok, x[idx], np.nan)
    cols["sust_days"] = t[sust] - t[ch]
    cols["sust_last"] = sust == prep.offsets[p + 1] - 1
    frame = pl.DataFrame(cols)
    return frame.with_columns(pl.col(c).fill_nan(None) for c in frame.columns
                              if frame[c].dtype == pl.Float64)


def build_summary(prep: Prepared, events: pl.DataFrame, patient: np.ndarray
                  ) -> pl.DataFrame:
    """One row per patient: the sequence of event labels (by event number), counts of CDI,
    CDW, RAW and PIRA, and the follow-up. ``patient``: each event's patient number (the
    scan's), so that events are grouped by integers, not by identifier text."""
    n = len(prep.ids)
    t = prep.days
    fu = t[prep.offsets[1:] - 1] - t[prep.offsets[:-1]] if n else np.array([])
    per = (events.select(
        pl.Series("_p", patient, dtype=pl.Int64), "nevent",
        pl.when(pl.col("event_type") == "CDI").then(pl.lit("CDI"))
        .when(pl.col("cdw_type") == "undefined").then(pl.lit("CDW"))
        .otherwise(pl.col("cdw_type")).alias("_label"),
        (pl.col("event_type") == "CDI").alias("cdi"),
        (pl.col("event_type") == "CDW").alias("cdw"),
        (pl.col("cdw_type") == "RAW").alias("raw"),
        (pl.col("cdw_type") == "PIRA").alias("pira"))
        .sort("_p", "nevent", maintain_order=True)
        .group_by("_p", maintain_order=True)
        .agg(pl.col("_label").alias("event_sequence"),
             *(pl.col(c).sum() for c in ("cdi", "cdw", "raw", "pira")))
        .with_columns(pl.col("event_sequence").list.join(", ")))
    base = pl.DataFrame({"_p": pl.Series(np.arange(n), dtype=pl.Int64),
                         "patient_id": pl.Series(prep.ids, dtype=pl.String),
                         "total_fu_days": pl.Series(fu, dtype=pl.Float64)})
    return (base.join(per, on="_p", how="left", maintain_order="left")
            .with_columns(pl.col("event_sequence").fill_null(""),
                          *(pl.col(c).fill_null(0).cast(pl.Int64)
                            for c in ("cdi", "cdw", "raw", "pira")))
            .select("patient_id", "event_sequence", "cdi", "cdw", "raw", "pira",
                    "total_fu_days"))


def build_unconfirmed(prep: Prepared, raw: tuple[np.ndarray, ...]) -> pl.DataFrame:
    un_int, un_val = raw[4], raw[5]
    ids = np.array(prep.ids, dtype=object)
    t, x = prep.days, prep.values
    return pl.DataFrame({
        "patient_id": pl.Series(ids[un_int[:, 0]].tolist(), dtype=pl.String),
        "date": as_dates(t[un_int[:, 1]]),
        "value": x[un_int[:, 1]],
        "bl_date": as_dates(t[un_int[:, 2]]),
        "bl_value": un_val,
    })

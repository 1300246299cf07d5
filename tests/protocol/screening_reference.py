"""The screening as it was before issue #23 (one patient and criterion at a time, in
Python): the reference the columnar :func:`mscohort.derive.screening.screen` must match
decision for decision and word for word. Kept here, in the tests, as the oracle only."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import polars as pl

from mscohort.derive.ae_status import ae_status
from mscohort.derive.screening import (
    DECISION_SCHEMA,
    DETAIL_SCHEMA,
    Criterion,
    Eligibility,
    Screening,
)
from mscohort.study import Study
from mscohort.vocabulary import BY_NAME


def _window(frame: pl.DataFrame, col: str, day: dt.date, within: float | None) -> pl.DataFrame:
    out = frame.filter(pl.col(col) < day)
    if within is not None:
        out = out.filter(pl.col(col) >= day - dt.timedelta(days=float(within)))
    return out


def evaluate(c: Criterion, pid: str, day: dt.date, t: dict[str, dict[str, Any]],
             have_ae: bool) -> tuple[str, str]:
    """(status, evidence) of one criterion for one patient on ``day``."""
    p = c.params
    if c.kind in ("relapses", "relapse_on_therapy"):
        rel = _window(t["relapses"].get(pid, pl.DataFrame(schema={"onset_date": pl.Date})),
                      "onset_date", day, p.get("within_days"))
        dates = rel["onset_date"].to_list()
        if c.kind == "relapse_on_therapy":
            tr = t["treatments"].get(pid)
            on = []
            for d in dates:
                drug = None if tr is None else next(
                    (r["drug"] for r in tr.iter_rows(named=True) if r["start_date"] <= d
                     and (r["stop_date"] is None or d <= r["stop_date"])), None)
                if drug is not None:
                    on.append(f"{d} on {drug}")
            found = on
        else:
            found = [str(d) for d in dates]
        need = int(p.get("min_count", 1))
        return ("met" if len(found) >= need else "not met",
                f"{len(found)} relapse(s)" + (f": {', '.join(found)}" if found else ""))
    if c.kind == "prior_dmd":
        tr = t["treatments"].get(pid, pl.DataFrame(schema={"drug": pl.String,
                                                           "start_date": pl.Date}))
        drugs = sorted(set(tr.filter(pl.col("start_date") < day)["drug"]))
        if p.get("approved_only"):
            drugs = [d for d in drugs if d in BY_NAME and BY_NAME[d].approved_for_ms]
        need = int(p.get("min_count", 1))
        return ("met" if len(drugs) >= need else "not met",
                ", ".join(drugs) if drugs else "no prior drug on record")
    if c.kind == "courses_of":
        # course starts (first infusion of each numbered course) before the screening day
        inf = t["courses"].get(pid, pl.DataFrame(schema={"drug": pl.String, "date": pl.Date}))
        starts = sorted(inf.filter((pl.col("drug") == p["drug"]) & (pl.col("date") < day))
                        ["date"])
        lo, hi = p.get("min", 0), p.get("max")
        ok = len(starts) >= lo and (hi is None or len(starts) <= hi)
        return ("met" if ok else "not met", f"{len(starts)} course(s) of {p['drug']}"
                + (f" begun {', '.join(map(str, starts))}" if starts else ""))
    if c.kind == "edss_between":
        e = _window(t["edss"].get(pid, pl.DataFrame(schema={"date": pl.Date,
                                                             "edss": pl.Float64})),
                    "date", day, p.get("within_days"))
        if e.height == 0:
            return "unknown", "no EDSS in the window before the screening day"
        last = e.sort("date").row(-1, named=True)
        ok = float(p.get("min", 0)) <= last["edss"] <= float(p.get("max", 10))
        return "met" if ok else "not met", f"EDSS {last['edss']:g} on {last['date']}"
    if c.kind == "cohort_is":
        cohort = t["cohort"].get(pid)
        if cohort is None:
            return "unknown", "cohort not recorded"
        return ("met" if cohort == p["value"] else "not met"), f"cohort {cohort}"
    # adverse_event
    if not have_ae:
        return "unknown", "the study has no adverse-event records"
    words = [str(w).lower() for w in p.get("keywords", [])]
    skip = {str(o).lower() for o in p.get("outcome_not", [])}
    ae = _window(t["adverse_events"].get(pid, pl.DataFrame(schema={"onset_date": pl.Date})),
                 "onset_date", day, p.get("within_days"))
    events = [r for r in ae.iter_rows(named=True)
              if any(w in f"{r.get('category') or ''} {r['term']}".lower() for w in words)
              and str(r.get("outcome") or "").lower() not in skip]
    return _status_decision(events, str(p.get("status", "any")))


#: per ``status`` reading: the statuses that count, and those that leave it open
_COUNTS = {"ongoing": ({"ongoing", "controlled", "uncontrolled"}, {"unknown"}),
           "uncontrolled": ({"uncontrolled"}, {"ongoing", "unknown"})}


def _status_decision(events: list[dict[str, object]], reading: str) -> tuple[str, str]:
    """Met when an event counts under ``reading``; unknown when none does but the status of
    one does not say; else not met (the events seen, with their status, as evidence)."""
    if reading == "any":
        hits = [f"{r['term']} on {r['onset_date']}" for r in events]
        return ("met" if hits else "not met"), ("; ".join(hits) if hits else "none on record")
    counts, open_ = _COUNTS[reading]
    seen = [(ae_status(r.get("outcome")),  # type: ignore[arg-type]
             f"{r['term']} on {r['onset_date']}") for r in events]
    if any(s in counts for s, _ in seen):
        return "met", "; ".join(f"{w} ({s})" for s, w in seen if s in counts)
    if any(s in open_ for s, _ in seen):
        return "unknown", "; ".join(f"{w} ({s}): whether {reading} is not recorded"
                                    for s, w in seen if s in open_)
    return "not met", "; ".join(f"{w} ({s})" for s, w in seen) if seen else "none on record"


def screen_reference(study: Study, eligibility: Eligibility, as_of: dt.date | None = None,
           course_gap_days: float = 30) -> Screening:
    """Decisions (one row per patient and arm) and details (one per criterion). The
    screening day is ``as_of``, or each patient's enrolment date, else their first
    infusion, else the latest record."""
    from mscohort.derive.courses import number_courses

    tables = {name: study.table(name) for name in
              ("patients", "edss", "relapses", "treatments", "infusions", "adverse_events")}
    tables["courses"] = (number_courses(tables["infusions"], course_gap_days)
                         .group_by("patient_id", "drug", "course").agg(pl.col("date").min()))
    t = {name: {k[0]: v for k, v in f.partition_by("patient_id", as_dict=True).items()}
         if f.height else {} for name, f in tables.items()}
    pats = tables["patients"]
    t["cohort"] = dict(zip(pats["patient_id"], pats["cohort"], strict=True))
    first_inf = (tables["infusions"].group_by("patient_id").agg(pl.col("date").min())
                 .rows_by_key("patient_id", unique=True))
    fallback = max((cast(dt.date, f[c].max()) for f, c in ((tables["edss"], "date"),
                                                          (tables["infusions"], "date"))
                    if f.height), default=dt.date.today())
    have_ae = tables["adverse_events"].height > 0
    decisions, details = [], []
    for r in pats.iter_rows(named=True):
        pid = r["patient_id"]
        day: dt.date = as_of or r["enrolment_date"] or (first_inf[pid][0] if pid in first_inf
                                                         else fallback)
        for arm, include in eligibility.arms.items():
            results = []
            for role, crits in (("include", include), ("exclude", eligibility.exclude)):
                for c in crits:
                    status, evidence = evaluate(c, pid, day, t, have_ae)
                    results.append((role, c, status, evidence))
                    details.append({"patient_id": pid, "arm": arm, "kind": role,
                                    "criterion": c.label, "status": status,
                                    "evidence": evidence, "reading": c.reading})
            failing = [(c.label, e) for role, c, s, e in results
                       if (role == "include" and s == "not met")
                       or (role == "exclude" and s == "met")]
            declared = eligibility.deviations
            failed = [f"{lab}: {e}" for lab, e in failing if (pid, lab) not in declared]
            deviated = [f"{lab}: {e} (deviation: {declared[(pid, lab)]})"
                        for lab, e in failing if (pid, lab) in declared]
            missing = [f"{c.label}: {e}" for _, c, s, e in results if s == "unknown"]
            decision = ("not eligible" if failed else "cannot tell" if missing
                        else "protocol deviation" if deviated else "eligible")
            decisions.append({"patient_id": pid, "arm": arm, "screened_on": day,
                              "decision": decision, "reasons": "; ".join(failed),
                              "missing": "; ".join(missing),
                              "deviations": "; ".join(deviated)})
    return Screening(pl.DataFrame(decisions, schema=DECISION_SCHEMA),
                     pl.DataFrame(details, schema=DETAIL_SCHEMA))

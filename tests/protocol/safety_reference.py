"""The safety schedule as it was before issue #23 (a Python loop over each treated patient
and panel): the reference the columnar :func:`mscohort.derive.safety.safety_schedule` must
match row for row. Kept here, in the tests, as the oracle only."""

from __future__ import annotations

import datetime as dt

import polars as pl

from mscohort.derive.safety import AESI_SCHEMA, SCHEDULE_SCHEMA, Monitoring, _period
from mscohort.units import DAYS_PER_MONTH


def safety_schedule(infusions: pl.DataFrame, labs: pl.DataFrame, rules: Monitoring,
                    as_of: dt.date) -> pl.DataFrame:
    treated = (infusions.filter((pl.col("drug") == rules.drug) & (pl.col("date") <= as_of))
               .group_by("patient_id").agg(pl.col("date").min().alias("first"),
                                           pl.col("date").max().alias("last"))
               .sort("patient_id"))
    test = labs.select("patient_id", "date",
                       pl.col("test").cast(pl.String).str.to_lowercase().str.strip_chars())
    grouped = test.group_by("patient_id").agg("date", "test")
    by_patient = {pid: list(zip(d, t, strict=True)) for pid, d, t in grouped.iter_rows()}
    rows = []
    months = dt.timedelta(days=round(rules.monitor_months_after_last_infusion * DAYS_PER_MONTH))
    for r in treated.iter_rows(named=True):
        end = r["last"] + months
        for panel in rules.panels:
            own = by_patient.get(r["patient_id"], [])
            wanted = set(panel.tests)
            dates = sorted({d for d, t in own if t in wanted})
            lo = r["first"] - dt.timedelta(days=rules.baseline_days_before_first_infusion)
            baseline = max((d for d in dates if lo <= d <= r["first"]), default=None)
            span_end = min(as_of, end)
            done = [d for d in dates if r["first"] < d <= span_end]
            last = done[-1] if done else None
            next_due = (last or r["first"]) + dt.timedelta(days=panel.interval_days)
            late = (as_of - next_due).days
            if as_of > end:
                status, overdue = "completed", None
            elif labs.height == 0:  # docs/protocol.md "No lab data" (added with the rule)
                status, overdue = "no lab data", None
            elif late > panel.grace_days:
                status, overdue = "overdue", late
            elif late >= 0:
                status, overdue = "due", None
            else:
                status, overdue = "up to date", None
            rows.append({
                "patient_id": r["patient_id"], "panel": panel.name, "first_infusion": r["first"],
                "last_infusion": r["last"], "monitoring_end": end, "baseline_test": baseline,
                "last_test": last, "tests_done": len(done),
                "tests_expected": max(0, (span_end - r["first"]).days // panel.interval_days),
                "next_due": None if status in ("completed", "no lab data") else next_due,
                "days_overdue": overdue, "status": status,
                "days_remaining": max(0, (end - as_of).days)})
    return pl.DataFrame(rows, schema=SCHEDULE_SCHEMA)


def aesi_table(adverse_events: pl.DataFrame, courses: pl.DataFrame,
               rules: Monitoring) -> pl.DataFrame:
    rows = []
    starts: dict[str, list[tuple[dt.date, int]]] = {}
    for r in courses.filter(pl.col("drug") == rules.drug).iter_rows(named=True):
        starts.setdefault(r["patient_id"], []).append((r["start_date"], r["course"]))
    for r in adverse_events.iter_rows(named=True):
        text = f"{r.get('category') or ''} {r['term']}".lower()
        group = next((g for g, words in rules.aesi if any(w in text for w in words)), None)
        if group is None:
            continue
        before = [(d, c) for d, c in starts.get(r["patient_id"], []) if d <= r["onset_date"]]
        start, course = max(before) if before else (None, None)
        days = (r["onset_date"] - start).days if start is not None else None
        rows.append({"patient_id": r["patient_id"], "onset_date": r["onset_date"],
                     "term": r["term"], "aesi": group, "course": course,
                     "days_since_course": days, "period": _period(days)})
    return pl.DataFrame(rows, schema=AESI_SCHEMA)

"""The retreatment rule as it was before issue #23 (a Python loop per treated patient): the
reference the columnar :func:`mscohort.derive.retreatment.retreatment` must match row for
row and word for word. Kept here, in the tests, as the oracle only."""

from __future__ import annotations

import datetime as dt

import polars as pl

from mscohort.derive.retreatment import RETREATMENT_SCHEMA, RetreatmentRule


def retreatment(courses: pl.DataFrame, relapses: pl.DataFrame, as_of: dt.date,
                rule: RetreatmentRule) -> pl.DataFrame:
    last = (courses.filter((pl.col("drug") == rule.drug) & (pl.col("start_date") <= as_of))
            .sort("patient_id", "course").group_by("patient_id", maintain_order=True).last())
    onsets = dict(relapses.group_by("patient_id").agg("onset_date").iter_rows())
    rows = []
    for r in last.iter_rows(named=True):
        end = min(r["end_date"], as_of)
        since = sorted(d for d in onsets.get(r["patient_id"], []) if end < d <= as_of)
        days = (as_of - end).days
        waited = days >= rule.min_days_since_last_course
        if since and waited:
            reason, meets = f"relapse on {since[0]} and {days} days since the last infusion", True
        elif since:
            reason, meets = (f"relapse on {since[0]}, but only {days} of "
                             f"{rule.min_days_since_last_course} days since the last infusion",
                             False)
        else:
            reason, meets = "no relapse on record since the last infusion (MRI not assessed)", False
        rows.append({"patient_id": r["patient_id"], "last_course": r["course"],
                     "last_infusion": end, "days_since_last_infusion": days,
                     "relapses_since": len(since), "first_relapse_since": since[0] if since
                     else None, "meets_rule": meets, "reason": reason})
    return pl.DataFrame(rows, schema=RETREATMENT_SCHEMA)

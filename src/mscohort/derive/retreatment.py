"""Who may be retreated: the as-needed retreatment rule of the seed's regimens.

Rule (``docs/protocol.md``; the seed study: "as needed retreatment 3X12 mg (relapse or MRI
eligible)"; the label: further courses at least 12 months after the last dose of any prior
course): as of a day, a treated patient meets the rule when at least
``min_days_since_last_course`` days have passed since the last infusion of their last course
and a relapse began after that infusion. MRI activity is not recorded in the canonical tables
yet, so a patient without a relapse is "no relapse on record (MRI not assessed)", never
"not eligible" on MRI grounds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

RETREATMENT_SCHEMA = {"patient_id": pl.String, "last_course": pl.Int64,
                      "last_infusion": pl.Date, "days_since_last_infusion": pl.Int64,
                      "relapses_since": pl.Int64, "first_relapse_since": pl.Date,
                      "meets_rule": pl.Boolean, "reason": pl.String}


@dataclass(frozen=True)
class RetreatmentRule:
    drug: str = "alemtuzumab"
    min_days_since_last_course: int = 365

    def describe(self) -> str:
        return (f"a relapse after the last infusion of {self.drug} and at least "
                f"{self.min_days_since_last_course} days since it")


def retreatment(courses: pl.DataFrame, relapses: pl.DataFrame, as_of: dt.date,
                rule: RetreatmentRule = RetreatmentRule()) -> pl.DataFrame:
    """One row per treated patient: whether the rule is met on ``as_of`` and why."""
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

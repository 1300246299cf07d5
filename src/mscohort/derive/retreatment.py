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
    day = pl.lit(as_of, dtype=pl.Date)
    last = last.with_columns(pl.min_horizontal("end_date", day).alias("end"))
    # every patient at once: the relapses after the last infusion up to ``as_of``, counted
    # (repeats included) and the first of them
    since = (last.select("patient_id", "end")
             .join(relapses.select(pl.col("patient_id").cast(pl.String),
                                   pl.col("onset_date").cast(pl.Date)), on="patient_id")
             .filter((pl.col("onset_date") > pl.col("end")) & (pl.col("onset_date") <= day))
             .group_by("patient_id").agg(pl.len().cast(pl.Int64).alias("relapses_since"),
                                         pl.col("onset_date").min().alias("first_relapse_since")))
    out = (last.join(since, on="patient_id", how="left").sort("patient_id", maintain_order=True)
           .with_columns(pl.col("relapses_since").fill_null(0),
                         (day - pl.col("end")).dt.total_days().alias("days")))
    days, first = pl.col("days").cast(pl.String), pl.col("first_relapse_since").cast(pl.String)
    waited = pl.col("days") >= rule.min_days_since_last_course
    found = pl.col("relapses_since") > 0
    reason = (pl.when(found & waited)
              .then(pl.concat_str(pl.lit("relapse on "), first, pl.lit(" and "), days,
                                  pl.lit(" days since the last infusion")))
              .when(found)
              .then(pl.concat_str(pl.lit("relapse on "), first, pl.lit(", but only "), days,
                                  pl.lit(f" of {rule.min_days_since_last_course} days since "
                                         "the last infusion")))
              .otherwise(pl.lit("no relapse on record since the last infusion "
                                "(MRI not assessed)")))
    return out.select(
        pl.col("patient_id").cast(pl.String), pl.col("course").cast(pl.Int64).alias("last_course"),
        pl.col("end").alias("last_infusion"),
        pl.col("days").cast(pl.Int64).alias("days_since_last_infusion"), "relapses_since",
        "first_relapse_since", (found & waited).alias("meets_rule"), reason.alias("reason"))

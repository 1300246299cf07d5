"""The rows of the course table for patients whose every course is as its regimen says,
computed over all of them at once (issue #23: 238,000 courses at 300,000 patients, about
3.5 s of CPU in the one pass over the courses in Python, nearly all of them without a
deviation).

A patient's courses of one drug are *plain* when none of its infusions has a missing date
or dose, a zero or NaN dose, and when

* its first course's daily doses are those of the first course of a regimen of that drug and
  its infusion days are consecutive: that regimen (the first such in the regimens' order)
  is the one :func:`mscohort.derive.courses.course_table` chooses, since it is the first
  with no deviation, the fewest;
* every course has a course of that regimen (course *k*, or its ``further`` course), its
  doses, consecutive days, and an interval from the previous course (its first or last
  infusion, as the course says) of at least the minimum less the regimen's tolerance: no
  check of :func:`mscohort.derive.courses._deviations` finds anything.

Their rows are written from columns: the same values as the one pass gives (no deviation,
the regimen's name and its course described, the doses written once per distinct sequence).
Every other patient's courses go through that pass: ``tests/protocol/test_courses_one_pass.py``
compares the table with the reference implementation on every cohort and edge case.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:  # courses.py calls this module
    from mscohort.derive.courses import Regimen


def plain_courses(inf: pl.DataFrame, regimens: tuple[Regimen, ...]
                  ) -> tuple[pl.DataFrame, pl.Series]:
    """``inf``: the infusions of :func:`mscohort.derive.courses.number_courses` (sorted by
    patient, drug and date, with ``course``). The course rows of the plain patients and
    drugs (module docstring; the columns of ``COURSE_SCHEMA`` and ``_i``, the row of the course in
    the grouping by patient, drug and course in that order), and a mask over those courses
    of the ones that are not plain."""
    same = ((pl.col("patient_id") == pl.col("patient_id").shift(1))
            & (pl.col("drug") == pl.col("drug").shift(1))
            & (pl.col("course") == pl.col("course").shift(1)))
    step = pl.when(same).then((pl.col("date") - pl.col("date").shift(1)).dt.total_days())
    bad = (pl.col("date").is_null() | pl.col("dose_mg").is_null() | (pl.col("dose_mg") == 0)
           | pl.col("dose_mg").is_nan())
    g = (inf.with_columns(step.alias("_step"), bad.alias("_bad"))
         .group_by("patient_id", "drug", "course", maintain_order=True)
         .agg(pl.col("date").first().alias("_start"), pl.col("date").last().alias("_end"),
              pl.len().cast(pl.Int64).alias("_n"), pl.col("_step").max(),
              pl.col("_bad").any(), pl.col("dose_mg").alias("_doses"))
         .with_row_index("_i"))
    # the regimens' courses: regimen (its position), course number, the course's doses, its
    # interval rule and description, and its doses as the one pass writes them (a plain
    # course has exactly these doses)
    top = max(int(g["course"].max() or 0), 1)  # type: ignore[arg-type]
    specs = []
    for k, r in enumerate(regimens):
        for course in range(1, top + 1):
            spec = r.spec(course)
            if spec is not None:
                specs.append({"_r": k, "course": course, "_want": list(spec.doses_mg),
                              "_min": spec.min_interval_days - r.interval_tolerance_days,
                              "_from_start": spec.interval_from == "start",
                              "expected": spec.describe(), "regimen": r.name,
                              "doses_mg": ", ".join(f"{d:g}" for d in spec.doses_mg),
                              "total_mg": float(sum(spec.doses_mg))})
    spec_frame = pl.DataFrame(specs, schema={
        "_r": pl.Int64, "course": pl.Int64, "_want": pl.List(pl.Float64), "_min": pl.Float64,
        "_from_start": pl.Boolean, "expected": pl.String, "regimen": pl.String,
        "doses_mg": pl.String, "total_mg": pl.Float64})
    # the regimen of each patient and drug: the first of its drug whose first course has the
    # doses of the first course (its days consecutive)
    first_ok = ((pl.col("course") == 1) & ~pl.col("_bad")
                & (pl.col("_step").is_null() | (pl.col("_step") <= 1)))
    pick: pl.Expr = pl.lit(None, pl.Int64)
    for k, r in reversed(list(enumerate(regimens))):  # the first match wins
        spec = r.spec(1)
        if spec is not None:
            want = pl.lit(pl.Series([list(spec.doses_mg)], dtype=pl.List(pl.Float64)))
            pick = pl.when(first_ok & (pl.col("drug") == r.drug)
                           & (pl.col("_doses") == want)).then(pl.lit(k, pl.Int64)).otherwise(pick)
    prev_start = pl.col("_start").shift(1)
    prev_end = pl.col("_end").shift(1)
    rows = (g.with_columns(pick.max().over("patient_id", "drug").alias("_r"))
            .join(spec_frame, on=["_r", "course"], how="left", maintain_order="left")
            .with_columns(pl.when(pl.col("course") > 1).then(
                (pl.col("_start") - pl.when(pl.col("_from_start")).then(prev_start)
                 .otherwise(prev_end)).dt.total_days()).cast(pl.Int64).alias("interval_days")))
    ok = (~pl.col("_bad") & pl.col("regimen").is_not_null()
          & (pl.col("_step").is_null() | (pl.col("_step") <= 1))
          & (pl.col("_doses") == pl.col("_want"))
          & (pl.col("interval_days").is_null()
             | (pl.col("interval_days").cast(pl.Float64) >= pl.col("_min"))))
    rows = rows.with_columns(ok.fill_null(False).all().over("patient_id", "drug")
                             .alias("_plain"))
    out = (rows.filter(pl.col("_plain"))
           .select("_i", pl.col("patient_id"), "drug", "course",
                   pl.col("_start").alias("start_date"), pl.col("_end").alias("end_date"),
                   pl.col("_n").alias("n_days"), "doses_mg", "total_mg", "interval_days",
                   "regimen", "expected", pl.lit(0, pl.Int64).alias("n_deviations"),
                   pl.lit("").alias("deviations")))
    return out, ~rows.sort("_i")["_plain"]

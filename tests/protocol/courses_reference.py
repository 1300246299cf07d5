"""Course numbering and the course table as they were before issue #23 (a polars window per
patient and drug; one polars sort per patient): the reference the one-pass
:func:`mscohort.derive.courses.number_courses` and :func:`mscohort.derive.courses.course_table`
must match row for row. Kept here, in the tests, as the oracle only."""

from __future__ import annotations

from typing import Any

import polars as pl

from mscohort.derive.courses import (
    COURSE_SCHEMA,
    DEVIATION_SCHEMA,
    Courses,
    Regimen,
    _deviations,
)


def number_courses(infusions: pl.DataFrame, course_gap_days: float = 30) -> pl.DataFrame:
    inf = infusions.sort("patient_id", "drug", "date")
    gap = (pl.col("date") - pl.col("date").shift(1).over("patient_id", "drug")).dt.total_days()
    new = (gap.is_null() | (gap > course_gap_days)).cast(pl.Int64)
    return inf.with_columns(new.cum_sum().over("patient_id", "drug").alias("course"))


def course_table(infusions: pl.DataFrame, regimens: tuple[Regimen, ...],
                 course_gap_days: float = 30) -> Courses:
    drugs = {r.drug for r in regimens}
    inf = number_courses(infusions.filter(pl.col("drug").is_in(list(drugs))), course_gap_days)
    grouped = inf.group_by("patient_id", "drug", "course", maintain_order=True).agg(
        pl.col("date"), pl.col("dose_mg"))
    rows, devs = [], []
    for (pid, drug), part in grouped.group_by("patient_id", "drug", maintain_order=True):
        courses = list(part.sort("course").iter_rows(named=True))
        candidates = [r for r in regimens if r.drug == drug]
        first = courses[0]
        regimen = min(candidates, key=lambda r: len(_deviations(
            r.spec(1), first["dose_mg"], first["date"], None, 0, 1, r.name)))
        previous: dict[str, Any] | None = None
        for c in courses:
            spec = regimen.spec(c["course"])
            interval = None
            if previous is not None:
                ref = (previous["date"][0] if spec is None or spec.interval_from == "start"
                       else previous["date"][-1])
                interval = (c["date"][0] - ref).days
            found = _deviations(spec, c["dose_mg"], c["date"], interval,
                                regimen.interval_tolerance_days, c["course"], regimen.name)
            devs += [{"patient_id": pid, "course": c["course"], "code": code,
                      "message": msg, "dates": dates} for code, msg, dates in found]
            rows.append({
                "patient_id": pid, "drug": drug, "course": c["course"],
                "start_date": c["date"][0], "end_date": c["date"][-1],
                "n_days": len(c["date"]), "doses_mg": ", ".join(f"{d:g}" for d in c["dose_mg"]),
                "total_mg": float(sum(c["dose_mg"])), "interval_days": interval,
                "regimen": regimen.name, "expected": spec.describe() if spec else "none",
                "n_deviations": len(found), "deviations": "; ".join(m for _, m, _ in found)})
            previous = c
    return Courses(pl.DataFrame(rows, schema=COURSE_SCHEMA),
                   pl.DataFrame(devs, schema=DEVIATION_SCHEMA))

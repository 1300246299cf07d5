"""Time from the index date to a confirmed EDSS milestone (e.g. EDSS >= 4.0, >= 6.0).

For each milestone of the study definition (``[milestones] edss``), the patients at risk are
those analysed whose baseline EDSS is below it. Over their assessments from the baseline one
to the end of follow-up, the milestone is reached at the first assessment at or above it that
is confirmed and held up to the confirmation
(:func:`mscohort.derive.events.milestones.milestone_times`: msprog's ``value_milestone``,
Montobbio et al. 2024), with the confirmation settings of the study's ``[events]`` section
(default msprog's: 12 weeks, 84 days from -7 to +730.5).
Time is counted from the index date; a patient who does not reach it is censored at the last
assessment. Kaplan-Meier estimates: :mod:`mscohort.analyse.survival`.
"""

from __future__ import annotations

import polars as pl

from mscohort.derive.events.milestones import milestone_times
from mscohort.derive.events.settings import EventSettings
from mscohort.study import Study

MILESTONE_COLUMNS = ("patient_id", "milestone", "observed", "date", "edss",
                     "time_from_index_days")


def milestone_outcomes(study: Study, outcomes: pl.DataFrame, milestones: tuple[float, ...],
                       settings: EventSettings | None = None) -> pl.DataFrame:
    """One row per patient at risk and milestone (:data:`MILESTONE_COLUMNS`); ``settings``:
    the study's event settings (msprog's defaults when omitted)."""
    spans = outcomes.filter(pl.col("excluded_reason").is_null()).select(
        "patient_id", "index_date", "baseline_date", "followup_date", "baseline_edss")
    visits = study.edss.select("patient_id", "date", "edss").join(
        spans, on="patient_id", how="inner").filter(
        (pl.col("date") >= pl.col("baseline_date")) & (pl.col("date") <= pl.col("followup_date")))
    frames = []
    for m in milestones:
        at_risk = spans.filter(pl.col("baseline_edss") < m)
        v = visits.join(at_risk.select("patient_id"), on="patient_id", how="semi")
        if v.height == 0:
            continue
        times = milestone_times(v.select("patient_id", "date", "edss"),
                                study.table("relapses"), m, settings)
        frames.append(times.join(spans.select("patient_id", "index_date"), on="patient_id")
                      .select("patient_id", "milestone", "observed", "date",
                              pl.col("value").alias("edss"),
                              (pl.col("date") - pl.col("index_date")).dt.total_days()
                              .alias("time_from_index_days")))
    if not frames:
        return pl.DataFrame(schema={"patient_id": pl.String, "milestone": pl.Float64,
                                    "observed": pl.Boolean, "date": pl.Date,
                                    "edss": pl.Float64, "time_from_index_days": pl.Int64})
    return pl.concat(frames).sort("milestone", "patient_id")

"""Fixed time points and attrition: who has an EDSS at 12, 24, 36 and 48 months, and who
was lost to follow-up, and when.

Definitions (``docs/analysis.md``), for the patients with an index date and a baseline EDSS:

* A patient is **assessed** at month M when an EDSS lies within +/- ``window_days`` (default
  91, 3 months) of M x 30.4375 days after the index date; the closest one (ties: the
  earlier) gives the EDSS change at M (mean with its t interval).
* **Lost to follow-up** at the first time point whose window opens after the patient's last
  EDSS (the last observation, which the main analysis uses as follow-up), provided the data
  cut had reached that window; counted as lost at every later time point too
  (``lost_in_interval``: newly lost since the previous time point).
* **Not yet due** (neither assessed nor lost): M less the window lies after the data cut, so
  the patient could not have been assessed; censored, not lost.
* **Missed**: the rest, due and seen later, but not within the window (an intermittent
  gap). assessed + missed + lost + not yet due = patients with a baseline.

The last-observation analysis of the main tables mixes follow-up lengths; this table shows
how many patients each fixed time point rests on (National Research Council 2010 on
reporting missing data in clinical studies).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import polars as pl

from mscohort.analyse.estimates import mean_ci
from mscohort.units import DAYS_PER_MONTH

TIMEPOINT_MONTHS = (12, 24, 36, 48)
TIMEPOINT_SCHEMA = {
    "months": pl.Int64, "with_baseline": pl.Int64, "due": pl.Int64, "assessed": pl.Int64,
    "missed": pl.Int64, "lost": pl.Int64, "lost_in_interval": pl.Int64,
    "not_yet_due": pl.Int64, "mean_change": pl.Float64, "ci_low": pl.Float64,
    "ci_high": pl.Float64,
}


STATUSES = ("assessed", "missed", "lost", "not yet due")


def timepoint_status(outcomes: pl.DataFrame, edss: pl.DataFrame, data_cut: dt.date | None,
                     months: tuple[int, ...] = TIMEPOINT_MONTHS,
                     window_days: float = 91) -> pl.DataFrame:
    """Each patient with an index date and a baseline EDSS at each time point: ``patient_id``,
    ``months``, ``status`` (one of :data:`STATUSES`, module notes) and ``change`` (the EDSS
    change at the time point when assessed, else null).

    :func:`timepoint_table` counts these; the federated analysis counts them at each centre.
    """
    base = outcomes.filter(pl.col("index_date").is_not_null()
                           & pl.col("baseline_edss").is_not_null()).select(
        "patient_id", "index_date", "baseline_edss", "followup_date")
    visits = edss.select("patient_id", "date", "edss").join(base, on="patient_id").with_columns(
        (pl.col("date") - pl.col("index_date")).dt.total_days().alias("_off"))
    cut = (pl.lit(data_cut) - pl.col("index_date")).dt.total_days() if data_cut else pl.lit(
        float("inf"))
    people = base.select("patient_id", (pl.col("followup_date") - pl.col("index_date"))
                         .dt.total_days().fill_null(0).alias("_last"),
                         cut.cast(pl.Float64).alias("_cut"))
    # lost at the first time point whose window opens after the last observation, if the
    # data cut had reached that window
    starts = np.array([m * DAYS_PER_MONTH - window_days for m in months])
    last = people["_last"].to_numpy().astype(float)
    first = np.searchsorted(starts, last, side="right")
    lost_at = np.where(first < len(months), np.array([*months, 0])[first], np.inf)
    lost_at = np.where((first < len(months)) & (np.append(starts, np.inf)[first]
                                                <= people["_cut"].to_numpy()), lost_at, np.inf)
    people = people.with_columns(pl.Series("_lost_at", lost_at))
    parts = []
    for m in months:
        target = m * DAYS_PER_MONTH
        near = (visits.filter((pl.col("_off") - target).abs() <= window_days)
                .sort("patient_id", (pl.col("_off") - target).abs(), "_off")
                .group_by("patient_id", maintain_order=True).first()
                .select("patient_id", (pl.col("edss") - pl.col("baseline_edss"))
                        .cast(pl.Float64).alias("change")))
        parts.append(people.join(near, on="patient_id", how="left").select(
            "patient_id", pl.lit(m, dtype=pl.Int64).alias("months"),
            pl.when(pl.col("change").is_not_null()).then(pl.lit("assessed"))
            .when(pl.col("_lost_at") <= m).then(pl.lit("lost"))
            .when(pl.col("_cut") < target - window_days).then(pl.lit("not yet due"))
            .otherwise(pl.lit("missed")).alias("status"), "change"))
    return pl.concat(parts) if parts else pl.DataFrame(
        schema={"patient_id": pl.String, "months": pl.Int64, "status": pl.String,
                "change": pl.Float64})


def timepoint_table(outcomes: pl.DataFrame, edss: pl.DataFrame, data_cut: dt.date | None,
                    months: tuple[int, ...] = TIMEPOINT_MONTHS,
                    window_days: float = 91) -> pl.DataFrame:
    """One row per time point (module notes): the counts of :func:`timepoint_status`."""
    status = timepoint_status(outcomes, edss, data_cut, months, window_days)
    with_baseline = outcomes.filter(pl.col("index_date").is_not_null()
                                    & pl.col("baseline_edss").is_not_null()).height
    rows: list[dict[str, Any]] = []
    for m in months:
        at = status.filter(pl.col("months") == m)
        n = {s: at.filter(pl.col("status") == s).height for s in STATUSES}
        ci = mean_ci(at.filter(pl.col("status") == "assessed")["change"])
        rows.append({"months": m, "with_baseline": with_baseline,
                     "due": with_baseline - n["not yet due"], "assessed": n["assessed"],
                     "missed": n["missed"], "lost": n["lost"],
                     "lost_in_interval": n["lost"] - int(rows[-1]["lost"] if rows else 0),
                     "not_yet_due": n["not yet due"], "mean_change": ci.estimate,
                     "ci_low": ci.ci_low, "ci_high": ci.ci_high})
    return pl.DataFrame(rows, schema=TIMEPOINT_SCHEMA)

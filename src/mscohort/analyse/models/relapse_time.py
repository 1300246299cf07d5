"""Time to first relapse after the index date: Kaplan-Meier by group and a Cox model.

Per patient of the relapse analysis with relapse follow-up (``years_during`` > 0): time
from the index date to the first relapse onset after it (on the index day too when
``relapses.index_day = "during"``) within the relapse follow-up, or censored at the end of
the relapse follow-up (``relapse_followup_end``). Kaplan-Meier with Greenwood log-log
intervals (:func:`mscohort.analyse.survival.kaplan_meier`); the Cox proportional hazards
model (Cox 1972) by group, Efron's method for ties (as R's ``coxph``), fitted by
:mod:`mscohort.analyse.models.cox`; hazard ratios with Wald 95% intervals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl

from mscohort.analyse.models.cox import fit_cox
from mscohort.analyse.models.fitting import estimate_table, run_captured, wald_row
from mscohort.analyse.survival import kaplan_meier
from mscohort.study import Study
from mscohort.units import DAYS_PER_YEAR


@dataclass(frozen=True)
class RelapseTime:
    """Kaplan-Meier curves (per group) and Cox hazard ratios of time to first relapse."""

    data: pl.DataFrame  #: patient_id, group, years, relapse
    km: pl.DataFrame  #: group + kaplan_meier columns (time in years)
    hazard_ratios: pl.DataFrame  #: term, estimate (HR), se (log scale), ci_low, ci_high, p
    warnings: tuple[str, ...] = ()
    note: str | None = None


def first_relapse_data(study: Study, outcomes: pl.DataFrame, group: str,
                       index_day: str = "before") -> pl.DataFrame:
    """One row per patient: ``years`` to the first relapse after the index date or to the
    end of relapse follow-up, ``relapse`` (1: observed), ``group``."""
    pts = outcomes.filter(pl.col("in_relapse_analysis").fill_null(False)
                          & (pl.col("years_during") > 0).fill_null(False)).select(
        "patient_id", "index_date", "relapse_followup_end",
        (pl.col(group).cast(pl.String) if group else pl.lit("all")).alias("group"))
    after = (pl.col("onset_date") >= pl.col("index_date")) if index_day == "during" else (
        pl.col("onset_date") > pl.col("index_date"))
    first = study.table("relapses").select("patient_id", "onset_date").join(
        pts, on="patient_id", how="inner").filter(
        after & (pl.col("onset_date") <= pl.col("relapse_followup_end"))).group_by(
        "patient_id").agg(pl.col("onset_date").min().alias("_first"))
    out = pts.join(first, on="patient_id", how="left").with_columns(
        pl.col("_first").is_not_null().cast(pl.Int64).alias("relapse"),
        ((pl.coalesce("_first", "relapse_followup_end") - pl.col("index_date"))
         .dt.total_days() / DAYS_PER_YEAR).alias("years"))
    return out.select("patient_id", "group", "years", "relapse").sort("patient_id")


def relapse_time(data: pl.DataFrame) -> RelapseTime:
    """Kaplan-Meier per group and the Cox model by group (module docstring)."""
    data = data.filter(pl.col("group").is_not_null())
    curves = [kaplan_meier(d["years"].to_numpy(), d["relapse"].to_numpy().astype(bool))
              .with_columns(pl.lit(g).alias("group"))
              for (g,), d in data.group_by("group", maintain_order=True)]
    km = pl.concat(curves).select("group", pl.exclude("group")) if curves else pl.DataFrame()
    levels = sorted(data["group"].unique().to_list())
    if len(levels) < 2 or data["relapse"].sum() == 0:
        return RelapseTime(data, km, estimate_table([]), (),
                           "fewer than 2 groups or no relapse: no Cox model")
    events = data.group_by("group").agg(pl.col("relapse").sum())
    if (events["relapse"] == 0).any():  # the partial likelihood has no finite maximum
        return RelapseTime(data, km, estimate_table([]), (),
                           "a group without any relapse: no finite hazard ratio")
    g = data["group"].to_numpy()
    x = np.column_stack([(g == lev).astype(float) for lev in levels[1:]])
    caught: list[str] = []
    fit = run_captured(lambda: fit_cox(data["years"].to_numpy(), data["relapse"].to_numpy(),
                                       x), caught)
    if fit is None or not fit.converged or not np.all(np.isfinite(fit.cov)):
        return RelapseTime(data, km, estimate_table([]), tuple(caught),
                           "the Cox model did not converge: no estimate")
    b, cov = fit.params, fit.cov
    k = len(levels) - 1
    rows = [wald_row(f"{lev} / {levels[0]}", np.eye(k)[i], b, cov, math.exp)
            for i, lev in enumerate(levels[1:])]
    return RelapseTime(data, km, estimate_table(rows), tuple(caught))

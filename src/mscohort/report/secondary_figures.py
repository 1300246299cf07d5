"""The data behind the secondary-outcome figures, as tidy frames (drawing:
:mod:`mscohort.report.secondary_plots`). Times are in the study's follow-up unit from the
index date.

* RNFL per eye: every OCT scan of each analysed eye (``oct_eyes``), from the baseline scan to
  the follow-up scan, by eye group (optic-neuritis eyes apart when the definition says so).
* MSFC changes: each patient's change from baseline in the composite and in each component
  z-score (higher is better), with the mean and its 95% t interval per measure (the
  analysis's ``SecondaryResults.msfc_means``).
* Milestones: the Kaplan-Meier curve of reaching each confirmed EDSS milestone, all patients
  at risk; ticks at censoring.
"""

from __future__ import annotations

import polars as pl

from mscohort.analyse.formatting import unit_label
from mscohort.analyse.secondary import MSFC_CHANGES
from mscohort.analyse.study import StudyAnalysis
from mscohort.definition.labels import MICROMETRE
from mscohort.report.figures import FigureData
from mscohort.study import Study


def rnfl_trajectories(study: Study, a: StudyAnalysis) -> FigureData | None:
    sec = a.secondary
    if sec is None or sec.oct_eyes.height == 0:
        return None
    eyes = sec.oct_eyes.filter(pl.col("date_followup").is_not_null()).select(
        "patient_id", "eye", "eye_group", "date_baseline", "date_followup")
    points = (study.table("oct").join(eyes, on=("patient_id", "eye"))
              .filter(pl.col("date").is_between(pl.col("date_baseline"),
                                                pl.col("date_followup")))
              .join(a.outcomes.select("patient_id", "index_date"), on="patient_id")
              .with_columns(((pl.col("date") - pl.col("index_date")).dt.total_days()
                             / a.definition.unit_days).alias("time"))
              .select(pl.col("eye_group").alias("group"), "patient_id", "eye", "time",
                      "rnfl_um").sort("group", "patient_id", "eye", "time"))
    return FigureData(
        "rnfl", "Retinal nerve fibre layer per eye",
        "One line per eye from its baseline to its follow-up scan; panels by eye group "
        f"(optic-neuritis eyes: {a.definition.secondary.optic_neuritis_eyes}).",
        {"points": points}, f"time from index ({unit_label(a.definition.unit)})",
        f"RNFL ({MICROMETRE})")


def msfc_changes(a: StudyAnalysis) -> FigureData | None:
    sec = a.secondary
    if sec is None or "msfc_z_change" not in sec.patients.columns:
        return None
    long = (sec.patients.select("patient_id", *MSFC_CHANGES)
            .unpivot(index="patient_id", variable_name="column", value_name="change")
            .drop_nulls("change")
            .with_columns(pl.col("column").replace_strict(MSFC_CHANGES).alias("measure")))
    order = {label: i for i, label in enumerate(MSFC_CHANGES.values())}
    # the means and their 95% t intervals are the analysis's (SecondaryResults.msfc_means)
    means = sec.msfc_means.select("measure", "n", "mean", "ci_low", "ci_high")
    return FigureData(
        "msfc_changes", "MSFC and component change from baseline",
        "One point per patient (z-score change; higher is better); black: mean with its 95% "
        "t interval.", {"points": long.select("measure", "patient_id", "change").sort(
            pl.col("measure").replace_strict(order), "patient_id"), "means": means},
        "", "z-score change (follow-up - baseline)")


def km_milestones(a: StudyAnalysis) -> FigureData | None:
    sec = a.secondary
    if sec is None or sec.km_milestones.height == 0:
        return None
    unit = a.definition.unit_days
    label = pl.format("EDSS >= {}", pl.col("milestone").round(1).cast(pl.String))
    curves = (sec.km_milestones.filter(pl.col("group") == "all")
              .with_columns((pl.col("time") / unit).alias("time"), label.alias("group"))
              .select("group", "time", "survival", "events", "at_risk"))
    censored = (sec.milestones.filter(~pl.col("observed"))
                .with_columns(label.alias("group"),
                              (pl.col("time_from_index_days") / unit).alias("time"))
                .select("group", "patient_id", "time").sort("group", "time"))
    return FigureData(
        "km_milestones", "Time to confirmed EDSS milestones",
        "Kaplan-Meier estimate of remaining below each milestone, in the patients below it at "
        "baseline; ticks: censored patients.", {"curves": curves, "censored": censored},
        f"time from index ({unit_label(a.definition.unit)})", "below the milestone")


def secondary_figures(study: Study, a: StudyAnalysis) -> list[FigureData]:
    return [f for f in (msfc_changes(a), rnfl_trajectories(study, a), km_milestones(a))
            if f is not None]

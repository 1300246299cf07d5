"""The data behind every figure of the report, as tidy frames (no drawing here).

Each function returns a :class:`FigureData`; :mod:`mscohort.report.plots` draws it and the
tests check the drawn data against these frames. Times are in the study's follow-up unit,
counted from the index date (negative before it). Definitions (``docs/report.md``):

* Trajectories: every EDSS assessment from the baseline assessment to the follow-up
  assessment of each analysed patient, by follow-up cohort; the group mean is taken at the
  baseline (time 0) and in 6-month bins after the index date (bin k holds assessments
  nearest to k x 6 months, k >= 1), each patient counted once per bin (their own mean);
  a bin is shown when it holds at least ``MIN_PATIENTS_PER_BIN`` patients (or the whole
  group, when smaller).
* Forest: mean change with its 95% t interval (mean ± t(0.975, n-1) SD / sqrt(n), the
  ``ci_low`` and ``ci_high`` of the group tables) for every group of every group table with
  at least 2 patients.
* Swimmer: at most ``max_patients`` analysed patients, evenly spaced in the order of
  follow-up, with their drug exposures from the pre-index window on, the first infusion of
  each index-drug course, relapses, and the EDSS change at the end of follow-up.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from mscohort.analyse.formatting import p_text, unit_label
from mscohort.analyse.study import StudyAnalysis
from mscohort.analyse.survival import numbers_at_risk
from mscohort.study import Study
from mscohort.units import DAYS_PER_HALF_YEAR
from mscohort.vocabulary import BY_NAME

MIN_PATIENTS_PER_BIN = 3


@dataclass(frozen=True)
class FigureData:
    key: str
    title: str
    caption: str
    frames: dict[str, pl.DataFrame]
    x_label: str = ""
    y_label: str = ""


def _unit(a: StudyAnalysis) -> str:
    return unit_label(a.definition.unit)


def followup_groups(a: StudyAnalysis) -> pl.DataFrame:
    """patient_id -> follow-up cohort (long-term / short-term) of the analysed patients:
    the analysis's one follow-up split (``StudyAnalysis.followup_groups``)."""
    return a.followup_groups


def _since_index(column: str, a: StudyAnalysis) -> pl.Expr:
    days = (pl.col(column) - pl.col("index_date")).dt.total_days()
    return (days / a.definition.unit_days).alias("time")


def trajectories(study: Study, a: StudyAnalysis) -> FigureData:
    ends = a.outcomes.select("patient_id", "index_date", "baseline_date", "followup_date").join(
        followup_groups(a), on="patient_id")
    points = (study.table("edss").select("patient_id", "date", "edss").join(ends, on="patient_id")
              .filter(pl.col("date").is_between(pl.col("baseline_date"), pl.col("followup_date")))
              .with_columns(_since_index("date", a),
                            (pl.col("date") - pl.col("index_date")).dt.total_days().alias("_d"))
              .sort("group", "patient_id", "date"))
    bins = points.with_columns(
        pl.when(pl.col("date") == pl.col("baseline_date")).then(0)
        .when(pl.col("_d") > 0).then((pl.col("_d") / DAYS_PER_HALF_YEAR).round().clip(1))
        .otherwise(None).cast(pl.Int64).alias("bin")).drop_nulls("bin")
    means = (bins.group_by("group", "bin", "patient_id").agg(pl.col("edss").mean())
             .group_by("group", "bin").agg(pl.col("edss").mean().alias("mean_edss"),
                                           pl.len().alias("n_patients"))
             .with_columns((pl.col("bin") * DAYS_PER_HALF_YEAR / a.definition.unit_days)
                           .alias("time"))
             .join(points.group_by("group").agg(pl.col("patient_id").n_unique().alias("_n")),
                   on="group")
             .filter(pl.col("n_patients") >= pl.min_horizontal(pl.col("_n"),
                                                                MIN_PATIENTS_PER_BIN))
             .drop("_n").sort("group", "bin"))
    return FigureData(
        "trajectories", "EDSS over follow-up, per patient and group mean",
        "Thin lines: each patient's EDSS from baseline to last follow-up; thick line: group "
        f"mean at baseline and in 6-month bins after the index date (bins with at least "
        f"{MIN_PATIENTS_PER_BIN} patients).",
        {"points": points.select("group", "patient_id", "time", "edss"), "means": means},
        f"time from index ({_unit(a)})", "EDSS")


def waterfall(a: StudyAnalysis) -> FigureData:
    data = (a.outcomes.filter(pl.col("edss_change").is_not_null())
            .select("patient_id", "edss_change", "change_category")
            .sort(["edss_change", "patient_id"], descending=[True, False]))
    return FigureData("waterfall", "EDSS change per patient",
                      "One bar per patient, from the largest worsening to the largest "
                      "improvement; pattern and shade by improved / stable / worsened.",
                      {"bars": data}, "patients", "EDSS change (follow-up - baseline)")


def msss_change(a: StudyAnalysis) -> FigureData:
    data = (a.outcomes.filter(pl.col("baseline_msss").is_not_null()
                              & pl.col("msss_change").is_not_null())
            .select("patient_id", "baseline_msss", "msss_change")
            .join(followup_groups(a), on="patient_id").sort("group", "patient_id"))
    return FigureData("msss_change", "Baseline MSSS against MSSS change",
                      "One point per patient; marker by follow-up cohort.", {"points": data},
                      "baseline MSSS", "MSSS change")


def arr_pairs(a: StudyAnalysis) -> FigureData:
    data = (a.outcomes.filter(pl.col("in_relapse_analysis").fill_null(False)
                              & pl.col("arr_before").is_not_null()
                              & pl.col("arr_during").is_not_null())
            .select("patient_id", "arr_before", "arr_during").sort("patient_id"))
    means = data.select(pl.col("arr_before").mean(), pl.col("arr_during").mean())
    return FigureData("arr_pairs", "Annualised relapse rate before and during follow-up",
                      "One line per patient of the relapse analysis; thick line: the means.",
                      {"pairs": data, "means": means}, "", "relapses per year")


def at_risk(times: pl.DataFrame, n_ticks: int = 6) -> pl.DataFrame:
    """Numbers at risk under a Kaplan-Meier plot at the round ticks of its time axis (from 0
    to the last time): the analysis' risk sets
    (:func:`mscohort.analyse.survival.numbers_at_risk`) at the grid the figure draws."""
    from matplotlib.ticker import MaxNLocator

    last = float(times["time"].to_numpy().max()) if times.height else 0.0
    grid = [float(t) for t in MaxNLocator(nbins=n_ticks, steps=[1, 2, 2.5, 5, 10])
            .tick_values(0.0, max(last, 1e-9)) if 0.0 <= t <= last] or [0.0]
    return numbers_at_risk(times, grid)


def km_cdw(a: StudyAnalysis) -> FigureData:
    unit = a.definition.unit_days
    curves = (a.km_cdw.with_columns((pl.col("time") / unit).alias("time"))
              if a.km_cdw.height else pl.DataFrame(schema={"group": pl.String,
                                                           "time": pl.Float64,
                                                           "survival": pl.Float64}))
    censored = (a.outcomes.filter(pl.col("time_to_cdw_days").is_not_null()
                                  & ~pl.col("cdw_observed").fill_null(False))
                .join(followup_groups(a), on="patient_id")
                .select("group", "patient_id",
                        (pl.col("time_to_cdw_days") / unit).alias("time")).sort("group", "time"))
    times = (a.outcomes.filter(pl.col("time_to_cdw_days").is_not_null())
             .join(followup_groups(a), on="patient_id")
             .select("group", (pl.col("time_to_cdw_days") / unit).alias("time")))
    test = a.logrank_cdw
    logrank = ("" if test is None else f" Log-rank {p_text(test.p)}"
               + (f" ({test.note})" if test.note else "")
               + (f": {test.caveat}." if test.caveat else "."))
    return FigureData("km_cdw", "Time to first confirmed EDSS worsening",
                      "Kaplan-Meier estimate by follow-up cohort with its 95% pointwise "
                      "confidence band (Greenwood, log-log); ticks: censored patients; below: "
                      "numbers at risk." + logrank,
                      {"curves": curves, "censored": censored, "at_risk": at_risk(times)},
                      f"time from index ({_unit(a)})", "free of confirmed worsening")


def forest(a: StudyAnalysis) -> FigureData:
    rows = []
    for frame in a.tables.values():
        for r in frame.filter(pl.col("measure").str.starts_with("change")
                              & (pl.col("n") >= 2)).iter_rows(named=True):
            # the 95% t interval of the analysis (group tables' ci_low, ci_high)
            rows.append({"measure": r["measure"], "table": r["table"], "group": r["group"],
                         "n": r["n"], "mean": r["mean"], "ci_low": r["ci_low"],
                         "ci_high": r["ci_high"]})
    data = pl.DataFrame(rows, schema={"measure": pl.String, "table": pl.String,
                                      "group": pl.String, "n": pl.Int64, "mean": pl.Float64,
                                      "ci_low": pl.Float64, "ci_high": pl.Float64})
    return FigureData("forest", "Mean change with 95% CI by subgroup",
                      "Every group with at least 2 patients of every group table; "
                      "t-distribution intervals.", {"rows": data}, "mean change", "")


def swimmer(study: Study, a: StudyAnalysis, max_patients: int = 60) -> FigureData:
    ok = a.outcomes.filter(pl.col("excluded_reason").is_null()).sort("followup", "patient_id",
                                                                       descending=[True, False])
    # a larger cohort is drawn as an even sample by follow-up, stated on the panel too
    sample = pl.DataFrame({"shown": [min(ok.height, max_patients)], "total": [ok.height]})
    if ok.height > max_patients:
        step = (ok.height - 1) / (max_patients - 1)
        ok = ok[[round(i * step) for i in range(max_patients)]]
    keep = ok.select("patient_id", "index_date", "followup_date", "followup", "edss_change")
    start = -a.definition.pre_index_days / a.definition.unit_days
    end = pl.col("followup")
    drugs = (study.table("treatments").join(keep, on="patient_id")
             .with_columns(_since_index("start_date", a).alias("start"),
                           pl.coalesce(_since_index("stop_date", a), end).alias("stop"))
             .with_columns(pl.col("start").clip(start), pl.min_horizontal("stop", end))
             .filter(pl.col("stop") > pl.col("start"))
             .with_columns(pl.col("drug").replace_strict(
                 {k: v.abbreviation for k, v in BY_NAME.items()}, default=pl.col("drug"))
                 .alias("label"))
             .select("patient_id", "drug", "label", "start", "stop").sort("patient_id", "start"))
    courses = (a.timeline_records().courses.select("patient_id", "course", "date")
               .join(keep, on="patient_id").with_columns(_since_index("date", a))
               .select("patient_id", "course", "time").sort("patient_id", "course"))
    relapses = (study.table("relapses").join(keep, on="patient_id")
                .with_columns(_since_index("onset_date", a))
                .filter(pl.col("time").is_between(start, pl.col("followup")))
                .select("patient_id", "time").sort("patient_id", "time"))
    return FigureData(
        "swimmer", "Treatment history per patient",
        f"{ok.height} of {a.outcomes.filter(pl.col('excluded_reason').is_null()).height} "
        "analysed patients, by follow-up; bars: drug exposures from the start of the "
        "pre-index window; triangles: first infusion of each index-drug course; crosses: "
        "relapses; right: EDSS change at last follow-up.",
        {"patients": keep.select("patient_id", "followup", "edss_change"), "drugs": drugs,
         "courses": courses, "relapses": relapses,
         **({"sample": sample} if ok.height < sample["total"][0] else {})},
        f"time from index ({_unit(a)})", "")

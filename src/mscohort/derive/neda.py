"""No evidence of disease activity (NEDA-3) over a window from the index date.

NEDA-3 (Havrdova et al. 2009; Giovannoni et al. 2015): over the window (index date, index +
``window_days``], no relapse, no confirmed disability worsening and no MRI activity.

* **Relapse**: a relapse with onset after the index date and within the window.
* **Confirmed disability worsening**: the patient's first confirmed EDSS worsening
  (``cdw_observed``/``time_to_cdw_days`` of the outcomes: the study's ``[events]``
  settings, default msprog's 12-week confirmation) dated within the window.
* **MRI activity**: a scan after ``mri_rebaseline_days`` and within the window with any new or
  enlarging T2 lesion or any gadolinium-enhancing lesion. The MRI component is used only
  when the study has MRI records; a patient is MRI-inactive with at least one scan in that
  interval with a lesion count recorded and no activity.

``neda3`` is false with any evidence of activity, true when there is none and every component
is known over the whole window (follow-up lasting to at most ``visit_tolerance_days`` before
the window ends, a baseline EDSS, and for MRI a scan as above), and empty otherwise, with
``neda_reason``. ``neda_components`` says which components were used.

References
----------
Havrdova E et al. Effect of natalizumab on clinical and radiological disease activity in
multiple sclerosis: a retrospective analysis of the AFFIRM study. Lancet Neurol
2009;8:254-260.
Giovannoni G et al. Is it time to target no evident disease activity (NEDA) in multiple
sclerosis? Mult Scler Relat Disord 2015;4:329-333.
"""

from __future__ import annotations

import polars as pl

from mscohort.definition import StudyDefinition


def neda(outcomes: pl.DataFrame, relapses: pl.DataFrame, mri: pl.DataFrame,
         d: StudyDefinition) -> pl.DataFrame:
    """One row per patient with an index date (module docstring): ``neda3``,
    ``neda_relapse``, ``neda_cdw``, ``neda_mri`` (activity seen: true/false/unknown),
    ``neda_components``, ``neda_reason``."""
    s = d.secondary
    use_mri = mri.height > 0
    base = outcomes.filter(pl.col("index_date").is_not_null()).select(
        "patient_id", "index_date", "baseline_edss", "followup_days", "cdw_observed",
        "time_to_cdw_days").with_columns(
        (pl.col("index_date") + pl.duration(days=s.neda_window_days)).alias("_end"))
    rel = relapses.join(base.select("patient_id", "index_date", "_end"), on="patient_id").filter(
        (pl.col("onset_date") > pl.col("index_date")) & (pl.col("onset_date") <= pl.col("_end"))
    ).group_by("patient_id").agg(pl.len().alias("_n_rel"))
    scans = mri.join(base.select("patient_id", "index_date", "_end"), on="patient_id").filter(
        (pl.col("date") > pl.col("index_date") + pl.duration(days=s.mri_rebaseline_days))
        & (pl.col("date") <= pl.col("_end"))
        & (pl.col("new_enlarging_t2").is_not_null() | pl.col("gd_enhancing").is_not_null())
    ).group_by("patient_id").agg(
        pl.len().alias("_n_scans"),
        ((pl.col("new_enlarging_t2").fill_null(0) > 0) | (pl.col("gd_enhancing").fill_null(0)
                                                           > 0)).any().alias("_mri_active"))
    out = base.join(rel, on="patient_id", how="left").join(scans, on="patient_id", how="left")
    covered = pl.col("followup_days") >= s.neda_window_days - s.visit_tolerance_days
    relapse = pl.when(pl.col("_n_rel").is_not_null()).then(True).when(covered).then(False)
    cdw_in = pl.col("cdw_observed").fill_null(False) & (pl.col("time_to_cdw_days")
                                                       <= s.neda_window_days)
    cdw = (pl.when(cdw_in).then(True)
           .when(covered & pl.col("baseline_edss").is_not_null()).then(False))
    mri_active = (pl.when(pl.col("_mri_active")).then(True)
                  .when(pl.col("_n_scans").is_not_null()).then(False))
    out = out.with_columns(relapse.alias("neda_relapse"), cdw.alias("neda_cdw"),
                           (mri_active if use_mri else pl.lit(None, pl.Boolean))
                           .alias("neda_mri"))
    parts = ["neda_relapse", "neda_cdw", *(["neda_mri"] if use_mri else [])]
    any_activity = pl.any_horizontal(pl.col(p).fill_null(False) for p in parts)
    all_known = pl.all_horizontal(pl.col(p).is_not_null() for p in parts)
    reason = (pl.when(any_activity | all_known).then(None)
              .when(pl.col("followup_days").is_null() | ~covered)
              .then(pl.lit("follow-up shorter than the window"))
              .when(pl.col("baseline_edss").is_null()).then(pl.lit("no baseline EDSS"))
              .otherwise(pl.lit("no MRI scan in the window")))
    components = ("relapses, confirmed disability worsening"
                  + (", MRI activity" if use_mri else ""))
    return out.with_columns(
        pl.when(any_activity).then(False).when(all_known).then(True).alias("neda3"),
        pl.lit(components).alias("neda_components"), reason.alias("neda_reason"),
    ).select("patient_id", "neda3", "neda_relapse", "neda_cdw", "neda_mri",
             "neda_components", "neda_reason").sort("patient_id")

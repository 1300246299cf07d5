"""Relapses before and during follow-up, and annualised relapse rates (ARR), per patient.

Each rule is a key of the study definition's ``[relapses]`` section (``docs/analysis.md``):

* **Pre-index window**: [index - ``pre_index_days``, index - ``pre_index_end_days``) (the
  end 0 by default; 365 gives months -24 to -12, leaving out the relapses that qualified the
  patient for treatment); with ``truncate_at_onset`` it starts no earlier than the disease
  onset (a patient with 1.5 years of disease has 1.5 years at risk, not 2). ``years_before``
  = its length in days (``pre_index_days``, or index - onset when shorter, less
  ``pre_index_end_days``) / 365.25; ``arr_before`` =
  ``relapses_before`` / ``years_before`` (empty when the window is empty).
* **Relapse follow-up**: (index, ``relapse_followup_end``], the end being the EDSS follow-up
  end (``follow_up_end = "last_edss"``), the patient's last record of any kind (EDSS,
  infusion, lab, relapse, MRI, MSFC, OCT; ``"last_contact"``), or the data cut-off
  (``"cutoff"``); the last two stop at ``follow_up.cutoff_date`` when it is set.
  ``years_during`` = its length / 365.25; ``relapses_after_end`` counts the relapses after
  its end, which are not counted but reported.
* **Index-day relapse**: a relapse with onset on the index date counts ``before`` (treatment
  followed it), ``during`` or in ``neither`` period (``index_day``).
* **Per-patient rate during follow-up**: ``arr_during`` = ``relapses_during`` /
  ``years_during``, given only for a relapse follow-up of at least ``min_followup_days``
  (and more than 0 days): one relapse in a 3-day follow-up would be an ARR of 121.75.
  Pooled rates (events / person-years) use every patient's follow-up.
"""

from __future__ import annotations

import polars as pl

from mscohort.definition import StudyDefinition
from mscohort.study import Study
from mscohort.units import DAYS_PER_YEAR

#: Tables whose dated records are contacts with the patient (``follow_up_end =
#: "last_contact"``), and the date column of each.
CONTACT_DATES = {"edss": "date", "infusions": "date", "labs": "date",
                 "relapses": "onset_date", "mri": "date", "msfc": "date", "oct": "date"}


def last_contact(study: Study) -> pl.DataFrame:
    """Each patient's latest dated record of any table of :data:`CONTACT_DATES`."""
    frames = [study.table(t).select("patient_id", pl.col(c).alias("date"))
              for t, c in CONTACT_DATES.items()]
    return pl.concat(frames).group_by("patient_id").agg(pl.col("date").max()
                                                        .alias("_last_contact"))


def relapse_followup_end(d: StudyDefinition) -> pl.Expr:
    """The end of each patient's relapse follow-up (module docstring), as an expression over
    the outcomes joined with :func:`last_contact`."""
    if d.relapse_end == "last_edss":
        return pl.col("followup_date")
    end = pl.col("_last_contact") if d.relapse_end == "last_contact" else pl.lit(d.cutoff_date)
    if d.cutoff_date is not None:
        end = pl.min_horizontal(end, pl.lit(d.cutoff_date))
    return pl.when(end > pl.col("index_date")).then(end)


def relapse_outcomes(study: Study, out: pl.DataFrame, d: StudyDefinition) -> pl.DataFrame:
    """``out`` (one row per patient with ``index_date``, ``onset_date``, ``followup_date``,
    ``followup_days``) with the relapse columns of the module docstring added."""
    contact = (last_contact(study) if d.relapse_end == "last_contact" else
               pl.DataFrame(schema={"patient_id": pl.String, "_last_contact": pl.Date}))
    out = out.join(contact, on="patient_id", how="left").with_columns(
        relapse_followup_end(d).alias("relapse_followup_end"))
    index = pl.col("index_date")
    pre_start = index - pl.duration(days=d.pre_index_days)
    pre_days = pl.lit(float(d.pre_index_days))
    if d.truncate_at_onset:
        pre_start = pl.max_horizontal(pre_start, pl.col("onset_date").fill_null(pre_start))
        pre_days = pl.min_horizontal(pre_days, (index - pl.col("onset_date")).dt.total_days()
                                     .cast(pl.Float64).fill_null(pre_days))
    if d.pre_index_end_days:
        pre_days = pre_days - d.pre_index_end_days
    out = out.with_columns(pre_start.alias("_pre_start"),
                           pl.when(index.is_not_null()).then(pre_days).alias("_pre_days"))
    if d.pre_index_end_days:  # e.g. months -24 to -12: the index day is never in it
        before_end = pl.col("onset_date") < index - pl.duration(days=d.pre_index_end_days)
    elif d.index_day_relapse == "before":
        before_end = pl.col("onset_date") <= index
    else:
        before_end = pl.col("onset_date") < index
    during_start = (pl.col("onset_date") >= index) if d.index_day_relapse == "during" else (
        pl.col("onset_date") > index)
    end = pl.col("relapse_followup_end")
    rel = study.table("relapses").select("patient_id", "onset_date").join(
        out.select("patient_id", "index_date", "_pre_start", "relapse_followup_end"),
        on="patient_id", how="inner")
    counts = rel.group_by("patient_id").agg(
        ((pl.col("onset_date") >= pl.col("_pre_start")) & before_end).sum()
        .alias("relapses_before"),
        (during_start & (pl.col("onset_date") <= end)).sum().alias("relapses_during"),
        (end.is_not_null() & (pl.col("onset_date") > end)).sum().alias("relapses_after_end"))
    out = out.join(counts, on="patient_id", how="left").with_columns(
        pl.when(index.is_not_null()).then(pl.col(c).fill_null(0).cast(pl.Int64)).alias(c)
        for c in ("relapses_before", "relapses_during", "relapses_after_end"))
    out = out.with_columns(
        (pl.col("_pre_days") / DAYS_PER_YEAR).alias("years_before"),
        ((end - index).dt.total_days() / DAYS_PER_YEAR).alias("years_during"),
        (end - index).dt.total_days().alias("_rel_days"),
    ).with_columns(
        pl.when(pl.col("years_during").is_null()).then(None)
        .otherwise(pl.col("relapses_during")).alias("relapses_during"),
        pl.when(pl.col("years_before") > 0)
        .then(pl.col("relapses_before") / pl.col("years_before")).alias("arr_before"),
        pl.when((pl.col("_rel_days") > 0) & (pl.col("_rel_days") >= d.relapse_min_followup_days))
        .then(pl.col("relapses_during") / pl.col("years_during")).alias("arr_during"),
    ).with_columns(
        (pl.col("arr_during") - pl.col("arr_before")).alias("arr_change"),
        (index.is_not_null() & ~(pl.col("regular_corticosteroids").fill_null(False)
                                 & pl.lit(d.exclude_regular_corticosteroids)))
        .alias("in_relapse_analysis"),
    )
    return out.drop("_last_contact", "_pre_start", "_pre_days", "_rel_days")


#: The columns :func:`relapse_outcomes` adds to the outcomes.
RELAPSE_COLUMNS = ("relapses_before", "arr_before", "relapses_during", "arr_during",
                   "arr_change", "in_relapse_analysis", "relapse_followup_end",
                   "years_before", "years_during", "relapses_after_end")
#: Definition fields only :func:`relapse_outcomes` reads: a definition that differs from
#: another in these alone gives the same outcomes but for :data:`RELAPSE_COLUMNS`.
RELAPSE_ONLY_FIELDS = frozenset({"pre_index_end_days", "index_day_relapse", "relapse_end"})


def with_relapse_outcomes(study: Study, outcomes: pl.DataFrame,
                          d: StudyDefinition) -> pl.DataFrame:
    """``outcomes`` (of :func:`mscohort.derive.outcomes.patient_outcomes`) with the relapse
    columns derived again under ``d``, which differs from the outcomes' definition in
    :data:`RELAPSE_ONLY_FIELDS` only (a sensitivity row: the rest is not derived again)."""
    base = outcomes.drop(RELAPSE_COLUMNS).join(
        study.patients.select("patient_id", "onset_date"), on="patient_id", how="left")
    return relapse_outcomes(study, base, d).select(outcomes.columns)

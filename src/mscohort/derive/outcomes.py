"""Per-patient outcomes of a treatment study: one row per patient, every column defined.

Definitions (``docs/analysis.md``), for a :class:`~mscohort.definition.StudyDefinition`:

* **Index date**: the first infusion of the index drug, or the patient's ``enrolment_date``
  when the definition says ``index.date = "enrolment_date"``. **Courses**: infusions of the index
  drug with gaps of at most ``course_gap_days`` form one course.
* **Baseline EDSS**: the assessment closest to the index date from ``baseline_window_days``
  before it to ``baseline_after_index_days`` after it (ties: the earlier one), leaving out
  assessments less than ``baseline_relapse_free_days`` after a relapse onset (default 0: none
  left out). Patients with a follow-up shorter than ``follow_up_min_days`` (default 0) are not
  analysed.
* **Follow-up end**: the last EDSS assessment after the index date (or the last one up to the
  cut-off date); its EDSS is the follow-up EDSS. **Follow-up** = end - index, in days and in
  the definition's unit.
* **EDSS change** = follow-up EDSS - baseline EDSS; **category**: improved / stable / worsened
  by any 0.5 step (``any_step``) or by the EDSS change thresholds of the study's ``[events]
  delta`` (``threshold``; ``edss``: 1.5 from 0, 1.0 up to 5.0, 0.5 above). The category
  compares the baseline with the last EDSS; it is not a confirmed change.
* **Time points** (``[[timepoints]]``): ``edss_<name>``, ``date_<name>`` and
  ``edss_change_<name>`` (from baseline) at each time point of the definition.
* **MSSS** (the definition's ``[msss]`` table and convention; default Roxburgh 2005 global,
  standard convention) at the baseline and follow-up assessments, and its change.
* **Age at index**: completed years; **disease duration at index**: years (days / 365.25).
* **Relapses and ARR** before and during follow-up: :mod:`mscohort.derive.relapse_outcomes`.
* **Time to first confirmed disability worsening** (``cdw_observed``, ``time_to_cdw_days``):
  the first confirmed worsening (CDW; the study's ``[events]`` settings, default msprog's:
  12-week confirmation, fixed baseline) over the assessments from the baseline EDSS on, in
  days from the index date; censored at the follow-up end.
* **Prior drugs** (immediately before, within the window, sequence):
  :mod:`mscohort.derive.prior_drugs`.
"""

from __future__ import annotations

from typing import cast

import polars as pl

from mscohort.definition import OUTCOME_COLUMNS, StudyDefinition, TimePoint
from mscohort.derive.assessments import msss_detail
from mscohort.derive.events.presets import study_event_settings
from mscohort.derive.events.settings import DeltaRule, delta_values
from mscohort.derive.prior_drugs import abbrev, prior_drugs
from mscohort.derive.relapse_outcomes import relapse_outcomes
from mscohort.derive.severity import Convention
from mscohort.derive.timing import completed_years_expr
from mscohort.study import Study
from mscohort.units import DAYS_PER_YEAR


def numbered_infusions(infusions: pl.DataFrame, d: StudyDefinition) -> pl.DataFrame:
    """Infusions of the index drug with their ``course`` number (1, 2, ...): an infusion more
    than ``course_gap_days`` after the previous one starts a new course."""
    from mscohort.derive.courses import number_courses

    return number_courses(infusions.filter(pl.col("drug") == d.index_drug), d.course_gap_days)


def courses(infusions: pl.DataFrame, d: StudyDefinition) -> pl.DataFrame:
    """Index date, number of infusions and of courses of the index drug per patient."""
    return numbered_infusions(infusions, d).group_by("patient_id").agg(
        pl.col("date").min().alias("index_date"), pl.len().alias("n_infusions"),
        pl.col("course").max().cast(pl.Int64).alias("n_courses"))


def _edss_with_msss(study: Study, d: StudyDefinition | None = None) -> pl.DataFrame:
    """EDSS assessments with their global MSSS (the definition's table and convention; by
    default Roxburgh 2005, standard: the ``msss`` column of ``derived_edss``), by
    :func:`mscohort.derive.assessments.msss_detail`, the one place it is computed."""
    d = d or StudyDefinition()
    convention = cast(Convention, d.msss_convention)  # checked by the definition's parser
    return msss_detail(study, d.msss_table, convention).drop("msss_reason")


def scored_edss(study: Study, d: StudyDefinition) -> pl.DataFrame:
    """The EDSS assessments with the MSSS of the study definition (``patient_id``, ``date``,
    ``edss``, ``msss``): what the outcomes, the timelines and the tables read."""
    return _edss_with_msss(study, d)


def _relapse_free(study: Study, cand: pl.DataFrame, days: float) -> pl.DataFrame:
    """Assessments that are not less than ``days`` after a relapse onset (nor on its day);
    all of them when ``days`` is 0."""
    if not days:
        return cand
    rel = study.table("relapses").select("patient_id", "onset_date")
    near = cand.select("patient_id", "date").join(rel, on="patient_id").filter(
        ((pl.col("date") - pl.col("onset_date")).dt.total_days() >= 0)
        & ((pl.col("date") - pl.col("onset_date")).dt.total_days() < days))
    return cand.join(near.select("patient_id", "date").unique(), on=["patient_id", "date"],
                     how="anti")


def _timepoint(cand: pl.DataFrame, tp: TimePoint) -> pl.DataFrame:
    """EDSS (and its date) at one time point, per patient (see :class:`TimePoint`)."""
    if tp.after_days is not None:
        pick = (cand.filter(pl.col("_off") > tp.after_days).sort("patient_id", "date")
                .group_by("patient_id", maintain_order=True).last())
    else:
        pick = (cand.filter((pl.col("_off") - tp.days).abs() <= tp.window_days)
                .sort("patient_id", (pl.col("_off") - tp.days).abs(), "_off")
                .group_by("patient_id", maintain_order=True).first())
    return pick.select("patient_id", pl.col("date").alias(f"date_{tp.slug}"),
                       pl.col("edss").alias(f"edss_{tp.slug}"))


def cdw_spans(out: pl.DataFrame) -> pl.DataFrame:
    """The assessments each patient's confirmed events are scanned over: from the baseline to
    the follow-up assessment (``patient_id``, ``index_date``, ``baseline_date``,
    ``followup_date``), for the patients who have both."""
    return out.filter(pl.col("baseline_date").is_not_null() & pl.col("followup_date")
                      .is_not_null()).select("patient_id", "index_date", "baseline_date",
                                             "followup_date")


def in_cdw_span(edss: pl.DataFrame, spans: pl.DataFrame) -> pl.DataFrame:
    """The EDSS assessments (``patient_id``, ``date``, ``edss``) of ``spans``' patients inside
    their span (:func:`cdw_spans`)."""
    return edss.join(spans, on="patient_id", how="inner").filter(
        (pl.col("date") >= pl.col("baseline_date")) & (pl.col("date") <= pl.col("followup_date"))
    ).select("patient_id", "date", "edss")


def _first_cdw(study: Study, out: pl.DataFrame, d: StudyDefinition) -> pl.DataFrame:
    """First confirmed EDSS worsening from the baseline assessment on (the study's event
    settings)."""
    from mscohort.derive.events import detect_events

    spans = cdw_spans(out)
    visits = in_cdw_span(study.edss, spans)
    events = detect_events(visits,
                           study.table("relapses"), study_event_settings(d.events)).events
    first = (events.filter(pl.col("event_type") == "CDW").group_by("patient_id")
             .agg(pl.col("date").min().alias("_cdw")))
    return spans.join(first, on="patient_id", how="left").select(
        "patient_id",
        pl.col("_cdw").is_not_null().alias("cdw_observed"),
        (pl.coalesce("_cdw", "followup_date") - pl.col("index_date")).dt.total_days()
        .alias("time_to_cdw_days"),
    )


def followup_in_unit(d: StudyDefinition) -> pl.Expr:
    """``followup``: the follow-up days in the definition's unit (``follow_up.unit``, and
    ``lunar_month`` for its reading)."""
    return (pl.col("followup_days") / d.unit_days).alias("followup")


def with_change_category(out: pl.DataFrame, d: StudyDefinition) -> pl.DataFrame:
    """``out`` with ``change_category`` (improved / stable / worsened) from its
    ``edss_change`` and ``baseline_edss`` by the definition's ``change.rule`` (module
    docstring)."""
    thr: pl.Expr | pl.Series
    if d.change_rule == "any_step":
        thr = pl.lit(0.5)
    else:
        b = out["baseline_edss"].fill_null(0.0).to_numpy()
        rule = cast(DeltaRule, study_event_settings(d.events).delta)  # set by EventSettings
        thr = pl.Series(delta_values(rule, b))
    return out.with_columns(
        pl.when(pl.col("edss_change").is_null()).then(None)
        .when(pl.col("edss_change") <= -thr).then(pl.lit("improved"))
        .when(pl.col("edss_change") >= thr).then(pl.lit("worsened"))
        .otherwise(pl.lit("stable")).alias("change_category"))


def sequence_filled(d: StudyDefinition) -> pl.Expr:
    """``sequence`` (of :func:`prior_drugs`), the index drug alone for a patient with an
    index date and no row of its own."""
    return pl.col("sequence").fill_null(pl.when(pl.col("index_date").is_not_null())
                                        .then(pl.lit(abbrev(d.index_drug))))


def patient_outcomes(study: Study, d: StudyDefinition,
                     scored: pl.DataFrame | None = None) -> pl.DataFrame:
    """One row per patient with the columns :data:`OUTCOME_COLUMNS` (module docstring);
    ``scored``: the EDSS assessments with their MSSS when the caller has them already
    (:func:`scored_edss`)."""
    patients = study.patients
    index = courses(study.table("infusions"), d)
    if d.index_date == "enrolment_date":
        index = patients.select("patient_id", pl.col("enrolment_date").alias("index_date")
                                ).drop_nulls().join(index.drop("index_date"), on="patient_id",
                                                    how="left")
    scored = scored_edss(study, d) if scored is None else scored
    base = patients.select("patient_id", "sex", "phenotype", "cohort",
                           "regular_corticosteroids", "birth_date", "onset_date").join(
        index, on="patient_id", how="left")
    # baseline: closest assessment within the window around the index date
    cand = scored.join(index.select("patient_id", "index_date"), on="patient_id").with_columns(
        (pl.col("date") - pl.col("index_date")).dt.total_days().alias("_off"))
    baseline = (_relapse_free(study, cand, d.baseline_relapse_free_days)
                .filter((pl.col("_off") >= -d.baseline_window_days)
                        & (pl.col("_off") <= d.baseline_after_index_days))
                .sort("patient_id", pl.col("_off").abs(), "_off")
                .group_by("patient_id", maintain_order=True).first()
                .select("patient_id", pl.col("date").alias("baseline_date"),
                        pl.col("edss").alias("baseline_edss"),
                        pl.col("msss").alias("baseline_msss")))
    after = cand.filter(pl.col("_off") > 0)
    if d.follow_up_end == "cutoff" and d.cutoff_date is not None:
        after = after.filter(pl.col("date") <= d.cutoff_date)
    follow = (after.sort("patient_id", "date").group_by("patient_id", maintain_order=True).last()
              .select("patient_id", pl.col("date").alias("followup_date"),
                      pl.col("edss").alias("followup_edss"),
                      pl.col("msss").alias("followup_msss")))
    out = base.join(baseline, on="patient_id", how="left").join(follow, on="patient_id",
                                                                how="left")
    end = pl.col("followup_date")
    out = out.with_columns(
        completed_years_expr(pl.col("birth_date"), pl.col("index_date")).alias("age_at_index"),
        ((pl.col("index_date") - pl.col("onset_date")).dt.total_days() / DAYS_PER_YEAR)
        .alias("duration_at_index_years"),
        (pl.col("followup_edss") - pl.col("baseline_edss")).alias("edss_change"),
        (pl.col("followup_msss") - pl.col("baseline_msss")).alias("msss_change"),
        (end - pl.col("index_date")).dt.total_days().alias("followup_days"),
    ).with_columns(followup_in_unit(d))
    out = with_change_category(out, d)
    out = relapse_outcomes(study, out, d)
    out = out.join(prior_drugs(study.table("treatments"), index, d), on="patient_id",
                   how="left")
    out = out.join(_first_cdw(study, out, d), on="patient_id", how="left")
    reason = (pl.when(pl.col("index_date").is_null()).then(pl.lit("no index treatment"))
              .when(pl.col("baseline_edss").is_null()).then(pl.lit("no baseline EDSS"))
              .when(pl.col("followup_edss").is_null()).then(pl.lit("no follow-up EDSS"))
              .when(pl.col("followup_days") < d.follow_up_min_days)
              .then(pl.lit(f"follow-up shorter than {d.follow_up_min_days:g} days")))
    out = out.with_columns(
        sequence_filled(d),
        reason.alias("excluded_reason"),
    ).select(OUTCOME_COLUMNS)
    extra: list[str] = []
    for tp in d.timepoints:
        out = out.join(_timepoint(cand, tp), on="patient_id", how="left").with_columns(
            (pl.col(f"edss_{tp.slug}") - pl.col("baseline_edss"))
            .alias(f"edss_change_{tp.slug}"))
        extra += [f"date_{tp.slug}", f"edss_{tp.slug}", f"edss_change_{tp.slug}"]
    return out.select(*OUTCOME_COLUMNS, *extra).sort("patient_id")

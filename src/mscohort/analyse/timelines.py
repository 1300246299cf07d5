"""Every patient's timeline, computed once by the analysis: EDSS with its global MSSS,
relapses, disease-modifying drugs, index-drug courses and confirmed disability events, on one
time axis (years of 365.25 days from the index date, or from the first EDSS without one).

The report and the web app draw these records (:mod:`mscohort.report.timeline`); they
compute nothing clinical themselves, so a patient's page shows the numbers of the analysis.

* EDSS and MSSS: the assessments with the MSSS the analysis uses (the study definition's
  table and convention, :func:`mscohort.derive.assessments.scored_edss`).
* Courses: infusions of the index drug at most ``course_gap_days`` apart
  (:func:`mscohort.derive.outcomes.numbered_infusions`), with their first day.
* Events: the confirmed EDSS events with the study's ``[events]`` settings (msprog
  definitions, :func:`mscohort.derive.events.detect_events`), over the assessments the
  analysis scans for its time to confirmed worsening: from the baseline to the follow-up
  assessment (:func:`mscohort.derive.outcomes.cdw_spans`), so that a patient's page and the
  outcome agree; a patient without both (not analysed) over all their assessments. Detected
  once for the whole study; a patient's explanation is the trace of that same scan
  (:func:`mscohort.derive.events.explain.explain_patient`), headed by the span scanned.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl

from mscohort.definition import StudyDefinition
from mscohort.derive.events import EventResult, detect_events
from mscohort.derive.events.explain import explain_patient
from mscohort.derive.events.presets import study_event_settings
from mscohort.derive.outcomes import cdw_spans, in_cdw_span, numbered_infusions
from mscohort.derive.timing import DAYS_PER_YEAR
from mscohort.study import Study
from mscohort.vocabulary import BY_NAME

#: Columns of the events of a timeline (besides ``patient_id`` and ``time``).
EVENT_COLUMNS = ("event_type", "date", "value", "bl_date", "bl_value")


@dataclass(frozen=True)
class PatientTimeline:
    """One patient's records on the timeline's axis (``time``: years from ``origin``)."""

    patient_id: str
    origin: dt.date | None  #: the index date, else the first EDSS, else None
    from_index: bool  #: whether ``origin`` is the index date
    edss: pl.DataFrame  #: date, edss, msss, time
    relapses: pl.DataFrame  #: time, onset_date
    drugs: pl.DataFrame  #: drug, label, start, stop, start_date, stop_date
    courses: pl.DataFrame  #: course, date, infusions, time
    events: pl.DataFrame  #: event_type, date, value, bl_date, bl_value, conf*_date, time
    explanation: str  #: the event scan, step by step
    settings_name: str  #: the event settings the events were detected with


@dataclass(frozen=True)
class Timelines:
    """The timeline records of every patient of the study (each frame has ``patient_id``)."""

    origins: pl.DataFrame  #: patient_id, origin, from_index, baseline_date, followup_date
    edss: pl.DataFrame
    relapses: pl.DataFrame
    drugs: pl.DataFrame
    courses: pl.DataFrame
    events: pl.DataFrame
    result: EventResult  #: the scan behind ``events``

    def patient(self, patient_id: str) -> PatientTimeline:
        """The timeline of ``patient_id`` (empty frames for a patient without records)."""
        origin = self.origins.filter(pl.col("patient_id") == patient_id)
        first: dict[str, Any] = (origin.row(0, named=True) if origin.height
                                 else {"origin": None, "from_index": False})

        def own(frame: pl.DataFrame) -> pl.DataFrame:
            return frame.filter(pl.col("patient_id") == patient_id).drop("patient_id")

        edss = own(self.edss)
        explanation = (_with_span(explain_patient(self.result, patient_id), first)
                       if edss.height else f"Patient {patient_id}: no EDSS assessments.")
        return PatientTimeline(patient_id, first["origin"], first["from_index"], edss,
                               own(self.relapses), own(self.drugs), own(self.courses),
                               own(self.events), explanation, self.result.settings.name)


def _with_span(explanation: str, origin: dict[str, Any]) -> str:
    """``explanation`` with, after its first line, which assessments the scan read."""
    head, _, rest = explanation.partition("\n")
    if origin.get("baseline_date") is None:
        span = "Scanned: all assessments (the patient has no baseline and follow-up)."
    else:
        span = (f"Scanned: the assessments from the baseline ({origin['baseline_date']}) to "
                f"the follow-up ({origin['followup_date']}), as the time to confirmed "
                "worsening.")
    return f"{head}\n{span}\n{rest}" if rest else f"{head}\n{span}"


def study_timelines(study: Study, outcomes: pl.DataFrame, scored: pl.DataFrame,
                    d: StudyDefinition) -> Timelines:
    """Every patient's timeline records (module notes); ``scored``: the EDSS assessments
    with the analysis's MSSS (``patient_id``, ``date``, ``edss``, ``msss``)."""
    first_edss = scored.group_by("patient_id").agg(pl.col("date").min().alias("_first"))
    origins = (study.patients.select("patient_id")
               .join(outcomes.select("patient_id", "index_date"), on="patient_id", how="left")
               .join(first_edss, on="patient_id", how="left")
               .select("patient_id", pl.coalesce("index_date", "_first").alias("origin"),
                       pl.col("index_date").is_not_null().alias("from_index")))

    def with_time(frame: pl.DataFrame, column: str, name: str = "time") -> pl.DataFrame:
        return frame.join(origins.select("patient_id", "origin"), on="patient_id",
                          how="left").with_columns(
            ((pl.col(column) - pl.col("origin")).dt.total_days() / DAYS_PER_YEAR)
            .alias(name)).drop("origin")

    edss = with_time(scored.select("patient_id", "date", "edss", "msss")
                     .sort("patient_id", "date"), "date")
    relapses = with_time(study.table("relapses").select("patient_id", "onset_date"),
                         "onset_date").select("patient_id", "time", "onset_date")
    labels = {k: v.abbreviation for k, v in BY_NAME.items()}
    drugs = with_time(with_time(study.table("treatments"), "start_date", "start"),
                      "stop_date", "stop").with_columns(
        pl.col("drug").replace_strict(labels, default=pl.col("drug")).alias("label")).select(
        "patient_id", "drug", "label", "start", "stop", "start_date", "stop_date")
    courses = with_time(numbered_infusions(study.table("infusions"), d)
                        .group_by("patient_id", "course")
                        .agg(pl.col("date").min(), pl.len().alias("infusions"))
                        .sort("patient_id", "course"), "date")
    spans = cdw_spans(outcomes)
    unspanned = study.edss.join(spans, on="patient_id", how="anti")
    visits = pl.concat([in_cdw_span(study.edss, spans),
                        unspanned.select("patient_id", "date", "edss")])
    origins = origins.join(spans.select("patient_id", "baseline_date", "followup_date"),
                           on="patient_id", how="left")
    result = detect_events(visits, study.table("relapses"), study_event_settings(d.events))
    conf = [c for c in result.events.columns if c.startswith("conf") and c.endswith("_date")]
    events = with_time(result.events.select("patient_id", *EVENT_COLUMNS, *conf), "date")
    return Timelines(origins, edss, relapses, drugs, courses, events, result)

"""Which records an analysis reads (issue #23: a registry of 3 million patients analysed in
bounded memory).

An analysis whose index date is a first infusion reads a patient's EDSS, relapses and
treatments only when the patient has an infusion: :func:`reads_only_infused` says when a
study definition allows it, and :func:`mscohort.store.records.load_store` (``infused_only``)
then reads those three tables for the patients with an infusion alone, and the data cut
(:data:`DATA_CUT_DATES`) over the whole store.
"""

from __future__ import annotations

from mscohort.definition import StudyDefinition

#: The dated records whose latest date is the data cut of an analysis
#: (:func:`mscohort.analyse.study.latest_record`): (table, date column).
DATA_CUT_DATES = (("edss", "date"), ("infusions", "date"), ("labs", "date"),
                  ("relapses", "onset_date"))
#: The tables read for the patients with an infusion only, when :func:`reads_only_infused`.
INFUSED_ONLY_TABLES = ("edss", "relapses", "treatments")


def reads_only_infused(definition: StudyDefinition) -> bool:
    """Whether every table of the analysis of ``definition`` (without patient timelines) is
    the same when :data:`INFUSED_ONLY_TABLES` hold the records of the patients with an
    infusion alone (and the data cut is that of every record).

    Notes
    -----
    The index date is the first infusion of the index drug (``[index] date`` =
    ``"first_infusion"``): a patient without an infusion has no index date, no course, no
    safety schedule, no adverse event by course and no retreatment row. Every per-patient
    outcome (baseline and follow-up EDSS, MSSS, relapse rates, prior drugs, confirmed
    worsening, time points, sensitivity rows, NEDA-3, models) reads the EDSS, relapses and
    treatments of the patients with an index date only, by joins on them; such a patient's
    row of the outcomes holds the columns of the patients table (read in full) and
    ``no index treatment``, from which the flow counts him. The infusions, the patients and
    every other table are read in full.

    Not so, and every record is read, when the index date is the enrolment date (a patient
    without an infusion has one), under ``[eligibility]`` (the criteria read every
    patient's records) or ``[comparison]`` (a comparator arm need not be infused).
    """
    return (definition.index_date == "first_infusion" and not definition.eligibility
            and definition.comparison is None)

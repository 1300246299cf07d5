"""The canonical study tables and their columns, defined once.

Every other module refers to tables and columns through this module. A user's own
column names are mapped onto these names at ingest only (see :mod:`mscohort.ingest.mapping`).
The documentation page ``docs/data-model.md`` is checked against this module by a test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import polars as pl


class Kind(StrEnum):
    """How a column's text is parsed and stored."""

    ID = "id"  #: patient identifier, text, never empty
    TEXT = "text"  #: free text
    DATE = "date"  #: ISO 8601 date, YYYY-MM-DD
    NUMBER = "number"  #: decimal number
    INTEGER = "integer"  #: whole number
    BOOL = "bool"  #: true/false, yes/no, 1/0, y/n
    CATEGORY = "category"  #: one of a fixed list of values
    DRUG = "drug"  #: a drug name, normalised to the controlled vocabulary
    EDSS = "edss"  #: an EDSS step: 0, 1.0, 1.5, ..., 9.5, 10


POLARS_TYPES: dict[Kind, pl.DataType] = {
    Kind.ID: pl.String(),
    Kind.TEXT: pl.String(),
    Kind.DATE: pl.Date(),
    Kind.NUMBER: pl.Float64(),
    Kind.INTEGER: pl.Int64(),
    Kind.BOOL: pl.Boolean(),
    Kind.CATEGORY: pl.String(),
    Kind.DRUG: pl.String(),
    Kind.EDSS: pl.Float64(),
}

#: Valid EDSS steps (Kurtzke 1983): 0, then 1.0 to 10 in half steps. 0.5 is not a step.
EDSS_STEPS: tuple[float, ...] = (0.0, *(x / 2 for x in range(2, 21)))

PHENOTYPES = ("RRMS", "SPMS", "PPMS", "PRMS", "CIS", "other")
SEXES = ("F", "M")
EYES = ("OD", "OS")

#: Suffix of the companion column that records a partial date's precision ("day"/"month").
PRECISION_SUFFIX = "_precision"


@dataclass(frozen=True)
class Column:
    """One canonical column.

    ``minimum``/``maximum`` bound numbers (inclusive); ``month_precision`` allows
    ``YYYY-MM`` dates, stored as the 15th of the month with a ``<name>_precision`` column.
    """

    name: str
    kind: Kind
    description: str
    required: bool = False
    allowed: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    month_precision: bool = False

    @property
    def dtype(self) -> pl.DataType:
        return POLARS_TYPES[self.kind]


@dataclass(frozen=True)
class Table:
    """One canonical table: its columns, its natural key and whether a study must have it."""

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    required_file: bool = False
    column_by_name: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "column_by_name", {c.name: c for c in self.columns})

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def stored_columns(self) -> tuple[str, ...]:
        """Columns as stored and read back: canonical columns plus precision companions."""
        out: list[str] = []
        for c in self.columns:
            out.append(c.name)
            if c.month_precision:
                out.append(c.name + PRECISION_SUFFIX)
        return tuple(out)

    def stored_schema(self) -> dict[str, pl.DataType]:
        schema: dict[str, pl.DataType] = {}
        for c in self.columns:
            schema[c.name] = c.dtype
            if c.month_precision:
                schema[c.name + PRECISION_SUFFIX] = pl.String()
        return schema

    @property
    def date_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.kind is Kind.DATE)


def _c(name: str, kind: Kind, description: str, **kw: Any) -> Column:
    return Column(name, kind, description, **kw)


PID = _c("patient_id", Kind.ID, "Patient identifier, the same in every table.", required=True)

#: Functional-system score ranges (Kurtzke 1983; Neurostatus scoring definitions 04/10.2).
FS_RANGES: dict[str, tuple[int, int]] = {
    "fs_pyramidal": (0, 6),
    "fs_cerebellar": (0, 5),
    "fs_brainstem": (0, 5),
    "fs_sensory": (0, 6),
    "fs_bowel_bladder": (0, 6),
    "fs_visual": (0, 6),
    "fs_cerebral": (0, 5),
    "fs_ambulation": (0, 12),
}

PATIENTS = Table(
    "patients",
    "One row per patient.",
    (
        PID,
        _c("sex", Kind.CATEGORY, "F or M (female/male accepted).", required=True, allowed=SEXES),
        _c("birth_date", Kind.DATE, "Date of birth; YYYY-MM allowed.", required=True,
           month_precision=True),
        _c("onset_date", Kind.DATE, "Date of the first MS symptom; YYYY-MM allowed.",
           required=True, month_precision=True),
        _c("diagnosis_date", Kind.DATE, "Date of MS diagnosis."),
        _c("phenotype", Kind.CATEGORY, "Clinical course.", allowed=PHENOTYPES),
        _c("regular_corticosteroids", Kind.BOOL,
           "On regular (pulsed or maintenance) corticosteroids at baseline."),
        _c("site", Kind.TEXT, "Recruiting site or clinic."),
        _c("cohort", Kind.TEXT, "Study cohort or arm, e.g. ALE-experienced."),
        _c("enrolment_date", Kind.DATE, "Date of enrolment in the study (an index date)."),
    ),
    key=("patient_id",),
    required_file=True,
)

EDSS = Table(
    "edss",
    "One row per EDSS assessment.",
    (
        PID,
        _c("date", Kind.DATE, "Date of the assessment.", required=True),
        _c("edss", Kind.EDSS, "Expanded Disability Status Scale step.", required=True),
        *(
            _c(name, Kind.INTEGER, f"Functional-system score, {lo} to {hi}.",
               minimum=lo, maximum=hi)
            for name, (lo, hi) in FS_RANGES.items()
        ),
    ),
    key=("patient_id", "date"),
    required_file=True,
)

RELAPSES = Table(
    "relapses",
    "One row per relapse.",
    (
        PID,
        _c("onset_date", Kind.DATE, "Date the relapse began.", required=True),
        _c("end_date", Kind.DATE, "Date the relapse resolved."),
        _c("severity", Kind.TEXT, "Severity as recorded (e.g. mild, moderate, severe)."),
        _c("steroid_treated", Kind.BOOL, "Treated with corticosteroids."),
    ),
    key=("patient_id", "onset_date"),
)

TREATMENTS = Table(
    "treatments",
    "One row per disease-modifying drug exposure.",
    (
        PID,
        _c("drug", Kind.DRUG, "Drug name or synonym (normalised to the vocabulary).",
           required=True),
        _c("start_date", Kind.DATE, "First day of the exposure.", required=True),
        _c("stop_date", Kind.DATE, "Last day of the exposure; empty = ongoing."),
        _c("dose", Kind.NUMBER, "Dose per administration.", minimum=0),
        _c("dose_unit", Kind.TEXT, "Unit of `dose`, e.g. mg, ug."),
        _c("stop_reason", Kind.TEXT, "Why the drug was stopped."),
    ),
    key=("patient_id", "drug", "start_date"),
)

INFUSIONS = Table(
    "infusions",
    "One row per infusion (e.g. each day of an alemtuzumab course).",
    (
        PID,
        _c("drug", Kind.DRUG, "Drug infused.", required=True),
        _c("date", Kind.DATE, "Date of the infusion.", required=True),
        _c("dose_mg", Kind.NUMBER, "Dose given, mg.", required=True, minimum=0),
    ),
    key=("patient_id", "drug", "date"),
)

#: Recorded instead of a time when a timed MSFC test (T25FW, 9-HPT) could not be completed
#: because of disability (MSFC Administration and Scoring Manual, Fischer et al. 2001): a code,
#: not a number of seconds. Read by the plausibility bounds and the MSFC derivation.
MSFC_NOT_COMPLETED_CODE = 777.0

MSFC = Table(
    "msfc",
    "One row per Multiple Sclerosis Functional Composite assessment.",
    (
        PID,
        _c("date", Kind.DATE, "Date of the assessment.", required=True),
        _c("t25fw_1_s", Kind.NUMBER, "Timed 25-foot walk, trial 1, seconds.", minimum=0),
        _c("t25fw_2_s", Kind.NUMBER, "Timed 25-foot walk, trial 2, seconds.", minimum=0),
        _c("nhpt_dom_1_s", Kind.NUMBER, "9-hole peg test, dominant hand, trial 1, s.", minimum=0),
        _c("nhpt_dom_2_s", Kind.NUMBER, "9-hole peg test, dominant hand, trial 2, s.", minimum=0),
        _c("nhpt_nondom_1_s", Kind.NUMBER, "9-hole peg test, other hand, trial 1, s.", minimum=0),
        _c("nhpt_nondom_2_s", Kind.NUMBER, "9-hole peg test, other hand, trial 2, s.", minimum=0),
        _c("pasat3", Kind.INTEGER, "PASAT-3 correct answers, 0 to 60.", minimum=0, maximum=60),
    ),
    key=("patient_id", "date"),
)

OCT = Table(
    "oct",
    "One row per eye per optical coherence tomography scan.",
    (
        PID,
        _c("date", Kind.DATE, "Date of the scan.", required=True),
        _c("eye", Kind.CATEGORY, "OD (right) or OS (left).", required=True, allowed=EYES),
        _c("rnfl_um", Kind.NUMBER, "Peripapillary RNFL thickness, micrometres.", required=True,
           minimum=0, maximum=250),
        _c("gcipl_um", Kind.NUMBER, "Ganglion cell-inner plexiform layer thickness, um.",
           minimum=0, maximum=250),
        _c("optic_neuritis", Kind.BOOL,
           "This eye has had optic neuritis (at or before this scan)."),
    ),
    key=("patient_id", "date", "eye"),
)

MRI = Table(
    "mri",
    "One row per brain MRI scan, lesion counts as read against the previous scan.",
    (
        PID,
        _c("date", Kind.DATE, "Date of the scan.", required=True),
        _c("new_enlarging_t2", Kind.INTEGER,
           "New or enlarging T2 lesions since the previous scan; empty on a first scan.",
           minimum=0),
        _c("gd_enhancing", Kind.INTEGER, "Gadolinium-enhancing T1 lesions.", minimum=0),
    ),
    key=("patient_id", "date"),
)

LABS = Table(
    "labs",
    "One row per laboratory result.",
    (
        PID,
        _c("date", Kind.DATE, "Date the sample was taken.", required=True),
        _c("test", Kind.TEXT, "Test name, e.g. TSH, platelets, creatinine.", required=True),
        _c("value", Kind.NUMBER, "Result.", required=True),
        _c("unit", Kind.TEXT, "Unit of the result.", required=True),
    ),
    key=("patient_id", "date", "test"),
)

ADVERSE_EVENTS = Table(
    "adverse_events",
    "One row per adverse event.",
    (
        PID,
        _c("onset_date", Kind.DATE, "Date the event began.", required=True),
        _c("term", Kind.TEXT, "Event term as reported.", required=True),
        _c("category", Kind.TEXT, "Category, e.g. thyroid, infection, infusion reaction."),
        _c("serious", Kind.BOOL, "Serious adverse event."),
        _c("outcome", Kind.TEXT, "Outcome as recorded, e.g. resolved, ongoing, controlled, "
           "uncontrolled (screening reads its status: docs/protocol.md)."),
    ),
    key=("patient_id", "onset_date", "term"),
)

#: All canonical tables, in import order (patients first).
TABLES: dict[str, Table] = {
    t.name: t
    for t in (PATIENTS, EDSS, RELAPSES, TREATMENTS, INFUSIONS, MSFC, OCT, MRI, LABS,
              ADVERSE_EVENTS)
}


def table(name: str) -> Table:
    """The canonical table called ``name``."""
    try:
        return TABLES[name]
    except KeyError:
        from mscohort.errors import bad_argument

        raise bad_argument("table", f"one of {', '.join(TABLES)}", name) from None

"""A descriptive overview of a stored study (what ``mscohort summary`` prints).

Definitions (``docs/summary.md``):

* Age and durations in years are ``days / 365.25`` (Julian year).
* Observation span: years from a patient's first to last EDSS assessment (0 for one visit).
* Age at first EDSS: years from birth to the first EDSS assessment.
* Disease duration at first EDSS: years from onset to the first EDSS assessment.
* Mean ± SD uses the sample standard deviation (n - 1); median of an even count is the
  mean of the two middle values.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from mscohort.analyse.stats import Describe
from mscohort.study import Study
from mscohort.units import DAYS_PER_YEAR


@dataclass(frozen=True)
class Overview:
    n_patients: int
    rows: dict[str, int]
    sex: dict[str, int]
    phenotype: dict[str, int]
    cohort: dict[str, int]
    edss_per_patient: Describe
    observation_years: Describe
    age_at_first_edss: Describe
    duration_at_first_edss: Describe
    first_edss: Describe
    patients_per_drug: dict[str, int]
    infusions_per_drug: dict[str, int]

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {}
        for key, value in self.__dict__.items():
            out[key] = value.__dict__ if isinstance(value, Describe) else value
        return out


def _counts(frame: pl.DataFrame, column: str) -> dict[str, int]:
    counts = frame.group_by(column).len().sort(["len", column], descending=[True, False],
                                               nulls_last=True)
    return {("missing" if k is None else str(k)): int(n) for k, n in counts.iter_rows()}


def overview(study: Study) -> Overview:
    """Counts and per-patient distributions of a study (see module docstring)."""
    patients = study.patients
    edss = study.edss
    per_patient = (
        edss.group_by("patient_id")
        .agg(
            pl.len().alias("n"),
            pl.col("date").min().alias("first"),
            pl.col("date").max().alias("last"),
            pl.col("edss").sort_by("date").first().alias("first_edss"),
        )
        .join(patients.select("patient_id", "birth_date", "onset_date"), on="patient_id",
              how="left")
        .with_columns(
            ((pl.col("last") - pl.col("first")).dt.total_days() / DAYS_PER_YEAR).alias("span"),
            ((pl.col("first") - pl.col("birth_date")).dt.total_days() / DAYS_PER_YEAR)
            .alias("age"),
            ((pl.col("first") - pl.col("onset_date")).dt.total_days() / DAYS_PER_YEAR)
            .alias("duration"),
        )
    )
    treatments = study.table("treatments")
    infusions = study.table("infusions")
    return Overview(
        n_patients=patients.height,
        rows=study.n_rows() if study.tables else {},
        sex=_counts(patients, "sex"),
        phenotype=_counts(patients, "phenotype"),
        cohort=_counts(patients, "cohort"),
        edss_per_patient=Describe.of(per_patient["n"]),
        observation_years=Describe.of(per_patient["span"]),
        age_at_first_edss=Describe.of(per_patient["age"]),
        duration_at_first_edss=Describe.of(per_patient["duration"]),
        first_edss=Describe.of(per_patient["first_edss"]),
        patients_per_drug=_counts(treatments.unique(["patient_id", "drug"]), "drug"),
        infusions_per_drug=_counts(infusions, "drug"),
    )

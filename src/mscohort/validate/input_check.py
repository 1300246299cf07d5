"""The input check of an analysis: how the data it read were validated (shown in the report
and returned by the study-loading service, :mod:`mscohort.loading`)."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl


@dataclass(frozen=True)
class InputCheck:
    """The validation summary of the input data shown in the report.

    ``source`` is the folder or store read; ``issues`` the validation issues (file, row,
    patient_id, column, rule, value, severity, message, fix); ``note`` says how a store's
    data were validated when they were imported.
    """

    source: str
    issues: pl.DataFrame  #: file, row, patient_id, column, rule, value, severity, message, fix
    note: str = ""

    def counts(self) -> pl.DataFrame:
        """Issues per severity and rule, with the first message of each."""
        if self.issues.height == 0:
            return pl.DataFrame(schema={"severity": pl.String, "rule": pl.String,
                                        "n": pl.UInt32, "message": pl.String})
        return (self.issues.group_by("severity", "rule", maintain_order=True)
                .agg(pl.len().alias("n"), pl.col("message").first()))

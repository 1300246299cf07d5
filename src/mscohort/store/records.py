"""A stored study as an analysis and a report read it: the records, the input check and the
provenance (every imported file with its SHA-256, and the import log)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from mscohort.report import InputCheck
from mscohort.store.duckdb_store import StudyStore
from mscohort.study import Study
from mscohort.validate.report import ValidationReport


def load_store(db: str | Path) -> tuple[Study, InputCheck, pl.DataFrame, pl.DataFrame]:
    """(records, input check, files, imports) of the store ``db`` (read only)."""
    with StudyStore(db, read_only=True) as store:
        records = store.study()
        imports = store.imports()
        files = store.import_files().select(
            pl.col("table_name").alias("table"), "file", "sha256",
            pl.col("rows_read").alias("rows"))
    warnings = int(imports["n_warnings"].sum()) if imports.height else 0
    check = InputCheck(str(db), ValidationReport.from_issues([]).issues, note=(
        f"Every file was validated when imported ({imports.height} imports, {warnings} "
        "warnings; see the import log under Provenance); a store holds only data that "
        "passed validation."))
    return records, check, files, imports

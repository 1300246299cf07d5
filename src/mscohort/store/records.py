"""A stored study as an analysis and a report read it: the records, the input check and the
provenance (every imported file with its SHA-256, the import log, and the store version
read, so that the analysis can be reproduced with ``--as-of-version``)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from mscohort.report import InputCheck
from mscohort.store.duckdb_store import StudyStore
from mscohort.study import Study
from mscohort.validate.report import ValidationReport


def load_store(db: str | Path, as_of_version: int | None = None
               ) -> tuple[Study, InputCheck, pl.DataFrame, pl.DataFrame]:
    """(records, input check, files, imports) of the store ``db`` (read only): the current
    view, or the store as it was after version ``as_of_version``. ``imports`` and ``files``
    hold the versions read (``imports.import_id.max()`` is the store version)."""
    with StudyStore(db, read_only=True) as store:
        version = store.version() if as_of_version is None else as_of_version
        records = store.study(as_of_version=as_of_version) if version else store.study()
        imports = store.imports().filter(pl.col("import_id") <= version)
        files = store.import_files().filter(pl.col("import_id") <= version).select(
            pl.col("table_name").alias("table"), "file", "sha256",
            pl.col("rows_read").alias("rows"))
    warnings = int(imports["n_warnings"].sum()) if imports.height else 0
    check = InputCheck(str(db), ValidationReport.from_issues([]).issues, note=(
        f"Every file was validated when imported ({imports.height} imports, {warnings} "
        "warnings; see the import log under Provenance); a store holds only data that "
        f"passed validation. Store version read: {version}"
        + (" (as of an earlier version)" if as_of_version is not None else "") + "."))
    return records, check, files, imports


def store_version_read(imports: pl.DataFrame | None) -> int | None:
    """The store version an analysis read: the last import of its import log."""
    if imports is None or imports.height == 0:
        return None
    return int(imports["import_id"].max())  # type: ignore[arg-type]

"""A stored study as an analysis and a report read it: the records, the input check and the
provenance (every imported file with its SHA-256, the import log, and the store version
read, so that the analysis can be reproduced with ``--as-of-version``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from mscohort.store.duckdb_store import StudyStore
from mscohort.study import Study
from mscohort.validate.input_check import InputCheck
from mscohort.validate.report import ValidationReport


@dataclass(frozen=True)
class StoredStudy:
    """What :func:`load_store` read from a store."""

    records: Study
    check: InputCheck  #: how the data were validated (at import)
    files: pl.DataFrame  #: table, file, sha256, rows: every file imported up to ``version``
    imports: pl.DataFrame  #: the import log up to ``version``
    version: int  #: the store version read (0: an empty store)


def load_store(db: str | Path, as_of_version: int | None = None) -> StoredStudy:
    """The records, input check, files and import log of the store ``db`` (read only): the
    current view, or the store as it was after version ``as_of_version``."""
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
    return StoredStudy(records, check, files, imports, version)


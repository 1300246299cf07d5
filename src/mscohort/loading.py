"""The study-loading service below the CLI and the web app: the records of a study with the
check of its input and its provenance, from a study store or a study folder.

>>> loaded = load_input(db="study.duckdb")                     # doctest: +SKIP
>>> analyse_study(loaded.records, definition)                   # doctest: +SKIP
>>> loaded.provenance()["store_version"]                        # doctest: +SKIP

A folder is read and validated in full (nothing is analysed when a rule is broken); a store
holds only data that passed validation when imported, so it is read as it is (its current
view, or as it was after an earlier store version, to reproduce an analysis).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from mscohort.errors import DataValidationError, UsageError, bad_usage
from mscohort.study import Study
from mscohort.validate.input_check import InputCheck

#: The columns of :attr:`StudyInput.files`.
FILE_SCHEMA = pl.Schema({"table": pl.String, "file": pl.String, "sha256": pl.String,
                         "rows": pl.Int64})


@dataclass(frozen=True)
class StudyInput:
    """A loaded study: its records, how its input was checked, and where it came from."""

    records: Study
    check: InputCheck  #: the validation summary of the input (shown in the report)
    files: pl.DataFrame  #: table, file, sha256, rows: every input file
    imports: pl.DataFrame | None = None  #: the store's import log (None: read from a folder)
    store: Path | None = None  #: the store read, or None
    folder: Path | None = None  #: the folder read, or None
    store_version: int | None = None  #: the store version read (None: a folder, or empty)
    #: the store's latest record when ``records`` are those of the infused patients only
    #: (``load_input(infused_only=True)``), else None: the analysis's ``data_cut``
    data_cut: dt.date | None = None

    def provenance(self) -> dict[str, object]:
        """The input of an analysis for ``provenance.json``: the store and the store version
        read (``--as-of-version`` reproduces it), or the folder, and every file with its
        SHA-256."""
        return {"store": None if self.store is None else str(self.store),
                "store_version": self.store_version,
                "folder": None if self.folder is None else str(self.folder),
                "files": self.files.to_dicts()}


def load_input(db: str | Path | None = None, data: str | Path | None = None,
               as_of_version: int | None = None, *, infused_only: bool = False
               ) -> StudyInput:
    """The study in the store ``db`` (its current view, or as it was after store version
    ``as_of_version``) or in the folder ``data`` (read and validated); ``infused_only``: from
    a store's current view, the EDSS, relapses and treatments of the patients with an
    infusion only (:func:`mscohort.analyse.record_subset.reads_only_infused`).

    Raises
    ------
    UsageError
        Not exactly one of ``db`` and ``data``; ``as_of_version`` without ``db``; a store
        or folder that cannot be read.
    DataValidationError
        The folder's data break a validation rule (every issue is listed).
    """
    if (db is None) == (data is None):
        raise UsageError("give exactly one of --db study.duckdb or --data FOLDER.")
    if db is not None:
        from mscohort.store.records import load_store

        stored = load_store(db, as_of_version, infused_only=infused_only)
        return StudyInput(stored.records, stored.check, stored.files.cast(FILE_SCHEMA),
                          stored.imports, store=Path(db),
                          store_version=stored.version or None, data_cut=stored.data_cut)
    if as_of_version is not None or data is None:
        raise bad_usage("--as-of-version", "given with --db", as_of_version, shown="--data")
    from mscohort.ingest import read_study
    from mscohort.validate.check import check_study

    raw = read_study(data)
    records, report = check_study(raw)
    if not report.ok:
        raise DataValidationError(report, action="load")
    files = pl.DataFrame(
        [{"table": t.table, "file": t.source, "sha256": t.sha256, "rows": t.frame.height}
         for t in raw.tables.values()], schema=FILE_SCHEMA)
    return StudyInput(records, InputCheck(str(data), report.issues), files, folder=Path(data))


#: The derived MSFC column each non-EDSS outcome of ``mscohort events`` reads from a store.
MSFC_COLUMNS = {"t25fw": "t25fw_s", "nhpt": "nhpt_dom_s"}


@dataclass(frozen=True)
class VisitInput:
    """The assessments and relapses an event detection reads."""

    visits: pl.DataFrame  #: patient_id, date and the outcome's column
    relapses: pl.DataFrame | None  #: None: no relapse file was given


def load_visits(edss: str | Path | None = None, relapses: str | Path | None = None,
                db: str | Path | None = None, value: str = "edss") -> VisitInput:
    """The visits of the outcome ``value`` (``edss``, or ``t25fw``/``nhpt`` from a store's
    derived MSFC) and the relapses, from a store ``db`` or from an EDSS file and an optional
    relapse file (validated on their own: ``check_study(without_patients=True)``).

    Raises
    ------
    UsageError
        Neither a store nor an EDSS file.
    DataValidationError
        The files break a validation rule.
    """
    if db is not None:
        from mscohort.store import StudyStore

        with StudyStore(db, read_only=True) as store:
            visits = (store.read("edss") if value == "edss" else
                      store.derived("msfc").rename({MSFC_COLUMNS[value]: value}))
            return VisitInput(visits, store.read("relapses"))
    if edss is None:
        raise UsageError("give --edss FILE (and --relapses FILE), or --db study.duckdb.")
    from mscohort.ingest import read_tables
    from mscohort.validate import check_study

    files = {"edss": edss} | ({"relapses": relapses} if relapses is not None else {})
    study, report = check_study(read_tables(files), without_patients=True)
    if not report.ok:
        raise DataValidationError(report, action="analys")
    return VisitInput(study.table("edss"),
                      study.table("relapses") if relapses is not None else None)

"""A stored study as an analysis and a report read it: the records, the input check and the
provenance (every imported file with its SHA-256, the import log, and the store version
read, so that the analysis can be reproduced with ``--as-of-version``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from mscohort.analyse.record_subset import DATA_CUT_DATES, INFUSED_ONLY_TABLES
from mscohort.schema import FS_RANGES, TABLES
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
    #: the latest record of the store (:data:`DATA_CUT_DATES`) when ``records`` hold the
    #: records of the patients with an infusion only (``infused_only``), else None
    data_cut: dt.date | None = None


def load_store(db: str | Path, as_of_version: int | None = None, *,
               infused_only: bool = False) -> StoredStudy:
    """The records, input check, files and import log of the store ``db`` (read only): the
    current view, or the store as it was after version ``as_of_version``; ``infused_only``
    (current view): the EDSS, relapses and treatments of the patients with an infusion only,
    with the store's :attr:`StoredStudy.data_cut` (for an analysis that reads no other,
    :func:`mscohort.analyse.record_subset.reads_only_infused`)."""
    cut = None
    with StudyStore(db, read_only=True) as store:
        version = store.version() if as_of_version is None else as_of_version
        if as_of_version is not None and version:
            records = Study.sorted_once(store.study(as_of_version=as_of_version).tables)
        else:
            if infused_only:
                cut = data_cut(store)
            records = Study.sorted_once({name: read_compact(
                store, name, infused_only and name in INFUSED_ONLY_TABLES) for name in TABLES})
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
    return StoredStudy(records, check, files, imports, version, cut)



#: Rows of each record batch read from DuckDB (:func:`read_compact`).
BATCH_ROWS = 1_000_000


def compact_schema(table: str) -> pl.Schema:
    """The in-memory column types of ``table`` for an analysis: the stored types, with the
    functional-system scores (0 to 12, :data:`mscohort.schema.FS_RANGES`) as ``Int8``
    instead of ``Int64`` (issue #23: 41.9 million EDSS rows of a registry hold 2 GB less;
    no analysis reads them, and a value keeps its number)."""
    schema = TABLES[table].stored_schema()
    return pl.Schema({c: pl.Int8() if c in FS_RANGES else t for c, t in schema.items()})


def read_compact(store: StudyStore, table: str, infused_only: bool = False) -> pl.DataFrame:
    """The current view of ``table`` (its stored columns, :func:`compact_schema` types; of
    the patients with an infusion only when ``infused_only``), streamed from DuckDB in
    batches of :data:`BATCH_ROWS` rows so that no whole-table copy is made on the way
    (DuckDB's result, Arrow, polars); in the stored order, which
    :meth:`Study.sorted_once` checks (and sorts by the key when it is not the key's)."""
    schema = compact_schema(table)
    columns = ", ".join(  # canonical names: no quote inside
        f'CAST("{c}" AS TINYINT) AS "{c}"' if t == pl.Int8 else f'"{c}"'
        for c, t in schema.items())
    where = " WHERE patient_id IN (SELECT patient_id FROM infusions)" if infused_only else ""
    reader = store.con.sql(f'SELECT {columns} FROM "{table}"{where}').to_arrow_reader(
        BATCH_ROWS)
    parts = [pl.DataFrame(pl.from_arrow(batch)).cast(schema) for batch in reader]
    # one contiguous copy: a batch's columns share one DuckDB chunk, freed only when none
    # of them is referenced any longer (zero-copy columns would keep every chunk alive)
    return pl.concat(parts, rechunk=True) if parts else pl.DataFrame(schema=schema)


def data_cut(store: StudyStore) -> dt.date | None:
    """The latest date of the store's records of :data:`DATA_CUT_DATES`, as
    :func:`mscohort.analyse.study.latest_record` reads it from every record."""
    days = [store.con.execute(f'SELECT max("{c}") FROM "{t}"').fetchall()[0][0]
            for t, c in DATA_CUT_DATES]
    known = [d for d in days if d is not None]
    return max(known) if known else None

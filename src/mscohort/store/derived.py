"""The derived tables of the store recomputed after an import, a batch of patients at a
time (issue #23): every score of an assessment depends only on its patient, except the
local MSSS and ARMSS, which rank each EDSS within the whole cohort. Each batch of patients
is derived (:func:`mscohort.derive.assessments.derive_edss`) and written to disk while its
assessments are counted per (whole year, EDSS step) cell; then each batch gets the
cohort's local scores from those cells, and ``derived_edss`` is filled from the batches.
The table equals ``derive_edss`` of the whole study, while memory holds one batch (plus
the cells' counts) instead of the whole study and all its scores. ``derived_msfc`` (a
score per row) is made a batch at a time the same way."""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from mscohort.derive.assessments import derive_edss, derive_msfc
from mscohort.derive.local_rank_cells import cell_scores, count_cells, score_of
from mscohort.derive.severity import MAX_DURATION_YEARS
from mscohort.schema import TABLES
from mscohort.store.leftovers import work_prefix
from mscohort.store.row_groups import whole_row_groups
from mscohort.store.versions import q
from mscohort.study import Study

#: Patients derived at a time.
BATCH_PATIENTS = 20_000


def _patient_range(column: str, lo: str | None, hi: str | None) -> tuple[str, list[str]]:
    """A `` WHERE`` clause (or nothing) keeping ``column`` in [lo, hi), and its parameters."""
    where, params = [], []
    if lo is not None:
        where.append(f"{column} >= ?")
        params.append(lo)
    if hi is not None:
        where.append(f"{column} < ?")
        params.append(hi)
    return (f" WHERE {' AND '.join(where)}" if where else ""), params


def _rows(con: duckdb.DuckDBPyConnection, table: str, lo: str | None, hi: str | None
          ) -> pl.DataFrame:
    """The stored rows of ``table`` for patients in [lo, hi) (None: unbounded), by key."""
    spec = TABLES[table]
    where, params = _patient_range("patient_id", lo, hi)
    sql = (f"SELECT {', '.join(map(q, spec.stored_columns))} FROM {q(table)}{where}"
           + f" ORDER BY {', '.join(map(q, spec.key))}")
    return con.sql(sql, params=params).pl().cast(spec.stored_schema())


def _arrays(part: pl.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """EDSS, duration (capped at 30 years, as :func:`local_msss`) and age as floats, from a
    batch of :func:`derive_edss` (its ``age_years`` and ``duration_years``: completed years
    from birth and onset to the assessment)."""
    e = part["edss"].cast(pl.Float64).to_numpy()
    d = part["duration_years"].cast(pl.Float64).to_numpy()
    with np.errstate(invalid="ignore"):
        d = np.minimum(d, MAX_DURATION_YEARS)
    a = part["age_years"].cast(pl.Float64).to_numpy()
    return e, d, a


def _edges(con: duckdb.DuckDBPyConnection, table: str, size: int) -> list[str | None]:
    """Patient-range edges of batches of ``size`` patients of ``table`` (sorted ids; None:
    unbounded), so that the batches cover every stored row."""
    ids = con.sql(f"SELECT DISTINCT patient_id FROM {q(table)} ORDER BY patient_id").pl()[
        "patient_id"]
    return [None, *[ids[i] for i in range(0, len(ids), size)][1:], None]


def _null_nan(values: np.ndarray, name: str) -> pl.Series:
    return pl.Series(name, values).fill_nan(None)


def _write_part(part: pl.DataFrame, path: Path | str) -> None:
    """Write one derived part; polars reports a failed write (disk full, file too large)
    as a ComputeError, raised here as the :class:`OSError` it is, so that the import ends
    as a store write error (exit code 3), not a traceback."""
    try:
        part.write_parquet(path, compression="uncompressed")
    except pl.exceptions.ComputeError as exc:
        raise OSError(f"{path}: {str(exc).splitlines()[0]}") from exc


def refresh_derived_edss(con: duckdb.DuckDBPyConnection,
                         batch_patients: int | None = None) -> None:
    """Replace ``derived_edss`` with the scores of every stored EDSS assessment (inside the
    caller's transaction), :data:`BATCH_PATIENTS` patients at a time, reading the stored
    EDSS once: each batch is derived (:func:`derive_edss`), written to a Parquet part, and
    its (year, EDSS) cells counted for the cohort's local MSSS/ARMSS
    (:mod:`mscohort.derive.local_rank_cells`); then each part gets its local scores from the
    cohort's cells, and the table is filled from the parts in one statement."""
    size = batch_patients or BATCH_PATIENTS
    edges = _edges(con, "edss", size)
    with tempfile.TemporaryDirectory(prefix=work_prefix("derived")) as work:
        drafts, msss_cells, armss_cells = [], [], []
        for n, (lo, hi) in enumerate(itertools.pairwise(edges)):
            part = derive_edss(Study({"patients": _rows(con, "patients", lo, hi),
                                      "edss": _rows(con, "edss", lo, hi)}))
            e, d, a = _arrays(part)
            msss_cells.append(count_cells(e, d))
            armss_cells.append(count_cells(e, a))
            drafts.append(Path(work) / f"draft{n:06d}.parquet")
            _write_part(part, drafts[-1])
        msss, armss = cell_scores(pl.concat(msss_cells)), cell_scores(pl.concat(armss_cells))
        parts = []
        for n, draft in enumerate(drafts):
            part = pl.read_parquet(draft)
            e, d, a = _arrays(part)
            part = part.with_columns(_null_nan(score_of(e, d, msss), "local_msss"),
                                     _null_nan(score_of(e, a, armss), "local_armss"))
            parts.append(str(Path(work) / f"{n:06d}.parquet"))
            _write_part(part, parts[-1])
            draft.unlink()
        _store(con, "derived_edss", part.schema, parts)


def refresh_derived_msfc(con: duckdb.DuckDBPyConnection,
                         batch_patients: int | None = None) -> None:
    """Replace ``derived_msfc`` with :func:`derive_msfc` of the stored ``msfc`` table
    (inside the caller's transaction), :data:`BATCH_PATIENTS` patients at a time: every
    score of a test depends on its row alone (:func:`mscohort.derive.msfc.msfc_scores`),
    so the batches, in key order, give the table of the whole study at once."""
    size = batch_patients or BATCH_PATIENTS
    with tempfile.TemporaryDirectory(prefix=work_prefix("derived")) as work:
        parts = []
        for n, (lo, hi) in enumerate(itertools.pairwise(_edges(con, "msfc", size))):
            part = derive_msfc(Study({"msfc": _rows(con, "msfc", lo, hi)}))
            parts.append(str(Path(work) / f"{n:06d}.parquet"))
            _write_part(part, parts[-1])
        _store(con, "derived_msfc", part.schema, parts)


def _store(con: duckdb.DuckDBPyConnection, table: str, schema: pl.Schema,
           parts: list[str]) -> None:
    """Replace ``table`` with the batches' Parquet ``parts``, in their order, in one
    statement: DuckDB streams them into the table (holding the uncommitted rows itself,
    within its memory limit), where appending each batch from Python memory grew the
    process by about 160 bytes a row until the commit (issue #23); on one thread, in whole
    row groups that the checkpoint keeps (:mod:`mscohort.store.row_groups`)."""
    con.register("_derived_schema", pl.DataFrame(schema=schema).to_arrow())
    try:
        con.execute(f"CREATE OR REPLACE TABLE {q(table)} AS SELECT * FROM _derived_schema")
        with whole_row_groups(con):  # else the checkpoint rewrites the table (row_groups.py)
            con.execute(f"INSERT INTO {q(table)} SELECT * FROM read_parquet(?)", [parts])
    finally:
        con.unregister("_derived_schema")


__all__ = ["BATCH_PATIENTS", "refresh_derived_edss", "refresh_derived_msfc"]

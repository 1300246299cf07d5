"""The derived tables of the store recomputed after an import, a batch of patients at a
time (issue #23): every score of an assessment depends only on its patient, except the
local MSSS and ARMSS, which rank each EDSS within the whole cohort. Those two are counted
first, a batch at a time, as assessments per (whole year, EDSS step) cell; then each batch
of patients is derived (:func:`mscohort.derive.assessments.derive_edss`), given the
cohort's local scores from those cells, and appended to ``derived_edss``. The table
equals ``derive_edss`` of the whole study, while memory holds
one batch (plus the cells' counts) instead of the whole study and all its scores."""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from mscohort.derive.assessments import derive_edss
from mscohort.derive.local_rank_cells import CellScores, cell_scores, count_cells, score_of
from mscohort.derive.severity import MAX_DURATION_YEARS
from mscohort.derive.timing import completed_years_expr
from mscohort.schema import TABLES
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


def _inputs(con: duckdb.DuckDBPyConnection, lo: str | None, hi: str | None) -> pl.DataFrame:
    """Date, EDSS, age and duration (completed years) of the stored EDSS assessments of the
    patients in [lo, hi) (None: unbounded), in (patient, date) order."""
    where, params = _patient_range("e.patient_id", lo, hi)
    frame = con.sql(
        "SELECT e.date, e.edss, p.birth_date, p.onset_date FROM edss e "
        "LEFT JOIN patients p USING (patient_id)" + where
        + " ORDER BY e.patient_id, e.date", params=params).pl()
    frame = frame.with_columns(
        pl.col("date").cast(pl.Date), pl.col("birth_date").cast(pl.Date),
        pl.col("onset_date").cast(pl.Date), pl.col("edss").cast(pl.Float64))
    return frame.select(
        "date", "edss",
        completed_years_expr(pl.col("birth_date"), pl.col("date")).alias("age_years"),
        completed_years_expr(pl.col("onset_date"), pl.col("date")).alias("duration_years"))


def _arrays(inputs: pl.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """EDSS, duration (capped at 30 years, as :func:`local_msss`) and age as floats."""
    e = inputs["edss"].to_numpy().astype(np.float64)
    d = inputs["duration_years"].cast(pl.Float64).to_numpy()
    with np.errstate(invalid="ignore"):
        d = np.minimum(d, MAX_DURATION_YEARS)
    a = inputs["age_years"].cast(pl.Float64).to_numpy()
    return e, d, a


def cohort_cell_scores(con: duckdb.DuckDBPyConnection, edges: list[str | None]
                       ) -> tuple[CellScores, CellScores]:
    """The local MSSS and ARMSS of every (whole year, EDSS step) cell of the stored cohort,
    counted a batch of patients (``edges``) at a time: memory holds one batch and the
    counts (a few thousand cells), not the cohort's 42 million rows at 3 million patients."""
    msss, armss = [], []
    for lo, hi in itertools.pairwise(edges):
        e, d, a = _arrays(_inputs(con, lo, hi))
        msss.append(count_cells(e, d))
        armss.append(count_cells(e, a))
    return cell_scores(pl.concat(msss)), cell_scores(pl.concat(armss))


def _null_nan(values: np.ndarray, name: str) -> pl.Series:
    return pl.Series(name, values).fill_nan(None)


def refresh_derived_edss(con: duckdb.DuckDBPyConnection,
                         batch_patients: int | None = None) -> None:
    """Replace ``derived_edss`` with the scores of every stored EDSS assessment (inside the
    caller's transaction), :data:`BATCH_PATIENTS` patients at a time: a first pass counts
    the cohort's (year, EDSS) cells for the local MSSS/ARMSS
    (:mod:`mscohort.derive.local_rank_cells`), a second derives each batch and reads its
    local scores from those cells."""
    size = batch_patients or BATCH_PATIENTS
    ids = con.sql("SELECT DISTINCT patient_id FROM edss ORDER BY patient_id").pl()[
        "patient_id"]
    bounds = [ids[i] for i in range(0, len(ids), size)][1:]
    del ids
    edges: list[str | None] = [None, *bounds, None]
    msss, armss = cohort_cell_scores(con, edges)
    with tempfile.TemporaryDirectory(prefix="mscohort-derived-") as work:
        parts = []
        for n, (lo, hi) in enumerate(itertools.pairwise(edges)):
            study = Study({"patients": _rows(con, "patients", lo, hi),
                           "edss": _rows(con, "edss", lo, hi)})
            part = derive_edss(study)
            mine = _inputs(con, lo, hi)
            # both in (patient, date) order of the same table: the dates must line up
            if not mine["date"].equals(part["date"]):  # pragma: no cover - a bug
                raise RuntimeError("derived_edss batches are out of step with the cohort's rows")
            e, d, a = _arrays(mine)
            part = part.with_columns(_null_nan(score_of(e, d, msss), "local_msss"),
                                     _null_nan(score_of(e, a, armss), "local_armss"))
            parts.append(str(Path(work) / f"{n:06d}.parquet"))
            part.write_parquet(parts[-1])
        _store(con, part.schema, parts)


def _store(con: duckdb.DuckDBPyConnection, schema: pl.Schema, parts: list[str]) -> None:
    """Replace ``derived_edss`` with the batches' Parquet ``parts``, in their order, in one
    statement: DuckDB streams them into the table (holding the uncommitted rows itself,
    within its memory limit), where appending each batch from Python memory grew the
    process by about 160 bytes a row until the commit (issue #23)."""
    con.register("_derived_schema", pl.DataFrame(schema=schema).to_arrow())
    try:
        con.execute("CREATE OR REPLACE TABLE derived_edss AS SELECT * FROM _derived_schema")
        con.execute("INSERT INTO derived_edss SELECT * FROM read_parquet(?)", [parts])
    finally:
        con.unregister("_derived_schema")


__all__ = ["BATCH_PATIENTS", "cohort_cell_scores", "refresh_derived_edss"]

"""The derived tables of the store recomputed after an import, a batch of patients at a
time (issue #23): every score of an assessment depends only on its patient, except the
local MSSS and ARMSS, which rank each EDSS within the whole cohort. Those two are computed
first over the cohort's EDSS, durations and ages only; then each batch of patients is
derived (:func:`mscohort.derive.assessments.derive_edss`), given the cohort's local scores,
and appended to ``derived_edss``. The table equals ``derive_edss`` of the whole study, while
memory holds one batch (plus five columns of the cohort) instead of the whole study and all
its scores."""

from __future__ import annotations

import itertools

import duckdb
import polars as pl

from mscohort.derive.assessments import derive_edss
from mscohort.derive.severity import local_armss, local_msss
from mscohort.derive.timing import completed_years_expr
from mscohort.schema import TABLES
from mscohort.store.versions import q
from mscohort.study import Study

#: Patients derived at a time.
BATCH_PATIENTS = 20_000


def _rows(con: duckdb.DuckDBPyConnection, table: str, lo: str | None, hi: str | None
          ) -> pl.DataFrame:
    """The stored rows of ``table`` for patients in [lo, hi) (None: unbounded), by key."""
    spec = TABLES[table]
    where, params = [], []
    if lo is not None:
        where.append("patient_id >= ?")
        params.append(lo)
    if hi is not None:
        where.append("patient_id < ?")
        params.append(hi)
    sql = (f"SELECT {', '.join(map(q, spec.stored_columns))} FROM {q(table)}"
           + (f" WHERE {' AND '.join(where)}" if where else "")
           + f" ORDER BY {', '.join(map(q, spec.key))}")
    return con.sql(sql, params=params).pl().cast(spec.stored_schema())


def cohort_local_scores(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Local MSSS and ARMSS of every stored EDSS assessment, with its date, in the order of
    (patient, date). Only the four columns the scores need are read (not the patient ids:
    at 3 million patients they alone would take about 700 MB)."""
    frame = con.sql(
        "SELECT e.date, e.edss, p.birth_date, p.onset_date FROM edss e "
        "LEFT JOIN patients p USING (patient_id) ORDER BY e.patient_id, e.date").pl()
    frame = frame.with_columns(
        pl.col("date").cast(pl.Date), pl.col("birth_date").cast(pl.Date),
        pl.col("onset_date").cast(pl.Date), pl.col("edss").cast(pl.Float64))
    years = frame.select(
        completed_years_expr(pl.col("birth_date"), pl.col("date")).alias("age_years"),
        completed_years_expr(pl.col("onset_date"), pl.col("date")).alias("duration_years"))
    e = frame["edss"]
    return frame.select("date").with_columns(
        pl.Series("local_msss", local_msss(e, years["duration_years"])).fill_nan(None),
        pl.Series("local_armss", local_armss(e, years["age_years"])).fill_nan(None))


def refresh_derived_edss(con: duckdb.DuckDBPyConnection,
                         batch_patients: int | None = None) -> None:
    """Replace ``derived_edss`` with the scores of every stored EDSS assessment (inside the
    caller's transaction), :data:`BATCH_PATIENTS` patients at a time."""
    size = batch_patients or BATCH_PATIENTS
    local = cohort_local_scores(con)
    ids = con.sql("SELECT DISTINCT patient_id FROM edss ORDER BY patient_id").pl()[
        "patient_id"]
    bounds = [ids[i] for i in range(0, len(ids), size)][1:]
    edges: list[str | None] = [None, *bounds, None]
    done = 0
    for n, (lo, hi) in enumerate(itertools.pairwise(edges)):
        study = Study({"patients": _rows(con, "patients", lo, hi),
                       "edss": _rows(con, "edss", lo, hi)})
        part = derive_edss(study)
        mine = local.slice(done, part.height)
        done += part.height
        # both in (patient, date) order of the same table: the dates must line up
        if not mine["date"].equals(part["date"]):  # pragma: no cover - a bug
            raise RuntimeError("derived_edss batches are out of step with the cohort's rows")
        part = part.with_columns(mine["local_msss"], mine["local_armss"])
        con.register("_derived", part.to_arrow())
        try:
            con.execute("CREATE OR REPLACE TABLE derived_edss AS SELECT * FROM _derived"
                        if n == 0 else "INSERT INTO derived_edss SELECT * FROM _derived")
        finally:
            con.unregister("_derived")


__all__ = ["BATCH_PATIENTS", "cohort_local_scores", "refresh_derived_edss"]

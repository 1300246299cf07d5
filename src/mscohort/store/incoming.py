"""The rows an import brings, as the store's SQL reads them: a validated study in memory
(:class:`~mscohort.study.Study`, registered with DuckDB) or the typed Parquet parts of a
batched validation (:class:`~mscohort.validate.batches.TypedParts`, read by DuckDB from
disk, so memory does not hold the study: issue #23). The store's comparison, write and key
check (:mod:`mscohort.store.changes`, :mod:`mscohort.store.keys`) read either the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import polars as pl

from mscohort.schema import TABLES
from mscohort.study import Study
from mscohort.validate.batches import TypedParts

#: What an import brings: a study in memory, or typed parts on disk.
Incoming = Study | TypedParts


def n_rows(study: Incoming, name: str) -> int:
    """Typed rows of table ``name`` the import brings."""
    if isinstance(study, TypedParts):
        return study.rows.get(name, 0)
    return study.lineage(name).height


def _lineage(frame: pl.DataFrame) -> list[pl.Expr]:
    return [pl.col("_file") if "_file" in frame.columns else pl.lit(None, pl.String)
            .alias("_file"),
            pl.col("_row") if "_row" in frame.columns else pl.lit(None, pl.Int64).alias("_row")]


@contextmanager
def rows_sql(con: duckdb.DuckDBPyConnection, study: Incoming, name: str,
             alias: str = "_new") -> Iterator[str]:
    """A table expression for the rows of ``name`` the import brings, with its stored
    columns and the lineage ``_file``, ``_row`` (empty for rows read from a store)."""
    spec = TABLES[name]
    if isinstance(study, TypedParts) and study.files(name):
        yield f"(SELECT _file, _row, {', '.join(_q(c) for c in spec.stored_columns)} " \
              f"FROM {study.sql(name)})"
        return
    frame = (study.lineage(name).sort(spec.key, nulls_last=True, maintain_order=True)
             if isinstance(study, Study) else pl.DataFrame(schema=spec.stored_schema()))
    con.register(alias, frame.select(*_lineage(frame), *spec.stored_columns).to_arrow())
    try:
        yield alias
    finally:
        con.unregister(alias)


def subset(study: Incoming, patient_ids: list[str]) -> Study:
    """The rows of ``patient_ids`` the import brings, in memory (with lineage)."""
    if isinstance(study, Study):
        return Study({name: frame.filter(pl.col("patient_id").is_in(patient_ids))
                      for name, frame in study.tables.items()})
    return Study({name: study.frame(name, patient_ids) for name in TABLES
                  if study.files(name)})


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


__all__ = ["Incoming", "n_rows", "rows_sql", "subset"]

"""Checks of an import against the stored records it does not bring: a corrected birth
date must not put stored records of that patient before birth
(:func:`mscohort.validate.births.corrected_birth_issues`)."""

from __future__ import annotations

import duckdb
import polars as pl

from mscohort.schema import TABLES
from mscohort.store.changes import StoreDiff
from mscohort.store.incoming import Incoming, subset
from mscohort.store.versions import q
from mscohort.study import Study
from mscohort.validate.births import BIRTH_COLUMNS, corrected_birth_issues


def birth_recheck(con: duckdb.DuckDBPyConnection, study: Incoming,
                  diff: StoreDiff) -> list[pl.DataFrame]:
    """``before_birth`` issues of the stored records of the patients whose birth date the
    import ``study`` changes (``diff``: the import against the current view); [] when it
    changes none. Reads the current view only (inside the caller's transaction, if any)."""
    changed = diff.changed.filter((pl.col("table") == "patients")
                                  & pl.col("column").is_in(list(BIRTH_COLUMNS)))
    if changed.height == 0:
        return []
    ids = pl.DataFrame({"patient_id": changed["patient_id"].unique().to_list()},
                       schema={"patient_id": pl.String})
    tables: dict[str, pl.DataFrame] = {}
    con.register("_ids", ids.to_arrow())
    try:
        for name, spec in TABLES.items():
            cols = ", ".join(f"s.{q(c)}" for c in spec.stored_columns)
            tables[name] = con.sql(
                f"SELECT {cols} FROM {q(name)} s JOIN _ids i ON s.patient_id = i.patient_id"
            ).pl().cast(spec.stored_schema())
    finally:
        con.unregister("_ids")
    # the import's rows of these patients only (in memory even for a registry)
    return corrected_birth_issues(Study(tables), subset(study, ids["patient_id"].to_list()))

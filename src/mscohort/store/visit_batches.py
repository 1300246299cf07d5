"""A study store's visits and relapses read a batch of patients at a time (issue #23).

``mscohort events --db`` at registry scale (3 million patients, ~45 million assessments)
cannot hold the EDSS and relapse tables in memory at once. :class:`VisitBatches` lists the
patients with assessments in the order of their identifiers (DuckDB's ``ORDER BY``), cuts
that list into batches of ``batch_patients`` whole patients, and reads each batch's
assessments and relapses by a range of identifiers (``lo <= patient_id < hi``), so that a
patient is never split across batches and the batches come in the order the event scan
numbers patients (the byte order of the identifiers, as a polars sort: see
:mod:`mscohort.derive.events.ordering`). Should DuckDB's order of the identifiers ever
differ from polars' (it does not for UTF-8 text compared byte by byte), the patients are
read as one batch, so the output is always the one of an unbatched run.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import duckdb
import polars as pl

from mscohort.errors import bad_argument
from mscohort.schema import TABLES
from mscohort.store.duckdb_store import StudyStore

#: Patients per batch of ``mscohort events --db`` (about 3 million assessments at 15 each).
BATCH_PATIENTS = 200_000
#: The store's table of each outcome's assessments, and the column holding the outcome.
_SOURCES = {"edss": ("edss", "edss"), "t25fw": ("derived_msfc", "t25fw_s"),
            "nhpt": ("derived_msfc", "nhpt_dom_s")}  # as loading.MSFC_COLUMNS


class VisitBatches:
    """The assessments of outcome ``value`` and the relapses of a store, by batches of
    ``batch_patients`` patients (None: one batch)."""

    def __init__(self, store: StudyStore, value: str = "edss",
                 batch_patients: int | None = BATCH_PATIENTS) -> None:
        if value not in _SOURCES:
            raise bad_argument("value", f"one of {', '.join(_SOURCES)}", value)
        if batch_patients is not None and (isinstance(batch_patients, bool)
                                           or not isinstance(batch_patients, int)
                                           or batch_patients < 1):
            raise bad_argument("batch_patients", "a positive whole number or None",
                               batch_patients)
        self.store, self.value = store, value
        self.table, self.column = _SOURCES[value]
        ids = self._patients()
        in_order = ids.len() < 2 or bool(ids.is_sorted())
        size = batch_patients if batch_patients is not None and in_order else None
        step = max(ids.len(), 1) if size is None else size
        #: first identifier of each batch (the lower end of its range)
        self.starts: list[str] = ids.gather_every(step).to_list() or [""]
        self.sizes = [min(step, ids.len() - i) for i in range(0, ids.len(), step)] or [0]
        self.n_patients = ids.len()

    def _exists(self) -> bool:
        return self.table == "edss" or bool(self.store.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
            [self.table]).fetchall()[0][0])

    def _patients(self) -> pl.Series:
        if not self._exists():
            return pl.Series("patient_id", [], dtype=pl.String)
        frame = self.store.con.sql(f'SELECT DISTINCT patient_id FROM "{self.table}" '
                                   "WHERE patient_id IS NOT NULL ORDER BY patient_id").pl()
        return frame["patient_id"].cast(pl.String)

    def __len__(self) -> int:
        return len(self.starts)

    def _where(self, i: int) -> tuple[str, list[str]]:
        if len(self.starts) == 1:
            return "", []
        if i + 1 == len(self.starts):
            return "WHERE patient_id >= ? ", [self.starts[i]]
        if i == 0:
            return "WHERE patient_id < ? ", [self.starts[1]]
        return "WHERE patient_id >= ? AND patient_id < ? ", [self.starts[i], self.starts[i + 1]]

    def visits(self, where: str, params: list[str],
               con: duckdb.DuckDBPyConnection | None = None) -> pl.DataFrame:
        """Assessments of the outcome (``patient_id``, ``date``, ``value``) ``where``."""
        if not self._exists():
            return pl.DataFrame(schema={"patient_id": pl.String, "date": pl.Date,
                                        self.value: pl.Float64})
        frame = (con or self.store.con).sql(
            f'SELECT patient_id, date, "{self.column}" AS "{self.value}" FROM '
            f'"{self.table}" {where}ORDER BY patient_id, date', params=params or None).pl()
        return frame.cast({"patient_id": pl.String, "date": pl.Date, self.value: pl.Float64})

    def relapses(self, where: str, params: list[str],
                 con: duckdb.DuckDBPyConnection | None = None) -> pl.DataFrame:
        """Relapses as stored (:meth:`StudyStore.read`'s columns and types) ``where``."""
        spec = TABLES["relapses"]
        cols = ", ".join(f'"{c}"' for c in spec.stored_columns)
        frame = (con or self.store.con).sql(
            f"SELECT {cols} FROM relapses {where}ORDER BY "
            f"{', '.join(spec.key)}", params=params or None).pl()
        return frame.cast(spec.stored_schema())

    def patient(self, patient_id: str) -> tuple[pl.DataFrame, pl.DataFrame]:
        """One patient's assessments and relapses (for ``--explain``)."""
        return (self.visits("WHERE patient_id = ? ", [patient_id]),
                self.relapses("WHERE patient_id = ? ", [patient_id]))

    def _read(self, i: int, con: duckdb.DuckDBPyConnection
              ) -> tuple[pl.DataFrame, pl.DataFrame]:
        where, params = self._where(i)
        return self.visits(where, params, con), self.relapses(where, params, con)

    def __iter__(self) -> Iterator[tuple[pl.DataFrame, pl.DataFrame]]:
        """Each batch's assessments and relapses, in identifier order. The next batch is
        read (by DuckDB, which releases Python's lock) while the caller works on this one,
        so reading and detecting share the cores; at most two batches are held."""
        con = self.store.con.cursor()  # the reading thread's own connection
        try:
            with ThreadPoolExecutor(1) as reader:
                ahead = reader.submit(self._read, 0, con)
                for i in range(len(self.starts)):
                    batch = ahead.result()
                    if i + 1 < len(self.starts):
                        ahead = reader.submit(self._read, i + 1, con)
                    yield batch
        finally:
            con.close()


__all__ = ["BATCH_PATIENTS", "VisitBatches"]

"""The study store: one embedded DuckDB file (no server), one table per canonical table.

Guarantees (tested):

* An import is one transaction: all of it is stored, or none of it.
* Stored rows are never changed or deleted by an import. A new row whose key (e.g.
  patient and date for ``edss``) is already stored must equal the stored row exactly;
  otherwise the import fails with ``conflicts_with_store`` and nothing is written.
* Importing the same data again stores nothing and records nothing: the database is
  unchanged.
* Every import that adds rows is recorded in ``imports`` and ``import_files`` (time,
  mscohort version, source, each file's SHA-256, rows read, added and already stored), and
  each stored row carries the ``import_id`` that added it.
* Reading a table back gives exactly the rows and values that were imported.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

import duckdb
import polars as pl

from mscohort._version import __version__
from mscohort.derive.assessments import derive_edss, derive_msfc
from mscohort.errors import StoreWriteError, UsageError, bad_argument, bad_usage
from mscohort.ingest import Mapping, RawStudy
from mscohort.schema import TABLES, Table
from mscohort.store.changes import (
    Acceptance,
    StoreDiff,
    conflict_issues,
    store_diff,
)
from mscohort.store.import_result import ImportResult
from mscohort.store.incoming import Incoming
from mscohort.store.leftovers import remove_leftovers
from mscohort.store.versions import (
    AUDIT_DDL,
    as_of_sql,
    fill_history_sql,
    history_ddl,
    history_name,
    patient_history_sql,
)
from mscohort.study import Study
from mscohort.validate import ValidationReport
from mscohort.validate.check import KNOWN_PATIENT_COLUMNS

#: 2: patients.enrolment_date; 3: mri table, oct.optic_neuritis; 4: record versions
#: (``history_<table>``, ``import_audit``: corrections and retractions with who and why);
#: 5: no PRIMARY KEY on the canonical and history tables (keys checked in SQL at import,
#: :mod:`mscohort.store.keys`: DuckDB's key indexes are held in memory)
SCHEMA_VERSION = "5"
#: DuckDB's memory for one store connection (its default is 80% of the machine's memory,
#: which lets one import of a registry take what other programs need); beyond it DuckDB
#: spills to ``<store>.tmp`` next to the file.
STORE_MEMORY_LIMIT = "3GB"
#: Derived tables kept in the store (``derived_<name>``), recomputed at every import.
DERIVED = {"edss": derive_edss, "msfc": derive_msfc}

_SQL_TYPES = {
    pl.String(): "VARCHAR",
    pl.Date(): "DATE",
    pl.Float64(): "DOUBLE",
    pl.Int64(): "BIGINT",
    pl.Boolean(): "BOOLEAN",
}

_META_DDL = (
    "CREATE TABLE IF NOT EXISTS mscohort_meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
    """CREATE TABLE IF NOT EXISTS imports (
        import_id INTEGER PRIMARY KEY, imported_at TIMESTAMP NOT NULL,
        mscohort_version VARCHAR NOT NULL, source VARCHAR NOT NULL, mapping VARCHAR,
        validated_as_of DATE NOT NULL, n_warnings INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS import_files (
        import_id INTEGER NOT NULL, table_name VARCHAR NOT NULL, file VARCHAR NOT NULL,
        sha256 VARCHAR NOT NULL, rows_read BIGINT NOT NULL, rows_added BIGINT NOT NULL,
        rows_already_stored BIGINT NOT NULL, PRIMARY KEY (import_id, table_name))""",
)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _table_ddl(spec: Table) -> str:
    """The canonical table of ``spec``. No PRIMARY KEY
    (schema version 5): DuckDB would hold its index in memory, ~2.5 KB a patient; the keys
    are checked in SQL inside each import (:mod:`mscohort.store.keys`)."""
    cols = [
        f"{_q(column)} {_SQL_TYPES[dtype]}" + (" NOT NULL" if column in spec.key else "")
        for column, dtype in spec.stored_schema().items()
    ]
    cols.append("import_id INTEGER NOT NULL")
    return f"CREATE TABLE IF NOT EXISTS {_q(spec.name)} ({', '.join(cols)})"


def _without_key_index(spec: Table) -> tuple[str, ...]:
    """Schema 4 -> 5: rebuild the canonical table of ``spec`` and its history without the
    PRIMARY KEY (DuckDB cannot drop a constraint): a copy of every row with the columns in
    their stored order, the key columns NOT NULL as before, then the old table replaced.
    Inside the upgrade's one transaction, so all or nothing."""
    steps: list[str] = []
    for table, required in ((spec.name, (*spec.key, "import_id")),
                            (history_name(spec.name), (*spec.key, "version", "action"))):
        tmp = _q(f"_upgrade_{table}")
        steps += [f"CREATE TABLE {tmp} AS SELECT * FROM {_q(table)}",
                  *(f"ALTER TABLE {tmp} ALTER COLUMN {_q(c)} SET NOT NULL" for c in required),
                  f"DROP TABLE {_q(table)}", f"ALTER TABLE {tmp} RENAME TO {_q(table)}"]
    return tuple(steps)


def _migrations() -> dict[str, tuple[str, ...]]:
    """How a store of an older schema version is brought up to date, by version: statements
    that only add (a table; a column that is empty for the stored rows), or (4 -> 5) copy
    every row into a table without the key index, so no stored value changes."""
    return {"2": ('ALTER TABLE "oct" ADD COLUMN "optic_neuritis" BOOLEAN',
                  _table_ddl(TABLES["mri"])),
            "3": (AUDIT_DDL, *(history_ddl(spec, _SQL_TYPES) for spec in TABLES.values()),
                  *(fill_history_sql(spec) for spec in TABLES.values())),
            "4": tuple(step for spec in TABLES.values() for step in _without_key_index(spec))}


class StudyStore:
    """A study database in a DuckDB file. Use as a context manager, or call :meth:`close`."""

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = Path(path)
        if read_only and not self.path.exists():
            raise UsageError(f"study database {self.path} does not exist; run `mscohort import`.")
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
            # a setting, not a connection option: another connection to the same file in
            # this process (with default options) stays possible
            self.con.execute(f"SET memory_limit = '{STORE_MEMORY_LIMIT}'")
        except duckdb.Error as exc:
            raise UsageError(f"{self.path} cannot be opened as a DuckDB study store: {exc}") \
                from None
        try:
            if not read_only:
                self._create_schema()
                remove_leftovers(self.path)  # killed imports' folders (we hold the lock)
            self._check_schema()
        except BaseException as exc:
            self.con.close()  # a refused store is not left open (and locked)
            if isinstance(exc, duckdb.Error):
                raise self._write_error(exc) from None
            raise

    def __enter__(self) -> StudyStore:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    # -- schema -------------------------------------------------------------------------
    def _create_schema(self) -> None:
        """Create a new store, or bring an older one up to :data:`SCHEMA_VERSION` (adding
        only: see :func:`_migrations`), in one transaction."""
        self.con.execute("BEGIN TRANSACTION")
        for ddl in _META_DDL:
            self.con.execute(ddl)
        rows = self.con.execute(
            "SELECT value FROM mscohort_meta WHERE key = 'schema_version'").fetchall()
        version = rows[0][0] if rows else None
        steps = _migrations()
        if version is None:
            for spec in TABLES.values():
                self.con.execute(_table_ddl(spec))
                self.con.execute(history_ddl(spec, _SQL_TYPES))
            self.con.execute(AUDIT_DDL)
            self.con.execute(
                "INSERT INTO mscohort_meta VALUES ('schema_version', ?), ('created_with', ?), "
                "('created_at', ?)",
                [SCHEMA_VERSION, __version__, dt.datetime.now(dt.UTC).isoformat()])
        while version in steps:
            for ddl in steps[version]:
                self.con.execute(ddl)
            version = str(int(version) + 1)
            self.con.execute(
                "UPDATE mscohort_meta SET value = ? WHERE key = 'schema_version'", [version])
            self.con.execute(
                "INSERT INTO mscohort_meta VALUES (?, ?) ON CONFLICT DO UPDATE SET value = "
                "excluded.value", [f"upgraded_to_{version}",
                                   f"{__version__} {dt.datetime.now(dt.UTC).isoformat()}"])
        self.con.execute("COMMIT")

    def _check_schema(self) -> None:
        try:
            rows = self.con.execute(
                "SELECT value FROM mscohort_meta WHERE key = 'schema_version'"
            ).fetchall()
            row = rows[0] if rows else None
        except duckdb.CatalogException:
            raise UsageError(f"{self.path} is not an mscohort study store.") from None
        if row is None or row[0] != SCHEMA_VERSION:
            older = row is not None and row[0] in _migrations()
            raise UsageError(
                f"{self.path} has store schema version {row[0] if row else 'none'}; this "
                f"mscohort ({__version__}) reads version {SCHEMA_VERSION}."
                + (" Run `mscohort upgrade --db " + str(self.path) + "` once to add the new "
                   "tables and columns (stored rows are not changed)." if older else "")
            )

    # -- reading ------------------------------------------------------------------------
    def _scalar(self, sql: str) -> int:
        return int(self.con.execute(sql).fetchall()[0][0])

    def read(self, table: str, *, with_import_id: bool = False,
             as_of_version: int | None = None, patient_id: str | None = None
             ) -> pl.DataFrame:
        """Table ``table`` as stored (the current view, or as it was after store version
        ``as_of_version``), sorted by its key, with the canonical column types; only the
        records of ``patient_id`` when given (current view only, read by DuckDB)."""
        spec = TABLES[table]
        if patient_id is not None and as_of_version is not None:
            raise bad_argument("patient_id", "None with as_of_version", patient_id)
        if as_of_version is not None:
            self._check_version(as_of_version)
            if with_import_id:
                raise bad_argument("with_import_id", "False with as_of_version", True)
            frame = self.con.sql(as_of_sql(table, as_of_version)).pl()
            return frame.cast(spec.stored_schema())
        cols = list(spec.stored_columns) + (["import_id"] if with_import_id else [])
        frame = self.con.sql(
            f"SELECT {', '.join(map(_q, cols))} FROM {_q(table)} "
            + ("WHERE patient_id = ? " if patient_id is not None else "")
            + f"ORDER BY {', '.join(map(_q, spec.key))}",
            params=[patient_id] if patient_id is not None else None).pl()
        schema = spec.stored_schema() | ({"import_id": pl.Int64()} if with_import_id else {})
        return frame.cast(schema)

    def study(self, as_of_version: int | None = None) -> Study:
        """Every table: the current view, or as it was after store version
        ``as_of_version``."""
        return Study({name: self.read(name, as_of_version=as_of_version) for name in TABLES})

    def version(self) -> int:
        """The store version: the number of the last import (0 for an empty store)."""
        return self._scalar("SELECT coalesce(max(import_id), 0) FROM imports")

    def _check_version(self, version: int) -> None:
        current = self.version()
        if isinstance(version, bool) or not isinstance(version, int) \
                or not 1 <= version <= current:
            raise bad_usage("as_of_version", f"a store version from 1 to {current}", version)

    def history(self, patient_id: str) -> pl.DataFrame:
        """Every version of every record of one patient, oldest first: version, table,
        record (its key), action (added, changed, retracted), values, when, who, why, and
        the source file with its SHA-256."""
        # the tables holding a row of the patient first (one cheap count; each history
        # query costs 15 to 50 ms of planning even on an empty table, issue #23)
        present = self.con.sql(" UNION ALL ".join(
            f"(SELECT '{name}' AS t FROM {_q(history_name(name))} WHERE patient_id = $1 "
            "LIMIT 1)" for name in TABLES), params=[patient_id]).fetchall()
        names = [n for n in TABLES if (n,) in present] or list(TABLES)[:1]
        frames = [self.con.sql(patient_history_sql(name), params=[patient_id]).pl()
                  for name in names]
        return pl.concat([f for f in frames if f.height] or frames[:1]).sort(
            "version", "table_name", "record")

    def audit(self) -> pl.DataFrame:
        """Every store version: when, who, why, the source and what changed."""
        return self.con.sql(
            "SELECT i.import_id AS version, i.imported_at, a.imported_by, a.reason, i.source, "
            "coalesce(a.rows_changed, 0) AS rows_changed, "
            "coalesce(a.rows_retracted, 0) AS rows_retracted FROM imports i "
            "LEFT JOIN import_audit a USING (import_id) ORDER BY i.import_id").pl()

    def counts(self) -> dict[str, int]:
        return {
            name: self._scalar(f"SELECT count(*) FROM {_q(name)}") for name in TABLES
        }

    def imports(self) -> pl.DataFrame:
        return self.con.sql("SELECT * FROM imports ORDER BY import_id").pl()

    def import_files(self) -> pl.DataFrame:
        return self.con.sql(
            "SELECT * FROM import_files ORDER BY import_id, table_name"
        ).pl()

    def derived(self, name: str) -> pl.DataFrame:
        """A derived table: ``edss`` (scores per EDSS assessment) or ``msfc`` (z-scores)."""
        if name not in DERIVED:
            raise bad_usage("name", f"a derived table, one of {', '.join(DERIVED)}", name)
        table = f"derived_{name}"
        exists = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]
        ).fetchall()[0][0]
        if not exists:
            return DERIVED[name](Study({})).clear()
        return self.con.sql(f"SELECT * FROM {_q(table)}").pl()

    def export(self, folder: str | Path, fmt: str = "parquet") -> list[Path]:
        """Write every canonical table and every derived table (``derived_<name>``) as
        Parquet (typed, for R, Python or SQL) or CSV; returns the files written."""
        if fmt not in ("parquet", "csv"):
            raise bad_usage("format", "parquet or csv", fmt)
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        frames = {name: self.read(name) for name in TABLES} | {
            f"derived_{name}": self.derived(name) for name in DERIVED}
        written = []
        for name, frame in frames.items():
            path = folder / f"{name}.{fmt}"
            if fmt == "parquet":
                frame.write_parquet(path)
            else:
                frame.write_csv(path)
            written.append(path)
        return written

    def _refresh_derived(self) -> None:
        """Recompute every derived table from the stored study (inside the caller's
        transaction): local scores depend on the whole cohort. Each is made a batch of
        patients at a time (:mod:`mscohort.store.derived`)."""
        from mscohort.store.derived import refresh_derived_edss, refresh_derived_msfc

        refresh_derived_edss(self.con)
        refresh_derived_msfc(self.con)
        self.con.execute(
            "INSERT OR REPLACE INTO mscohort_meta VALUES ('derived_with', ?)", [__version__])

    def known_patients(self) -> pl.DataFrame:
        return self.read("patients").select(KNOWN_PATIENT_COLUMNS)

    # -- writing ------------------------------------------------------------------------
    def diff(self, study: Incoming, tables_read: set[str] | None = None) -> StoreDiff:
        """What importing ``study`` would change: added, changed (old -> new) and missing
        records (stored, absent from the tables in ``tables_read``)."""
        return store_diff(self.con, study, tables_read or set())

    def conflicts(self, study: Study) -> list[pl.DataFrame]:
        """``conflicts_with_store`` issues: new rows whose key is stored with other values."""
        return conflict_issues(self.diff(study))

    def add(
        self, study: Incoming, raw: RawStudy, report: ValidationReport,
        *, mapping: Mapping | None = None, as_of: dt.date | None = None,
        accept: Acceptance | None = None, by: str | None = None, source: str | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> ImportResult:
        """Store ``study`` as a new store version, in one transaction (see
        :func:`mscohort.store.writing.add_study`)."""
        from mscohort.store.writing import add_study

        return add_study(self, study, raw, report, mapping=mapping, as_of=as_of,
                         accept=accept, by=by, source=source, progress=progress)

    def retract(self, table: str, keys: pl.DataFrame, *, by: str, reason: str) -> int:
        """Retract records as a new store version (see
        :func:`mscohort.store.writing.retract`); returns the version."""
        from mscohort.store.writing import retract

        return retract(self, table, keys, by=by, reason=reason)

    def _write_error(self, exc: Exception) -> StoreWriteError:
        return StoreWriteError(
            f"{self.path} could not be written ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else 'no detail'}). Nothing was imported "
            "and the store is unchanged; free disk space (or fix the file's permissions) and "
            "import again.")


__all__ = ["ImportResult", "StudyStore"]

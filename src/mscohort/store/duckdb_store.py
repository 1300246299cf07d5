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

import contextlib
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import duckdb
import polars as pl

from mscohort._version import __version__
from mscohort.derive.assessments import derive_edss, derive_msfc
from mscohort.errors import DataValidationError, StoreWriteError, UsageError
from mscohort.ingest import Mapping, RawStudy
from mscohort.issues import Rule, row_issues
from mscohort.schema import TABLES, Table
from mscohort.study import Study
from mscohort.validate import ValidationReport
from mscohort.validate.check import KNOWN_PATIENT_COLUMNS

SCHEMA_VERSION = "3"  # 2: patients.enrolment_date; 3: mri table, oct.optic_neuritis
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
    cols = [
        f"{_q(name)} {_SQL_TYPES[dtype]}" + (" NOT NULL" if name in spec.key else "")
        for name, dtype in spec.stored_schema().items()
    ]
    cols.append("import_id INTEGER NOT NULL")
    return (
        f"CREATE TABLE IF NOT EXISTS {_q(spec.name)} ({', '.join(cols)}, "
        f"PRIMARY KEY ({', '.join(map(_q, spec.key))}))"
    )


def _migrations() -> dict[str, tuple[str, ...]]:
    """How a store of an older schema version is brought up to date, by version: statements
    that only add (a table; a column that is empty for the stored rows), so no stored value
    changes."""
    return {"2": ('ALTER TABLE "oct" ADD COLUMN "optic_neuritis" BOOLEAN',
                  _table_ddl(TABLES["mri"]))}


@dataclass(frozen=True)
class ImportResult:
    """What one import did: the import id (None when nothing was new) and rows per table."""

    import_id: int | None
    rows_read: dict[str, int]
    rows_added: dict[str, int]
    report: ValidationReport

    @property
    def changed(self) -> bool:
        return self.import_id is not None

    @property
    def rows_already_stored(self) -> dict[str, int]:
        """Rows read that were already stored (identical), per table."""
        return {t: n - self.rows_added.get(t, 0) for t, n in self.rows_read.items() if n}

    def summary(self) -> str:
        stored = sum(self.rows_already_stored.values())
        if not self.changed:
            return (f"nothing new: every row ({stored}) is already stored; the store is "
                    "unchanged")
        parts = [f"{t} +{n}" for t, n in self.rows_added.items() if self.rows_read.get(t)]
        already = "" if not stored else "; already stored (kept as they were): " + ", ".join(
            f"{t} {n}" for t, n in self.rows_already_stored.items() if n)
        return f"import {self.import_id}: " + ", ".join(parts) + already


class StudyStore:
    """A study database in a DuckDB file. Use as a context manager, or call :meth:`close`."""

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = Path(path)
        if read_only and not self.path.exists():
            raise UsageError(f"study database {self.path} does not exist; run `mscohort import`.")
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as exc:
            raise UsageError(f"{self.path} cannot be opened as a DuckDB study store: {exc}") \
                from None
        try:
            if not read_only:
                self._create_schema()
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

    def read(self, table: str, *, with_import_id: bool = False) -> pl.DataFrame:
        """Table ``table`` as stored, sorted by its key, with the canonical column types."""
        spec = TABLES[table]
        cols = list(spec.stored_columns) + (["import_id"] if with_import_id else [])
        frame = self.con.sql(
            f"SELECT {', '.join(map(_q, cols))} FROM {_q(table)} "
            f"ORDER BY {', '.join(map(_q, spec.key))}"
        ).pl()
        schema = spec.stored_schema() | ({"import_id": pl.Int64()} if with_import_id else {})
        return frame.cast(schema)  # type: ignore[arg-type]

    def study(self) -> Study:
        return Study({name: self.read(name) for name in TABLES})

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
            raise UsageError(f"derived table must be one of {', '.join(DERIVED)}; got {name!r}.")
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
            raise UsageError(f"format must be parquet or csv; got {fmt!r}.")
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
        transaction): local scores depend on the whole cohort."""
        study = self.study()
        for name, derive in DERIVED.items():
            frame = derive(study)
            self.con.register("_derived", frame.to_arrow())
            try:
                self.con.execute(
                    f"CREATE OR REPLACE TABLE {_q('derived_' + name)} AS SELECT * FROM _derived")
            finally:
                self.con.unregister("_derived")
        self.con.execute(
            "INSERT OR REPLACE INTO mscohort_meta VALUES ('derived_with', ?)", [__version__])

    def known_patients(self) -> pl.DataFrame:
        return self.read("patients").select(KNOWN_PATIENT_COLUMNS)

    # -- writing ------------------------------------------------------------------------
    def conflicts(self, study: Study) -> list[pl.DataFrame]:
        """``conflicts_with_store`` issues: new rows whose key is stored with other values."""
        issues: list[pl.DataFrame] = []
        for name, spec in TABLES.items():
            new = study.lineage(name)
            if new.height == 0:
                continue
            cols = list(spec.stored_columns)
            values = [c for c in cols if c not in spec.key]
            if not values:
                continue
            self.con.register("_new", new.to_arrow())
            try:
                on = " AND ".join(f"n.{_q(k)} = s.{_q(k)}" for k in spec.key)
                differ = " OR ".join(f"n.{_q(c)} IS DISTINCT FROM s.{_q(c)}" for c in values)
                which = ", ".join(
                    f"CASE WHEN n.{_q(c)} IS DISTINCT FROM s.{_q(c)} THEN "
                    f"'{c}: stored ' || coalesce(CAST(s.{_q(c)} AS VARCHAR), 'empty') || "
                    f"', new ' || coalesce(CAST(n.{_q(c)} AS VARCHAR), 'empty') END"
                    for c in values
                )
                # the issue's value is the new row's value of the (first) differing column
                new_value = "coalesce(" + ", ".join(
                    f"CASE WHEN n.{_q(c)} IS DISTINCT FROM s.{_q(c)} THEN "
                    f"coalesce(CAST(n.{_q(c)} AS VARCHAR), 'empty') END" for c in values) + ")"
                rows = self.con.sql(
                    f"SELECT n._file, n._row, n.patient_id, {new_value} AS _new_value, "
                    f"concat_ws(' / ', {', '.join('CAST(n.' + _q(k) + ' AS VARCHAR)' for k in spec.key)}) AS _key, "  # noqa: E501
                    f"concat_ws('; ', {which}) AS _diff, s.import_id AS _import "
                    f"FROM _new n JOIN {_q(name)} s ON {on} WHERE {differ} ORDER BY n._row"
                ).pl()
            finally:
                self.con.unregister("_new")
            for file, part in rows.group_by("_file", maintain_order=True):
                issues.append(row_issues(
                    part, Rule.CONFLICTS_WITH_STORE, file=str(file[0]),
                    column=pl.col("_diff").str.extract(r"^([a-z0-9_]+):"),
                    value=pl.col("_new_value"),
                    message=pl.format("{} ({}) is stored by import {} with other values: {}",
                                      pl.lit(" and ".join(spec.key)), pl.col("_key"),
                                      pl.col("_import"), pl.col("_diff")),
                ))
        return issues

    def add(
        self, study: Study, raw: RawStudy, report: ValidationReport,
        *, mapping: Mapping | None = None, as_of: dt.date | None = None,
    ) -> ImportResult:
        """Store the rows of ``study`` not yet stored, in one transaction.

        Raises :class:`DataValidationError` (and stores nothing) when ``report`` has errors
        or any new row conflicts with a stored row.
        """
        if not report.ok:
            raise DataValidationError(report)
        rows_read = {name: study.lineage(name).height for name in TABLES}
        rows_added: dict[str, int] = {}
        self.con.execute("BEGIN TRANSACTION")
        try:
            conflicts = self.conflicts(study)
            if any(c.height for c in conflicts):
                raise DataValidationError(ValidationReport.from_issues(
                    [report.issues.drop("fix"), *conflicts], report.source))
            import_id = self._scalar("SELECT coalesce(max(import_id), 0) + 1 FROM imports")
            for name, spec in TABLES.items():
                new = study.table(name)
                if new.height == 0:
                    rows_added[name] = 0
                    continue
                self.con.register("_new", new.to_arrow())
                try:
                    on = " AND ".join(f"n.{_q(k)} = s.{_q(k)}" for k in spec.key)
                    cols = ", ".join(f"n.{_q(c)}" for c in spec.stored_columns)
                    before = self._scalar(f"SELECT count(*) FROM {_q(name)}")
                    self.con.execute(
                        f"INSERT INTO {_q(name)} ({', '.join(map(_q, spec.stored_columns))}, "
                        f"import_id) SELECT {cols}, {int(import_id)} FROM _new n "
                        f"WHERE NOT EXISTS (SELECT 1 FROM {_q(name)} s WHERE {on})"
                    )
                    after = self._scalar(f"SELECT count(*) FROM {_q(name)}")
                finally:
                    self.con.unregister("_new")
                rows_added[name] = int(after - before)
            if sum(rows_added.values()) == 0:
                self.con.execute("ROLLBACK")
                return ImportResult(None, rows_read, rows_added, report)
            self._refresh_derived()
            self.con.execute(
                "INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?, ?)",
                [import_id, dt.datetime.now(dt.UTC).replace(tzinfo=None), __version__,
                 str(raw.root.resolve()), mapping.source if mapping else None,
                 as_of or dt.date.today(), report.n_warnings],
            )
            for name, table in raw.tables.items():
                self.con.execute(
                    "INSERT INTO import_files VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [import_id, name, table.source, table.sha256, rows_read[name],
                     rows_added.get(name, 0), rows_read[name] - rows_added.get(name, 0)],
                )
            self.con.execute("COMMIT")
        except BaseException as exc:
            with contextlib.suppress(duckdb.Error):  # a failed commit ended it already
                self.con.execute("ROLLBACK")
            if isinstance(exc, duckdb.Error):
                raise self._write_error(exc) from None
            raise
        return ImportResult(int(import_id), rows_read, rows_added, report)

    def _write_error(self, exc: duckdb.Error) -> StoreWriteError:
        return StoreWriteError(
            f"{self.path} could not be written ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else 'no detail'}). Nothing was imported "
            "and the store is unchanged; free disk space (or fix the file's permissions) and "
            "import again.")


__all__ = ["ImportResult", "StudyStore"]

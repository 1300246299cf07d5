"""What an import would change in the store, and applying it in one transaction.

A new import is compared with the current view first (:func:`store_diff`): records
**added** (key not stored), **changed** (key stored with other values: old -> new per
column) and **missing** (stored, but absent from a table the import brings). Additions
need no confirmation; changes are corrections and are applied only when accepted with a
name and a reason (:class:`Acceptance`); missing records stay stored unless the acceptance
also retracts them. Every applied change is a new version in the history
(:mod:`mscohort.store.versions`); nothing is overwritten without its previous version kept.
A changed value whose stored value was corrected in the tool since the record's last import
is a correction at stake (:mod:`mscohort.store.reimport`): kept unless the acceptance takes
the file's value.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import polars as pl

from mscohort.errors import DataValidationError, bad_argument
from mscohort.issues import Rule, row_issues
from mscohort.schema import TABLES
from mscohort.store.incoming import Incoming, n_rows, rows_sql
from mscohort.store.reimport import (
    CORRECTION_CHOICES,
    CORRECTION_SCHEMA,
    RECORD_COLUMN,
    corrections_at_stake,
    describe,
    keeping,
    record_sql,
    takes_file,
    without,
)
from mscohort.store.retractions import n_kept_retractions, retractions_at_stake
from mscohort.store.row_groups import whole_row_groups
from mscohort.store.versions import history_name, q
from mscohort.validate.report import ValidationReport

DIFF_SCHEMA = {"table": pl.String, "file": pl.String, "row": pl.Int64, "patient_id": pl.String,
               "record": pl.String, "column": pl.String, "old": pl.String, "new": pl.String}
MISSING_SCHEMA = {"table": pl.String, "patient_id": pl.String, "record": pl.String}


@dataclass(frozen=True)
class Acceptance:
    """A confirmation of the changes an import makes: who and why (the audit trail).

    ``retract_missing``: also retract stored records absent from the tables the import
    brings (a full re-export replacing the stored one). ``corrections``: what to do with
    stored values corrected in the tool that the import would change
    (:mod:`mscohort.store.reimport`): "keep" them (the default) or "overwrite" them with the
    file's values; ``take_file``: the (table, record, column) of the ones that take the
    file's value even so (the web app's per-correction choice).
    """

    by: str
    reason: str
    retract_missing: bool = False
    corrections: str = "keep"
    take_file: frozenset[tuple[str, str, str]] = frozenset()

    def __post_init__(self) -> None:
        if not isinstance(self.by, str) or not self.by.strip():
            raise bad_argument("by", "the name of who accepts the changes", self.by)
        if not isinstance(self.reason, str) or not self.reason.strip():
            raise bad_argument("reason", "a reason for the changes, e.g. 'typo fixed at the "
                               "clinic'", self.reason)
        if self.corrections not in CORRECTION_CHOICES:
            raise bad_argument("corrections", f"one of {', '.join(CORRECTION_CHOICES)}",
                               self.corrections)


@dataclass(frozen=True)
class StoreDiff:
    """An import compared with the stored records (one row per changed value)."""

    added: dict[str, int]
    changed: pl.DataFrame  #: table, file, row, patient_id, record, column, old, new
    missing: pl.DataFrame  #: table, patient_id, record
    #: the changed values that are corrections at stake (:mod:`mscohort.store.reimport`)
    corrections: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema=CORRECTION_SCHEMA))

    @property
    def n_changed(self) -> int:
        """Records changed (a record with two changed columns counts once)."""
        return self.changed.select("table", "record").unique().height

    def decide(self, accept: Acceptance | None) -> tuple[pl.DataFrame, pl.DataFrame]:
        """The corrections at stake that the import keeps, and those it overwrites with the
        file's value (only with an ``accept`` that asks for it)."""
        take = (takes_file(self.corrections, accept.corrections, accept.take_file)
                if accept is not None
                else pl.Series("take", [False] * self.corrections.height, pl.Boolean))
        return self.corrections.filter(~take), self.corrections.filter(take)

    def keeping(self, kept: pl.DataFrame) -> StoreDiff:
        """This diff without the ``kept`` corrections among its changed values, and without
        the records of the ``kept`` retractions among its added ones: what the import
        writes."""
        gone = n_kept_retractions(kept)
        added = {t: n - gone.get(t, 0) for t, n in self.added.items()}
        return StoreDiff(added, without(self.changed, kept), self.missing, self.corrections)

    @property
    def n_retractions(self) -> int:
        """Retractions made in the tool at stake (records the files hold again)."""
        return int((self.corrections["column"] == RECORD_COLUMN).sum())

    def format_text(self, limit: int = 50) -> str:
        added = self.keeping(self.corrections).added  # retracted records: listed below
        lines = [f"added: {sum(added.values())} records"
                 + "".join(f", {t} +{n}" for t, n in added.items() if n),
                 f"changed: {self.n_changed} records"]
        at_stake = {(r["table"], r["record"], r["column"]): describe(r)
                    for r in self.corrections.iter_rows(named=True)}
        for r in self.changed.head(limit).iter_rows(named=True):
            said = at_stake.get((r["table"], r["record"], r["column"]))
            lines.append(f"  {r['file']} row {r['row']}: {r['table']} {r['record']} "
                         f"[{r['column']}] {r['old']} -> {r['new']}"
                         + (f"\n      {said}" if said else ""))
        if self.changed.height > limit:
            lines.append(f"  ... and {self.changed.height - limit} more changed values")
        n_values = self.corrections.height - self.n_retractions
        if n_values:
            lines.append(f"corrections made in mscohort that the files would change: "
                         f"{n_values} (kept unless the file's value is taken)")
        if self.n_retractions:
            lines.append(f"retractions made in mscohort that the files would undo: "
                         f"{self.n_retractions} (kept unless the file's record is taken)")
            for r in self.corrections.filter(pl.col("column") == RECORD_COLUMN).head(
                    limit).iter_rows(named=True):
                lines.append(f"  {r['file']} row {r['row']}: {r['table']} {r['record']} "
                             f"{describe(r)}")
        lines.append(f"missing in the new files (kept unless retracted): "
                     f"{self.missing.height} records")
        for r in self.missing.head(limit).iter_rows(named=True):
            lines.append(f"  {r['table']} {r['record']}")
        if self.missing.height > limit:
            lines.append(f"  ... and {self.missing.height - limit} more")
        return "\n".join(lines)


class ChangesNeedAcceptance(DataValidationError):
    """An import would change stored values: shown as a diff; nothing was imported."""

    def __init__(self, report: ValidationReport, diff: StoreDiff) -> None:
        self.diff = diff
        super().__init__(report)


_key_text = record_sql


def store_diff(con: duckdb.DuckDBPyConnection, study: Incoming,
               tables_read: set[str]) -> StoreDiff:
    """Compare ``study`` (in memory, or typed parts on disk) with the current view (inside
    the caller's transaction)."""
    added: dict[str, int] = {}
    changed: list[pl.DataFrame] = []
    missing: list[pl.DataFrame] = []
    for name, spec in TABLES.items():
        on = " AND ".join(f"n.{q(k)} = s.{q(k)}" for k in spec.key)
        values = [c for c in spec.stored_columns if c not in spec.key]
        if not _stores_any(con, name):  # nothing stored: every row is added
            added[name] = n_rows(study, name)
            continue
        with rows_sql(con, study, name) as new:
            added[name] = int(con.execute(
                f"SELECT count(*) FROM {new} n WHERE NOT EXISTS "
                f"(SELECT 1 FROM {q(name)} s WHERE {on})").fetchall()[0][0])
            for c in values:
                part = con.sql(
                    f"SELECT '{name}' AS \"table\", n._file AS file, n._row AS row, "
                    f"n.patient_id, {_key_text('n', spec.key)} AS record, '{c}' AS \"column\", "
                    f"CAST(s.{q(c)} AS VARCHAR) AS old, CAST(n.{q(c)} AS VARCHAR) AS new "
                    f"FROM {new} n JOIN {q(name)} s ON {on} "
                    f"WHERE n.{q(c)} IS DISTINCT FROM s.{q(c)}").pl()
                if part.height:
                    changed.append(part.cast(DIFF_SCHEMA))
            if name in tables_read:
                part = con.sql(
                    f"SELECT '{name}' AS \"table\", s.patient_id, "
                    f"{_key_text('s', spec.key)} AS record FROM {q(name)} s WHERE NOT EXISTS "
                    f"(SELECT 1 FROM {new} n WHERE {on}) ORDER BY record").pl()
                if part.height:
                    missing.append(part.cast(MISSING_SCHEMA))
    changed_frame = (pl.concat(changed).sort("table", "file", "row", "column")
                     if changed else pl.DataFrame(schema=DIFF_SCHEMA))
    missing_frame = pl.concat(missing) if missing else pl.DataFrame(schema=MISSING_SCHEMA)
    at_stake = pl.concat([corrections_at_stake(con, changed_frame),
                          retractions_at_stake(con, study)])
    return StoreDiff(added, changed_frame, missing_frame, at_stake)


def conflict_issues(diff: StoreDiff) -> list[pl.DataFrame]:
    """``conflicts_with_store`` issues: one per new row whose key is stored with other
    values, naming every differing column (stored and new value)."""
    if diff.changed.height == 0:
        return []
    rows = (diff.changed.with_columns(pl.format(
                "{}: stored {}, new {}", "column", pl.col("old").fill_null("empty"),
                pl.col("new").fill_null("empty")).alias("_one"))
            .group_by("table", "file", "row", "patient_id", "record", maintain_order=True)
            .agg(pl.col("column").first(), pl.col("new").first().alias("_new"),
                 pl.col("_one").str.join("; ").alias("_diff"))
            .rename({"row": "_row"}))
    issues = []
    for (table, file), part in rows.group_by("table", "file", maintain_order=True):
        key = " and ".join(TABLES[str(table)].key)
        issues.append(row_issues(
            part, Rule.CONFLICTS_WITH_STORE, file=str(file), column=pl.col("column"),
            value=pl.col("_new").fill_null("empty"),  # the new value of the first column
            message=pl.format(f"{key} ({{}}) is stored with other values: {{}}",
                              pl.col("record"), pl.col("_diff"))))
    return issues


def apply_changes(con: duckdb.DuckDBPyConnection, study: Incoming, version: int,
                  diff: StoreDiff, accept: Acceptance | None,
                  kept: pl.DataFrame | None = None) -> dict[str, tuple[int, int, int]]:
    """Write ``study`` as store version ``version`` (inside the caller's transaction):
    added records, accepted corrections, and accepted retractions of missing records,
    each also appended to the table's history; the ``kept`` corrections at stake keep
    their stored values. Returns (added, changed, retracted) per table."""
    kept = kept if kept is not None else pl.DataFrame(schema=CORRECTION_SCHEMA)
    counts: dict[str, tuple[int, int, int]] = {}
    retract = accept is not None and accept.retract_missing
    changed_tables = set(diff.changed["table"]) if accept is not None else set()
    missing_tables = set(diff.missing["table"]) if retract else set()
    for name, spec in TABLES.items():
        if n_rows(study, name) == 0 and name not in missing_tables:
            continue
        hist = q(history_name(name))
        cols = ", ".join(map(q, spec.stored_columns))
        ncols = ", ".join(f"n.{q(c)}" for c in spec.stored_columns)
        on = " AND ".join(f"n.{q(k)} = s.{q(k)}" for k in spec.key)
        values = [c for c in spec.stored_columns if c not in spec.key]
        differ = " OR ".join(f"n.{q(c)} IS DISTINCT FROM s.{q(c)}" for c in values) or "false"
        with rows_sql(con, study, name) as brought, keeping(con, brought, name, kept) as new:
            n_changed = n_retracted = 0
            if name in changed_tables:
                n_changed = _run(con, f"INSERT INTO {hist} SELECT {ncols}, {version}, 'changed' "
                                 f"FROM {new} n JOIN {q(name)} s ON {on} WHERE {differ}")
                sets = ", ".join(f"{q(c)} = n.{q(c)}" for c in values)
                con.execute(f"UPDATE {q(name)} s SET {sets}, import_id = {version} FROM {new} n "
                            f"WHERE {on} AND ({differ})")
            if name in missing_tables:
                gone = f"NOT EXISTS (SELECT 1 FROM {new} n WHERE {on})"
                n_retracted = _run(con, f"INSERT INTO {hist} SELECT {cols}, {version}, "
                                   f"'retracted' FROM {q(name)} s WHERE {gone}")
                con.execute(f"DELETE FROM {q(name)} s WHERE {gone}")
            if _stores_any(con, name):
                fresh = f"NOT EXISTS (SELECT 1 FROM {q(name)} s WHERE {on})"
                n_added = _run(con, f"INSERT INTO {hist} SELECT {ncols}, {version}, 'added' "
                               f"FROM {new} n WHERE {fresh}")
                con.execute(f"INSERT INTO {q(name)} ({cols}, import_id) SELECT {ncols}, "
                            f"{version} FROM {new} n WHERE {fresh}")
            else:  # nothing stored: every row, and its history copied from the table
                # (the same rows, read once from the import's files; keys.py relies on it),
                # in whole row groups that the checkpoint keeps (store/row_groups.py)
                with whole_row_groups(con):
                    n_added = _run(con, f"INSERT INTO {q(name)} ({cols}, import_id) SELECT "
                                   f"{ncols}, {version} FROM {new} n")
                    con.execute(f"INSERT INTO {hist} SELECT {cols}, {version}, 'added' "
                                f"FROM {q(name)}")
        counts[name] = (n_added, n_changed, n_retracted)
    return counts


def retract_records(con: duckdb.DuckDBPyConnection, table: str, keys: pl.DataFrame,
                    version: int) -> int:
    """Retract the current records of ``table`` whose key is in ``keys`` as version
    ``version`` (inside the caller's transaction); returns how many were retracted."""
    spec = TABLES[table]
    on = " AND ".join(f"n.{q(k)} = s.{q(k)}" for k in spec.key)
    cols = ", ".join(f"s.{q(c)}" for c in spec.stored_columns)
    con.register("_new", keys.select(spec.key).to_arrow())
    try:
        n = _run(con, f"INSERT INTO {q(history_name(table))} SELECT {cols}, {version}, "
                 f"'retracted' FROM {q(table)} s JOIN _new n ON {on}")
        con.execute(f"DELETE FROM {q(table)} s WHERE EXISTS (SELECT 1 FROM _new n WHERE {on})")
    finally:
        con.unregister("_new")
    return n


def orphan_issues(con: duckdb.DuckDBPyConnection) -> list[pl.DataFrame]:
    """``unknown_patient`` issues for current records whose patient is no longer stored
    (after a retraction of a patient): such a retraction is refused."""
    issues = []
    for name in TABLES:
        if name == "patients":
            continue
        rows = con.sql(f"SELECT DISTINCT patient_id, NULL::BIGINT AS _row FROM {q(name)} s "
                       f"WHERE NOT EXISTS (SELECT 1 FROM patients p WHERE p.patient_id = "
                       f"s.patient_id) ORDER BY patient_id").pl()
        if rows.height:
            issues.append(row_issues(
                rows, Rule.UNKNOWN_PATIENT, file=f"store:{name}", column="patient_id",
                value=pl.col("patient_id"),
                message=f"the patient is retracted (or would be) but would still have "
                        f"{name} records; retract those records too, keep the patient, or "
                        "take the file's record of a patient retracted in mscohort "
                        "(--corrections overwrite)"))
    return issues


def _stores_any(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """True when the table ``name`` holds at least one record."""
    return bool(con.execute(f"SELECT count(*) FROM (SELECT 1 FROM {q(name)} LIMIT 1)"
                            ).fetchall()[0][0])


def _run(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    """Run an INSERT and return how many rows it wrote."""
    result = con.execute(sql).fetchall()
    return int(result[0][0]) if result else 0

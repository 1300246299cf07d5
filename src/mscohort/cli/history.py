"""``mscohort history`` and ``mscohort retract``: the audit trail of a study store."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from mscohort.cli.common import command_errors, out
from mscohort.errors import bad_usage

if TYPE_CHECKING:
    import polars as pl


def history(
    db: Annotated[Path, typer.Option(help="Study store (DuckDB file).")],
    patient: Annotated[str | None, typer.Option(
        help="Show every version of every record of this patient.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
    = False,
) -> None:
    """Every version of a patient's records (who, when, why, source file), with the
    corrections and retractions made in mscohort that a re-import kept, or, without
    --patient, every store version and what each kept.

    Example: mscohort history --db study.duckdb --patient P01
    """
    import polars as pl

    from mscohort.store import StudyStore
    from mscohort.store.kept import CHANGE_ACTIONS, kept_history, with_kept

    with command_errors(), StudyStore(db, read_only=True) as store:
        kept = kept_history(store.con, patient)
        if patient is not None:
            frame = store.history(patient)
            if frame.height == 0:
                raise bad_usage("--patient", "a patient with stored records", patient)
            frame = with_kept(frame, kept)
        else:
            counts = kept.group_by("version").len("kept").cast({"kept": pl.Int64})
            frame = store.audit().join(counts, on="version", how="left").with_columns(
                pl.col("kept").fill_null(0)).sort("version")
    if as_json:
        out.print_json(frame.write_json())
        return
    if patient is None:
        table = Table(title=f"Store versions of {db}", title_justify="left")
        shown = frame.drop("kept")  # narrow terminals: each kept one is listed below
        for column in shown.columns:
            table.add_column(column, overflow="fold")
        for row in shown.iter_rows():
            table.add_row(*("" if v is None else str(v) for v in row))
        out.print(table)
        for r in kept.iter_rows(named=True):
            out.print(f"version {r['version']} {r['action']}: {r['table_name']} "
                      f"{escape(r['record'])} ({escape(r['file'])}): {escape(r['changes'])}")
        return
    out.print(f"[bold]History of patient {escape(patient)}[/] ({frame.height} record versions)")
    for (version,), part in frame.group_by("version", maintain_order=True):
        first = part.row(0, named=True)
        out.print(f"[bold]version {version}[/] {first['imported_at']:%Y-%m-%d %H:%M:%S} UTC"
                  f" by {escape(first['imported_by'] or '(name not given)')}"
                  + (f": {escape(first['reason'])}" if first["reason"] else ""))
        for r in part.iter_rows(named=True):
            source = (f" ({escape(r['file'])}, SHA-256 {r['sha256'][:12]}...)" if r["sha256"]
                      else f" ({escape(r['file'])})" if r["file"] else "")
            what = r["changes"] if r["action"] in CHANGE_ACTIONS else r["values"]
            out.print(f"  {r['action']:9} {r['table_name']} {escape(r['record'])}: "
                      f"{escape(what)}{source}")


def retract(
    db: Annotated[Path, typer.Option(help="Study store (DuckDB file).")],
    table: Annotated[str, typer.Option(help="Canonical table of the record, e.g. edss.")],
    patient: Annotated[str, typer.Option(help="The record's patient_id.")],
    reason: Annotated[str, typer.Option(help="Why the record is retracted (audit trail).")],
    by: Annotated[str, typer.Option(help="Who retracts (audit trail).")],
    key: Annotated[list[str] | None, typer.Option(
        help="The rest of the record's key as COLUMN=VALUE, e.g. date=2020-01-31 "
             "(repeat for several columns).")] = None,
) -> None:
    """Retract one stored record (a deletion with a reason): a new store version; the
    record's versions stay in the history.

    Example: mscohort retract --db study.duckdb --table edss --patient P01
    --key date=2020-01-31 --reason "entered twice" --by "A. Nurse"
    """
    from mscohort.schema import TABLES
    from mscohort.store import StudyStore

    with command_errors():
        keys = record_key(table, patient, key or [])
        with StudyStore(db) as store:
            version = store.retract(table, keys, by=by, reason=reason)
    spec = TABLES[table]
    out.print(f"{db}: retracted {table} " + " / ".join(str(keys[k][0]) for k in spec.key)
              + f" (store version {version})")


def record_key(table: str, patient: str, pairs: list[str]) -> pl.DataFrame:
    """One record's key of ``table`` from ``--patient`` and ``--key COLUMN=VALUE`` options,
    typed as stored; UsageError when a key column is missing, unknown or unreadable."""
    import polars as pl

    from mscohort.schema import TABLES

    if table not in TABLES:
        raise bad_usage("--table", f"one of {', '.join(TABLES)}", table)
    spec = TABLES[table]
    values: dict[str, str] = {"patient_id": patient}
    for pair in pairs:
        column, sep, value = pair.partition("=")
        if not sep or column.strip() not in spec.key or column.strip() == "patient_id":
            keys = ', '.join(k for k in spec.key if k != 'patient_id') or 'none'
            raise bad_usage("--key", f"COLUMN=VALUE with COLUMN one of {keys}", pair)
        values[column.strip()] = value.strip()
    absent = [k for k in spec.key if k not in values]
    if absent:
        raise bad_usage("--key", f"given for every key column of {table}", absent,
                        shown=f"no {', '.join(absent)}")
    schema = spec.stored_schema()
    try:
        return pl.DataFrame({k: [values[k]] for k in spec.key}).with_columns(
            pl.col(k).str.to_date("%Y-%m-%d") if schema[k] == pl.Date() else
            pl.col(k).cast(schema[k]) for k in spec.key)
    except (pl.exceptions.InvalidOperationError, pl.exceptions.ComputeError):
        raise bad_usage("--key", "values typed as the table's key (dates as YYYY-MM-DD)",
                        values) from None

"""``mscohort courses``: infusion courses, the regimen of each patient, and deviations."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.table import Table


def courses(
    db: Annotated[Path | None, typer.Option(help="Study store (DuckDB file).")] = None,
    data: Annotated[Path | None, typer.Option(help="Or a study folder, validated first.")]
    = None,
    regimens: Annotated[Path | None, typer.Option(
        help="Regimens (TOML); default: the approved and the seed's older regimen.")] = None,
    course_gap_days: Annotated[float, typer.Option(
        help="Infusions at most this many days apart are one course.")] = 30,
    out_path: Annotated[Path | None, typer.Option(
        "--out", help="Write the course table (CSV); deviations go beside it.")] = None,
) -> None:
    """Group infusions into courses, name each patient's regimen, and list every deviation.

    Example: mscohort courses --db study.duckdb --out courses.csv
    """
    from mscohort.cli.analyse import command_errors, load_records
    from mscohort.cli.main import out
    from mscohort.derive.courses import DEFAULT_REGIMENS, course_table, load_regimens

    with command_errors():
        chosen = load_regimens(regimens or DEFAULT_REGIMENS)
        records, _, _ = load_records(db, data)
    table, devs = course_table(records.table("infusions"), chosen, course_gap_days)
    summary = (table.group_by("regimen", "course").agg(
        pl.len().alias("courses"), (pl.col("n_deviations") > 0).sum().alias("with deviations"))
        .sort("regimen", "course"))
    view = Table(title="Courses by regimen", title_justify="left")
    for col in ("regimen", "course", "courses", "with deviations"):
        view.add_column(col)
    for row in summary.iter_rows():
        view.add_row(*map(str, row))
    out.print(view)
    out.print(f"{table['patient_id'].n_unique()} patients, {table.height} courses, "
              f"{devs.height} deviations")
    for r in devs.iter_rows(named=True):
        out.print(f"  {r['patient_id']} course {r['course']}: {r['code']}: {r['message']} "
                  f"({r['dates']})")
    if out_path is not None:
        table.write_csv(out_path)
        dev_path = out_path.with_name(f"{out_path.stem}_deviations.csv")
        devs.write_csv(dev_path)
        out.print(f"wrote {out_path} and {dev_path}")

"""``mscohort analyse``: per-patient outcomes and the study's group tables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.table import Table
from rich.text import Text

from mscohort.errors import DataValidationError, UsageError


def analyse(
    study: Annotated[Path, typer.Option(help="Study definition (TOML).")],
    db: Annotated[Path | None, typer.Option(help="Study store (DuckDB file).")] = None,
    data: Annotated[Path | None, typer.Option(help="Or a study folder, validated first.")]
    = None,
    methods: Annotated[bool, typer.Option(help="Print the methods paragraph.")] = False,
    out_dir: Annotated[Path | None, typer.Option(
        "--out", help="Folder for CSV and JSON of every table, settings.json, methods.txt.")]
    = None,
) -> None:
    """Per-patient outcomes and group tables of a treatment study, from a study definition.

    Example: mscohort analyse --study study.toml --db study.duckdb --out results/
    """
    from mscohort.analyse.stats import format_p
    from mscohort.cli.main import _usage, out
    from mscohort.cli.render import print_report
    from mscohort.definition import load_definition

    try:
        definition = load_definition(study)
        if (db is None) == (data is None):
            raise UsageError("give exactly one of --db study.duckdb or --data FOLDER.")
        if db is not None:
            from mscohort.store import StudyStore

            with StudyStore(db, read_only=True) as store:
                records = store.study()
        else:
            from mscohort.ingest import read_study
            from mscohort.validate import load_study

            records = load_study(read_study(data))
    except UsageError as exc:
        raise _usage(exc) from None
    except DataValidationError as exc:
        print_report(out, exc.report, None)
        raise typer.Exit(1) from None
    from mscohort.analyse.study import analyse_study

    result = analyse_study(records, definition)
    outcomes, tables, categories = result.outcomes, result.tables, result.categories
    tests, relapses, logrank = result.tests, result.relapses, result.logrank_cdw
    excluded = outcomes.filter(pl.col("excluded_reason").is_not_null())
    out.print(f"[bold]{definition.name}[/]: {outcomes.height} patients, "
              f"{outcomes.height - excluded.height} analysed")
    for reason, n in excluded.group_by("excluded_reason").len().iter_rows():
        out.print(f"  not analysed: {reason}: {n}")
    for frame in tables.values():
        table = Table(title=frame["table"][0] + (" (groups are exclusive)" if frame["exclusive"][0]
                                                 else " (groups are not exclusive)"),
                      title_justify="left")
        measures = frame["measure"].unique(maintain_order=True).to_list()
        table.add_column("group")
        table.add_column("n")
        for m in measures:
            table.add_column(m, overflow="fold")
        for group, part in frame.group_by("group", maintain_order=True):
            cells = [Text(t.rsplit(", n=", 1)[0]) for t in part["text"]]
            table.add_row(str(group[0]), str(part["n_group"][0]), *cells)
        out.print(table)
    for r in categories.iter_rows(named=True):
        pct = f"{r['percent']:.0f}%" if r["percent"] is not None else "-"
        out.print(f"  {r['category']}: {r['n']}/{r['of']} ({pct})")
    for r in tests.iter_rows(named=True):
        out.print(f"  {r['measure']}: n={r['n']}, mean difference "
                  f"{'-' if r['mean_difference'] is None else format(r['mean_difference'], '.2f')}"
                  f", paired t-test p = {r['p_t_text']}" + (f" ({r['note']})" if r['note'] else ""))
    for r in relapses.iter_rows(named=True):
        out.print(f"  ARR ({r['group']}, n={r['n']}): before {r['arr_before']}, during "
                  f"{r['arr_during']}; paired t-test p = {r['p_paired_t']}; rate ratio "
                  + ("not computed" if r["rate_ratio"] is None else
                     f"{r['rate_ratio']:.2f} ({r['rate_ratio_ci']}), p = {r['p_rate_ratio']}"))
    if logrank is not None:
        obs = ", ".join(f"{g} {n}" for g, n in logrank.observed.items())
        out.print(f"  time to first confirmed EDSS worsening by follow-up cohort: events {obs}; "
                  f"log-rank p = {format_p(logrank.p)}"
                  + (f" ({logrank.note})" if logrank.note else ""))
    if methods:
        out.print(result.methods())
    if out_dir is not None:
        written = result.write(out_dir)
        out.print(f"wrote {len(written)} files (CSV and JSON of every table, settings.json, "
                  f"methods.txt) to {out_dir}")

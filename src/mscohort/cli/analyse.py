"""``mscohort analyse``: per-patient outcomes and the study's group tables."""

from __future__ import annotations

import json
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
    out_dir: Annotated[Path | None, typer.Option("--out", help="Folder for outcomes.csv, "
                                                 "tables.csv, categories.csv, tests.csv, "
                                                 "relapses.csv and settings.json.")] = None,
) -> None:
    """Per-patient outcomes and group tables of a treatment study, from a study definition.

    Example: mscohort analyse --study study.toml --db study.duckdb --out results/
    """
    from mscohort.analyse.stats import format_p
    from mscohort.analyse.tables import (
        cdw_survival,
        change_categories,
        paired_tests,
        relapse_table,
        study_tables,
    )
    from mscohort.cli.main import _usage, out
    from mscohort.cli.render import print_report
    from mscohort.definition import load_definition
    from mscohort.derive.outcomes import patient_outcomes

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
    outcomes = patient_outcomes(records, definition)
    tables = study_tables(outcomes, definition)
    categories = change_categories(outcomes)
    tests = paired_tests(outcomes, definition)
    relapses = relapse_table(outcomes, definition)
    from mscohort.stratify.splits import by_median_followup

    curves, logrank = cdw_survival(outcomes, by_median_followup(outcomes))
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
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        outcomes.with_columns(
            pl.col(c).list.join("; ") for c in ("prior_window_drugs", "prior_window_groups")
        ).write_csv(out_dir / "outcomes.csv")
        pl.concat(list(tables.values())).write_csv(out_dir / "tables.csv")
        categories.write_csv(out_dir / "categories.csv")
        tests.write_csv(out_dir / "tests.csv")
        relapses.write_csv(out_dir / "relapses.csv")
        curves.write_csv(out_dir / "km_cdw.csv")
        (out_dir / "settings.json").write_text(json.dumps(definition.as_dict(), indent=2,
                                                          default=str))
        out.print(f"wrote outcomes, tables, categories, tests and settings to {out_dir}")

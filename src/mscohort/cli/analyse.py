"""``mscohort analyse``: per-patient outcomes and the study's group tables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.table import Table
from rich.text import Text

from mscohort.analyse.formatting import estimate_ci, format_p, number, p_clause, p_text
from mscohort.analyse.study import StudyAnalysis
from mscohort.errors import DataValidationError, UsageError
from mscohort.study import Study


@contextmanager
def command_errors() -> Iterator[None]:
    """A bad argument exits 2 with its message; bad data prints the validation report and
    exits 1."""
    from mscohort.cli.main import _usage, out
    from mscohort.cli.render import print_report

    try:
        yield
    except UsageError as exc:
        raise _usage(exc) from None
    except DataValidationError as exc:
        print_report(out, exc.report, None)
        raise typer.Exit(1) from None


def parse_day(text: str) -> dt.date:
    """A ``--as-of`` day, or a UsageError naming the option."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"`--as-of` must be a date YYYY-MM-DD; got {text!r}.") from None


AsOfVersionOpt = Annotated[int | None, typer.Option(
    "--as-of-version", help="Read the store as it was after this store version (reproduce "
    "an earlier analysis; see `mscohort history --db`).")]


def load_records(db: Path | None, data: Path | None, as_of_version: int | None = None
                 ) -> tuple[Study, object, object]:
    """The study from a store (its current view, or as of a store version) or a folder, with
    the report's input check and provenance (definition file added later). Raises
    UsageError or DataValidationError."""
    from mscohort.report import InputCheck

    if (db is None) == (data is None):
        raise UsageError("give exactly one of --db study.duckdb or --data FOLDER.")
    if as_of_version is not None and db is None:
        raise UsageError("`--as-of-version` must come with --db; got --data.")
    if db is not None:
        from mscohort.store.records import load_store

        records, check, files, imports = load_store(db, as_of_version)
        return records, check, (files, imports)
    from mscohort.ingest import read_study
    from mscohort.validate.check import check_study

    raw = read_study(data)
    records, report = check_study(raw)
    if not report.ok:
        raise DataValidationError(report, action="load")
    files = pl.DataFrame(
        [{"table": t.table, "file": t.source, "sha256": t.sha256, "rows": t.frame.height}
         for t in raw.tables.values()],
        schema={"table": pl.String, "file": pl.String, "sha256": pl.String, "rows": pl.Int64})
    return records, InputCheck(str(data), report.issues), (files, None)


def analyse(
    study: Annotated[Path, typer.Option(help="Study definition (TOML).")],
    db: Annotated[Path | None, typer.Option(help="Study store (DuckDB file).")] = None,
    data: Annotated[Path | None, typer.Option(help="Or a study folder, validated first.")]
    = None,
    methods: Annotated[bool, typer.Option(help="Print the methods paragraph.")] = False,
    out_dir: Annotated[Path | None, typer.Option(
        "--out", help="Folder for CSV, JSON and Parquet of every table, settings.json, "
                   "methods.txt, provenance.json.")]
    = None,
    as_of_version: AsOfVersionOpt = None,
) -> None:
    """Per-patient outcomes and group tables of a treatment study, from a study definition.

    Example: mscohort analyse --study study.toml --db study.duckdb --out results/
    """
    from mscohort.cli.main import out
    from mscohort.definition import load_definition

    with command_errors():
        definition = load_definition(study)
        records, _, (files, imports) = load_records(db, data, as_of_version)
    from mscohort.analyse.study import analyse_study

    result = analyse_study(records, definition)
    print_analysis(result)
    if methods:
        out.print(result.methods())
    if out_dir is not None:
        written = [*result.write(out_dir), write_provenance(out_dir, db, data, files, imports)]
        out.print(f"wrote {len(written)} files (CSV, JSON and Parquet of every table, "
                  f"settings.json, methods.txt, provenance.json) to {out_dir}")


def write_provenance(out_dir: Path, db: Path | None, data: Path | None, files: object,
                     imports: object) -> Path:
    """``provenance.json`` of an analysis: the input (store and the store version read, or
    folder) and every file with its SHA-256, so that ``--as-of-version`` reproduces it."""
    import json

    from mscohort.store.records import store_version_read

    assert isinstance(files, pl.DataFrame)
    path = out_dir / "provenance.json"
    path.write_text(json.dumps({
        "store": None if db is None else str(db),
        "store_version": store_version_read(imports if isinstance(imports, pl.DataFrame)
                                            else None),
        "folder": None if data is None else str(data),
        "files": files.to_dicts(),
    }, indent=2, default=str) + "\n")
    return path


def print_analysis(result: StudyAnalysis) -> None:
    """The terminal summary of an analysis: who was analysed, the group tables, categories,
    paired tests, relapse rates and the log-rank test."""
    from mscohort.cli.main import out

    definition = result.definition
    outcomes, tables, categories = result.outcomes, result.tables, result.categories
    tests, relapses, logrank = result.tests, result.relapses, result.logrank_cdw
    excluded = outcomes.filter(pl.col("excluded_reason").is_not_null())
    out.print(f"[bold]{definition.name}[/]: {outcomes.height} patients, "
              f"{outcomes.height - excluded.height} analysed")
    for reason, n in excluded.group_by("excluded_reason").len().iter_rows():
        out.print(f"  not analysed: {reason}: {n}")
    for warning in result.warnings:
        out.print(f"[yellow]warning[/]: {warning}", highlight=False)
    for frame in tables.values():
        if frame.height == 0:
            continue
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
        holm = "" if r["p_holm"] is None else f", Holm {p_text(r['p_holm'])}"
        out.print(Text(
            f"  {r['measure']} ({r['role']}): n={r['n']}, mean "
            f"{number(r['mean_before'], 2)} -> {number(r['mean_after'], 2)}, difference "
            f"{estimate_ci(r['mean_difference'], r['ci_low'], r['ci_high'], 2, True)}, "
            f"paired t-test {p_clause(r['p_t_text'])}{holm}; d_z "
            f"{estimate_ci(r['d_z'], r['d_z_ci_low'], r['d_z_ci_high'], 2, True)}"
            + (f" ({r['note']})" if r["note"] else "")))
    for r in relapses.iter_rows(named=True):
        out.print(f"  ARR ({r['group']}, n={r['n']}): before {r['arr_before']}, during "
                  f"{r['arr_during']}; paired t-test {p_clause(r['p_paired_t'])}; rate ratio "
                  + ("not computed" if r["rate_ratio"] is None else
                     f"{r['rate_ratio']:.2f} ({r['rate_ratio_ci']}), "
                     f"{p_clause(r['p_rate_ratio'])}"))
    if logrank is not None:
        obs = ", ".join(f"{g} {n}" for g, n in logrank.observed.items())
        out.print(f"  time to first confirmed EDSS worsening by follow-up cohort: events {obs}; "
                  f"log-rank {p_clause(format_p(logrank.p))}"
                  + (f" ({logrank.note})" if logrank.note else "")
                  + (f" [caution: {logrank.caveat}]" if logrank.caveat else ""),
                  markup=False)
    if result.secondary is not None:
        print_secondary(result)
    print_reviewer(result)
    if result.models is not None:
        out.print("[bold]Models (95% CI)[/]")
        for line in result.models.summary():
            out.print(Text(line))


def print_reviewer(result: StudyAnalysis) -> None:
    """Estimates with 95% CIs, between-group contrasts, time points, the population flow
    and the sensitivity table, a line each."""
    from mscohort.cli.main import out

    out.print("[bold]Estimates (95% CI)[/]")
    for r in result.estimates.iter_rows(named=True):
        value = estimate_ci(r["estimate"], r["ci_low"], r["ci_high"], 3)
        out.print(Text(f"  {r['measure']}: {value}; n={r['n']}"
                       + (f" ({r['note']})" if r["note"] else "")))
    out.print("[bold]Between-group contrasts of mean change (exploratory, Holm per family)[/]")
    for r in result.contrasts.iter_rows(named=True):
        out.print(Text(f"  {r['split']}, {r['measure']}: {r['group']} - {r['reference']}, "
                       f"{r['adjustment']}: "
                       f"{estimate_ci(r['estimate'], r['ci_low'], r['ci_high'], 2, True)}, "
                       f"{p_text(r['p'])}"
                       + ("" if r["p_holm"] is None else f", Holm {p_text(r['p_holm'])}")
                       + (f" ({r['note']})" if r["note"] else "")))
    out.print("[bold]EDSS at fixed time points and attrition[/]")
    for r in result.timepoints.iter_rows(named=True):
        out.print(Text(f"  {r['months']} months: {r['assessed']} of {r['with_baseline']} "
                       f"assessed, {r['missed']} missed, {r['lost']} lost "
                       f"(+{r['lost_in_interval']}), {r['not_yet_due']} not yet due; change "
                       f"{estimate_ci(r['mean_change'], r['ci_low'], r['ci_high'], 2, True)}"))
    out.print("[bold]Population flow[/]")
    for r in result.flow.iter_rows(named=True):
        out.print(Text(f"  {r['stage']}: {r['box']}: {r['n']}"
                       + (" (excluded)" if r["kind"] == "excluded" else "")))
    if result.sensitivity.height:
        out.print("[bold]Sensitivity analyses (primary result; shift from main)[/]")
        for r in result.sensitivity.iter_rows(named=True):
            rr = estimate_ci(r["rate_ratio"], r["rate_ratio_ci_low"], r["rate_ratio_ci_high"], 2)
            out.print(Text(
                f"  {r['variant']}: n={r['n']}, {r['measure']} change "
                f"{estimate_ci(r['estimate'], r['ci_low'], r['ci_high'], 2, True)}, "
                f"{p_text(r['p'])}, shift {number(r['shift'], 2, True)}; rate ratio {rr}"))


def print_secondary(result: StudyAnalysis) -> None:
    """Secondary outcomes in a few lines: paired tests, NEDA shares, milestones."""
    from mscohort.analyse.stats import p_clause
    from mscohort.cli.main import out

    sec = result.secondary
    assert sec is not None
    for r in sec.tests.iter_rows(named=True):
        diff = "-" if r["mean_difference"] is None else format(r["mean_difference"], ".2f")
        out.print(f"  {r['measure']}: n={r['n']}, mean change {diff}, paired t-test "
                  f"{p_clause(r['p_t_text'])}")
    neda = sec.tables.get("NEDA-3")
    if neda is not None and neda.height:
        overall = neda.filter(pl.col("split") == "all")
        out.print("  " + "; ".join(f"{m.removesuffix(', n/N (%)')}: {t}" for m, t in
                                   zip(overall["measure"], overall["text"], strict=True)))
    summary = sec.milestone_summary
    for r in (summary.filter(pl.col("group") == "all").iter_rows(named=True)
              if "group" in summary.columns else ()):
        out.print(f"  confirmed EDSS >= {r['milestone']:g}: {r['reached']} of {r['at_risk']} "
                  f"at risk reached it")

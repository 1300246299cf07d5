"""The terminal summary of an analysis (``mscohort analyse`` and ``mscohort report``): who
was analysed, the group tables, tests, rates, estimates and the sensitivity table, a line
each, formatted from the analysis result."""

from __future__ import annotations

import polars as pl
from rich.table import Table
from rich.text import Text

from mscohort.analyse.formatting import (
    bounds,
    estimate_ci,
    format_p,
    mean_sd_range,
    number,
    p_clause,
    p_text,
    summary,
    with_n,
)
from mscohort.analyse.study import StudyAnalysis
from mscohort.cli.common import out


def print_analysis(result: StudyAnalysis) -> None:
    """The terminal summary of an analysis: who was analysed, the group tables, categories,
    paired tests, relapse rates and the log-rank test."""

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
            cells = [Text(summary(r)) for r in part.iter_rows(named=True)]
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
            f"paired t-test {p_text(r['p_t'])}{holm}; d_z "
            f"{estimate_ci(r['d_z'], r['d_z_ci_low'], r['d_z_ci_high'], 2, True)}"
            + (f" ({r['note']})" if r["note"] else "")))
    for r in relapses.iter_rows(named=True):
        arr = {w: with_n(mean_sd_range(r[f"mean_{w}"], r[f"sd_{w}"], r[f"min_{w}"],
                                       r[f"max_{w}"], 2), r[f"n_{w}"])
               for w in ("before", "during")}
        out.print(f"  ARR ({r['group']}, n={r['n']}): before {arr['before']}, during "
                  f"{arr['during']}; paired t-test {p_text(r['p_paired_t_value'])}; rate ratio "
                  + ("not computed" if r["rate_ratio"] is None else
                     f"{number(r['rate_ratio'], 2)} "
                     f"({bounds(r['rate_ratio_ci_low'], r['rate_ratio_ci_high'])}), "
                     f"{p_text(r['p_rate_ratio_value'])}"))
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

    sec = result.secondary
    assert sec is not None
    for r in sec.tests.iter_rows(named=True):
        diff = "-" if r["mean_difference"] is None else format(r["mean_difference"], ".2f")
        out.print(f"  {r['measure']}: n={r['n']}, mean change {diff}, paired t-test "
                  f"{p_text(r['p_t'])}")
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

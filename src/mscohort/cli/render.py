"""Readable terminal output for the CLI (rich tables; user text is never read as markup)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from mscohort.issues import RULES
from mscohort.schema import TABLES
from mscohort.vocabulary import DRUGS

if TYPE_CHECKING:  # types only: importing them at start-up costs seconds (issue #23)
    from mscohort.analyse.overview import Overview
    from mscohort.validate.report import ValidationReport


def _t(value: object) -> Text:
    return Text("" if value is None else str(value))


def print_report(console: Console, report: ValidationReport, limit: int | None) -> None:
    """The counts by rule first (what each checks, what to do), then the issues grouped
    by rule, errors first: one block per issue with where, value, message and, when more
    specific than the rule's, its own fix."""
    style = "bold red" if not report.ok else ("yellow" if report.n_warnings else "green")
    console.print(Text(report.headline(), style=style))
    if report.issues.height == 0:
        return
    counts = report.counts_by_rule()
    summary = Table(box=box.SIMPLE, title="Issues by rule", title_justify="left")
    for name in ("rule", "severity", "n", "checks", "what to do"):
        summary.add_column(name, overflow="fold", justify="right" if name == "n" else "left")
    for r in counts.iter_rows(named=True):
        info = RULES[r["rule"]]
        summary.add_row(r["rule"], r["severity"], str(r["n"]), info.summary, info.fix)
    console.print(summary)
    shown = report.issues if limit is None else report.issues.head(limit)
    order = {rule: i for i, rule in enumerate(counts["rule"])}
    shown = shown.with_columns(pl.col("rule").replace_strict(order, default=len(order))
                               .alias("_group")).sort("_group", maintain_order=True)
    for (rule,), part in shown.group_by("rule", maintain_order=True):
        n = int(counts.filter(pl.col("rule") == rule)["n"][0])
        console.print(Text(f"{rule} ({n} {part['severity'][0]}{'s' * (n != 1)}): "
                           f"{RULES[rule].fix}", style="bold"))
        for r in part.iter_rows(named=True):
            line = Text("  ")
            line.append(f"{r['severity'].upper():7}", style="red" if r["severity"] == "error"
                        else "yellow")
            line.append(f" {r['file'] or '(study)'}")
            if r["row"] is not None:
                line.append(f" row {r['row']}")
            if r["patient_id"] is not None:
                line.append(f"  patient {r['patient_id']}")
            if r["column"]:
                line.append(f"  {r['column']}")
                if r["value"] is not None:
                    line.append(f" = {r['value']!r}")
            line.append(f"  [{r['rule']}]", style="dim")
            console.print(line)
            fix = str(r["fix"])
            own = "" if fix == RULES[rule].fix else f" {fix[:1].upper()}{fix[1:]}."
            console.print(Text(f"           {r['message']}.{own}"))
    if limit is not None and report.issues.height > limit:
        console.print(f"... {report.issues.height - limit} more issues (use --json or --out "
                      "issues.csv for all)")
    if report.truncated:  # a registry's report: the first issues of each rule (issue #23)
        console.print(f"({report.issues.height} of the {int(counts['n'].sum())} issues are "
                      "kept, the first of each rule; `mscohort validate --out issues.csv` or "
                      "`mscohort import --issues-out issues.csv` lists every one)")


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items()) or "none"


def print_overview(console: Console, view: Overview, imports: pl.DataFrame) -> None:
    table = Table(title="Study summary", box=box.SIMPLE_HEAD, show_header=False)
    table.add_column("measure", style="bold")
    table.add_column("value", overflow="fold")
    rows = [
        ("patients", str(view.n_patients)),
        ("sex", _counts(view.sex)),
        ("phenotype", _counts(view.phenotype)),
        ("cohort", _counts(view.cohort)),
        ("records", _counts({k: v for k, v in view.rows.items() if v})),
        ("EDSS assessments per patient, median (range)", view.edss_per_patient.median_range(0)),
        ("first EDSS, mean ± SD (range)", view.first_edss.mean_sd_range(1)),
        ("age at first EDSS, years, mean ± SD (range)", view.age_at_first_edss.mean_sd_range(1)),
        ("disease duration at first EDSS, years, median (range)",
         view.duration_at_first_edss.median_range(1)),
        ("EDSS observation span, years, median (range)",
         view.observation_years.median_range(1)),
        ("patients per drug (treatments)", _counts(view.patients_per_drug)),
        ("infusions per drug", _counts(view.infusions_per_drug)),
        ("imports", str(imports.height)),
    ]
    for k, v in rows:
        table.add_row(k, _t(v))
    console.print(table)


def print_schema(console: Console) -> None:
    for spec in TABLES.values():
        table = Table(
            title=f"{spec.name}{' (required file)' if spec.required_file else ''}: "
            f"{spec.description} Key: {', '.join(spec.key)}",
            box=box.SIMPLE_HEAD, title_justify="left",
        )
        for name in ("column", "type", "required", "meaning"):
            table.add_column(name, overflow="fold")
        for c in spec.columns:
            allowed = f" One of: {', '.join(c.allowed)}." if c.allowed else ""
            table.add_row(c.name, str(c.kind), "yes" if c.required else "",
                          _t(c.description + allowed))
        console.print(table)


def print_drugs(console: Console) -> None:
    table = Table(title="Drug vocabulary", box=box.SIMPLE_HEAD)
    for name in ("drug", "code", "route", "approved for MS", "synonyms"):
        table.add_column(name, overflow="fold")
    for d in DRUGS:
        table.add_row(d.name, d.abbreviation, d.route, "yes" if d.approved_for_ms else "no",
                      _t(", ".join(d.synonyms)))
    console.print(table)


def print_rules(console: Console) -> None:
    table = Table(title="Validation rules", box=box.SIMPLE_HEAD)
    for name in ("rule", "severity", "checks", "what to do"):
        table.add_column(name, overflow="fold")
    for rule, info in RULES.items():
        table.add_row(str(rule), str(info.severity), _t(info.summary), _t(info.fix))
    console.print(table)


def print_scores(console: Console, derived: pl.DataFrame) -> None:
    """Counts of defined and missing scores, and the EDSS assessments their FS contradict."""
    table = Table(title=f"Scores of {derived.height} EDSS assessments", box=box.SIMPLE_HEAD)
    for name in ("score", "defined", "missing (reason: n)"):
        table.add_column(name, overflow="fold")
    for score, reason in (("msss", "msss_reason"), ("msss_updated", "msss_updated_reason"),
                          ("armss", "armss_reason"), ("local_msss", None),
                          ("local_armss", None), ("edss_fs", "edss_fs_reason")):
        defined = derived[score].is_not_null().sum()
        reasons = ""
        if reason is not None:
            counts = derived.filter(pl.col(reason).is_not_null()).group_by(reason).len()
            reasons = ", ".join(f"{r}: {n}" for r, n in counts.sort(reason).iter_rows())
        table.add_row(score, str(defined), _t(reasons))
    console.print(table)
    checks = derived.group_by("edss_fs_check").len().sort("edss_fs_check")
    console.print("EDSS vs functional systems: " + ", ".join(
        f"{c} {n}" for c, n in checks.iter_rows()))
    bad = derived.filter(pl.col("edss_fs_check") == "inconsistent")
    for r in bad.head(20).iter_rows(named=True):
        console.print(_t(f"  patient {r['patient_id']} {r['date']}: recorded EDSS {r['edss']}, "
                         f"FS and ambulation give {r['edss_fs']}"))
    if bad.height > 20:
        console.print(f"  ... and {bad.height - 20} more (use --out)")

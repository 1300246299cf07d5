"""Report tables of the secondary outcomes (MSFC, OCT, NEDA-3, EDSS milestones), printed in
the seed's style: Mean ± SD (range) with the within-group t-test, shares as n/N (%)."""

from __future__ import annotations

import polars as pl

from mscohort.analyse import formatting as F
from mscohort.analyse.formatting import format_p, p_clause
from mscohort.analyse.secondary import SHARE
from mscohort.analyse.study import StudyAnalysis
from mscohort.report.reviewer_tables import within_table
from mscohort.report.tables import (
    PAIRED_COLUMNS,
    T_TEST,
    ReportTable,
    group_table,
    measure_header,
    paired_rows,
)
from mscohort.units import UNIT_LABELS


def _cell(r: dict, n_group: int) -> str:
    """The printed cell; a change's within-group test follows it ("...; p = 0.03")."""
    value = F.summary(r)
    if r["measure"].endswith(SHARE) or value == "no data":
        return value
    if r["n"] != n_group:
        value += f"; n={r['n']}"
    return value if r["p_t"] is None else f"{value}; {p_clause(format_p(r['p_t']))}"


def by_split_table(key: str, frame: pl.DataFrame) -> ReportTable:
    """One row per (split, group) of a table stacked over every split, one column per
    measure, each change with its within-group test; groups without any data are left out
    and the footnotes say so, with the splits' rules."""
    measures = frame["measure"].unique(maintain_order=True).to_list()
    rows, rules, empty = [], {}, []
    for (split, group), part in frame.group_by("split", "group", maintain_order=True):
        n_group = part["n_group"][0]
        label = group if split == "all" else f"{split}: {group}"
        if (part["n"] == 0).all():
            empty.append(f"{label} (n={n_group})")
            continue
        cells = {r["measure"]: _cell(r, n_group) for r in part.iter_rows(named=True)}
        rows.append((f"{label}, n={n_group}", *(cells.get(m, "") for m in measures)))
        rules[split] = (part["rule"][0], part["exclusive"][0])
    notes = ["Groups by split: " + "; ".join(
        f"{s}: {rule} ({'exclusive' if ex else 'not exclusive'})"
        for s, (rule, ex) in rules.items() if s != "all") + ".",
        "Change is follow-up minus baseline; p: within-group change from baseline, "
        + T_TEST + " (no p: fewer than 2 patients or no variation)."]
    if empty:
        notes.append("Not shown, no patient with data: " + "; ".join(empty) + ".")
    headers = [m if m.endswith(SHARE) else measure_header(m) for m in measures]
    return ReportTable(key, frame["table"][0], ("Group", *headers), tuple(rows), tuple(notes))


def secondary_tests_table(analysis: StudyAnalysis) -> ReportTable:
    assert analysis.secondary is not None
    return ReportTable(
        "secondary_paired", "Secondary outcomes, baseline against follow-up", PAIRED_COLUMNS,
        paired_rows(analysis.secondary.tests, {}, default=2),
        (T_TEST + "; Wilcoxon signed-rank test (two-sided, zero differences dropped). OCT: "
         "the mean of each patient's analysed eyes, one value per patient.",))


def _reached(r: dict, when: str) -> str:
    """"12% (5 to 25%)": the Kaplan-Meier share reached with its 95% interval."""
    low, high = (r.get(f"reached_by_{when}_ci_{side}") for side in ("low", "high"))
    ci = "" if low is None or high is None else f" ({100 * low:.0f} to {100 * high:.0f}%)"
    return f"{100 * r[f'reached_by_{when}']:.0f}%{ci}"


def milestone_table(analysis: StudyAnalysis) -> ReportTable:
    assert analysis.secondary is not None
    rows = []
    unit = analysis.definition.unit_days
    for r in analysis.secondary.milestone_summary.iter_rows(named=True):
        median = ("not reached" if r["median_days"] is None
                  else f"{r['median_days'] / unit:.0f}")
        rows.append((f"EDSS >= {r['milestone']:g}", r["group"], str(r["at_risk"]),
                     str(r["reached"]), _reached(r, "1_year"), _reached(r, "2_years"), median,
                     "" if r["p_logrank"] is None else format_p(r["p_logrank"])))
    units = UNIT_LABELS[analysis.definition.unit]
    return ReportTable(
        "milestones", "Time to confirmed EDSS milestones",
        ("Milestone", "Group", "At risk", "Reached", "Reached by 1 year (KM, 95% CI)",
         "Reached by 2 years (KM, 95% CI)", f"Median time ({units})", "p, log-rank by cohort"),
        tuple(rows),
        (f"Patients below the milestone at baseline; confirmed {_confirmation(analysis)} and "
         "held up to the confirmation; Kaplan-Meier estimates, censored at the last "
         "assessment.",))


def _confirmation(analysis: StudyAnalysis) -> str:
    """When a milestone is confirmed, from the study's event settings (e.g. "84 days
    later (event settings: msprog defaults)")."""
    s = analysis.event_settings
    days = " or ".join(f"{c:g}" for c in s.conf_days)
    return f"{days} days later (event settings: {s.name})"


def secondary_report_tables(analysis: StudyAnalysis) -> list[ReportTable]:
    sec = analysis.secondary
    if sec is None:
        return []
    keys = {"MSFC": "msfc", "OCT": "oct", "NEDA-3": "neda"}
    out = [by_split_table(keys[k], f) for k, f in sec.tables.items()
           if k in keys and f.height]
    if "OCT per eye" in sec.tables and sec.tables["OCT per eye"].height:
        eye = group_table("oct_eyes", sec.tables["OCT per eye"])
        out.append(ReportTable(eye.key, eye.title, eye.columns, eye.rows, (
            eye.footnotes[0], "Change is follow-up minus baseline; the two eyes of a patient "
            "are not independent, so eyes are described, not tested.")))
    if sec.tests.height:
        out.append(secondary_tests_table(analysis))
    within = within_table("secondary_within", "Secondary outcomes: within-group change "
                          "(exploratory)", [f for k, f in sec.tables.items()
                                            if k != "OCT per eye" and f.height])
    if within.rows:
        out.append(within)
    if sec.milestone_summary.height:
        out.append(milestone_table(analysis))
    return out

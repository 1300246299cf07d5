"""Report tables of what a statistical reviewer asks for (issue #17): estimates with 95%
intervals, within-group tests with effect sizes and Holm-adjusted p, between-group
contrasts (raw and adjusted), time points and attrition, the population flow and the
sensitivity table. Numbers come from :class:`mscohort.analyse.study.StudyAnalysis`; text
only from :mod:`mscohort.analyse.formatting`."""

from __future__ import annotations

import polars as pl

from mscohort.analyse.contrasts import BASELINE, BASELINE_FU, WELCH
from mscohort.analyse.formatting import (
    estimate_ci,
    format_p,
    measure_decimals,
    number,
    percent_ci,
)
from mscohort.analyse.same_tests import coinciding_note
from mscohort.analyse.study import StudyAnalysis
from mscohort.report.tables import ReportTable

HOLM = "p adjusted by Holm's method within its family (Holm 1979)"


def estimates_table(a: StudyAnalysis) -> ReportTable:
    rows = []
    for r in a.estimates.iter_rows(named=True):
        m = r["measure"]
        if "proportion" in m or m.startswith("free of"):
            text = percent_ci(r["estimate"], r["ci_low"], r["ci_high"])
        else:
            d = 0 if "days" in m else measure_decimals(m)
            text = estimate_ci(r["estimate"], r["ci_low"], r["ci_high"], d, signed="change" in m)
        rows.append((m, text, str(r["n"]), r["method"] + (f"; {r['note']}" if r["note"]
                                                        else "")))
    return ReportTable(
        "estimates", "Estimates with 95% confidence intervals",
        ("Estimate", "Value (95% CI)", "n", "Interval"), tuple(rows),
        ("n: patients (ARR: relapses; Kaplan-Meier: patients still at risk at that time). "
         "Intervals: t (means), order statistics (medians, Conover 1999), Wilson 1927 "
         "(proportions), exact Poisson (Garwood 1936), patient-clustered robust Poisson "
         "model with CR1 and t(G-1) (rate ratio; Cameron and Miller 2015), Greenwood "
         "log-log (Kaplan-Meier).",))


def within_table(key: str, title: str, frames: list[pl.DataFrame]) -> ReportTable:
    """Every within-group test of change of ``frames`` (group tables of
    :data:`mscohort.analyse.tables.TABLE_SCHEMA`, Holm-adjusted as one family), with d_z."""
    rows = []
    for frame in frames:
        one_split = frame["split"].n_unique() == 1
        changes = frame.filter(pl.col("measure").str.starts_with("change")
                               & pl.col("p_t").is_not_null())
        for r in changes.iter_rows(named=True):
            d = measure_decimals(r["measure"])
            group = (r["group"] if one_split or r["split"] == "all"
                     else f"{r['split']}: {r['group']}")
            rows.append((r["table"].removeprefix("Outcome by "), group, r["measure"],
                         str(r["n"]), estimate_ci(r["mean"], r["ci_low"], r["ci_high"], d,
                                                  True),
                         estimate_ci(r["d_z"], r["d_z_ci_low"], r["d_z_ci_high"], 2, True),
                         format_p(r["p_t"]), format_p(r["p_holm"])))
    return ReportTable(
        key, title, ("Table", "Group", "Measure", "n", "Mean change (95% CI)", "d_z (95% CI)",
                     "p", "p, Holm"), tuple(rows),
        ("Student's one-sample t-test of the change (two-sided); d_z = mean change / SD of "
         "the changes, noncentral-t interval; " + HOLM + ": every test of this table's "
         "family. Groups with fewer than 2 patients or no variation are not tested.",
         "Within-group p-values do not compare groups: see the between-group contrasts."))


def within_group_table(a: StudyAnalysis) -> ReportTable:
    """Every within-group test of change of the group tables, with d_z and Holm."""
    return within_table("within_groups", "Within-group change from baseline (exploratory)",
                        [f for f in a.tables.values() if f.height])


def contrasts_table(a: StudyAnalysis) -> ReportTable:
    """Difference in mean change between groups: Welch, and ANCOVA adjusted."""
    c = a.contrasts
    rows = []
    for (split, measure, group), part in c.group_by("split", "measure", "group",
                                                      maintain_order=True):
        by = {r["adjustment"]: r for r in part.iter_rows(named=True)}
        d = measure_decimals(measure)
        cells: list[str] = []
        for adj in (WELCH, BASELINE, BASELINE_FU):
            r = by.get(adj)
            if r is None or r["estimate"] is None:
                cells += ["-" if r is None else (r["note"] or "-"), "", ""]
                continue
            cells += [estimate_ci(r["estimate"], r["ci_low"], r["ci_high"], d, True),
                      format_p(r["p"]), format_p(r["p_holm"])]
        first = part.row(0, named=True)
        same = first.get("same_test_as")
        rows.append((split, measure, f"{group} (n={first['n_group']}) - {first['reference']} "
                     f"(n={first['n_reference']})"
                     + (f"; the same test as in {same}" if same else ""), *cells))
    coinciding = coinciding_note(c)
    return ReportTable(
        "contrasts", "Between-group differences in mean change (exploratory)",
        ("Split", "Measure", "Comparison", "Difference (95% CI)", "p, Welch", "p, Holm",
         "Adjusted for baseline (95% CI)", "p", "p, Holm",
         "Adjusted for baseline and follow-up (95% CI)", "p", "p, Holm"), tuple(rows),
        ("Exclusive splits only; each group against the split's largest group. Difference "
         "of mean change with Welch's t interval and test; ANCOVA: ordinary least squares of "
         "the change on the groups and the baseline value (and follow-up length in years), "
         "as Vickers and Altman (2001) recommend for change from baseline.",
         HOLM + "; one family per adjustment.",
         "The follow-up split is defined by follow-up length: its follow-up-adjusted "
         "contrast adjusts for the variable that defines the groups.",
         *((coinciding,) if coinciding else ())))


def timepoints_table(a: StudyAnalysis) -> ReportTable:
    rows = [(f"{r['months']} months", str(r["with_baseline"]), str(r["assessed"]),
             str(r["missed"]), f"{r['lost']} (+{r['lost_in_interval']})",
             str(r["not_yet_due"]), estimate_ci(r["mean_change"], r["ci_low"],
                                                r["ci_high"], 2, True))
            for r in a.timepoints.iter_rows(named=True)]
    return ReportTable(
        "timepoints", "EDSS at fixed time points and attrition",
        ("Time point", "With baseline", "Assessed", "Missed", "Lost to follow-up (new)",
         "Not yet due", "EDSS change (95% CI)"), tuple(rows),
        ("Assessed: an EDSS within 91 days of the time point (months of 30.4375 days); lost: "
         "last EDSS before the time point's window though the data cut had reached it; not "
         "yet due: the data cut is before the window. The main tables use each patient's "
         "last observation.",))


def flow_table(a: StudyAnalysis) -> ReportTable:
    rows = [(r["stage"], r["box"], str(r["n"]),
             ("excluded" + (f" ({r['note']})" if r["note"] else "")) if r["kind"] ==
             "excluded" else "") for r in a.flow.iter_rows(named=True)]
    return ReportTable("flow", "Population flow: screened, eligible, treated, analysed",
                       ("Stage", "Patients", "n", "Exclusion"), tuple(rows),
                       ("Drawn as the flow figure. Eligibility from the study "
                        "definition's [eligibility] criteria.",))


def sensitivity_report_table(a: StudyAnalysis) -> ReportTable:
    rows = []
    for r in a.sensitivity.iter_rows(named=True):
        rr = estimate_ci(r["rate_ratio"], r["rate_ratio_ci_low"], r["rate_ratio_ci_high"], 2)
        sub = estimate_ci(r["subgroup_rate_ratio"], r["subgroup_ci_low"],
                          r["subgroup_ci_high"], 2)
        imp = percent_ci(r["improved"], r["improved_ci_low"], r["improved_ci_high"])
        rows.append((r["variant"], r["option"], str(r["n"]),
                     estimate_ci(r["estimate"], r["ci_low"], r["ci_high"], 2, True),
                     format_p(r["p"]), number(r["shift"], 2, True), imp,
                     f"{rr}; n={r['n_relapse']}",
                     "-" if r["subgroup"] is None else f"{sub}; n={r['n_subgroup']}"))
    measure = a.sensitivity["measure"][0] if a.sensitivity.height else "EDSS"
    return ReportTable(
        "sensitivity", "Sensitivity analyses: the analysis re-run with one rule changed",
        ("Analysis", "Rule changed", "n", f"Primary: {measure} change (95% CI)", "p",
         "Shift from main", "Improved, % (95% CI)", "ARR rate ratio (95% CI)",
         "Subgroup ARR rate ratio (95% CI)"), tuple(rows),
        ("Each row re-derives the outcomes with one definition option changed, or restricts "
         "the population; shift: the row's primary estimate minus the main analysis's. "
         "Subgroup: the definition's first [subgroups] entry.",))


def reviewer_tables(a: StudyAnalysis) -> list[ReportTable]:
    """The tables of this module that have rows, in reading order."""
    out = [estimates_table(a), within_group_table(a), contrasts_table(a),
           timepoints_table(a), flow_table(a)]
    if a.sensitivity.height:
        out.append(sensitivity_report_table(a))
    return [t for t in out if t.rows]

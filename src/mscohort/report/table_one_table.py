"""The cohort's Table 1 laid out as gtsummary's ``tbl_summary``: a variable heading, its
levels indented beneath, n (%) or mean ± SD or median (Q1, Q3) by the variable's type, an
Unknown row when any value is missing, Overall and each follow-up cohort as columns, then
the SMD and the p-value, and footnotes naming the statistics and the tests used.

Every number is the analysis' (:func:`mscohort.analyse.table_one.table_one`); this module
prints them at each column's precision (:mod:`mscohort.definition.labels`).
"""

from __future__ import annotations

import polars as pl

from mscohort.analyse.formatting import format_p, number, unit_label
from mscohort.analyse.study import StudyAnalysis
from mscohort.analyse.table_one import OVERALL, TableOne, table_one
from mscohort.definition.labels import column_label
from mscohort.report.tables import ReportTable

INDENT = "\u00a0" * 4  #: non-breaking, so every format keeps the levels indented
LEVEL_NAMES = {"F": "Female", "M": "Male"}
STATISTICS = {"categorical": "n (%)", "mean": "mean ± SD", "median": "median (Q1, Q3)"}


def _label(column: str, a: StudyAnalysis) -> str:
    if column == "followup":
        return f"Follow-up ({unit_label(a.definition.unit)})"
    return column_label(column).heading


def _stat(r: dict, decimals: int) -> str:
    if r["kind"] == "categorical" and r["level"] != "Unknown":
        return f"{r['n']} ({100 * r['n'] / r['of']:.0f}%)" if r["of"] else "0"
    if r["level"] == "Unknown":
        return str(r["n"])
    if r["kind"] == "mean":
        if r["mean"] is None:
            return "-"
        sd = f" ± {number(r['sd'], decimals)}" if r["sd"] is not None else ""
        return number(r["mean"], decimals) + sd
    if r["median"] is None:
        return "-"
    return (f"{number(r['median'], decimals)} ({number(r['q1'], decimals)}, "
            f"{number(r['q3'], decimals)})")


def table_one_report(t: TableOne, a: StudyAnalysis) -> ReportTable:
    """``t`` as printed (module docstring)."""
    groups = (OVERALL, *t.groups)
    # the group sizes: the Unknown row of every variable counts out of all the group
    unknown = t.cells.filter(pl.col("level") == "Unknown")
    sizes = {g: max([0, *unknown.filter(pl.col("group") == g)["of"].to_list()])
             for g in groups}
    columns = ("Characteristic", *(f"{g}, N = {sizes[g]}" for g in groups), "SMD", "p")
    rows: list[tuple[str, ...]] = []
    by_test = {r["variable"]: r for r in t.tests.iter_rows(named=True)}
    for (variable,), block in t.cells.group_by("variable", maintain_order=True):
        kind = block["kind"][0]
        decimals = column_label(str(variable)).decimals
        decimals = 1 if decimals is None else decimals
        test = by_test[variable]
        smd = "" if test["smd"] is None else f"{test['smd']:.2f}"
        p = "" if test["test"] is None else format_p(test["p"])
        cells = {(r["level"], r["group"]): r for r in block.iter_rows(named=True)}
        levels = block["level"].unique(maintain_order=True).to_list()
        label = _label(str(variable), a)
        if kind == "categorical":
            rows.append((label, *("" for _ in groups), smd, p))
        else:
            rows.append((label, *(_stat(cells[("", g)], decimals) for g in groups), smd, p))
        for level in levels:
            if level == "" or (level == "Unknown" and not any(
                    cells[("Unknown", g)]["n"] for g in groups)):
                continue
            name = LEVEL_NAMES.get(level, level) if variable == "sex" else level
            rows.append((INDENT + name, *(_stat(cells[(level, g)], decimals) for g in groups),
                         "", ""))
    kinds = t.cells["kind"].unique(maintain_order=True).to_list()
    tests = [x for x in t.tests["test"].unique(maintain_order=True).to_list() if x]
    notes = ["; ".join(STATISTICS[k] for k in kinds) + " of the patients whose value is "
             "known; Unknown: patients without a value."]
    if t.groups:
        notes.append("SMD: standardised mean difference between the follow-up cohorts (Yang "
                     "and Dalton 2012; the mean of the pairwise SMDs for more than two); p: "
                     + ", ".join(tests) + "; unknowns left out. The cohorts are defined by "
                     "follow-up length, so these comparisons are descriptive.")
    return ReportTable("table_one", "Baseline characteristics of the analysed cohort by "
                       "follow-up cohort (Table 1 layout)", columns, tuple(rows), tuple(notes))


def table_one_tables(a: StudyAnalysis) -> list[ReportTable]:
    """The Table 1 of ``a``: analysed patients by follow-up cohort."""
    return [table_one_report(table_one(a.outcomes, a.followup_groups), a)]

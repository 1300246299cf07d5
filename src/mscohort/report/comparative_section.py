"""The report's "Comparison" section (issue #25), shown when the study definition has
``[comparison]``: the flow from candidate episodes to the analysed (matched or weighted)
cohort, the balance table and its love plot, the outcome table with E-values, the
sensitivity analyses, and the cumulative-incidence curves with numbers at risk. The
numbers are those of :class:`mscohort.analyse.comparative.analysis.ComparativeAnalysis`;
this module only formats and draws them.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from mscohort.analyse.comparative.analysis import ComparativeAnalysis
from mscohort.analyse.comparative.results import OUTCOME_LABELS
from mscohort.analyse.formatting import estimate_ci, format_p
from mscohort.analyse.study import StudyAnalysis
from mscohort.report.comparative_overlap import draw_overlap, score_overlap
from mscohort.report.drawing import line_style, new_figure
from mscohort.report.figures import FigureData
from mscohort.report.plots import Drawn
from mscohort.report.tables import ReportTable
from mscohort.units import DAYS_PER_YEAR

#: |SMD| below this is balanced (Austin 2009), drawn as a dashed line on the love plot.
BALANCED_SMD = 0.1


def _num(x: float | None, decimals: int = 2) -> str:
    return "" if x is None else f"{x:.{decimals}f}"


def flow_table(c: ComparativeAnalysis) -> ReportTable:
    rows = tuple((step.replace("_", " "), str(n)) for step, n in c.design.flow.items())
    notes = ((f"{c.design.dropped.height} episode(s) left out for lack of overlap "
              f"({c.design.dropped['reason'][0]}).",) if c.design.dropped.height else ())
    return ReportTable("comparison_flow", "Comparison: from treatment episodes to the "
                       "analysed cohort", ("Step", "Episodes"), rows, notes)


def balance_report_table(c: ComparativeAnalysis) -> ReportTable:
    rows = tuple((r["covariate"], _num(r["mean_treated_before"]),
                  _num(r["mean_control_before"]), _num(r["smd_before"], 3),
                  _num(r["mean_treated_after"]), _num(r["mean_control_after"]),
                  _num(r["smd_after"], 3)) for r in c.design.balance.iter_rows(named=True))
    return ReportTable(
        "comparison_balance", "Comparison: balance of the baseline covariates",
        ("Covariate", "Treated before", "Control before", "SMD before", "Treated after",
         "Control after", "SMD after"), rows,
        ("SMD: standardised mean difference with the pooled SD of the unadjusted groups "
         f"(Austin 2009); |SMD| < {BALANCED_SMD:g} is balanced.",))


def _estimate(r: dict[str, object]) -> str:
    if r["estimate"] is None:
        return str(r["note"] or "no estimate")
    return estimate_ci(r["estimate"], r["ci_low"], r["ci_high"], 2)  # type: ignore[arg-type]


def outcome_table(c: ComparativeAnalysis) -> ReportTable:
    t = c.result.table
    rows = tuple((OUTCOME_LABELS[r["outcome"]], r["model"],
                  f"{r['events_treated']} / {r['events_control']}",
                  (f"{_num(r['rate_treated'])} / {_num(r['rate_control'])}"
                   if r["outcome"] == "relapse_rate" else ""),
                  f"{r['measure']} {_estimate(r)}", format_p(r["p"]),
                  (f"{r['e_value']:.2f} ({r['e_value_ci']:.2f})"
                   if r["e_value"] is not None else ""))
                 for r in t.iter_rows(named=True))
    return ReportTable(
        "comparison_outcomes", f"Comparison: outcomes, {c.result.treated} vs "
        f"{c.result.control}",
        ("Outcome", "Model", "Events (treated / control)", "ARR (treated / control)",
         "Ratio (95% CI)", "p", "E-value (CI limit)"), rows,
        ("Ratios are treated / control. E-value: the strength of unmeasured confounding "
         "that would explain the estimate away (the CI limit in brackets; VanderWeele and "
         "Ding 2017).",))


def sensitivity_report_table(c: ComparativeAnalysis) -> ReportTable:
    s = c.result.sensitivity
    rows = tuple((r["analysis"], str(r["n_episodes"]), OUTCOME_LABELS[r["outcome"]],
                  r["model"], f"{r['measure']} {_estimate(r)}")
                 for r in s.iter_rows(named=True))
    notes = tuple(f"Not run: {x}." for x in c.skipped)
    return ReportTable("comparison_sensitivity", "Comparison: sensitivity analyses",
                       ("Analysis", "Episodes", "Outcome", "Model", "Ratio (95% CI)"),
                       rows, notes)


def comparative_tables(a: StudyAnalysis) -> list[ReportTable]:
    """The section's tables (none without ``[comparison]``)."""
    c = a.comparison
    if c is None:
        return []
    return [flow_table(c), balance_report_table(c), outcome_table(c),
            sensitivity_report_table(c)]


def love_plot(c: ComparativeAnalysis) -> FigureData:
    return FigureData("comparison_love", "Comparison: covariate balance (love plot)",
                      "Absolute standardised mean difference of each baseline covariate "
                      "before (open) and after (filled) matching or weighting; dashed: "
                      f"{BALANCED_SMD:g}.", {"balance": c.design.balance},
                      "absolute standardised mean difference", "")


def incidence_curves(c: ComparativeAnalysis) -> list[FigureData]:
    out = []
    curves = c.result.curves
    for outcome in dict.fromkeys(curves["outcome"].to_list()):
        part = curves.filter(pl.col("outcome") == outcome)
        out.append(FigureData(
            f"comparison_ci_{outcome}", f"Comparison: {OUTCOME_LABELS[outcome]}",
            "Weighted Kaplan-Meier cumulative incidence of each group; numbers at risk "
            "(episodes) below.", {"curves": part,
                                  "at_risk": c.result.at_risk.filter(pl.col("outcome") == outcome)},
            "years from the episode start", "cumulative incidence"))
    return out


def comparative_figures(a: StudyAnalysis) -> list[FigureData]:
    """The section's figures (none without ``[comparison]``)."""
    c = a.comparison
    return [] if c is None else [love_plot(c), score_overlap(c), *incidence_curves(c)]


def draw_love(d: FigureData) -> Drawn:
    b = d.frames["balance"]
    fig = new_figure(6.5, 0.4 * max(b.height, 5) + 2.0)
    drawn = Drawn(d, fig)
    ax = fig.subplots()
    y = np.arange(b.height)
    before = b["smd_before"].abs().to_numpy()
    after = b["smd_after"].abs().to_numpy()
    p1 = ax.scatter(before, y, facecolors="none", edgecolors="#555555", label="before")
    p2 = ax.scatter(after, y, color=line_style(0)["color"], label="after")
    drawn.tag(p1, [f"{c}: SMD before {v:.3f}" for c, v in zip(b["covariate"], before,
                                                                 strict=True)])
    drawn.tag(p2, [f"{c}: SMD after {v:.3f}" for c, v in zip(b["covariate"], after,
                                                                strict=True)])
    ax.axvline(BALANCED_SMD, linestyle="--", color="#888888", linewidth=0.8)
    ax.set_yticks(y, b["covariate"].to_list())
    ax.set_xlabel(d.x_label)
    ax.legend(loc="lower right", frameon=False)
    return drawn


def draw_incidence(d: FigureData) -> Drawn:
    curves, risk = d.frames["curves"], d.frames["at_risk"]
    fig = new_figure(7.0, 5.6)
    drawn = Drawn(d, fig)
    ax, tab = fig.subplots(2, 1, height_ratios=[3, 1], sharex=True)
    groups = risk["group"].unique(maintain_order=True).to_list()
    last = float(curves["time_days"].to_numpy().max(initial=0.0)) / DAYS_PER_YEAR
    years = [y for y in risk["year"].unique(maintain_order=True).to_list() if y <= last + 1]
    for i, g in enumerate(groups):
        sub = curves.filter(pl.col("group") == g)
        x = np.r_[0.0, sub["time_days"].to_numpy() / DAYS_PER_YEAR]
        yv = np.r_[0.0, sub["cumulative_incidence"].to_numpy()]
        style = line_style(i)
        (line,) = ax.step(x, yv, where="post", color=style["color"],
                          linestyle=style["linestyle"], label=g)
        drawn.tag(line, f"{g}: {yv[-1]:.1%} at {x[-1]:.1f} years")
        r = risk.filter(pl.col("group") == g)
        for year, n in zip(r["year"], r["at_risk"], strict=True):
            if year not in years:
                continue
            tab.text(year, len(groups) - 1 - i, "" if n is None else str(n),
                     ha="center", va="center", fontsize=8)
    ax.set_ylabel(d.y_label)
    ax.legend(frameon=False, loc="upper left")
    tab.set_yticks(range(len(groups)), groups[::-1])
    tab.set_ylim(-0.5, len(groups) - 0.5)
    tab.set_xlim(-0.3, max([last, *years]) + 0.3)
    tab.set_xlabel(d.x_label)
    tab.set_title("numbers at risk", fontsize=8, loc="left")
    for side in ("top", "right", "left"):
        tab.spines[side].set_visible(False)
    return drawn


def draw_comparative(d: FigureData) -> Drawn:
    """Draw a figure of this section by its key."""
    if d.key == "comparison_overlap":
        return draw_overlap(d)
    return draw_love(d) if d.key == "comparison_love" else draw_incidence(d)


#: How each figure key of this section is drawn (report/sections.py DRAW).
DRAW_KEYS = ("comparison_love", "comparison_overlap", "comparison_ci_first_relapse",
             "comparison_ci_cdw", "comparison_ci_cdi", "comparison_ci_discontinuation")

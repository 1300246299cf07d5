"""The seed's categorical result as a figure: improved / stable / worsened EDSS as stacked
horizontal bars of 100%, for all analysed patients and for each follow-up cohort.

Counts are those of the analysis: each analysed patient's ``change_category`` (the
definition's change rule, ``docs/analysis.md``), tallied per group; the "All analysed" bar
equals :attr:`StudyAnalysis.categories`. Categories differ by colour, hatch and order (always
improved, stable, worsened from the left), and each segment prints its n and %.
"""

from __future__ import annotations

import polars as pl
from matplotlib.patches import Patch, Rectangle

from mscohort.analyse.study import StudyAnalysis
from mscohort.analyse.tables import change_categories_by_group
from mscohort.report.drawing import new_figure
from mscohort.report.figures import FigureData, followup_groups
from mscohort.report.plots import CATEGORY_STYLE, Drawn

CATEGORIES = ("improved", "stable", "worsened")
ALL = "All analysed"


def category_bars(a: StudyAnalysis) -> FigureData:
    """n per group and category (groups: all analysed, then each follow-up cohort), counted
    by the analysis (:func:`mscohort.analyse.tables.change_categories_by_group`)."""
    frame = change_categories_by_group(a.outcomes, followup_groups(a), ALL)
    return FigureData("categories", "EDSS improved, stable or worsened by group",
                      "Share of analysed patients whose EDSS improved, stayed stable or "
                      "worsened from baseline to last follow-up (the definition's change "
                      "rule), all analysed and by follow-up cohort; n (%) in each segment.",
                      {"bars": frame}, "% of the group's analysed patients", "")


def draw_categories(d: FigureData) -> Drawn:
    bars = d.frames["bars"]
    groups = bars["group"].unique(maintain_order=True).to_list()
    drawn = Drawn(d, new_figure(7.0, 1.4 + 0.55 * max(len(groups), 1)))
    ax = drawn.figure.subplots()
    for y, group in enumerate(groups):
        left = 0.0
        for r in bars.filter(pl.col("group") == group).iter_rows(named=True):
            width = 100 * r["n"] / r["of"] if r["of"] else 0.0
            colour, hatch = CATEGORY_STYLE[r["category"]]
            rect = Rectangle((left, y - 0.35), width, 0.7, facecolor=colour, hatch=hatch,
                             edgecolor="black", linewidth=0.4)
            ax.add_patch(rect)
            text = f"{group}: {r['category']} {r['n']} of {r['of']} ({width:.0f}%)"
            drawn.tag(rect, text)
            if width >= 8:
                ax.text(left + width / 2, y, f"{r['n']} ({width:.0f}%)", ha="center",
                        va="center", fontsize=8,
                        color="black" if r["category"] == "stable" else "white")
            left += width
    ax.set_xlim(0, 100)
    ax.set_ylim(len(groups) - 0.5, -0.5)
    ax.set_yticks(range(len(groups)), [
        f"{g} (n={bars.filter(pl.col('group') == g)['of'][0]})" for g in groups], fontsize=9)
    ax.set_xlabel(d.x_label)
    drawn.figure.legend(handles=[Patch(facecolor=CATEGORY_STYLE[c][0],
                                       hatch=CATEGORY_STYLE[c][1], edgecolor="black",
                                       label=c) for c in CATEGORIES],
                        loc="outside upper right", ncols=3, frameon=False, fontsize=8)
    return drawn

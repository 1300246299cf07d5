"""Draw the forest plot: mean change with its 95% interval by subgroup, one panel per measure.

Rows are grouped under the name of their table ("follow-up cohort", "the drug immediately
before the index treatment", ...), so that two groups of the same name in two tables ("FTY,
n=14") are told apart by their heading, not by colour; colour and marker repeat the grouping
for the eye. Right of each panel, a column prints each row's estimate and interval with the
same function and precision as the within-group table (:func:`estimate_ci` at
:func:`measure_decimals`: EDSS 1 decimal, MSSS 2), so the figure and the table show the
same numbers.
"""

from __future__ import annotations

import polars as pl

from mscohort.analyse.formatting import estimate_ci, measure_decimals
from mscohort.report.drawing import line_style, new_figure
from mscohort.report.figures import FigureData
from mscohort.report.plots import Drawn


def value_text(r: dict) -> str:
    """The estimate (95% CI) printed beside a row, as in the within-group table."""
    return estimate_ci(r["mean"], r["ci_low"], r["ci_high"], measure_decimals(r["measure"]),
                       True)


def layout(rows: pl.DataFrame
           ) -> tuple[list[tuple[float, str, bool]], dict[tuple[str, str], float]]:
    """The y labels (y, text, is_heading) and the y of each (table, group): a heading per
    table, then its groups indented, in the order of the data."""
    labels: list[tuple[float, str, bool]] = []
    ys: dict[tuple[str, str], float] = {}
    y = 0.0
    for table in rows["table"].unique(maintain_order=True).to_list():
        labels.append((y, table.removeprefix("Outcome by "), True))
        y += 1
        part = rows.filter(pl.col("table") == table)
        for group, n in part.select("group", "n").unique(subset="group", maintain_order=True
                                                        ).iter_rows():
            labels.append((y, f"   {group}, n={n}", False))
            ys[(table, group)] = y
            y += 1
        y += 0.4
    return labels, ys


def draw_forest(d: FigureData) -> Drawn:
    rows = d.frames["rows"]
    measures = rows["measure"].unique(maintain_order=True).to_list() or ["change EDSS"]
    tables = rows["table"].unique(maintain_order=True).to_list()
    labels, ys = layout(rows)
    height = max(3.0, 0.24 * (labels[-1][0] + 1 if labels else 1) + 1.6)
    drawn = Drawn(d, new_figure(2.8 + 5.4 * len(measures), height))
    # a plot and, right of it, a column of its values (an axes without axis lines)
    grid = drawn.figure.subplots(1, 2 * len(measures), sharey=True, squeeze=False,
                                 gridspec_kw={"width_ratios": [3.4, 2.0] * len(measures)})[0]
    axes, columns = grid[0::2], grid[1::2]
    for ax, column, measure in zip(axes, columns, measures, strict=True):
        column.set_axis_off()
        column.set_xlim(0, 1)
        column.text(0, -1.0, "Mean (95% CI)", fontsize=8, weight="bold", va="center")
        for r in rows.filter(pl.col("measure") == measure).iter_rows(named=True):
            y = ys[(r["table"], r["group"])]
            s = line_style(tables.index(r["table"]))
            (line,) = ax.plot([r["ci_low"], r["ci_high"]], [y, y], color=s["color"],
                              linewidth=1.5)
            ax.plot(r["mean"], y, marker=s["marker"], color=s["color"], linestyle="none")
            column.text(0, y, value_text(r), fontsize=8, va="center",
                        gid=f"forest-value-{measure}-{r['table']}-{r['group']}")
            drawn.tag(line, f"{r['table']}: {r['group']}, n={r['n']}, mean {r['mean']:+.2f} "
                             f"(95% CI {r['ci_low']:+.2f} to {r['ci_high']:+.2f})")
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_xlabel(f"{measure} (95% CI)")
    axes[0].set_yticks([y for y, _, _ in labels], [t for _, t, _ in labels], fontsize=8)
    for tick, (_, _, heading) in zip(axes[0].get_yticklabels(), labels, strict=True):
        tick.set_fontweight("bold" if heading else "normal")
    axes[0].tick_params(axis="y", length=0)
    if labels:
        axes[0].set_ylim(labels[-1][0] + 0.8, -1.6)
    return drawn

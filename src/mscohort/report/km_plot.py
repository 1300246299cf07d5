"""Draw a Kaplan-Meier figure: step curves from S = 1 with their 95% pointwise confidence
band, censoring ticks, and the numbers at risk in a table under the time axis (one row per
group, one column per time tick), as journals ask for (Pocock, Clayton and Altman 2002,
"Survival plots of time-to-event outcomes in clinical trials", Lancet 359:1686-9).

The band is the analysis' Greenwood interval on the log(-log S) scale
(:func:`mscohort.analyse.survival.kaplan_meier`, as lifelines' default), drawn as a step
area; a time where the interval is not defined (S = 1, or S = 0) has no band.

Curve and band are drawn at the figure's resolution (:mod:`mscohort.report.km_resolution`:
steps closer than a pixel merged, the band's envelope kept conservative); the numbers at
risk, the censoring ticks and the tooltips come from the full curve.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from mscohort.report.drawing import group_names, line_style, new_figure
from mscohort.report.figures import FigureData
from mscohort.report.km_resolution import (
    BAND_PIXELS_PER_INCH,
    band_envelope,
    pixel_width,
    reduced_curve,
)
from mscohort.report.large_cohort import thinned_ticks
from mscohort.report.plots import Drawn, step_points


def _band(curve: pl.DataFrame, last: float, pixel: float = 0.0
          ) -> tuple[list[float], list[float], list[float]]:
    """x, low, high of the confidence band as steps (where='post') from 0 to ``last``; a time
    without an interval (S = 1 before the first event) has a band of zero width at S. With
    ``pixel`` > 0, steps sharing a pixel column are drawn as the column's envelope
    (:func:`~mscohort.report.km_resolution.band_envelope`)."""
    s = curve["survival"].cast(pl.Float64)
    lo = curve["ci_low"].cast(pl.Float64).fill_null(s).to_numpy()
    hi = curve["ci_high"].cast(pl.Float64).fill_null(s).to_numpy()
    t, lo, hi = band_envelope(curve["time"].cast(pl.Float64).to_numpy(), lo, hi, pixel)
    xs, los, his = [0.0, *t.tolist()], [1.0, *lo.tolist()], [1.0, *hi.tolist()]
    xs.append(max(last, xs[-1]))
    los.append(los[-1])
    his.append(his[-1])
    return xs, los, his


def _drawn_steps(curve: pl.DataFrame, last: float, pixel: float
                 ) -> tuple[list[float], list[float]]:
    """:func:`~mscohort.report.plots.step_points` of the curve reduced to ``pixel``
    (:func:`~mscohort.report.km_resolution.reduced_curve`)."""
    if not curve.height:
        return step_points(curve, last)
    t, s = reduced_curve(curve["time"].cast(pl.Float64).to_numpy(),
                         curve["survival"].cast(pl.Float64).to_numpy(), pixel)
    return step_points(pl.DataFrame({"time": t, "survival": s}), last)


def draw_km(d: FigureData) -> Drawn:
    curves, censored = d.frames["curves"], d.frames["censored"]
    risk = d.frames.get("at_risk")
    groups = list(dict.fromkeys([*group_names(curves), *group_names(censored),
                                 *(group_names(risk) if risk is not None else [])]))
    rows = len(groups) if risk is not None and risk.height else 0
    fig = new_figure(7.0, 4.0 + 0.3 * rows)
    drawn = Drawn(d, fig)
    if rows:
        ax, table = fig.subplots(2, 1, sharex=True,
                                 gridspec_kw={"height_ratios": [4.0, 0.45 + 0.3 * rows]})
    else:
        ax, table = fig.subplots(), None
    # one pixel of the time axis: the figure's whole width over the longest time drawn
    extent = max([0.0, *censored["time"].to_list(), *curves["time"].to_list()])
    pixel = pixel_width(extent, fig.get_figwidth())
    band_pixel = pixel_width(extent, fig.get_figwidth(), BAND_PIXELS_PER_INCH)
    for i, group in enumerate(groups):
        s = line_style(i)
        c = curves.filter(pl.col("group") == group) if curves.height else curves
        cens = censored.filter(pl.col("group") == group)
        last = max([0.0, *cens["time"].to_list(), *(c["time"].to_list() if c.height else [])])
        xs, ys = step_points(c, last)  # the full curve: the ticks' heights
        dx, dy = _drawn_steps(c, last, pixel)
        (line,) = ax.step(dx, dy, where="post", color=s["color"], linestyle=s["linestyle"],
                          linewidth=2, label=group)
        drawn.tag(line, f"{group}: {int(c['events'].sum()) if c.height else 0} events")
        if c.height and "ci_low" in c.columns:
            bx, lo, hi = _band(c, last, band_pixel)
            band = ax.fill_between(bx, lo, hi, step="post", color=s["color"], alpha=0.15,
                                   linewidth=0, label=f"{group} 95% CI")
            band.set_gid(f"{d.key}-band-{i}")
        if cens.height:  # ticks that would share a pixel drawn once (large cohorts)
            marks = thinned_ticks(cens["time"].to_numpy(), last)
            steps = np.asarray(xs)  # each tick at the height of the last step at or before it
            at = [ys[int(np.flatnonzero(steps <= t)[-1])] for t in marks]
            ax.plot(marks, at, linestyle="none", marker="|", markersize=9,
                    color=s["color"])
    ax.set_ylim(0, 1.05)
    ax.set_ylabel(d.y_label)
    if groups:
        ax.legend(frameon=False, loc="best")  # explicit: no load-dependent "can be slow" warning
    if table is None or risk is None:
        ax.set_xlabel(d.x_label)
        return drawn
    ticks = risk["time"].unique(maintain_order=True).to_list()
    ax.set_xticks(ticks)
    ax.tick_params(labelbottom=True)
    table.set_ylim(rows - 0.5, -0.5)
    table.set_yticks(range(rows), groups, fontsize=8)
    for i, group in enumerate(groups):
        table.get_yticklabels()[i].set_color(line_style(i)["color"])
        for r in risk.filter(pl.col("group") == group).iter_rows(named=True):
            table.text(r["time"], i, str(r["n_at_risk"]), ha="center", va="center",
                       fontsize=8, gid=f"{d.key}-at-risk-{i}")
    table.set_title("Number at risk", loc="left", fontsize=8)
    table.tick_params(axis="x", length=0, labelbottom=False)
    table.tick_params(axis="y", length=0)
    for side in table.spines.values():
        side.set_visible(False)
    ax.set_xlabel(d.x_label)
    return drawn

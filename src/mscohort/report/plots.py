"""Draw the report's figures with matplotlib, readable in greyscale and by colour-blind readers.

Colours are the Okabe-Ito palette (Okabe and Ito 2008, "Color Universal Design"); every group
also differs by line style, marker or hatch, so nothing depends on colour alone. Figures are
built on :class:`matplotlib.figure.Figure` (no pyplot global state, safe in a web server).
Patients are drawn as collections (one artist per group, whatever the cohort size); each
collection carries an SVG id and one tooltip text per patient, in drawing order, which the HTML
report attaches to the collection's elements and shows on hover.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

import matplotlib as mpl
import polars as pl
from matplotlib.artist import Artist
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from mscohort.report.drawing import LINESTYLES, MARKERS, OKABE_ITO  # noqa: F401
from mscohort.report.drawing import group_names as _groups
from mscohort.report.drawing import line_style as _style
from mscohort.report.drawing import new_figure as _figure
from mscohort.report.figures import FigureData

HATCHES = ("", "///", "...", "xxx", "\\\\\\", "++")
HATCH_MAX_BARS = 200
CATEGORY_STYLE = {"improved": ("#0072B2", ""), "stable": ("#999999", "..."),
                  "worsened": ("#D55E00", "///")}


@dataclass
class Drawn:
    """A drawn figure and the tooltip text of each artist id in it."""

    data: FigureData
    figure: Figure
    tooltips: dict[str, str | list[str]] = field(default_factory=dict)

    def _tag(self, artist: Artist, text: str | list[str]) -> None:
        """Give ``artist`` an SVG id and its tooltip (a list: one per collection item)."""
        gid = f"{self.data.key}-{len(self.tooltips)}"
        artist.set_gid(gid)
        self.tooltips[gid] = text

    _files: dict[object, Any] = field(default_factory=dict, repr=False)  #: drawn once

    def svg(self) -> str:
        if "svg" in self._files:
            return cast(str, self._files["svg"])
        with mpl.rc_context({"svg.hashsalt": self.data.key, "svg.fonttype": "none"}):
            buf = io.StringIO()
            self.figure.savefig(buf, format="svg", metadata={"Date": None})
        text = buf.getvalue()
        self._files["svg"] = text[text.index("<svg"):]
        return cast(str, self._files["svg"])

    def png(self, dpi: int = 150) -> bytes:
        if ("png", dpi) not in self._files:
            buf = io.BytesIO()
            self.figure.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
            self._files[("png", dpi)] = buf.getvalue()
        return self._files[("png", dpi)]


def _trajectories(d: FigureData) -> Drawn:
    points, means = d.frames["points"], d.frames["means"]
    groups = _groups(points) or ["no patients"]
    fig = _figure(7.0, 3.2 * len(groups))
    drawn = Drawn(d, fig)
    axes = fig.subplots(len(groups), 1, sharex=True, sharey=True, squeeze=False)[:, 0]
    for i, (ax, group) in enumerate(zip(axes, groups, strict=True)):
        style = _style(i)
        sub = points.filter(pl.col("group") == group)
        parts = sub.partition_by("patient_id", maintain_order=True)
        lines = LineCollection([p.select("time", "edss").to_numpy() for p in parts],
                               colors="#888888", linewidths=0.7, alpha=0.6)
        ax.add_collection(lines)
        drawn._tag(lines, [f"{p['patient_id'][0]}: EDSS "
                           + ", ".join(f"{e:g}" for e in p["edss"]) for p in parts])
        m = means.filter(pl.col("group") == group)
        (line,) = ax.plot(m["time"], m["mean_edss"], color=style["color"], linewidth=2.5,
                          linestyle=style["linestyle"], marker=style["marker"],
                          label=f"{group} mean")
        drawn._tag(line, f"{group}: group mean")
        ax.set_title(f"{group} (n={sub['patient_id'].n_unique()})", loc="left", fontsize=10)
        ax.set_ylabel(d.y_label)
        ax.set_ylim(0, 10)
        ax.axvline(0, color="black", linewidth=0.6, linestyle=":")
    axes[-1].set_xlabel(d.x_label)
    return drawn


def _rectangles(x: list[float], bottom: list[float], top: list[float],
                width: float) -> list[list[tuple[float, float]]]:
    return [[(a - width / 2, b), (a - width / 2, t), (a + width / 2, t), (a + width / 2, b)]
            for a, b, t in zip(x, bottom, top, strict=True)]


def _waterfall(d: FigureData) -> Drawn:
    bars = d.frames["bars"].with_row_index("x")
    drawn = Drawn(d, _figure())
    ax = drawn.figure.subplots()
    for category, (colour, hatch) in CATEGORY_STYLE.items():
        sub = bars.filter(pl.col("change_category") == category)
        if sub.height == 0:
            continue
        x = sub["x"].cast(pl.Float64).to_list()
        # the sign already tells the category apart in greyscale; hatches help small cohorts
        rects = PolyCollection(_rectangles(x, [0.0] * sub.height, sub["edss_change"].to_list(),
                                           0.8), facecolors=colour,
                               hatch=hatch if bars.height <= HATCH_MAX_BARS else None,
                               edgecolors="black", label=category,
                               linewidths=0.3 if bars.height <= HATCH_MAX_BARS else 0.0)
        ax.add_collection(rects)
        drawn._tag(rects, [f"{r['patient_id']}: EDSS change {r['edss_change']:+g} ({category})"
                           for r in sub.iter_rows(named=True)])
        zero = sub.filter(pl.col("edss_change") == 0)
        if zero.height:  # a bar of height 0 is invisible: mark the patients
            ax.scatter(zero["x"], [0.0] * zero.height, marker="D", s=18, color=colour,
                       edgecolors="black", linewidths=0.4, zorder=3)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xlim(-1, max(bars.height, 1))
    low = min(0.0, *bars["edss_change"].to_list()) if bars.height else 0.0
    high = max(0.0, *bars["edss_change"].to_list()) if bars.height else 0.0
    ax.set_ylim(low - 0.25, high + 0.25)
    ax.set_xticks([])
    ax.set_xlabel(f"{d.x_label} (n={bars.height})")
    ax.set_ylabel(d.y_label)
    if bars.height:
        ax.legend(frameon=False)
    return drawn


def _msss(d: FigureData) -> Drawn:
    pts = d.frames["points"]
    drawn = Drawn(d, _figure(6.0, 4.5))
    ax = drawn.figure.subplots()
    for i, group in enumerate(_groups(pts)):
        s = _style(i)
        sub = pts.filter(pl.col("group") == group)
        dots = ax.scatter(sub["baseline_msss"], sub["msss_change"], marker=s["marker"], s=30,
                          facecolors="none" if i % 2 else s["color"], edgecolors=s["color"],
                          label=f"{group} (n={sub.height})")
        drawn._tag(dots, [f"{r['patient_id']}: baseline MSSS {r['baseline_msss']:.2f}, change "
                          f"{r['msss_change']:+.2f}" for r in sub.iter_rows(named=True)])
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xlabel(d.x_label)
    ax.set_ylabel(d.y_label)
    if pts.height:
        ax.legend(frameon=False)
    return drawn


def _arr(d: FigureData) -> Drawn:
    pairs, means = d.frames["pairs"], d.frames["means"]
    drawn = Drawn(d, _figure(4.5, 4.5))
    ax = drawn.figure.subplots()
    segments = [[(0.0, b), (1.0, a)] for b, a in zip(pairs["arr_before"], pairs["arr_during"],
                                                       strict=True)]
    lines = LineCollection(segments, colors="#888888", linewidths=0.7, alpha=0.7)
    ax.add_collection(lines)
    drawn._tag(lines, [f"{r['patient_id']}: ARR {r['arr_before']:.2f} before, "
                       f"{r['arr_during']:.2f} during" for r in pairs.iter_rows(named=True)])
    if pairs.height:
        m = means.row(0, named=True)
        (line,) = ax.plot([0, 1], [m["arr_before"], m["arr_during"]], color=OKABE_ITO[0],
                          linewidth=3, marker="s", label=f"mean (n={pairs.height})")
        drawn._tag(line, f"mean ARR {m['arr_before']:.2f} before, {m['arr_during']:.2f} during")
        ax.legend(frameon=False)
    ax.set_xticks([0, 1], ["before index", "during follow-up"])
    ax.set_xlim(-0.3, 1.3)
    ax.set_ylabel(d.y_label)
    return drawn


def step_points(curve: pl.DataFrame, last_time: float) -> tuple[list[float], list[float]]:
    """The x, y of a Kaplan-Meier step line from time 0 (S = 1) to ``last_time``."""
    xs, ys = [0.0], [1.0]
    for t, s in zip(curve["time"], curve["survival"], strict=True):
        xs.append(float(t))
        ys.append(float(s))
    xs.append(max(last_time, xs[-1]))
    ys.append(ys[-1])
    return xs, ys


def _km(d: FigureData) -> Drawn:
    curves, censored = d.frames["curves"], d.frames["censored"]
    drawn = Drawn(d, _figure())
    ax = drawn.figure.subplots()
    groups = list(dict.fromkeys([*_groups(curves), *_groups(censored)]))
    for i, group in enumerate(groups):
        s = _style(i)
        c = curves.filter(pl.col("group") == group) if curves.height else curves
        cens = censored.filter(pl.col("group") == group)
        last = max([0.0, *cens["time"].to_list(), *(c["time"].to_list() if c.height else [])])
        xs, ys = step_points(c, last)
        (line,) = ax.step(xs, ys, where="post", color=s["color"], linestyle=s["linestyle"],
                          linewidth=2, label=group)
        drawn._tag(line, f"{group}: {int(c['events'].sum()) if c.height else 0} events")
        if cens.height:
            at = [ys[max(j for j, x in enumerate(xs) if x <= t)] for t in cens["time"]]
            ax.plot(cens["time"], at, linestyle="none", marker="|", markersize=9,
                    color=s["color"])
    ax.set_ylim(0, 1.05)
    ax.set_xlabel(d.x_label)
    ax.set_ylabel(d.y_label)
    if groups:
        ax.legend(frameon=False)
    return drawn


def _forest(d: FigureData) -> Drawn:
    rows = d.frames["rows"]
    measures = rows["measure"].unique(maintain_order=True).to_list() or ["change EDSS"]
    tables = rows["table"].unique(maintain_order=True).to_list()
    per_panel = rows.height / max(len(measures), 1)
    drawn = Drawn(d, _figure(5.0 * len(measures), max(3.0, 0.28 * per_panel + 1.8)))
    axes = drawn.figure.subplots(1, len(measures), sharey=True, squeeze=False)[0]
    labels: list[str] = []
    for ax, measure in zip(axes, measures, strict=True):
        sub = rows.filter(pl.col("measure") == measure)
        labels = [f"{r['group']} ({r['n']})" for r in sub.iter_rows(named=True)]
        for y, r in enumerate(sub.iter_rows(named=True)):
            s = _style(tables.index(r["table"]))
            (line,) = ax.plot([r["ci_low"], r["ci_high"]], [y, y], color=s["color"],
                              linewidth=1.5)
            ax.plot(r["mean"], y, marker=s["marker"], color=s["color"], linestyle="none")
            drawn._tag(line, f"{r['table']}: {r['group']}, n={r['n']}, mean {r['mean']:+.2f} "
                             f"(95% CI {r['ci_low']:+.2f} to {r['ci_high']:+.2f})")
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_xlabel(f"{measure} (95% CI)")
    axes[0].set_yticks(range(len(labels)), labels, fontsize=8)
    axes[0].invert_yaxis()  # shared: once inverts every panel
    handles = [Line2D([], [], color=_style(i)["color"], marker=_style(i)["marker"], label=t)
               for i, t in enumerate(tables)]
    if handles:
        drawn.figure.legend(handles=handles, loc="outside lower center", frameon=False,
                            fontsize=7, ncols=2)
    return drawn


def _swimmer(d: FigureData) -> Drawn:
    patients, drugs = d.frames["patients"], d.frames["drugs"]
    courses, relapses = d.frames["courses"], d.frames["relapses"]
    ids = patients["patient_id"].to_list()
    row = {pid: i for i, pid in enumerate(ids)}
    labels = drugs["label"].unique().sort().to_list()
    drawn = Drawn(d, _figure(8.0, max(3.0, 0.22 * len(ids) + 1.5)))
    ax = drawn.figure.subplots()
    handles: list[object] = []
    ax.hlines(range(len(ids)), 0, patients["followup"], color="#777777", linewidth=1.0)
    handles.append(Line2D([], [], color="#777777", linewidth=1.0, label="follow-up"))
    for k, label in enumerate(labels):
        sub = drugs.filter(pl.col("label") == label)
        colour, hatch = OKABE_ITO[k % len(OKABE_ITO)], HATCHES[k % len(HATCHES)]
        y = [float(row[p]) for p in sub["patient_id"]]
        rects = PolyCollection(
            [[(a, r - 0.3), (a, r + 0.3), (b, r + 0.3), (b, r - 0.3)]
             for a, b, r in zip(sub["start"], sub["stop"], y, strict=True)],
            facecolors=colour, hatch=hatch, edgecolors="black", linewidths=0.3)
        ax.add_collection(rects)
        drawn._tag(rects, [f"{r['patient_id']}: {r['drug']} from {r['start']:.1f} to "
                           f"{r['stop']:.1f}" for r in sub.iter_rows(named=True)])
        handles.append(Patch(facecolor=colour, hatch=hatch, edgecolor="black", label=label))
    if courses.height:
        (mark,) = ax.plot(courses["time"], [row[p] for p in courses["patient_id"]],
                          linestyle="none", marker="v", color="black", markersize=6,
                          label="index-drug course")
        handles.append(mark)
    if relapses.height:
        (mark,) = ax.plot(relapses["time"], [row[p] for p in relapses["patient_id"]],
                          linestyle="none", marker="x", color=OKABE_ITO[1], markersize=6,
                          label="relapse")
        handles.append(mark)
    for r in patients.iter_rows(named=True):
        if r["edss_change"] is not None:
            change = "0" if r["edss_change"] == 0 else f"{r['edss_change']:+g}"
            ax.annotate(change, (r["followup"], row[r["patient_id"]]),
                        xytext=(4, 0), textcoords="offset points", va="center", fontsize=7)
    ax.autoscale_view()
    ax.axvline(0, color="black", linewidth=0.6, linestyle=":")
    ax.set_yticks(range(len(ids)), ids, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel(d.x_label)
    ax.legend(handles=handles, frameon=False, fontsize=7, loc="upper left",
              bbox_to_anchor=(1.0, 1.0))
    return drawn


DRAW: dict[str, Callable[[FigureData], Drawn]] = {
    "trajectories": _trajectories, "waterfall": _waterfall, "msss_change": _msss,
    "arr_pairs": _arr, "km_cdw": _km, "forest": _forest, "swimmer": _swimmer,
    "km_milestones": _km,
}

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
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast
from xml.sax.saxutils import escape

import matplotlib as mpl
import polars as pl
from matplotlib.artist import Artist
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from mscohort.report.drawing import (  # noqa: F401  (LINESTYLES, MARKERS re-exported)
    DENSITY_GRID,
    LINESTYLES,
    MARKERS,
    MAX_LINES,
    OKABE_ITO,
    SAMPLE_SEED,
    patient_lines,
    trajectory_panels,
)
from mscohort.report.drawing import group_names as _groups
from mscohort.report.drawing import line_style as _style
from mscohort.report.drawing import new_figure as _figure
from mscohort.report.figure_text import describe
from mscohort.report.figures import FigureData
from mscohort.report.large_cohort import (
    merged_steps,
    sample_note,
    sample_rows,
    sampled_text,
)

#: Dots are ".", not "...": each dot is a curve in an SVG pattern, and "..." writes a
#: 150 kB pattern into every figure that uses it (a bounded page, issue #23; "." is 20 kB).
HATCHES = ("", "///", ".", "xxx", "\\\\\\", "++")
HATCH_MAX_BARS = 200
SWIMMER_MAX_HEIGHT_IN = 9.0
CATEGORY_STYLE = {"improved": ("#0072B2", ""), "stable": ("#999999", "."),
                  "worsened": ("#D55E00", "///")}


@dataclass
class Drawn:
    """A drawn figure and the tooltip text of each artist id in it."""

    data: FigureData
    figure: Figure
    tooltips: dict[str, str | list[str]] = field(default_factory=dict)

    def tag(self, artist: Artist, text: str | list[str]) -> None:
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
        text = compact_svg(buf.getvalue())
        self._files["svg"] = accessible_svg(text[text.index("<svg"):], self.data)
        return cast(str, self._files["svg"])

    def png(self, dpi: int = 150) -> bytes:
        if ("png", dpi) not in self._files:
            buf = io.BytesIO()
            self.figure.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
            self._files[("png", dpi)] = buf.getvalue()
        return self._files[("png", dpi)]


#: Decimals of the SVG's coordinates (points, 1/72 inch): 0.01 pt is a 30th of a pixel
#: of a 300 dpi print; matplotlib writes six, which made a registry's figures a third
#: larger (issue #23).
SVG_DECIMALS = 2
_GEOMETRY = re.compile(r'(\s(?:d|x|y)=")([^"]*)(")')
_LONG_NUMBER = re.compile(rf"-?\d+\.\d{{{SVG_DECIMALS + 1},}}")


def _short(number: re.Match[str]) -> str:
    text = f"{float(number[0]):.{SVG_DECIMALS}f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def rounded_geometry(svg: str) -> str:
    """``svg`` with the numbers of its geometry (the ``d`` of paths, the ``x`` and ``y`` of
    marks) written with :data:`SVG_DECIMALS` decimals; text, titles and styles untouched."""
    return _GEOMETRY.sub(lambda m: m[1] + _LONG_NUMBER.sub(_short, m[2]) + m[3], svg)


_INDENT = re.compile(r">\n\s*<")
#: a group clipped by ``id`` holding only marks, followed by another clipped by the same id
_SAME_CLIP = re.compile(r'(<g clip-path="url\(#([\w-]+)\)">(?:<use [^>]*/>)+)</g><g '
                        r'clip-path="url\(#\2\)">')


def compact_svg(svg: str) -> str:
    """``svg`` drawn the same, in fewer bytes (issue #23: matplotlib's SVG of a registry's
    figures was a megabyte): geometry to 0.01 pt (:func:`rounded_geometry`), no indentation
    between elements, and marks that matplotlib wraps one by one in groups with the same
    clip path (a density's hexagons, a sample's points) in one such group, in their order
    (the tooltips find them in document order)."""
    svg = _INDENT.sub("><", rounded_geometry(svg))
    while True:
        merged = _SAME_CLIP.sub(r"\1", svg)
        if merged == svg:
            return svg
        svg = merged


def accessible_svg(svg: str, d: FigureData) -> str:
    """``svg`` named for screen readers: ``role="group"`` (its tooltip elements stay
    reachable), a ``<title>`` (the figure's title) and a ``<desc>`` (its caption, then the
    figure in words with its numbers, :func:`mscohort.report.figure_text.describe`) as the
    first children, referenced by ``aria-labelledby`` (WAI-ARIA Graphics Module; SVG 2,
    5.9)."""
    end = svg.index(">", svg.index("<svg")) + 1
    ids = f"{d.key}-svg-title {d.key}-svg-desc"
    head = svg[:end - 1] + f' role="group" aria-labelledby="{ids}">'
    text = f"{d.caption} {describe(d)}".strip()
    return (head + f'<title id="{d.key}-svg-title">{escape(d.title)}</title>'
            f'<desc id="{d.key}-svg-desc">{escape(text)}</desc>' + svg[end:])


def _trajectories(d: FigureData) -> Drawn:
    points, means = d.frames["points"], d.frames["means"]
    groups = _groups(points) or ["no patients"]
    fig = _figure(7.0, 3.2 * len(groups))
    drawn = Drawn(d, fig)
    axes = trajectory_panels(fig, groups)
    for i, (ax, group) in enumerate(zip(axes, groups, strict=True)):
        style = _style(i)
        sub = points.filter(pl.col("group") == group)
        lines, tips = patient_lines(ax, sub, "edss", "EDSS")
        drawn.tag(lines, tips)
        m = means.filter(pl.col("group") == group)
        (line,) = ax.plot(m["time"], m["mean_edss"], color=style["color"], linewidth=2.5,
                          linestyle=style["linestyle"], marker=style["marker"],
                          label=f"{group} mean")
        drawn.tag(line, f"{group}: group mean")
        ax.set_title(f"{group} (n={sub['patient_id'].n_unique()})", loc="left", fontsize=10)
        ax.set_ylabel(d.y_label)
        ax.set_ylim(0, 10)
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
        if bars.height <= HATCH_MAX_BARS:
            rects = PolyCollection(_rectangles(x, [0.0] * sub.height,
                                               sub["edss_change"].to_list(), 0.8),
                                   facecolors=colour, hatch=hatch, edgecolors="black",
                                   label=category, linewidths=0.3)
            ax.add_collection(rects)
            drawn.tag(rects, [f"{r['patient_id']}: EDSS change {r['edss_change']:+g} "
                               f"({category})" for r in sub.iter_rows(named=True)])
        else:
            # too many bars to hatch one by one: the category's bars as one stepped area
            # (the bars are sorted, so a category's bars are side by side), hatch kept
            # each bar one unit wide, from x - 0.5 to x + 0.5
            # (equal neighbours merged into one step: the same area, bounded in size)
            xs, heights = merged_steps(x, sub["edss_change"].to_list())
            area = ax.fill_between([v - 0.5 for v in [*xs, x[-1] + 1]], 0.0,
                                   [*heights, heights[-1]], step="post",
                                   facecolor=colour, hatch=hatch, edgecolor="black",
                                   linewidth=0.3, label=category)
            drawn.tag(area, f"{category}: {sub.height} patients")
        zero = sub.filter(pl.col("edss_change") == 0)
        if zero.height and bars.height > HATCH_MAX_BARS:  # one mark along their run
            run = zero["x"].to_numpy().astype(float)
            ax.plot([run.min() - 0.5, run.max() + 0.5], [0.0, 0.0], color=colour,
                    linewidth=4, solid_capstyle="butt", zorder=3)
        elif zero.height:  # a bar of height 0 is invisible: mark the patients
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
        ax.legend(frameon=False, loc="best")  # explicit: no load-dependent "can be slow" warning
    return drawn


def _msss(d: FigureData) -> Drawn:
    pts = d.frames["points"]
    drawn = Drawn(d, _figure(6.0, 4.5))
    ax = drawn.figure.subplots()
    groups = _groups(pts)
    many = any(pts.filter(pl.col("group") == g).height > MAX_LINES for g in groups)
    if many:  # a density of every patient, and a stated sample of points per cohort
        ax.hexbin(pts["baseline_msss"].to_numpy(), pts["msss_change"].to_numpy(),
                  gridsize=DENSITY_GRID, cmap="Greys", mincnt=1, linewidths=0, zorder=0,
                  gid="density")
        sample_note(ax, f"points: at most {MAX_LINES} of each cohort at random (seed "
                    f"{SAMPLE_SEED}); shading: density of all {pts.height} patients")
    for i, group in enumerate(groups):
        s = _style(i)
        full = pts.filter(pl.col("group") == group)
        sub = full[sample_rows(full.height).tolist()] if full.height else full
        dots = ax.scatter(sub["baseline_msss"], sub["msss_change"], marker=s["marker"], s=30,
                          facecolors="none" if i % 2 else s["color"], edgecolors=s["color"],
                          label=f"{group} (n={full.height})")
        drawn.tag(dots, [f"{r['patient_id']}: baseline MSSS {r['baseline_msss']:.2f}, change "
                          f"{r['msss_change']:+.2f}" for r in sub.iter_rows(named=True)])
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xlabel(d.x_label)
    ax.set_ylabel(d.y_label)
    if pts.height:
        ax.legend(frameon=False, loc="best")  # explicit: no load-dependent "can be slow" warning
    return drawn


def _arr(d: FigureData) -> Drawn:
    pairs, means = d.frames["pairs"], d.frames["means"]
    drawn = Drawn(d, _figure(4.5, 4.5))
    ax = drawn.figure.subplots()
    shown = pairs[sample_rows(pairs.height).tolist()] if pairs.height else pairs
    segments = [[(0.0, b), (1.0, a)] for b, a in zip(shown["arr_before"], shown["arr_during"],
                                                       strict=True)]
    lines = LineCollection(segments, colors="#888888", linewidths=0.7, alpha=0.7)
    ax.add_collection(lines)
    drawn.tag(lines, [f"{r['patient_id']}: ARR {r['arr_before']:.2f} before, "
                       f"{r['arr_during']:.2f} during" for r in shown.iter_rows(named=True)])
    if shown.height < pairs.height:  # the mean below is of every patient
        sample_note(ax, sampled_text("lines", shown.height, pairs.height) + "; mean of all")
    if pairs.height:
        m = means.row(0, named=True)
        (line,) = ax.plot([0, 1], [m["arr_before"], m["arr_during"]], color=OKABE_ITO[0],
                          linewidth=3, marker="s", label=f"mean (n={pairs.height})")
        drawn.tag(line, f"mean ARR {m['arr_before']:.2f} before, {m['arr_during']:.2f} during")
        ax.legend(frameon=False, loc="best")  # explicit: no load-dependent "can be slow" warning
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


def _swimmer(d: FigureData) -> Drawn:
    patients, drugs = d.frames["patients"], d.frames["drugs"]
    courses, relapses = d.frames["courses"], d.frames["relapses"]
    ids = patients["patient_id"].to_list()
    row = {pid: i for i, pid in enumerate(ids)}
    labels = drugs["label"].unique().sort().to_list()
    # at most SWIMMER_MAX_HEIGHT_IN tall (a page): rows closer, labels no larger than a row
    height = min(SWIMMER_MAX_HEIGHT_IN, max(3.0, 0.22 * len(ids) + 1.5))
    label_pt = max(5.0, min(7.0, 0.75 * 72 * (height - 1.5) / max(len(ids), 1)))
    drawn = Drawn(d, _figure(8.0, height))
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
        drawn.tag(rects, [f"{r['patient_id']}: {r['drug']} from {r['start']:.1f} to "
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
                        xytext=(4, 0), textcoords="offset points", va="center",
                        fontsize=label_pt)
    if "sample" in d.frames:  # a large cohort: an even sample by follow-up (figures.swimmer)
        shown, total = d.frames["sample"].row(0)
        sample_note(ax, f"{shown} of {total} analysed patients, evenly spaced by follow-up")
    ax.autoscale_view()
    ax.axvline(0, color="black", linewidth=0.6, linestyle=":")
    ax.set_yticks(range(len(ids)), ids, fontsize=label_pt)
    ax.invert_yaxis()
    ax.set_xlabel(d.x_label)
    ax.legend(handles=handles, frameon=False, fontsize=7, loc="upper left",
              bbox_to_anchor=(1.0, 1.0))
    return drawn


DRAW: dict[str, Callable[[FigureData], Drawn]] = {
    "trajectories": _trajectories, "waterfall": _waterfall, "msss_change": _msss,
    "arr_pairs": _arr, "swimmer": _swimmer,
}

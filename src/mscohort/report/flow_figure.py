"""The population flow as a figure (CONSORT-style boxes): screened -> eligible -> treated
-> analysed per outcome, every exclusion in a box to the right with its count. The data are
the rows of :func:`mscohort.analyse.flow.population_flow`; nothing is counted here."""

from __future__ import annotations

import textwrap

import polars as pl
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from mscohort.analyse.study import StudyAnalysis
from mscohort.report.figures import FigureData
from mscohort.report.plots import Drawn

BOX = {"boxstyle": "round,pad=0.5", "facecolor": "white", "edgecolor": "black",
       "linewidth": 1.0}
EXCLUDED = BOX | {"facecolor": "#eeeeee", "linestyle": "--"}


def flow_figure(a: StudyAnalysis) -> FigureData:
    return FigureData("flow", "Population flow",
                      "Screened, eligible, treated and analysed patients per outcome; grey "
                      "dashed boxes: patients excluded at that step, with the reason.",
                      {"flow": a.flow})


def _lines(rows: pl.DataFrame) -> str:
    return "\n".join(f"{r['box']}: {r['n']}" + (f" ({r['note']})" if r["note"] else "")
                     for r in rows.iter_rows(named=True))


def _box(ax: Axes, drawn: Drawn, x: float, y: float, text: str, style: dict,
         ha: str = "center", size: int = 9) -> None:
    artist = ax.text(x, y, text, ha=ha, va="center", fontsize=size,
                     bbox=style)
    drawn.tag(artist, text.replace("\n", " "))


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float]) -> None:
    ax.annotate("", xy=end, xytext=start,
                arrowprops={"arrowstyle": "->", "linewidth": 0.8})


def draw_flow(d: FigureData) -> Drawn:
    """Vertical chain screened -> treated -> analysed (one box per outcome); exclusions to
    the right of the chain; the eligibility screening to its left, as the main analysis
    keeps every treated patient (the sensitivity table restricts to the eligible)."""
    flow = d.frames["flow"]
    fig = Figure(figsize=(9.0, 6.0), layout="constrained")
    drawn = Drawn(d, fig)
    ax = fig.subplots()
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)

    def rows(stage: str, kind: str) -> pl.DataFrame:
        return flow.filter((pl.col("stage") == stage) & (pl.col("kind") == kind))

    x0 = 0.5
    _box(ax, drawn, x0, 0.92, _lines(rows("screened", "included")), BOX)
    _box(ax, drawn, x0, 0.62, _lines(rows("treated", "included")), BOX)
    _arrow(ax, (x0, 0.88), (x0, 0.66))
    screening = pl.concat([rows("eligible", "included"), rows("eligible", "excluded")])
    if screening.height:
        _box(ax, drawn, 0.02, 0.77, "eligibility screening\n" + "\n".join(
            textwrap.wrap(_lines(screening).replace("\n", "; "), 38)), EXCLUDED, "left", 8)
    gone = rows("treated", "excluded")
    if gone.height:
        _box(ax, drawn, 0.66, 0.77, _lines(gone), EXCLUDED, "left", 8)
        _arrow(ax, (x0, 0.77), (0.645, 0.77))
    out = rows("analysed", "excluded")
    if out.height:
        text = "not analysed\n" + "\n".join(
            textwrap.fill(line, 40) for line in _lines(out).split("\n"))
        _box(ax, drawn, 0.66, 0.44, text, EXCLUDED, "left", 8)
        _arrow(ax, (x0, 0.44), (0.645, 0.44))
    analysed = rows("analysed", "included")
    n = max(analysed.height, 1)
    xs = [(i + 0.5) / n for i in range(analysed.height)]
    ax.plot([x0, x0], [0.58, 0.28], color="black", linewidth=0.8)
    if xs:
        ax.plot([min(xs), max(xs)], [0.28, 0.28], color="black", linewidth=0.8)
    for x, r in zip(xs, analysed.iter_rows(named=True), strict=True):
        _arrow(ax, (x, 0.28), (x, 0.2))
        _box(ax, drawn, x, 0.13, textwrap.fill(r["box"], 14) + f"\nn={r['n']}", BOX,
             size=8)
    return drawn

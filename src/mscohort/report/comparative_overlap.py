"""The overlap of the propensity scores (issue #25): each group's distribution of the score
before the design (every analysed episode) and after it (the matched episodes, or every
episode with its weight). A region where one group has no episodes is a region without
overlap: there, the comparison rests on extrapolation (Austin 2011; Li, Morgan and Zaslavsky
2018 for weights)."""

from __future__ import annotations

import numpy as np
import polars as pl

from mscohort.analyse.comparative.analysis import ComparativeAnalysis
from mscohort.report.drawing import line_style, new_figure
from mscohort.report.figures import FigureData
from mscohort.report.plots import Drawn

#: Bins of the score's histograms: twenty of width 0.05 over [0, 1].
EDGES = np.linspace(0.0, 1.0, 21)


def score_overlap(c: ComparativeAnalysis) -> FigureData:
    """The figure's data: ``before`` (treatment, ps of every analysed episode, weight 1) and
    ``after`` (treatment, ps, weight of the analysed cohort)."""
    d = c.design
    before = pl.DataFrame({"treatment": d.covariates.table["treatment"].cast(pl.Int8),
                           "ps": d.model.ps, "weight": np.ones(len(d.model.ps))})
    after = d.cohort.episodes.select(pl.col("treatment").cast(pl.Int8), "ps", "weight")
    how = "matching" if d.cohort.design == "match" else "weighting"
    return FigureData(
        "comparison_overlap", "Comparison: overlap of the propensity scores",
        f"Share of each group's episodes by propensity score (bins of 0.05), before "
        f"({before.height} analysed episodes) and after {how} (each episode counted with "
        f"its weight).", {"before": before, "after": after,
                          "groups": pl.DataFrame({"treatment": [1, 0], "label": [
                              d.cohort.treated, d.cohort.control]})},
        "propensity score", "share of the group's episodes")


def shares(frame: pl.DataFrame, treatment: int) -> np.ndarray:
    """The weighted share of one group's episodes in each bin of :data:`EDGES`."""
    part = frame.filter(pl.col("treatment") == treatment)
    w = part["weight"].to_numpy()
    counts, _ = np.histogram(part["ps"].to_numpy(), bins=EDGES, weights=w)
    total = w.sum()
    return counts / total if total > 0 else counts


def draw_overlap(d: FigureData) -> Drawn:
    """Two panels (before, after): each group's shares as a step outline, the treated group
    above the axis and the comparator mirrored below it."""
    fig = new_figure(7.0, 3.4)
    drawn = Drawn(d, fig)
    groups = d.frames["groups"]
    axes = fig.subplots(1, 2, sharey=True)
    for ax, (name, title) in zip(axes, (("before", "before"), ("after", "after")),
                                 strict=True):
        for i, (t, label) in enumerate(zip(groups["treatment"], groups["label"],
                                           strict=True)):
            h = shares(d.frames[name], int(t))
            sign = 1.0 if t == 1 else -1.0
            style = line_style(i)
            bars = ax.bar(EDGES[:-1], sign * h, width=np.diff(EDGES), align="edge",
                          color=style["color"], alpha=0.55, label=str(label))
            for patch, lo, hi, v in zip(bars.patches, EDGES[:-1], EDGES[1:], h, strict=True):
                if v > 0:
                    drawn.tag(patch, f"{label}, score {lo:.2f}-{hi:.2f}: {v:.1%} ({title})")
        ax.axhline(0.0, color="#333333", linewidth=0.8)
        ax.set_title(title, fontsize=9)
        ax.set_xlim(0.0, 1.0)
        ax.set_xlabel(d.x_label)
    axes[0].set_ylabel(d.y_label + " (comparator below)")
    axes[0].legend(frameon=False, fontsize=8, loc="upper left")
    return drawn

"""What every figure module draws with: the Okabe-Ito palette with line styles and
markers (Okabe and Ito 2008, "Color Universal Design": nothing depends on colour alone), a
new constrained-layout figure, the groups of a figure's frame in order, and the panels and
faint per-patient lines of a trajectory figure.

Shared by :mod:`mscohort.report.plots`, :mod:`mscohort.report.secondary_plots`,
:mod:`mscohort.report.models_section` and :mod:`mscohort.report.timeline`, so that none of
them imports another's private names and every trajectory figure is drawn alike.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
             "#F0E442")
LINESTYLES = ("-", "--", ":", "-.")
MARKERS = ("o", "s", "^", "D", "v", "P")


def line_style(i: int) -> dict[str, Any]:
    """Colour, line style and marker of the ``i``-th group (each differs from the next in
    all three)."""
    return {"color": OKABE_ITO[i % len(OKABE_ITO)], "linestyle": LINESTYLES[i % 4],
            "marker": MARKERS[i % len(MARKERS)]}


def new_figure(width: float = 7.0, height: float = 4.0) -> Figure:
    """A matplotlib figure (no pyplot global state, safe in a web server)."""
    return Figure(figsize=(width, height), layout="constrained")


def group_names(frame: pl.DataFrame) -> list[str]:
    """The ``group`` values of ``frame`` in the order first met (none for an empty frame)."""
    return frame["group"].unique(maintain_order=True).to_list() if frame.height else []


#: Per-patient lines: grey, thin, and fainter when many overlap (above ``FAINT_ABOVE``
#: patients in a panel), so the group's line drawn over them stays readable.
PATIENT_GREY = "#888888"
PATIENT_ALPHA = 0.6
FAINT_ALPHA = 0.25
FAINT_ABOVE = 30
#: Above this many patients in a panel, a density of every assessment and a random sample
#: of this many patients' lines (seeded) are drawn instead of every line.
MAX_LINES = 100
SAMPLE_SEED = 24
DENSITY_GRID = 40


def trajectory_panels(fig: Figure, groups: list[str]) -> list[Axes]:
    """One panel per group, stacked, sharing both axes, each with the index date (time 0)
    marked by a dotted vertical line."""
    axes = fig.subplots(len(groups), 1, sharex=True, sharey=True, squeeze=False)[:, 0]
    for ax in axes:
        ax.axvline(0, color="black", linewidth=0.6, linestyle=":")
    return list(axes)


def patient_lines(ax: Axes, points: pl.DataFrame, value: str,
                  label: str = "") -> tuple[LineCollection, list[str]]:
    """Each patient's ``value`` over ``time`` (``points``: ``patient_id``, ``time``,
    ``value``, sorted by time within a patient) as one faint grey line, drawn as a single
    collection whatever the cohort size; with one tooltip text per line, in drawing order
    ("P01: EDSS 2, 2.5").

    Above ``MAX_LINES`` patients (a large cohort) the lines would merge into a grey blob:
    every assessment is drawn as a hexagonal-bin density instead (grey, darker where more
    assessments fall; ``ax.hexbin``), and lines only for ``MAX_LINES`` patients drawn at
    random with the fixed seed ``SAMPLE_SEED``, fainter; the panel states the sample ("lines:
    100 of 20000 patients at random (seed 24); shading: density of all 80000 assessments")."""
    parts = points.partition_by("patient_id", maintain_order=True) if points.height else []
    note = ""
    if len(parts) > MAX_LINES:
        ax.hexbin(points["time"].to_numpy(), points[value].to_numpy(), gridsize=DENSITY_GRID,
                  cmap="Greys", mincnt=1, linewidths=0, zorder=0, gid="density")
        keep = np.random.default_rng(SAMPLE_SEED).choice(len(parts), MAX_LINES, replace=False)
        note = (f"lines: {MAX_LINES} of {len(parts)} patients at random (seed {SAMPLE_SEED}); "
                f"shading: density of all {points.height} assessments")
        parts = [parts[i] for i in sorted(keep)]
    lines = LineCollection([p.select("time", value).to_numpy() for p in parts],
                           colors=PATIENT_GREY, linewidths=0.7,
                           alpha=PATIENT_ALPHA if len(parts) <= FAINT_ABOVE else FAINT_ALPHA)
    ax.add_collection(lines)
    if note:
        ax.text(0.99, 0.02, note, transform=ax.transAxes, ha="right", va="bottom",
                fontsize=7, gid="sample-note")
    prefix = f"{label} " if label else ""
    return lines, [f"{p['patient_id'][0]}: {prefix}" + ", ".join(f"{e:g}" for e in p[value])
                   for p in parts]

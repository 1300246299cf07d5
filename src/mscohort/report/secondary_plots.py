"""Draw the secondary-outcome figures (data: :mod:`mscohort.report.secondary_figures`), in
the style of :mod:`mscohort.report.plots`: Okabe-Ito colours plus line style and marker,
patients as collections with one tooltip per patient (above 100 patients or eyes, a stated
seeded sample of them, :mod:`mscohort.report.large_cohort`)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl
from matplotlib.collections import LineCollection

from mscohort.definition.labels import MICROMETRE
from mscohort.report.drawing import SAMPLE_SEED
from mscohort.report.drawing import group_names as _groups
from mscohort.report.drawing import line_style as _style
from mscohort.report.drawing import new_figure as _figure
from mscohort.report.figures import FigureData
from mscohort.report.km_plot import draw_km
from mscohort.report.large_cohort import sample_note, sample_rows
from mscohort.report.plots import Drawn


def _rnfl(d: FigureData) -> Drawn:
    points = d.frames["points"]
    groups = _groups(points) or ["no eyes"]
    drawn = Drawn(d, _figure(7.0, 3.0 * len(groups)))
    axes = drawn.figure.subplots(len(groups), 1, sharex=True, sharey=True, squeeze=False)[:, 0]
    for i, (ax, group) in enumerate(zip(axes, groups, strict=True)):
        s = _style(i)
        sub = points.filter(pl.col("group") == group)
        every = sub.partition_by("patient_id", "eye", maintain_order=True)
        parts = [every[k] for k in sample_rows(len(every))]
        if len(parts) < len(every):  # a large cohort: a stated, seeded sample of eyes
            sample_note(ax, f"lines: {len(parts)} of {len(every)} eyes at random (seed "
                            f"{SAMPLE_SEED})")
        lines = LineCollection([p.select("time", "rnfl_um").to_numpy() for p in parts],
                               colors=s["color"], linestyles=s["linestyle"], linewidths=0.9,
                               alpha=0.7)
        ax.add_collection(lines)
        drawn.tag(lines, [f"{p['patient_id'][0]} {p['eye'][0]}: RNFL "
                           + ", ".join(f"{x:g}" for x in p["rnfl_um"]) + f" {MICROMETRE}"
                           for p in parts])
        ax.autoscale_view()
        ax.set_title(f"{group} (n={len(every)} eyes)", loc="left", fontsize=10)
        ax.set_ylabel(d.y_label)
        ax.axvline(0, color="black", linewidth=0.6, linestyle=":")
    axes[-1].set_xlabel(d.x_label)
    return drawn


def jitter(n: int, width: float = 0.25) -> np.ndarray:
    """Evenly spread horizontal offsets for ``n`` points (deterministic, no randomness)."""
    return np.linspace(-width, width, n) if n > 1 else np.zeros(n)


def _msfc(d: FigureData) -> Drawn:
    points, means = d.frames["points"], d.frames["means"]
    measures = points["measure"].unique(maintain_order=True).to_list()
    drawn = Drawn(d, _figure(6.0, 4.0))
    ax = drawn.figure.subplots()
    notes: list[str] = []
    for x, measure in enumerate(measures):
        s = _style(x)
        full = points.filter(pl.col("measure") == measure)
        sub = full[sample_rows(full.height).tolist()] if full.height else full
        if sub.height < full.height:  # the mean and CI below are of every patient
            notes.append(f"{measure}: {sub.height} of {full.height}")
        dots = ax.scatter(x + jitter(sub.height), sub["change"], s=14, color=s["color"],
                          marker=s["marker"], alpha=0.6)
        drawn.tag(dots, [f"{r['patient_id']}: {measure} change {r['change']:+.2f}"
                          for r in sub.iter_rows(named=True)])
        m = means.filter(pl.col("measure") == measure)
        if m.height:
            r = m.row(0, named=True)
            (line,) = ax.plot([x, x], [r["ci_low"], r["ci_high"]], color="black", linewidth=2)
            ax.plot([x - 0.3, x + 0.3], [r["mean"], r["mean"]], color="black", linewidth=2)
            drawn.tag(line, f"{measure}: mean {r['mean']:+.2f} (95% CI {r['ci_low']:+.2f} "
                             f"to {r['ci_high']:+.2f}), n={r['n']}")
    if notes:
        sample_note(ax, "points: " + ", ".join(notes) + f" patients at random (seed "
                    f"{SAMPLE_SEED}); means of all")
    ax.axhline(0, color="black", linewidth=0.6, linestyle=":")
    ax.set_xticks(range(len(measures)), measures)
    ax.set_ylabel(d.y_label)
    return drawn


DRAW: dict[str, Callable[[FigureData], Drawn]] = {
    "rnfl": _rnfl, "msfc_changes": _msfc, "km_milestones": draw_km}

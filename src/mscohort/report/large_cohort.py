"""Per-patient marks of a large cohort, bounded: a seeded sample of patients stated on the
panel, equal steps merged, and ticks that would share a pixel drawn once.

A figure drawn with every patient grows with the cohort (an SVG of 300,000 points is tens of
megabytes, and the marks merge into a blob). Above :data:`mscohort.report.drawing.MAX_LINES`
patients in a panel, the figures of :mod:`mscohort.report.plots` and
:mod:`mscohort.report.km_plot` keep every summary (means, curves, counts) computed from all
patients and draw per-patient marks (each with its tooltip) for a random sample of
``MAX_LINES`` patients drawn with the fixed seed ``SAMPLE_SEED``; the panel says so
(:func:`sample_note`). Exact reductions need no note: equal consecutive steps of a stepped
area are one step (:func:`merged_steps`).
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes

from mscohort.report.drawing import MAX_LINES, SAMPLE_SEED

#: Censoring ticks of a Kaplan-Meier curve closer than 1/TICK_BINS of the time axis are
#: drawn once (a tick is about 1/200 of the axis wide at 7 inches).
TICK_BINS = 500


def sample_rows(n: int, k: int = MAX_LINES) -> np.ndarray:
    """Row positions drawn for ``n`` patients: all of them up to ``k``, else ``k`` drawn at
    random without replacement with the seed ``SAMPLE_SEED`` (``numpy.random.default_rng``),
    in increasing order."""
    if n <= k:
        return np.arange(n)
    return np.sort(np.random.default_rng(SAMPLE_SEED).choice(n, k, replace=False))


def sample_note(ax: Axes, text: str) -> None:
    """State on the panel how its marks were sampled (lower right, small; SVG id
    ``sample-note``, as :func:`mscohort.report.drawing.patient_lines`)."""
    ax.text(0.99, 0.02, text, transform=ax.transAxes, ha="right", va="bottom", fontsize=7,
            gid="sample-note")


def sampled_text(what: str, shown: int, total: int) -> str:
    """"points: 100 of 20000 patients at random (seed 24)"."""
    return f"{what}: {shown} of {total} patients at random (seed {SAMPLE_SEED})"


def merged_steps(x: list[float], heights: list[float]) -> tuple[list[float], list[float]]:
    """The starts and heights of a post-step function with consecutive equal heights merged
    into one step (the same area, drawn with one vertex pair per distinct run)."""
    xs: list[float] = []
    hs: list[float] = []
    for a, h in zip(x, heights, strict=True):
        if not hs or h != hs[-1]:
            xs.append(a)
            hs.append(h)
    return xs, hs


def thinned_ticks(times: np.ndarray, last: float, bins: int = TICK_BINS) -> np.ndarray:
    """Censoring times with at most one per 1/``bins`` of the axis ``[0, last]`` (the first
    of each bin, so every tick is a real censoring time; ``last`` falls in the last bin)."""
    if times.size <= bins or last <= 0:
        return times
    cell = np.minimum(np.floor(np.asarray(times) / (last / bins)), bins - 1)
    _, first = np.unique(cell, return_index=True)
    return np.sort(np.asarray(times)[first])

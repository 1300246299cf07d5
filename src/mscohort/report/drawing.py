"""What every figure module draws with: the Okabe-Ito palette with line styles and
markers (Okabe and Ito 2008, "Color Universal Design": nothing depends on colour alone), a
new constrained-layout figure, and the groups of a figure's frame in order.

Shared by :mod:`mscohort.report.plots`, :mod:`mscohort.report.secondary_plots` and
:mod:`mscohort.report.timeline`, so that none of them imports another's private names.
"""

from __future__ import annotations

from typing import Any

import polars as pl
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

"""The local MSSS/ARMSS recipe (Roxburgh 2005, standard convention) from counts, so that a
cohort too large to hold can be ranked a batch at a time (issue #23): the score of an
assessment depends only on its cell (whole year, EDSS column) and on how many assessments
of the cohort fall in each cell. :func:`count_cells` counts a batch, the counts of every
batch are added, :func:`cell_scores` makes the score of each cell exactly as
:func:`mscohort.derive.local_rank.local_rank_kernel` does (same operations, same order:
the same floats), and :func:`score_of` reads each assessment's score.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from mscohort.derive.local_rank import N_COLUMNS
from mscohort.errors import bad_argument


def _cells(edss: np.ndarray, years: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(whole year, EDSS column) of each assessment; column -1 when it is not ranked
    (missing or negative year, EDSS not a step of 0-9.5), as the kernel decides."""
    e = np.asarray(edss, dtype=np.float64)
    y = np.asarray(years, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        twice = e * 2.0
        step = (twice >= 2.0) & (twice <= 19.0) & (twice == np.floor(twice))
        col = np.where(twice == 0.0, 0, np.where(step, twice - 1.0, -1.0)).astype(np.int64)
        ranked = (y >= 0.0) & np.isfinite(y)
        col[~ranked] = -1
        yi = np.where(col >= 0, np.floor(np.where(ranked, y, 0.0)), 0.0).astype(np.int64)
    return yi, col


def count_cells(edss: np.ndarray, years: np.ndarray) -> pl.DataFrame:
    """Assessments per (``year``, ``column``) cell of one batch (ranked ones only)."""
    yi, col = _cells(edss, years)
    keep = col >= 0
    return (pl.DataFrame({"year": yi[keep], "column": col[keep]})
            .group_by("year", "column").len("n"))


@dataclass(frozen=True)
class CellScores:
    """Score of every (whole year, EDSS column) cell from ``first_year`` on."""

    first_year: int
    score: np.ndarray


def cell_scores(counts: pl.DataFrame, window_years: int = 2) -> CellScores:
    """The average-rank score of each cell given the cohort's ``counts`` (several batches'
    :func:`count_cells` stacked; cells may repeat): for year y, the pool is every
    assessment within y +/- ``window_years``; score = (n below + (n in cell + 1) / 2) /
    (pool + 1) x 10 (Roxburgh 2005; the kernel's arithmetic, operation for operation)."""
    if not isinstance(window_years, int) or window_years < 0:
        raise bad_argument("window_years", "a whole number >= 0", window_years)
    if counts.height == 0:
        return CellScores(0, np.empty((0, N_COLUMNS)))
    total_cells = counts.group_by("year", "column").agg(pl.col("n").sum())
    lo, hi = int(total_cells["year"].min()), int(total_cells["year"].max())  # type: ignore[arg-type]
    ny = hi - lo + 1
    w = window_years
    table = np.zeros((ny + 2 * w, N_COLUMNS), np.int64)
    table[total_cells["year"].to_numpy() - lo + w, total_cells["column"].to_numpy()] = \
        total_cells["n"].to_numpy()
    score = np.empty((ny, N_COLUMNS))
    pooled = np.zeros(N_COLUMNS, np.int64)
    for k in range(2 * w):
        pooled += table[k]
    for k in range(ny):
        pooled += table[k + 2 * w]
        total = int(pooled.sum())
        below = 0
        for c in range(N_COLUMNS):
            score[k, c] = (below + (int(pooled[c]) + 1) / 2.0) / (total + 1) * 10.0
            below += int(pooled[c])
        pooled -= table[k]
    return CellScores(lo, score)


def score_of(edss: np.ndarray, years: np.ndarray, cells: CellScores) -> np.ndarray:
    """The score of each assessment from the cohort's :func:`cell_scores` (NaN when it is
    not ranked). Every ranked assessment must have been counted."""
    yi, col = _cells(edss, years)
    out = np.full(col.shape, np.nan)
    ranked = col >= 0
    out[ranked] = cells.score[yi[ranked] - cells.first_year, col[ranked]]
    return out


__all__ = ["CellScores", "cell_scores", "count_cells", "score_of"]

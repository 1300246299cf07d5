"""Compiled kernel of the local MSSS/ARMSS recipe (Roxburgh 2005) with the standard
convention: :func:`mscohort.derive.severity.local_score` is its documented entry point.

One pass over the assessments counts (whole year, EDSS column) pairs, a moving sum pools
the years within the window, and each assessment reads the average-rank score of its cell.
"""

from __future__ import annotations

import numba
import numpy as np

N_COLUMNS = 19  #: EDSS 0, 1.0, 1.5, ..., 9.5


@numba.njit(cache=True, nogil=True)
def _column(e: float) -> int:  # pragma: no cover - JIT
    """Table column of an EDSS step (as :func:`mscohort.derive.tables.edss_column`)."""
    twice = e * 2.0
    if twice == 0.0:
        return 0
    if 2.0 <= twice <= 19.0 and twice == np.floor(twice):
        return int(twice) - 1
    return -1


@numba.njit(cache=True, nogil=True)
def local_rank_kernel(edss: np.ndarray, years: np.ndarray, window: int,
                      out: np.ndarray) -> None:  # pragma: no cover - JIT
    """Score of each assessment into ``out`` (NaN when it is not ranked)."""
    n = edss.size
    col = np.empty(n, np.int64)
    yi = np.empty(n, np.int64)
    lo = np.iinfo(np.int64).max
    hi = -1
    for i in range(n):
        y = years[i]
        c = -1
        if y >= 0.0 and np.isfinite(y):  # false for NaN
            c = _column(edss[i])
        col[i] = c
        if c >= 0:
            yy = int(y)  # floor, y >= 0
            yi[i] = yy
            lo = min(lo, yy)
            hi = max(hi, yy)
    if hi < 0:
        out[:] = np.nan
        return
    ny = hi - lo + 1
    counts = np.zeros((ny + 2 * window, N_COLUMNS), np.int64)
    for i in range(n):
        if col[i] >= 0:
            counts[yi[i] - lo + window, col[i]] += 1
    score = np.empty((ny, N_COLUMNS))
    pooled = np.zeros(N_COLUMNS, np.int64)
    for k in range(2 * window):  # rows of years lo - window .. lo + window - 1
        pooled += counts[k]
    for k in range(ny):  # pool of year lo + k: rows k .. k + 2 window
        pooled += counts[k + 2 * window]
        total = pooled.sum()
        below = 0
        for c in range(N_COLUMNS):
            score[k, c] = (below + (pooled[c] + 1) / 2.0) / (total + 1) * 10.0
            below += pooled[c]
        pooled -= counts[k]
    for i in range(n):
        out[i] = score[yi[i] - lo, col[i]] if col[i] >= 0 else np.nan

"""The ``convention="ms.sev"`` reading of the severity tables and of the local scores: the
behaviour of the R package ms.sev 1.0.4 (Manouchehrinia), rebuilt from its documented
behaviour (``docs/scores/msss.md``, ``docs/scores/armss.md``, ``docs/scores/local.md``).

Global scores (``global_msss``, ``global_armss`` in ms.sev):

* EDSS column: ms.sev indexes a frame whose first column is the row label, at position
  ``trunc(edss / 0.5 + 1)`` with position 1 moved to 2. So EDSS 0 and 0.5 (and 0.75) read the
  EDSS-0 column, a non-step value reads the column of the step below it (1.25 -> 1.0,
  9.75 -> 9.5), EDSS 10 and above are missing. EDSS in (0, 0.5) lands on the label column:
  what ms.sev returns there could not be checked here (no R), so mscohort gives NaN.
* MSSS row: the duration is capped (``d > 28`` -> 29) and the row position is
  ``floor(d) + 1``: Roxburgh 2005 ``dd{floor(d)}`` up to 28 years, ``dd29`` above;
  the updated table ``dd{floor(d) + 1}`` up to 28 years, ``dd30`` above. The first year is
  scored.
* ARMSS row: ages 18 to 75 inclusive, row ``floor(age - 17)``; (75, 76) is missing.

Local scores (``local_msss``, ``local_armss``): for each whole year i >= 1, the pool is every
assessment with a non-missing EDSS (any value: 0.5, 10 and non-steps are ranked) whose
*continuous* year lies in ``[max(1, i - w), i + w]``; the assessments with ``floor(year) == i``
get ``average rank / (n + 1) x 10``. Years under 1 are neither pooled nor scored.
"""

from __future__ import annotations

import numpy as np

#: ms.sev caps durations above this at the next year (``ddT[ddT > 28] <- 29``).
MSSEV_LAST_EXACT_YEAR = 28


def mssev_edss_column(edss: np.ndarray) -> np.ndarray:
    """Column (0 = EDSS 0 ... 18 = EDSS 9.5) ms.sev reads for each EDSS; -1 for none.

    ms.sev's 1-based position ``p = trunc(edss / 0.5 + 1)`` (1 -> 2), minus 2 for the label
    column. EDSS 10 or more, NaN, and EDSS below 0.5 other than 0 (position 1, the label
    column, or below) give -1.
    """
    with np.errstate(invalid="ignore"):
        pos = np.trunc(edss / 0.5 + 1.0)
        pos = np.where(edss == 0.0, 2.0, pos)
        ok = np.isfinite(edss) & (edss < 10.0) & (pos >= 2.0)
    return np.where(ok, pos - 2.0, -1).astype(np.int64)


def mssev_msss_label(duration: np.ndarray, first_label: int) -> np.ndarray:
    """Row label (``ddN``) ms.sev reads for each non-negative duration (float; NaN for NaN).

    ``first_label`` is the label of the table's first row (0 for Roxburgh 2005, 1 for the
    updated table): ms.sev reads the row at position ``floor(min(d, 29 if d > 28)) + 1``.
    """
    with np.errstate(invalid="ignore"):
        capped = np.where(duration > MSSEV_LAST_EXACT_YEAR, MSSEV_LAST_EXACT_YEAR + 1, duration)
        return np.floor(capped) + first_label


def mssev_armss_inside(age: np.ndarray) -> np.ndarray:
    """Whether ms.sev scores the age: ``1 <= age - 17 <= 58``, i.e. 18 to 75 inclusive."""
    with np.errstate(invalid="ignore"):
        shifted = age - 17.0
        return (shifted >= 1.0) & (shifted <= 58.0)


def mssev_local(edss: np.ndarray, years: np.ndarray, window_years: int) -> np.ndarray:
    """Local score with ms.sev's pooling of continuous years (see the module notes).

    ``years`` must already be capped by the caller (local MSSS: at 30).
    """
    out = np.full(edss.shape, np.nan)
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(edss) & np.isfinite(years) & (years >= 1.0)
    idx = np.flatnonzero(ok)
    if idx.size == 0:
        return out
    order = idx[np.argsort(years[idx], kind="stable")]
    ys = years[order]
    # EDSS as codes of its distinct values: a pool's ranks come from its code counts
    values, codes = np.unique(edss[order], return_inverse=True)
    first, last = int(np.floor(ys[0])), int(np.floor(ys[-1]))
    for i in range(first, last + 1):
        start = np.searchsorted(ys, i, "left")
        stop = np.searchsorted(ys, i + 1, "left")
        if start == stop:
            continue
        lo = np.searchsorted(ys, max(1, i - window_years), "left")
        hi = np.searchsorted(ys, i + window_years, "right")
        count = np.bincount(codes[lo:hi], minlength=values.size)
        below = np.cumsum(count) - count
        mine = codes[start:stop]
        out[order[start:stop]] = (below[mine] + (count[mine] + 1) / 2.0) / (hi - lo + 1) * 10.0
    return out

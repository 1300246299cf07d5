"""Kaplan-Meier curves and their confidence bands reduced to what a drawn figure can show.

A registry's Kaplan-Meier curve has a step per distinct event time (tens of thousands at
300,000 patients), far more than the pixels of the time axis: drawn as they are, the cohort
page's curves and bands weighed about 450 KB (issue #23). Here the time axis is cut into
columns of one pixel (:func:`pixel_width`) and

- the curve keeps every step that is alone in its column where it is; the steps sharing a
  column become one step at the column's middle, from the level before the column to the
  level after it, so the reduced curve passes within half a pixel (horizontally) of every
  point (t, S(t)) of the full curve (:func:`reduced_curve`);
- the band keeps a lone step as it is; a column with several steps gets one step at the
  column's left edge with the lowest lower bound and the highest upper bound met in the
  column (the level carried into it included), and one at its right edge back to the
  band's level after its last step, so the drawn band is never narrower than the true band
  at any x (:func:`band_envelope`): conservative, and wider only by the band's own change
  within the pixel column.

The numbers at risk, the censoring ticks, the tooltips and the figure's text are computed
from the full curve; only the drawn line and area are reduced.
"""

from __future__ import annotations

import numpy as np

from mscohort.errors import bad_argument

#: Pixels per inch the curves are reduced to: twice the 96 CSS pixels of an inch, a HiDPI
#: screen showing the figure at its natural size (the web page and the HTML report show a
#: figure at most at that size, ``.svg svg { max-width: 100% }``), finer than the Word
#: report's 150 dpi PNG. A 300 dpi PNG (``mscohort report --figures``) can show a merged
#: step up to one of its pixels (0.08 mm) from its time. The figure's whole width is taken
#: as the time axis' width, which is narrower: a column is never wider than a pixel.
PIXELS_PER_INCH = 192
#: Pixels per inch the confidence band is reduced to: the page's 96 CSS pixels an inch. The
#: band is a pale area without an outline whose reduction is conservative (never narrower,
#: wider only within a column where it changes), so its columns can be those of the page
#: even in a print.
BAND_PIXELS_PER_INCH = 96


def pixel_width(x_extent: float, width_in: float, ppi: int = PIXELS_PER_INCH) -> float:
    """Time units of one pixel when ``x_extent`` time units span ``width_in`` inches drawn
    at ``ppi`` pixels per inch (0 when the extent is empty: nothing is reduced)."""
    if not width_in > 0:
        raise bad_argument("width_in", "a positive number of inches", width_in)
    if not ppi > 0:
        raise bad_argument("ppi", "a positive number of pixels per inch", ppi)
    return max(float(x_extent), 0.0) / (width_in * ppi)


def _columns(times: np.ndarray, pixel: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(column of each run, index of its first step, number of its steps) of the sorted
    ``times`` in columns of ``pixel`` time units."""
    col = np.floor(times / pixel).astype(np.int64)
    starts = np.flatnonzero(np.r_[True, col[1:] != col[:-1]])
    counts = np.diff(np.r_[starts, times.size])
    return col[starts], starts, counts


def reduced_curve(times: np.ndarray, survival: np.ndarray, pixel: float
                  ) -> tuple[np.ndarray, np.ndarray]:
    """The steps (time, S after the step) of a Kaplan-Meier curve drawn at ``pixel`` time
    units a pixel: a step alone in its pixel column as it is, the steps sharing a column as
    one step at the column's middle down to the last of their levels.

    ``times`` must be sorted ascending. Every full point (t, S(t)) lies on the reduced
    curve's vertical at most ``pixel / 2`` away: S is non-increasing, so the level before
    the column and the last level of the column bracket every level in between.
    """
    times = np.asarray(times, dtype=float)
    survival = np.asarray(survival, dtype=float)
    if pixel <= 0 or times.size < 2:
        return times, survival
    col, starts, counts = _columns(times, pixel)
    ends = starts + counts - 1
    x = np.where(counts > 1, (col + 0.5) * pixel, times[starts])
    return x, survival[ends]


def band_envelope(times: np.ndarray, low: np.ndarray, high: np.ndarray, pixel: float,
                  start: tuple[float, float] = (1.0, 1.0)
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The steps (x, low, high) of a pointwise confidence band drawn at ``pixel`` time units
    a pixel, never narrower than the band given: a step alone in its column as it is; the
    steps sharing a column as one step at its left edge with the lowest ``low`` and highest
    ``high`` of the column, the levels carried into it (``start`` before the first step)
    included, and a step at its right edge to the levels after its last step (unless the
    next step is drawn there).

    ``times`` must be sorted ascending; ``low`` and ``high`` hold the band after each step.
    """
    times = np.asarray(times, dtype=float)
    low = np.asarray(low, dtype=float)
    high = np.asarray(high, dtype=float)
    if pixel <= 0 or times.size < 2:
        return times, low, high
    col, starts, counts = _columns(times, pixel)
    before_low = np.r_[start[0], low][starts]  # the level carried into each column
    before_high = np.r_[start[1], high][starts]
    lo = np.minimum(np.minimum.reduceat(low, starts), before_low)
    hi = np.maximum(np.maximum.reduceat(high, starts), before_high)
    many = counts > 1
    ends = starts + counts - 1
    # a column of several steps from its left edge (never after its first step, whatever
    # the rounding of t / pixel) ...
    x = np.where(many, np.minimum(col * pixel, times[starts]), times[starts])
    lo = np.where(many, lo, low[starts])
    hi = np.where(many, hi, high[starts])
    # ... and back to the band's level after its last step at its right edge, unless the
    # next step drawn is there already
    right = (col + 1) * pixel
    after = many & (np.r_[x[1:], np.inf] > right)
    out_x = np.concatenate([x, right[after]])
    order = np.argsort(out_x, kind="stable")
    return (out_x[order], np.concatenate([lo, low[ends][after]])[order],
            np.concatenate([hi, high[ends][after]])[order])


__all__ = ["BAND_PIXELS_PER_INCH", "PIXELS_PER_INCH", "band_envelope", "pixel_width",
           "reduced_curve"]

"""Time between dates, in the units clinical scores use.

* **Completed years** (:func:`completed_years_expr`): whole anniversaries passed, as for age
  in years: from 2000-06-15, 2010-06-14 is 9 completed years and 2010-06-15 is 10. A start on
  29 February has its anniversary on 1 March in common years. Used for disease duration in
  MSSS and age in ARMSS.
* **Julian years** (:data:`DAYS_PER_YEAR`): days / 365.25, for continuous durations.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import polars as pl

from mscohort.units import DAYS_PER_YEAR


def completed_years_expr(start: pl.Expr, end: pl.Expr) -> pl.Expr:
    """Whole years from ``start`` to ``end`` (negative when ``end`` is earlier); null if
    either is null."""
    month_day = lambda d: d.dt.month().cast(pl.Int32) * 100 + d.dt.day().cast(pl.Int32)  # noqa: E731
    years = end.dt.year().cast(pl.Int32) - start.dt.year().cast(pl.Int32)
    before_anniversary = (month_day(end) < month_day(start)).cast(pl.Int32)
    after_anniversary = (month_day(end) > month_day(start)).cast(pl.Int32)
    return pl.when(end >= start).then(years - before_anniversary).otherwise(
        years + after_anniversary
    )


def julian_years_expr(start: pl.Expr, end: pl.Expr) -> pl.Expr:
    """(``end`` - ``start``) in days / 365.25."""
    return (end - start).dt.total_days() / DAYS_PER_YEAR


def completed_years(start: Iterable[Any], end: Iterable[Any]) -> np.ndarray:
    """Completed years from each ``start`` date to each ``end`` date, as floats (NaN where
    either is missing). Accepts lists of dates, numpy ``datetime64`` arrays, pandas or
    polars series."""

    frame = pl.DataFrame({"start": pl.Series(start).cast(pl.Date),
                          "end": pl.Series(end).cast(pl.Date)})
    out = frame.select(completed_years_expr(pl.col("start"), pl.col("end")).cast(pl.Float64))
    return out.to_series().fill_null(np.nan).to_numpy()

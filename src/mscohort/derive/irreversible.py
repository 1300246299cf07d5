"""Irreversible (sustained) EDSS: the lowest EDSS at an assessment or any later one.

For each patient's assessments in date order, the irreversible EDSS at visit i is
``min(edss[i], edss[i+1], ..., edss[last])``: the disability level the patient never again
went below (Confavreux C, Vukusic S. Brain 2006;129:606-616; as in mssev's
``irreversible_ds``). Assessments with a missing EDSS are ignored for later minima and get a
missing value themselves.
"""

from __future__ import annotations

import polars as pl


def irreversible_expr(value: str = "edss", patient: str = "patient_id",
                      date: str = "date") -> pl.Expr:
    """Polars expression of the irreversible score; evaluate on a frame of assessments."""
    return (
        pl.col(value).reverse().cum_min().reverse()
        .over(patient, order_by=date)
        .alias(f"irreversible_{value}")
    )


def irreversible(frame: pl.DataFrame, value: str = "edss", patient: str = "patient_id",
                 date: str = "date") -> pl.Series:
    """The irreversible score of each row of ``frame``, in the frame's row order."""
    return frame.select(irreversible_expr(value, patient, date)).to_series()

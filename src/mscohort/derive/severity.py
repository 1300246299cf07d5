"""Global and local severity scores: MSSS (Roxburgh 2005), updated MSSS and ARMSS
(Manouchehrinia 2017).

A global score is a lookup in a published table by EDSS and by completed years of disease
duration (MSSS) or whole years of age (ARMSS). A score that the table does not define is NaN,
and :func:`severity_detail` says why (:class:`Missing`). A local score ranks the EDSS of the
user's own cohort by the published recipe (:func:`local_score`).

Conventions (``docs/scores/msss.md``, ``docs/scores/armss.md``):

* Duration is in completed years since onset; durations of 30 years or more use the last row
  (30). Durations under one year are missing (``duration_under_one_year``) with the default
  ``convention="standard"``.
* ``roxburgh2005`` rows ``ddN`` are N completed years. ``manouchehrinia2017`` rows ``ddN``
  are read as N completed years (the label's meaning, as in the Python package mssev).
* ARMSS rows are whole years of age 18 to 75; other ages are missing (``age_outside_table``).
* EDSS 0.5 (not a step), EDSS 10 (death) and values that are not EDSS steps are missing
  (``edss_not_in_table``).
* ``convention="ms.sev"`` reads the tables (and pools the local scores) as the R package
  ms.sev 1.0.4 does instead: :mod:`mscohort.derive.severity_mssev`.
"""

from __future__ import annotations

import functools
from enum import IntEnum
from typing import Literal

import numpy as np
import polars as pl

from mscohort.derive.local_rank import local_rank_kernel
from mscohort.derive.severity_mssev import (
    mssev_armss_inside,
    mssev_edss_column,
    mssev_local,
    mssev_msss_label,
)
from mscohort.derive.tables import MSSS_TABLES, edss_column, load_table, lookup
from mscohort.errors import bad_argument

Convention = Literal["standard", "ms.sev"]
CONVENTIONS = ("standard", "ms.sev")
#: Last duration row of both MSSS tables.
MAX_DURATION_YEARS = 30


class Missing(IntEnum):
    """Why a score is missing (0: it is not)."""

    NONE = 0
    EDSS_MISSING = 1
    EDSS_NOT_IN_TABLE = 2
    DURATION_MISSING = 3
    DURATION_NEGATIVE = 4
    DURATION_UNDER_ONE_YEAR = 5
    AGE_MISSING = 6
    AGE_OUTSIDE_TABLE = 7

    @property
    def code(self) -> str | None:
        return None if self is Missing.NONE else self.name.lower()


def as_float_array(values: object, name: str) -> np.ndarray:
    """A 1-D float array from a list, numpy array, pandas or polars series (nulls -> NaN)."""
    if isinstance(values, pl.Series):
        values = values.cast(pl.Float64).to_numpy()
    elif hasattr(values, "to_numpy"):
        values = values.to_numpy(dtype="float64", na_value=np.nan)  # pandas
    try:
        out = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise bad_argument(name, "numbers (a list, array or series)", values) from None
    if out.ndim == 0:
        out = out.reshape(1)
    if out.ndim != 1:
        raise bad_argument(name, "one-dimensional", f"an array of shape {out.shape}")
    return out


def _same_length(a: np.ndarray, b: np.ndarray, names: tuple[str, str]) -> None:
    if a.shape != b.shape:
        raise bad_argument(names[1], f"as long as `{names[0]}` ({a.size})", f"{b.size} values")


@functools.cache
def _row_of_year(table: str, convention: str) -> tuple[int, ...]:
    """Table row of each whole year for :func:`mscohort.derive.tables.lookup`; the last
    entry serves all later years (see the module notes)."""
    t = load_table(table)
    undefined = -1
    if table == "armss2017":  # ages 0..76; 76 stands for "over 75"
        return tuple(int(a - t.labels[0]) if t.labels[0] <= a <= t.labels[-1] else undefined
                     for a in range(int(t.labels[-1]) + 2))
    # ddN = N completed years; the first year is undefined
    return tuple(int(y - t.labels[0]) if y >= 1 else undefined
                 for y in range(MAX_DURATION_YEARS + 1))


def _msss_rows(
    duration: np.ndarray, table: str, convention: str
) -> tuple[np.ndarray, np.ndarray]:
    """Row index into the table (-1 when none) and the reason code for each duration."""
    with np.errstate(invalid="ignore"):
        years = np.floor(duration)
        reason = np.where(np.isnan(duration), Missing.DURATION_MISSING,
                          np.where(duration < 0, Missing.DURATION_NEGATIVE, Missing.NONE))
        if convention == "standard":
            reason = np.where((reason == 0) & (years < 1), Missing.DURATION_UNDER_ONE_YEAR,
                              reason)
            label = np.minimum(years, MAX_DURATION_YEARS)
        first = load_table(table).labels[0]
        if convention == "ms.sev":  # row position floor(d) + 1, d > 28 read as 29
            label = mssev_msss_label(duration, int(first))
        row = np.where(reason == 0, label - first, -1)
    return np.nan_to_num(row, nan=-1).astype(np.int64), reason.astype(np.int64)


def _check(table: str, convention: str) -> None:
    if table not in MSSS_TABLES:
        raise bad_argument("table", f"one of {', '.join(MSSS_TABLES)}", table)
    if convention not in CONVENTIONS:
        raise bad_argument("convention", f"one of {', '.join(CONVENTIONS)}", convention)


def _lookup(values: np.ndarray, row: np.ndarray, col: np.ndarray) -> np.ndarray:
    ok = (row >= 0) & (col >= 0)
    out = np.full(row.shape, np.nan)
    out[ok] = values[row[ok], col[ok]]
    return out


def msss(
    edss: object, duration_years: object, *, table: str = "roxburgh2005",
    convention: Convention = "standard",
) -> np.ndarray:
    """Global Multiple Sclerosis Severity Score of each assessment.

    Parameters
    ----------
    edss
        EDSS steps (0, 1.0, ..., 9.5).
    duration_years
        Disease duration at the assessment, in years since onset (fractions allowed;
        completed years are used).
    table
        ``"roxburgh2005"`` (the global MSSS) or ``"manouchehrinia2017"`` (updated).
    convention
        ``"standard"`` or ``"ms.sev"`` (the row and EDSS-column reading of the R package
        ms.sev 1.0.4, :mod:`mscohort.derive.severity_mssev`; cell classes in
        ``docs/scores/msss.md``).

    Returns
    -------
    numpy.ndarray
        Scores from 0 to 10; NaN where the table defines none (see :func:`severity_detail`).

    References
    ----------
    Roxburgh RHSR et al. Neurology 2005;64:1144-1151. Manouchehrinia A et al. Mult Scler
    2017;23:1938-1946.
    """
    _check(table, convention)
    e = as_float_array(edss, "edss")
    d = as_float_array(duration_years, "duration_years")
    _same_length(e, d, ("edss", "duration_years"))
    if convention == "ms.sev":
        row, _ = _msss_rows(d, table, convention)
        return _lookup(load_table(table).values, row, mssev_edss_column(e))
    return lookup(table, e, d, _row_of_year(table, convention))


def _armss_rows(age: np.ndarray, convention: str = "standard"
                ) -> tuple[np.ndarray, np.ndarray]:
    t = load_table("armss2017")
    with np.errstate(invalid="ignore"):
        years = np.floor(age)
        outside = (years < t.labels[0]) | (years > t.labels[-1])
        if convention == "ms.sev":  # 18 <= age <= 75: (75, 76) is outside
            outside = ~mssev_armss_inside(age)
        reason = np.where(np.isnan(age), Missing.AGE_MISSING,
                          np.where(outside, Missing.AGE_OUTSIDE_TABLE, Missing.NONE))
        row = np.where(reason == 0, years - t.labels[0], -1)
    return np.nan_to_num(row, nan=-1).astype(np.int64), reason.astype(np.int64)


def armss(edss: object, age_years: object, *, convention: Convention = "standard"
          ) -> np.ndarray:
    """Global Age-Related MS Severity Score (Manouchehrinia 2017) of each assessment.

    ``age_years`` is the age at the assessment; whole years 18 to 75 are in the table, other
    ages give NaN (``age_outside_table``). ``convention="ms.sev"`` reads EDSS columns as the
    R package does and leaves ages in (75, 76) missing (``docs/scores/armss.md``).

    References
    ----------
    Manouchehrinia A et al. Mult Scler 2017;23:1938-1946.
    """
    e = as_float_array(edss, "edss")
    a = as_float_array(age_years, "age_years")
    _same_length(e, a, ("edss", "age_years"))
    if convention == "ms.sev":
        row, _ = _armss_rows(a, convention)
        return _lookup(load_table("armss2017").values, row, mssev_edss_column(e))
    _check("roxburgh2005", convention)
    return lookup("armss2017", e, a, _row_of_year("armss2017", "standard"))


def _edss_reason(e: np.ndarray, col: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(e), Missing.EDSS_MISSING,
                    np.where(col < 0, Missing.EDSS_NOT_IN_TABLE, Missing.NONE))


def severity_detail(
    edss: object, *, duration_years: object = None, age_years: object = None,
    table: str = "roxburgh2005", convention: Convention = "standard",
) -> pl.DataFrame:
    """Each score with its table row and, where it is missing, the reason.

    Give ``duration_years`` for an MSSS table, or ``age_years`` with ``table="armss2017"``.
    Columns: ``edss``, ``years`` (the duration or age given), ``table_row`` (the row label
    used, e.g. 12 for ``dd12``), ``score``, ``missing_reason``.
    """
    e = as_float_array(edss, "edss")
    _check("roxburgh2005", convention)
    col = mssev_edss_column(e) if convention == "ms.sev" else edss_column(e)
    if table == "armss2017":
        if age_years is None:
            raise bad_argument("age_years", "given for table='armss2017'", None)
        years = as_float_array(age_years, "age_years")
        _same_length(e, years, ("edss", "age_years"))
        row, reason = _armss_rows(years, convention)
    else:
        _check(table, convention)
        if duration_years is None:
            raise bad_argument("duration_years", f"given for table={table!r}", None)
        years = as_float_array(duration_years, "duration_years")
        _same_length(e, years, ("edss", "duration_years"))
        row, reason = _msss_rows(years, table, convention)
    t = load_table(table)
    reason = np.where(reason == 0, _edss_reason(e, col), reason)
    codes = [m.code for m in Missing]
    return pl.DataFrame({
        "edss": e,
        "years": years,
        "table_row": np.where(row >= 0, t.labels[np.clip(row, 0, None)], -1),
        "score": _lookup(t.values, np.where(reason == 0, row, -1), col),
        "missing_reason": pl.Series(reason.astype(np.int8)).replace_strict(
            dict(enumerate(codes)), return_dtype=pl.String),
    }).with_columns(
        pl.when(pl.col("table_row") >= 0).then(pl.col("table_row")).alias("table_row"),
        pl.col("score").fill_nan(None),
    )


def local_msss(edss: object, duration_years: object, *, window_years: int = 2,
               convention: Convention = "standard") -> np.ndarray:
    """Local MSSS: the EDSS ranked within the given cohort by completed years of duration.

    Durations of 30 years or more count as 30 (as in the global table and in ms.sev);
    the first year (duration under one year) is ranked too. See :func:`local_score`.
    """
    d = as_float_array(duration_years, "duration_years")
    with np.errstate(invalid="ignore"):
        d = np.minimum(d, MAX_DURATION_YEARS)
    return local_score(edss, d, window_years=window_years, convention=convention)


def local_armss(edss: object, age_years: object, *, window_years: int = 2,
                convention: Convention = "standard") -> np.ndarray:
    """Local ARMSS: the EDSS ranked within the given cohort by whole years of age at the
    assessment (no bounds). See :func:`local_score`."""
    return local_score(edss, age_years, window_years=window_years, convention=convention)


def local_score(edss: object, years: object, *, window_years: int = 2,
                convention: Convention = "standard") -> np.ndarray:
    """Rank each EDSS among the cohort's EDSS of nearby years (the MSSS recipe).

    The recipe of Roxburgh 2005, applied to the given cohort: for each whole year y, pool
    the EDSS of all assessments whose whole year is within y +/- ``window_years``; rank the
    pool with ties sharing their average rank; the score of EDSS e in year y is
    ``average rank of e / (n + 1) x 10``, n being the size of the pool. Assessments with a
    missing or negative year, or an EDSS that is not a step of 0-9.5, are left out and get
    NaN. Years are used as given.

    ``convention="ms.sev"`` pools continuous years and ranks every non-missing EDSS as the R
    package does (:func:`mscohort.derive.severity_mssev.mssev_local`; ``docs/scores/local.md``).

    References
    ----------
    Roxburgh RHSR et al. Neurology 2005;64:1144-1151 (method); Manouchehrinia A et al. Mult
    Scler 2017;23:1938-1946 (ARMSS: ranked by age).
    """
    if not isinstance(window_years, int) or window_years < 0:
        raise bad_argument("window_years", "a whole number >= 0", window_years)
    _check("roxburgh2005", convention)
    e = as_float_array(edss, "edss")
    y = as_float_array(years, "years")
    _same_length(e, y, ("edss", "years"))
    if convention == "ms.sev":
        return mssev_local(e, y, window_years)
    out = np.empty(e.shape)
    local_rank_kernel(e, y, window_years, out)  # one compiled pass; see local_rank.py
    return out

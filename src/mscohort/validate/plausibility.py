"""Plausibility bounds: values that cannot be true are errors, values that are very unlikely
are warnings. Bounds are data (:data:`BOUNDS`, :data:`EARLIEST_DATE`), each with its source;
``docs/validation.md`` lists them.

Notes
-----
Impossible (``out_of_range``, ``date_too_early``) blocks an import; implausible
(``implausible_value``) is reported and the value is stored as written. Bounds apply to the
typed value, after parsing; a value that is a code rather than a measurement (the MSFC
manual's 777, "not completed because of disability") is read as that code and never compared
with the bounds. The schema's own ranges (EDSS steps, functional-system scores,
non-negative counts) are checked when parsing.

References
----------
Fischer JS, Jak AJ, Kniker JE, Rudick RA, Cutter G. Multiple Sclerosis Functional Composite
(MSFC) Administration and Scoring Manual. National MS Society, revised 2001 (Timed 25-Foot
Walk: the trial stops at 180 s; 9-Hole Peg Test: at 300 s).
Mathiowetz V et al. Adult norms for the Nine Hole Peg Test of finger dexterity. Occup Ther J
Res 1985;5:24-38 (fastest healthy adults about 12 s per hand).
Bohannon RW. Comfortable and maximum walking speed of adults aged 20-79 years. Age Ageing
1997;26:15-19 (maximum gait speed at most about 2.5 m/s: 25 feet in about 3 s).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from mscohort.issues import Rule, row_issues
from mscohort.schema import MSFC_NOT_COMPLETED_CODE, Table


@dataclass(frozen=True)
class Bound:
    """Bounds of one numeric column. A value ``<= impossible_at_most`` or
    ``> impossible_above`` is impossible; one ``< low`` or ``> high`` is implausible. A value
    in ``codes`` is a code, not a measurement, and is never checked against the bounds."""

    table: str
    column: str
    unit: str
    source: str
    impossible_at_most: float | None = None
    impossible_above: float | None = None
    low: float | None = None
    high: float | None = None
    codes: tuple[float, ...] = ()


_WALK = ("a timed walk takes time; no timed test lasts an hour (the MSFC manual stops the "
         "Timed 25-Foot Walk at 180 s); faster than 2 s is a sprint (maximum adult gait "
         "speed, Bohannon 1997: about 3 s)")
_PEG = ("no timed test lasts an hour (the MSFC manual stops the 9-Hole Peg Test at 300 s); "
        "healthy adults need about 12 s or more per hand (Mathiowetz 1985)")

#: The MSFC manual's code for a timed test not completed because of disability.
_NOT_COMPLETED = (MSFC_NOT_COMPLETED_CODE,)

#: Every plausibility bound, by table and column.
BOUNDS: tuple[Bound, ...] = (
    *(Bound("msfc", c, "s", _WALK, impossible_at_most=0, impossible_above=3600, low=2,
            high=180, codes=_NOT_COMPLETED) for c in ("t25fw_1_s", "t25fw_2_s")),
    *(Bound("msfc", c, "s", _PEG, impossible_at_most=0, impossible_above=3600, low=8,
            high=300, codes=_NOT_COMPLETED)
      for c in ("nhpt_dom_1_s", "nhpt_dom_2_s", "nhpt_nondom_1_s", "nhpt_nondom_2_s")),
    Bound("infusions", "dose_mg", "mg",
          "more than a kilogram of drug in one infusion is impossible; the largest single "
          "doses of the infused drugs of the vocabulary are 1,000 mg (rituximab, "
          "methylprednisolone) to about 2,000 mg (cyclophosphamide 1 g/m2); IVIG "
          "(0.4 g/kg a day) is an exception the warning names",
          impossible_above=1_000_000, high=2_000),
    Bound("labs", "value", "as recorded",
          "no count or concentration in any unit reaches 1e15 (the largest, blood cells per "
          "litre, stay below 1e13); counts and concentrations are not negative (a computed "
          "value such as base excess can be)",
          impossible_at_most=-1e15, impossible_above=1e15, low=0),
)

#: No date of an MS treatment study can be earlier: the last verified people born in the
#: 1800s died by 2017 (Emma Morano, 1899-2017, Gerontology Research Group), and MS records
#: of any kind (Charcot 1868; EDSS 1983; MRI 1981) are later still.
EARLIEST_DATE = dt.date(1900, 1, 1)


def _fmt(x: float) -> str:
    return f"{x:g}"


def check_bounds(typed: pl.DataFrame, spec: Table, file: str) -> list[pl.DataFrame]:
    """``out_of_range``, ``implausible_value`` and ``date_too_early`` issues of one table."""
    issues: list[pl.DataFrame] = []
    for column in spec.date_columns:
        if column not in typed.columns:
            continue
        early = typed.filter(pl.col(column) < pl.lit(EARLIEST_DATE))
        issues.append(row_issues(
            early, Rule.DATE_TOO_EARLY, file=file, column=column, value=pl.col(column),
            message=pl.format("{} {} is before {}, earlier than any patient or record of an "
                              "MS study", pl.lit(column), pl.col(column),
                              pl.lit(EARLIEST_DATE.isoformat()))))
    for b in BOUNDS:
        if b.table != spec.name or b.column not in typed.columns:
            continue
        x = pl.col(b.column)
        measured = typed.filter(~x.is_in(b.codes).fill_null(False)) if b.codes else typed
        impossible = pl.lit(False)
        limits: list[str] = []
        if b.impossible_at_most is not None:
            impossible = impossible | (x <= b.impossible_at_most)
            limits.append(f"more than {_fmt(b.impossible_at_most)}")
        if b.impossible_above is not None:
            impossible = impossible | (x > b.impossible_above)
            limits.append(f"at most {_fmt(b.impossible_above)}")
        bad = measured.filter(impossible.fill_null(False))
        issues.append(row_issues(
            bad, Rule.OUT_OF_RANGE, file=file, column=b.column, value=x,
            message=pl.format("{} = {} {} is impossible (must be {}): {}", pl.lit(b.column), x,
                              pl.lit(b.unit), pl.lit(" and ".join(limits)), pl.lit(b.source))))
        odd = pl.lit(False)
        if b.low is not None:
            odd = odd | (x < b.low)
        if b.high is not None:
            odd = odd | (x > b.high)
        rows = measured.filter((odd & ~impossible).fill_null(False))
        issues.append(row_issues(
            rows, Rule.IMPLAUSIBLE_VALUE, file=file, column=b.column, value=x,
            message=pl.format("{} = {} {} is implausible (expected {} to {}): {}",
                              pl.lit(b.column), x, pl.lit(b.unit),
                              pl.lit(_fmt(b.low) if b.low is not None else "any"),
                              pl.lit(_fmt(b.high) if b.high is not None else "any"),
                              pl.lit(b.source))))
    return issues

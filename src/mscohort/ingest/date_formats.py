"""Dates written in a declared format (``DD/MM/YYYY`` ...) read as ISO 8601 text at ingest.

A mapping may declare the format of the dates typed as text in a file (``date_format`` of a
table) or in one column (``[table.date_formats]``), from the closed list
:data:`DATE_FORMATS`. Reading is strict: a value is converted only when it fits the declared
format exactly (its order, its separator, one or two digits for day and month, four for the
year) and names a real calendar day; anything else is left as written, and validation
reports it as ``bad_date`` naming the declared format. Nothing is guessed: ``03/02/2015``
is 3 February under ``DD/MM/YYYY`` and 2 March under ``MM/DD/YYYY``, and without a format
it is an error.

ISO 8601 values (``2015-02-03``, ``2015-02``) are read under every format: they cannot be
taken for another date, and cells that a workbook holds as real dates are read as ISO text
(:mod:`mscohort.ingest.readers`), so they need no format. A column of month precision
(``onset_date``: docs/data-model.md) also takes the month-only form of its day format
(``MM/YYYY`` for ``DD/MM/YYYY``), or may declare a month-only format itself.

:func:`propose_date_format` proposes a format for a column when every non-empty value that is
not ISO 8601 fits exactly one of the formats (the narrowest, for a month column whose values
fit a month-only form); a column whose days are all 12 or less fits both ``DD/MM/YYYY`` and
``MM/DD/YYYY`` and gets no proposal: the user chooses.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from mscohort.issues import WRITTEN_COLUMN
from mscohort.schema import TABLES, Kind, Table


@dataclass(frozen=True)
class DateFormat:
    """One declarable date format: its name as written in a mapping, the pattern of its
    values (named groups ``d``, ``m``, ``y``) and, for a day format, its month-only form."""

    name: str
    pattern: str
    month_only: bool = False
    month_form: str | None = None


def _day(first: str, second: str, sep: str) -> str:
    s = "\\" + sep
    return rf"^(?<{first}>\d{{1,2}}){s}(?<{second}>\d{{1,2}}){s}(?<y>\d{{4}})$"


#: The closed list of formats a mapping may declare (name -> format).
DATE_FORMATS: dict[str, DateFormat] = {f.name: f for f in (
    DateFormat("YYYY-MM-DD", r"^(?<y>\d{4})-(?<m>\d{2})-(?<d>\d{2})$", month_form="YYYY-MM"),
    DateFormat("DD/MM/YYYY", _day("d", "m", "/"), month_form="MM/YYYY"),
    DateFormat("MM/DD/YYYY", _day("m", "d", "/"), month_form="MM/YYYY"),
    DateFormat("DD.MM.YYYY", _day("d", "m", "."), month_form="MM.YYYY"),
    DateFormat("YYYY-MM", r"^(?<y>\d{4})-(?<m>\d{2})$", month_only=True),
    DateFormat("MM/YYYY", r"^(?<m>\d{1,2})/(?<y>\d{4})$", month_only=True),
    DateFormat("MM.YYYY", r"^(?<m>\d{1,2})\.(?<y>\d{4})$", month_only=True),
)}
DAY_FORMATS = tuple(n for n, f in DATE_FORMATS.items() if not f.month_only)
MONTH_FORMATS = tuple(n for n, f in DATE_FORMATS.items() if f.month_only)
#: ISO 8601 day or month (a time part after the day is allowed, as validation allows it).
ISO_RE = r"^\d{4}-\d{2}(-\d{2}([T ].*)?)?$"


def accepted(name: str, month_precision: bool) -> tuple[DateFormat, ...]:
    """The formats a column declared ``name`` reads: ``name`` itself and, for a column of
    month precision, the month-only form of a day format."""
    fmt = DATE_FORMATS[name]
    out = [fmt]
    if month_precision and fmt.month_form is not None:
        out.append(DATE_FORMATS[fmt.month_form])
    return tuple(out)


def _iso(fmt: DateFormat, text: pl.Expr) -> pl.Expr:
    """ISO text of the values of ``text`` that fit ``fmt`` and name a real day (or month);
    null for the others."""
    parts = text.str.extract_groups(fmt.pattern.replace("(?<", "(?P<"))
    year = parts.struct.field("y")
    month = parts.struct.field("m").str.zfill(2)
    if fmt.month_only:
        iso = pl.concat_str([year, month], separator="-")
        real = (iso + "-01").str.to_date("%Y-%m-%d", strict=False).is_not_null()
    else:
        iso = pl.concat_str([year, month, parts.struct.field("d").str.zfill(2)],
                            separator="-")
        real = iso.str.to_date("%Y-%m-%d", strict=False).is_not_null()
    return pl.when(real).then(iso).otherwise(None)


def to_iso(values: pl.Series, name: str, month_precision: bool) -> pl.Series:
    """``values`` with every value that fits the format ``name`` (or, for a column of month
    precision, its month-only form) written as ISO 8601; other values are left as written
    (ISO values stay; the rest validation reports as ``bad_date``)."""
    text = pl.col(values.name)
    converted: pl.Expr = pl.lit(None, dtype=pl.String)
    for fmt in accepted(name, month_precision):
        converted = pl.coalesce(converted, _iso(fmt, text))
    frame = values.to_frame()
    return frame.select(pl.when(text.str.contains(ISO_RE).fill_null(False)).then(text)
                        .otherwise(pl.coalesce(converted, text)).alias(values.name)
                        ).to_series()


def fits(values: pl.Series, name: str, month_precision: bool) -> bool:
    """Whether every non-empty value of ``values`` is ISO 8601 or fits ``name``."""
    present = values.drop_nulls()
    return bool(to_iso(present, name, month_precision).str.contains(ISO_RE).all())


def candidates(values: pl.Series, month_precision: bool) -> tuple[str, ...]:
    """The formats (of :data:`DATE_FORMATS`; month-only forms only for a column of month
    precision) in which every non-empty value of ``values`` fits, ISO 8601 values fitting
    every format; of formats that fit, one whose accepted forms include another's is
    dropped (a month column of ``03/1995`` values is ``MM/YYYY``, not ``DD/MM/YYYY``).
    Empty when every value is ISO 8601 (no format needed) or none fits."""
    text = values.drop_nulls()
    text = text.filter(~text.str.contains(ISO_RE))
    if text.len() == 0:
        return ()
    names = DAY_FORMATS + (MONTH_FORMATS if month_precision else ())
    fitting = {n: {f.name for f in accepted(n, month_precision)} for n in names
               if fits(text, n, month_precision)}
    return tuple(n for n, forms in fitting.items()
                 if not any(other < forms for other in fitting.values()))


def propose_date_format(values: pl.Series, month_precision: bool) -> str | None:
    """The format to propose for a date column: the only one of its :func:`candidates`;
    None when every value is ISO 8601 (no format needed), when no format fits, or when more
    than one does (all days 12 or less: the user chooses)."""
    found = candidates(values, month_precision)
    return found[0] if len(found) == 1 else None


def undecided(frames: dict[str, pl.DataFrame]) -> dict[str, dict[str, tuple[str, ...]]]:
    """The date columns of ``frames`` (as :func:`propose_formats` takes them) whose values
    fit more than one format (all days 12 or less): table -> column -> the formats."""
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    for table, frame in frames.items():
        for col in TABLES[table].columns:
            if col.kind is Kind.DATE and col.name in frame.columns:
                found = candidates(frame[col.name], col.month_precision)
                if len(found) > 1:
                    out.setdefault(table, {})[col.name] = found
    return out


def propose_formats(frames: dict[str, pl.DataFrame]) -> dict[str, dict[str, str]]:
    """The proposed format of every date column of ``frames`` (table -> its text values
    under canonical names, read with no format declared) for which
    :func:`propose_date_format` proposes one: table -> column -> format."""
    out: dict[str, dict[str, str]] = {}
    for table, frame in frames.items():
        for col in TABLES[table].columns:
            if col.kind is Kind.DATE and col.name in frame.columns:
                fmt = propose_date_format(frame[col.name], col.month_precision)
                if fmt is not None:
                    out.setdefault(table, {})[col.name] = fmt
    return out


def column_choices(table: str) -> dict[str, tuple[str, ...]]:
    """The formats each date column of ``table`` may declare (month-only forms only where
    the column allows month precision)."""
    return {c.name: DAY_FORMATS + (MONTH_FORMATS if c.month_precision else ())
            for c in TABLES[table].columns if c.kind is Kind.DATE}


def declared(spec: Table, formats: dict[str, str], default: str | None) -> dict[str, str]:
    """Each date column of ``spec`` with its declared format (a column's own, else the
    table's ``default``); columns with none are left out."""
    out = {c.name: formats.get(c.name, default) for c in spec.columns if c.kind is Kind.DATE}
    return {c: f for c, f in out.items() if f is not None}


def apply_formats(frame: pl.DataFrame, spec: Table, formats: dict[str, str]) -> pl.DataFrame:
    """``frame`` (canonical columns) with the dates of each column of ``formats`` (column ->
    declared format) written as ISO 8601 where they fit (:func:`to_iso`); each such column
    keeps the values as written, where they changed, in ``WRITTEN_COLUMN + column`` (issues
    show them)."""
    months = {c.name for c in spec.columns if c.month_precision}
    out: list[pl.Series] = []
    for c, f in formats.items():
        if c not in frame.columns:
            continue
        iso = to_iso(frame[c], f, c in months)
        out.append(iso)
        out.append(pl.select(pl.when(iso != frame[c]).then(frame[c])).to_series()
                   .alias(WRITTEN_COLUMN + c))
    return frame.with_columns(out)


__all__ = [
    "DATE_FORMATS",
    "DAY_FORMATS",
    "MONTH_FORMATS",
    "DateFormat",
    "accepted",
    "apply_formats",
    "column_choices",
    "declared",
    "fits",
    "propose_date_format",
    "propose_formats",
    "to_iso",
]

"""Parse text columns into typed columns, reporting every value that cannot be parsed.

Conventions (documented in ``docs/data-model.md``):

* Dates are ISO 8601 ``YYYY-MM-DD``; a time part (``2020-01-31T00:00:00``) is allowed and
  dropped. Columns that allow month precision also take ``YYYY-MM``, used as the 15th of
  that month (the mid-point, so the error is at most about half a month either way); such a
  value is reported with the warning ``month_precision_date`` and its precision is stored in
  ``<column>_precision``.
* Numbers use a decimal point; infinities and NaN are not numbers.
* Yes/no values: true/false, yes/no, y/n, t/f, 1/0 in any letter case.
* Categories ignore letter case; ``sex`` also takes female/male, ``eye`` right/left.
"""

from __future__ import annotations

import polars as pl

from mscohort.ingest.date_formats import DATE_FORMATS
from mscohort.issues import EDSS_FIXES, RULES, WRITTEN_COLUMN, Rule, row_issues
from mscohort.schema import EDSS_STEPS, PRECISION_SUFFIX, Column, Kind
from mscohort.vocabulary import normalise_drug, suggest_drug

#: A day, optionally with a valid time of day (hours 00-23 or 24:00, minutes and seconds 00-59,
#: a leap second 60), which is dropped: ISO 8601-1:2019, 5.3.
DAY_RE = (r"^\d{4}-\d{2}-\d{2}([T ](([01]\d|2[0-3]):[0-5]\d(:([0-5]\d|60)(\.\d+)?)?"
          r"|24:00(:00(\.0+)?)?))?$")
#: Whole numbers are read through 64-bit floats: beyond 2**53 they are not exact.
MAX_WHOLE = 2**53
MONTH_RE = r"^\d{4}-\d{2}$"
#: A date written day or month first (``03/02/2015``, ``3.2.2015``, ``04/1995``).
OTHER_ORDER_RE = r"^\d{1,2}[/.](\d{1,2}[/.])?\d{4}$"
DECLARE_FIX = ("write the date as YYYY-MM-DD, or declare its format in the mapping "
               '(e.g. date_format = "DD/MM/YYYY"; docs/data-model.md)')
TRUE = ("true", "yes", "y", "t", "1")
FALSE = ("false", "no", "n", "f", "0")

#: Accepted spellings of category values (lower-case text -> canonical value).
CATEGORY_SYNONYMS: dict[str, dict[str, str]] = {
    "sex": {"f": "F", "female": "F", "m": "M", "male": "M"},
    "eye": {"od": "OD", "os": "OS", "right": "OD", "left": "OS"},
}


def _synonyms(col: Column) -> dict[str, str]:
    base = {v.lower(): v for v in col.allowed}
    return base | CATEGORY_SYNONYMS.get(col.name, {})


def edss_fixes(number: pl.Series, name: str) -> list[tuple[pl.Series, pl.Expr]]:
    """The causes of an invalid EDSS (outside 0-10; 0.5; between two steps), each with its
    fix (:data:`mscohort.issues.EDSS_FIXES`), as (rows, fix expression on the text column
    ``name``). The nearest steps of a value between steps are the half points around it;
    below 1.0 they are 0 and 1.0 (Kurtzke 1983)."""
    outside = ((number < 0) | (number > 10)).fill_null(False)
    half = (number == 0.5).fill_null(False)
    x = pl.col(name).cast(pl.Float64, strict=False)
    lower = pl.when(x < 1).then(pl.lit(0.0)).otherwise((x * 2).floor() / 2)
    upper = pl.when(x < 1).then(pl.lit(1.0)).otherwise((x * 2).ceil() / 2)

    def step(e: pl.Expr) -> pl.Expr:
        return (pl.when(e == 0).then(pl.lit("0")).when(e == 10).then(pl.lit("10"))
                .otherwise(e.round(1).cast(pl.String)))

    fix = EDSS_FIXES["between_steps"].replace("{lower}", "{}").replace("{upper}", "{}")
    return [(outside, pl.lit(EDSS_FIXES["outside_scale"])),
            (half, pl.lit(EDSS_FIXES["half_point"])),
            (~outside & ~half, pl.format(fix, step(lower), step(upper)))]


def parse_column(
    frame: pl.DataFrame, col: Column, file: str, date_format: str | None = None
) -> tuple[list[pl.Series], list[pl.DataFrame]]:
    """Typed series for ``col`` (and its precision companion), and the issues found.

    ``frame`` holds the raw text column ``col.name`` with ``_row`` and ``patient_id``.
    ``date_format``: the format the mapping declares for a date column; ingest already
    wrote the values that fit it as ISO 8601 (:mod:`mscohort.ingest.date_formats`), and a
    value that does not is reported naming it.
    """
    name = col.name
    text = frame[name]
    issues: list[pl.DataFrame] = []
    value = pl.col(name)

    # the value as the file has it (ingest rewrites a date in a declared format as ISO 8601)
    written = (pl.coalesce(pl.col(WRITTEN_COLUMN + name), value)
               if WRITTEN_COLUMN + name in frame.columns else value)

    def report(mask: pl.Series, rule: Rule, message: pl.Expr | str,
               fix: pl.Expr | None = None) -> None:
        rows = frame.filter(mask)
        issues.append(row_issues(rows, rule, file=file, column=name, value=written,
                                 message=message, fix=fix))

    present = text.is_not_null()
    if col.required:
        report(~present, Rule.MISSING_VALUE, f"{name} is required but empty")

    out: list[pl.Series] = []
    kind = col.kind
    if kind is Kind.DATE:
        is_day = text.str.contains(DAY_RE).fill_null(False)
        day = text.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
        day = pl.select(pl.when(is_day).then(day).otherwise(None)).to_series()
        if col.month_precision:
            is_month = text.str.contains(MONTH_RE).fill_null(False)
            month = (text + "-15").str.to_date("%Y-%m-%d", strict=False)
            month = pl.select(pl.when(is_month).then(month).otherwise(None)).to_series()
            parsed = day.fill_null(month)
            precision = pl.select(
                pl.when(day.is_not_null()).then(pl.lit("day"))
                .when(month.is_not_null()).then(pl.lit("month"))
                .otherwise(None)
            ).to_series()
            report(month.is_not_null(), Rule.MONTH_PRECISION_DATE,
                   pl.format("{} '{}' gives the month only; read as {}-15, the middle of the "
                             "month", pl.lit(name), written, value))
            out.append(precision.alias(name + PRECISION_SUFFIX))
            iso = "YYYY-MM-DD or YYYY-MM"
            expected = "YYYY-MM-DD, or YYYY-MM when only the month is known"
        else:
            parsed = day
            iso = expected = "YYYY-MM-DD"
        # a date typed in another order (03/02/2015, 04/1995): its format can be declared
        fix = pl.when(value.str.contains(OTHER_ORDER_RE)).then(pl.lit(DECLARE_FIX)).otherwise(
            pl.lit(RULES[Rule.BAD_DATE].fix))
        if date_format is not None:
            form = DATE_FORMATS[date_format].month_form
            declared = f"{date_format} or {form}" if col.month_precision and form else \
                date_format
            expected = f"{declared}, the format the mapping declares for {name}; or {iso}"
            fix = pl.lit(f"write the date as {declared} (a real calendar date), "
                         "or correct the date_format of the mapping")
        report(present & parsed.is_null(), Rule.BAD_DATE,
               pl.format("'{}' is not a valid date ({})", value, pl.lit(expected)), fix)
        out.insert(0, parsed.alias(name))
    elif kind in (Kind.NUMBER, Kind.INTEGER, Kind.EDSS):
        number = text.cast(pl.Float64, strict=False)
        number = pl.select(pl.when(number.is_finite()).then(number).otherwise(None)).to_series()
        decimal_comma = text.str.contains(r"^-?\d+,\d+$").fill_null(False)
        bad = present & number.is_null()
        report(bad & decimal_comma, Rule.BAD_NUMBER,
               pl.format("'{}' uses a decimal comma; write a decimal point", value))
        report(bad & ~decimal_comma, Rule.BAD_NUMBER,
               pl.format("'{}' is not a number", value))
        if kind is Kind.INTEGER:
            fractional = number.is_not_null() & (number != number.round(0))
            report(fractional, Rule.BAD_NUMBER,
                   pl.format("{} must be a whole number; got {}", pl.lit(name), value))
            number = pl.select(pl.when(fractional).then(None).otherwise(number)).to_series()
        if kind is Kind.EDSS:
            invalid = number.is_not_null() & ~number.is_in(list(EDSS_STEPS))
            for mask, fix in edss_fixes(number, name):
                report(invalid & mask, Rule.INVALID_EDSS, pl.format(
                    "EDSS {} is not an EDSS step (0, 1.0, 1.5, ..., 9.5, 10)", value), fix)
        outside = pl.Series(name, [False] * len(number), dtype=pl.Boolean)
        if col.minimum is not None or col.maximum is not None:
            lo = col.minimum if col.minimum is not None else float("-inf")
            hi = col.maximum if col.maximum is not None else float("inf")
            outside = (number.is_not_null() & ((number < lo) | (number > hi))).fill_null(False)
            report(outside, Rule.OUT_OF_RANGE,
                   pl.format("{} = {} is outside its range ({})", pl.lit(name), value,
                             pl.lit(_range_text(col.minimum, col.maximum))))
        if kind is Kind.INTEGER:  # a whole number too large to store exactly: an error, no crash
            huge = (number.abs() > MAX_WHOLE).fill_null(False)
            report(huge & ~outside, Rule.OUT_OF_RANGE,
                   pl.format("{} = {} is too large for a count (at most 2^53)", pl.lit(name),
                             value))
            number = pl.select(pl.when(huge).then(None).otherwise(number)).to_series()
        out.append(number.cast(col.dtype).alias(name))
    elif kind is Kind.BOOL:
        low = text.str.to_lowercase()
        parsed = pl.select(
            pl.when(low.is_in(TRUE)).then(True).when(low.is_in(FALSE)).then(False)
            .otherwise(None)
        ).to_series()
        report(present & parsed.is_null(), Rule.BAD_BOOL,
               pl.format("'{}' is not yes/no; write true/false, yes/no, y/n or 1/0", value))
        out.append(parsed.cast(pl.Boolean).alias(name))
    elif kind is Kind.CATEGORY:
        mapping = _synonyms(col)
        parsed = text.str.to_lowercase().replace_strict(mapping, default=None,
                                                        return_dtype=pl.String)
        report(present & parsed.is_null(), Rule.BAD_CATEGORY,
               pl.format("'{}' is not one of {}", value, pl.lit(", ".join(col.allowed))))
        out.append(parsed.alias(name))
    elif kind is Kind.DRUG:
        names = text.drop_nulls().unique().to_list()
        known = {n: normalise_drug(n) for n in names}
        parsed = text.replace_strict(
            {k: v for k, v in known.items() if v is not None}, default=None,
            return_dtype=pl.String,
        )
        unknown = [n for n, v in known.items() if v is None]
        if unknown:
            hints = {n: _drug_hint(n) for n in unknown}
            mask = text.is_in(unknown).fill_null(False)
            report(mask, Rule.UNKNOWN_DRUG,
                   pl.format("drug '{}' is not in the vocabulary{}", value,
                             value.replace_strict(hints, default="", return_dtype=pl.String)))
        out.append(parsed.alias(name))
    else:  # ID, TEXT
        out.append(text.alias(name))
    return out, issues


def _drug_hint(name: str) -> str:
    hint = suggest_drug(name)
    return f" (closest: {hint})" if hint else " (see `mscohort schema --drugs`)"


def _range_text(lo: float | None, hi: float | None) -> str:
    def fmt(x: float) -> str:
        return str(int(x)) if float(x).is_integer() else str(x)

    if lo is not None and hi is not None:
        return f"{fmt(lo)} to {fmt(hi)}"
    if lo is not None:
        return f"at least {fmt(lo)}"
    return f"at most {fmt(hi)}" if hi is not None else "any value"

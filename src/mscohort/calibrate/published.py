"""Published summary numbers as data, and their comparison with an analysis.

A published cell is text as printed ("-1.0 ± 1.4 (-4.0 to +2.0)", "82 (27-104)", "12"); each
number in it is compared at the precision it is printed with: ``-3`` in a range matches any
value that rounds to -3, ``-3.00`` only values that round to -3.00.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from mscohort.errors import UsageError, bad_usage, read_toml

_NUM = r"[-+]?\d+(?:\.\d+)?"
_CELL = re.compile(rf"^(?P<center>{_NUM})(?: ± (?P<sd>{_NUM}))?"
                   rf"(?: \((?P<min>{_NUM})(?:-| to )(?P<max>{_NUM})\))?$")
COMPARISON_SCHEMA = {"table": pl.String, "group": pl.String, "measure": pl.String,
                     "stat": pl.String, "published": pl.String, "ours": pl.String,
                     "match": pl.Boolean}


@dataclass(frozen=True)
class Number:
    value: float
    decimals: int
    text: str

    @classmethod
    def parse(cls, text: str) -> Number:
        decimals = len(text.split(".")[1]) if "." in text else 0
        return cls(float(text), decimals, text)

    def format(self, x: float | None) -> str:
        if x is None:
            return "missing"
        text = f"{x:.{self.decimals}f}"
        return text.replace("-", "") if float(text) == 0 else text

    def matches(self, x: float | None) -> bool:
        return x is not None and self.format(x) == self.format(self.value)


@dataclass(frozen=True)
class PublishedCell:
    """One printed cell: ``stats`` maps mean / sd / median / min / max to its number."""

    table: str
    group: str
    n: int
    measure: str
    text: str
    stats: dict[str, Number]


def parse_cell(text: str, measure: str, where: str) -> dict[str, Number]:
    m = _CELL.match(text.strip())
    if m is None:
        raise bad_usage(measure, "printed as 'mean ± SD (min-max)', 'mean ± SD (min to "
                        "max)', 'median (min-max)' or 'median'", text, where=where)
    center = "median" if measure.startswith("follow-up") or m["sd"] is None else "mean"
    stats = {center: Number.parse(m["center"])}
    for key in ("sd", "min", "max"):
        if m[key] is not None:
            stats[key] = Number.parse(m[key])
    return stats


def load_published(path: str | Path) -> list[PublishedCell]:
    path = Path(path)
    raw = read_toml(path, "published numbers")
    cells = []
    for k, c in enumerate(raw.get("cell", []), 1):
        where = f"{path.name}, cell {k}"
        for key in ("table", "group", "n", "values"):
            if key not in c:
                raise UsageError(f"{where}: `{key}` is missing.")
        for measure, text in c["values"].items():
            cells.append(PublishedCell(c["table"], c["group"], int(c["n"]), measure, text,
                                       parse_cell(text, measure, where)))
    return cells


def compare(tables: dict[str, pl.DataFrame], cells: list[PublishedCell]) -> pl.DataFrame:
    """Every published number against the analysis: one row per (cell, statistic), with
    ``n`` of the group as its own statistic."""
    rows = []
    for c in cells:
        frame = tables.get(c.table, pl.DataFrame())
        found = (frame.filter((pl.col("group") == c.group) & (pl.col("measure") == c.measure))
                 if frame.height else frame)
        ours = found.row(0, named=True) if found.height else {}
        n = ours.get("n_group")
        rows.append({"table": c.table, "group": c.group, "measure": c.measure, "stat": "n",
                     "published": str(c.n), "ours": "missing" if n is None else str(n),
                     "match": n == c.n})
        for stat, number in c.stats.items():
            value = ours.get(stat)
            rows.append({"table": c.table, "group": c.group, "measure": c.measure,
                         "stat": stat, "published": number.text, "ours": number.format(value),
                         "match": number.matches(value)})
    return pl.DataFrame(rows, schema=COMPARISON_SCHEMA).unique(maintain_order=True)

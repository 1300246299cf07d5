"""The published severity-score tables shipped with mscohort, as numpy arrays.

Each table has one row per disease-duration year (MSSS) or year of age (ARMSS) and one
column per EDSS step 0, 1.0, 1.5, ..., 9.5 (19 columns: 0.5 is not a step, 10 is death).
Sources and row conventions: ``datasets/reference/README.md``, ``docs/scores/``.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from importlib.resources import files

import numba
import numpy as np

from mscohort.errors import bad_argument

#: EDSS steps that have a column in the published tables, in column order.
TABLE_EDSS = (0.0, *(x / 2 for x in range(2, 20)))


@dataclass(frozen=True)
class SeverityTable:
    """One published table: the row labels (years) and the score for each EDSS column."""

    name: str
    score: str  #: "MSSS" or "ARMSS"
    row_kind: str  #: "duration" (completed years since onset) or "age" (whole years)
    citation: str
    labels: np.ndarray  #: integer row labels, e.g. 0..30 or 18..75
    values: np.ndarray  #: shape (len(labels), 19)


_FILES = {
    "roxburgh2005": ("msss_global_roxburgh2005.csv", "MSSS", "duration",
                     "Roxburgh RHSR et al. Multiple Sclerosis Severity Score: using disability "
                     "and disease duration to rate disease severity. Neurology "
                     "2005;64:1144-1151."),
    "manouchehrinia2017": ("msss_global_updated_manouchehrinia2017.csv", "MSSS", "duration",
                           "Manouchehrinia A et al. Age Related Multiple Sclerosis Severity "
                           "Score: Disability ranked by age. Mult Scler 2017;23:1938-1946 "
                           "(updated global MSSS)."),
    "armss2017": ("armss_global_manouchehrinia2017.csv", "ARMSS", "age",
                  "Manouchehrinia A et al. Age Related Multiple Sclerosis Severity Score: "
                  "Disability ranked by age. Mult Scler 2017;23:1938-1946 (global ARMSS)."),
}

MSSS_TABLES = ("roxburgh2005", "manouchehrinia2017")


@functools.cache
def load_table(name: str) -> SeverityTable:
    """The published table ``name`` (one of ``roxburgh2005``, ``manouchehrinia2017``,
    ``armss2017``)."""
    if name not in _FILES:
        raise bad_argument("table", f"one of {', '.join(_FILES)}", name)
    file, score, kind, citation = _FILES[name]
    text = (files("mscohort") / "datasets" / "reference" / file).read_text(encoding="utf-8")
    rows = list(csv.reader(text.splitlines()))
    header, body = rows[0], rows[1:]
    expected = [f"edss_{e:.1f}" for e in TABLE_EDSS]
    if header[1:] != expected:  # pragma: no cover - guards the shipped files
        raise RuntimeError(f"{file}: unexpected columns {header[1:]}")
    labels = np.array([int(r[0].removeprefix("dd")) for r in body], dtype=np.int64)
    values = np.array([[float(v) for v in r[1:]] for r in body], dtype=np.float64)
    values.setflags(write=False)
    labels.setflags(write=False)
    return SeverityTable(name, score, kind, citation, labels, values)


def edss_column(edss: np.ndarray) -> np.ndarray:
    """Column index of each EDSS in the published tables; -1 where it has none.

    0 -> 0, 1.0 -> 1, 1.5 -> 2, ..., 9.5 -> 18. EDSS 0.5, 10, values that are not steps, and
    NaN get -1.
    """
    e = np.asarray(edss, dtype=np.float64)
    twice = e * 2.0
    with np.errstate(invalid="ignore"):
        step = np.isfinite(twice) & (twice == np.round(twice))
        col = np.where(e == 0.0, 0, twice - 1.0)
        ok = step & ((e == 0.0) | ((twice >= 2.0) & (twice <= 19.0)))
    return np.where(ok, col, -1).astype(np.int64)


@functools.cache
def twice_grid(name: str) -> np.ndarray:
    """The table with one column per doubled EDSS 0..20 and a last, all-NaN row: columns 1
    (EDSS 0.5) and 20 (EDSS 10) are NaN."""
    values = load_table(name).values
    grid = np.full((values.shape[0] + 1, 21), np.nan)
    grid[:-1, 0] = values[:, 0]
    grid[:-1, 2:20] = values[:, 1:]
    grid.setflags(write=False)
    return grid


@numba.njit(cache=True, nogil=True)
def _lookup_kernel(edss: np.ndarray, years: np.ndarray, row_of_year: np.ndarray,
                   grid: np.ndarray, out: np.ndarray) -> None:  # pragma: no cover - JIT
    last = row_of_year.size - 1
    for i in range(edss.size):
        twice = edss[i] * 2.0
        year = years[i]
        if 0.0 <= twice <= 20.0 and year >= 0.0:  # false for NaN
            k = int(twice)
            if k == twice:
                y = int(year) if year < last else last  # int() is floor for year >= 0
                out[i] = grid[row_of_year[y], k]
                continue
        out[i] = np.nan


def lookup(name: str, edss: np.ndarray, years: np.ndarray, row_of_year: tuple[int, ...]
           ) -> np.ndarray:
    """Scores of table ``name`` by EDSS and whole year (one compiled pass).

    ``row_of_year[y]`` is the table row for whole year y (-1: undefined); years past the
    last entry use the last entry; negative and NaN years are undefined, and so is any
    EDSS that is not a scored step (a non-step, 0.5, 10, NaN).
    """
    grid = twice_grid(name)
    rows = np.asarray(row_of_year, dtype=np.int64)
    rows = np.where(rows < 0, grid.shape[0] - 1, rows)  # undefined -> the NaN row
    out = np.empty(edss.shape, dtype=np.float64)
    _lookup_kernel(np.ascontiguousarray(edss, dtype=np.float64),
                   np.ascontiguousarray(years, dtype=np.float64), rows, grid, out)
    return out

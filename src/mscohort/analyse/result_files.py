"""The result files of an analysis (``mscohort analyse --out``) written a slice of rows at a
time, byte for byte what the whole frame gives: polars builds a whole frame's CSV or JSON
text in memory, several times the frame (issue #23: 5 GB for the JSON of the outcomes of
3 million patients)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from mscohort.errors import bad_argument
from mscohort.ingest.formulas import safe_csv, write_safe_csv

#: Rows written at a time by :func:`write_json_rows` and :func:`write_csv_rows`.
SLICE_ROWS = 50_000


def _check(slice_rows: int) -> None:
    if isinstance(slice_rows, bool) or not isinstance(slice_rows, int) or slice_rows < 1:
        raise bad_argument("slice_rows", "a positive number of rows", slice_rows)


def write_json_rows(frame: pl.DataFrame, path: Path, slice_rows: int = SLICE_ROWS) -> None:
    """``frame.write_json(path)`` byte for byte (a JSON array of one object per row), made
    ``slice_rows`` rows at a time."""
    _check(slice_rows)
    if frame.height <= slice_rows:
        frame.write_json(path)
        return
    with path.open("w", encoding="utf-8") as out:
        out.write("[")
        for start in range(0, frame.height, slice_rows):
            text = frame.slice(start, slice_rows).write_json()
            out.write(("," if start else "") + text[1:-1])  # without its brackets
        out.write("]")


def write_csv_rows(frame: pl.DataFrame, path: Path, slice_rows: int = SLICE_ROWS) -> None:
    """:func:`mscohort.ingest.formulas.write_safe_csv` byte for byte (formula-like text
    neutralised, list columns joined), made ``slice_rows`` rows at a time."""
    _check(slice_rows)
    if frame.height <= slice_rows:
        write_safe_csv(frame, path)
        return
    with path.open("w", encoding="utf-8") as out:
        for start in range(0, frame.height, slice_rows):
            text = safe_csv(frame.slice(start, slice_rows))
            out.write(text if not start else text.split("\n", 1)[1])  # one header

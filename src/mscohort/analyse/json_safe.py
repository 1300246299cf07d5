"""JSON of results: infinite and undefined numbers written as strings (JSON has none)."""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl

from mscohort.errors import bad_argument


def json_safe(value: object) -> object:
    """Infinite and undefined numbers as the strings "inf", "-inf", "nan" (JSON has none)."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


#: Rows serialised at a time by :func:`write_json_rows`.
JSON_SLICE_ROWS = 50_000


def write_json_rows(frame: pl.DataFrame, path: Path, slice_rows: int = JSON_SLICE_ROWS
                    ) -> None:
    """``frame.write_json(path)``, byte for byte (a JSON array of one object per row), made
    ``slice_rows`` rows at a time: polars builds a whole frame's JSON in memory, about 7
    times the frame (issue #23: 5 GB for the outcomes of 3 million patients)."""
    if slice_rows < 1:
        raise bad_argument("slice_rows", "a positive number of rows", slice_rows)
    if frame.height <= slice_rows:
        frame.write_json(path)
        return
    with path.open("w", encoding="utf-8") as out:
        out.write("[")
        for start in range(0, frame.height, slice_rows):
            text = frame.slice(start, slice_rows).write_json()
            out.write(("," if start else "") + text[1:-1])  # without its brackets
        out.write("]")

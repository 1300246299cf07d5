"""Read a REDCap flat export (CSV) as text, keeping every token as written.

Unlike the study-folder readers, only an empty cell is "no value" here: ``NA``, ``UNK`` or
``-99`` stay text so that the REDCap reader can tell a missing-data code from a blank and
report it (``missing_code``); rows keep their spreadsheet row number (header = row 1).
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from mscohort.errors import UsageError
from mscohort.ingest import readers

CHECKBOX = re.compile(r"^(.+?)___(.+)$")


def read_export(path: Path) -> tuple[pl.DataFrame, list[str]]:
    """Every cell as trimmed text (empty = null), with ``_row``, fully empty rows dropped; and
    the header row as written. The frame's columns are named by position (``_c0``, ...):
    label headers repeat (every instrument's ``Complete?``), so they are resolved first."""
    try:
        raw = path.read_bytes()
        raw.decode("utf-8")
    except OSError as exc:
        raise UsageError(f"REDCap export {path}: {exc.strerror or exc}.") from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"REDCap export {path.name} is not UTF-8 text (byte {exc.start}); "
                         "export it again as CSV.") from None
    if not raw.strip():
        raise UsageError(f"REDCap export {path.name} is empty.")
    try:
        frame = pl.read_csv(raw, has_header=False, infer_schema=False,
                            truncate_ragged_lines=False)
    except Exception as exc:  # polars raises several types for malformed text
        raise UsageError(f"REDCap export {path.name} cannot be read as CSV: {exc}") from None
    headers = [(h or "").replace("\ufeff", "").strip() for h in frame.row(0)]
    frame = frame.slice(1).rename({c: f"_c{i}" for i, c in enumerate(frame.columns)})
    frame = frame.with_columns(
        pl.col(c).str.strip_chars().replace("", None) for c in frame.columns)
    frame = frame.with_row_index(readers.ROW, offset=2).with_columns(
        pl.col(readers.ROW).cast(pl.Int64))
    return frame.filter(~pl.all_horizontal(pl.exclude(readers.ROW).is_null())), headers

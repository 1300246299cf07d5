"""Read CSV, XLSX and Parquet files into text tables that remember each row's position.

Every value is read as text (so validation can report the value exactly as written) with
surrounding white space removed; an empty cell and the tokens in :data:`MISSING_TOKENS`
mean "missing". The ``_row`` column holds the row as a spreadsheet shows it: the header is
row 1, the first record row 2 (for Parquet, the first record is row 1). Fully empty rows
are skipped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import polars as pl

from mscohort.errors import UnreadableFileError
from mscohort.ingest import xlsx
from mscohort.ingest.kinds import SUFFIXES, file_kind  # noqa: F401  (re-exported)

#: Text that means "no value" in a cell (case-sensitive, after trimming).
MISSING_TOKENS = ("", "NA", "N/A", "NaN", "NULL")

ROW = "_row"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _clean(frame: pl.DataFrame, first_row: int) -> pl.DataFrame:
    """Trim text, turn missing tokens into nulls, drop empty rows, add ``_row``."""
    names = [
        (name.replace("\ufeff", "").strip() or f"_unnamed_{i + 1}")
        for i, name in enumerate(frame.columns)
    ]
    frame = frame.rename(dict(zip(frame.columns, names, strict=True)))
    frame = frame.with_columns(
        pl.col(c).cast(pl.String).str.strip_chars() for c in frame.columns
    ).with_columns(
        pl.when(pl.col(c).is_in(MISSING_TOKENS)).then(None).otherwise(pl.col(c)).alias(c)
        for c in frame.columns
    )
    frame = frame.with_row_index(ROW, offset=first_row).with_columns(pl.col(ROW).cast(pl.Int64))
    if frame.width > 1:
        frame = frame.filter(~pl.all_horizontal(pl.exclude(ROW).is_null()))
    # unnamed columns with no value at all are spreadsheet artefacts, not data
    empty = [c for c in frame.columns if c.startswith("_unnamed_") and frame[c].null_count()
             == frame.height]
    return frame.drop(empty)


def clean(frame: pl.DataFrame, first_row: int = 1) -> pl.DataFrame:
    """Any table read elsewhere (e.g. Dataset-JSON) cleaned as the file readers clean theirs:
    text values, trimmed, missing tokens as nulls, empty rows dropped, ``_row`` added."""
    return _clean(frame.select(pl.all().cast(pl.String)), first_row)


def _separator(path: Path, text: str) -> str:
    header = text.split("\n", 1)[0]
    if path.suffix.lower() == ".tsv" or ("\t" in header and "," not in header):
        return "\t"
    if ";" in header and "," not in header:
        return ";"
    return ","


#: The separator of a delimited file from its header line (used by the streamed reader too).
separator = _separator


def read_csv(path: Path) -> pl.DataFrame:
    """A delimited text file (comma, semicolon or tab, detected from the header line) in
    UTF-8, UTF-16 or Windows-1252/Latin-1 (see :mod:`mscohort.ingest.encoding`)."""
    from mscohort.ingest.encoding import decode_file, file_encoding

    if file_encoding(path) in ("utf-8", "utf-8-sig"):  # the bytes as they are: no copy
        data = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
    else:
        data = decode_file(path).text.removeprefix("\ufeff").encode("utf-8")
    end = data.find(b"\n")
    header = data[:end if end >= 0 else None].decode("utf-8")
    if not data or data.isspace():
        raise UnreadableFileError(f"{path.name} is empty.")
    try:
        frame = pl.read_csv(
            data, separator=_separator(path, header), infer_schema=False,
            truncate_ragged_lines=False,
        )
    except Exception as exc:  # polars raises several types for malformed text
        raise UnreadableFileError(f"{path.name} cannot be read as CSV: {exc}".strip()) from None
    return _clean(frame, first_row=2)


def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def xlsx_sheets(path: Path) -> list[str]:
    return xlsx.sheet_names(path)


def read_xlsx(path: Path, sheet: str) -> pl.DataFrame:
    """One sheet of a workbook; the first row holds the column names. Every row is read,
    whatever the sheet's recorded dimension; hostile workbooks are refused
    (:mod:`mscohort.ingest.xlsx`)."""
    rows = xlsx.sheet_rows(path, sheet)
    header = next(rows, None)
    if header is None:
        raise UnreadableFileError(f"{path.name}[{sheet}] is empty.")
    names = [str(h) if h is not None else "" for h in header]
    columns: list[list[str | None]] = [[] for _ in names]
    for n, values in enumerate(rows):
        filled = [i for i, v in enumerate(values) if v is not None]
        while filled and filled[-1] >= len(names):  # a value beyond the header: kept, reported
            names.append("")
            columns.append([None] * n)
        for i in range(len(names)):
            columns[i].append(_cell_text(values[i]) if i < len(values) else None)
    seen: dict[str, int] = {}
    unique = []
    for i, name in enumerate(names):  # duplicate headers are reported by validation, not lost
        name = name if name.strip() else f"_unnamed_{i + 1}"
        seen[name] = seen.get(name, 0) + 1
        unique.append(name if seen[name] == 1 else f"{name}_duplicated_{seen[name] - 1}")
    frame = pl.DataFrame(
        {n: pl.Series(n, col, dtype=pl.String) for n, col in zip(unique, columns, strict=True)}
    )
    return _clean(frame, first_row=2)


def read_parquet(path: Path) -> pl.DataFrame:
    try:
        frame = pl.read_parquet(path)
    except Exception as exc:
        raise UnreadableFileError(f"{path.name} cannot be read as Parquet: {exc}") from None
    return _clean(frame.select(pl.all().cast(pl.String)), first_row=1)

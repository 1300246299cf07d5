"""Templates for a clinic's data: an empty workbook with a sheet per canonical table (its
columns as headers, required ones in bold, each header's meaning as a comment), and the
data dictionary as CSV (table, column, type, required, key, allowed values, range,
meaning), both written from :data:`mscohort.schema.TABLES`."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from mscohort.errors import bad_usage
from mscohort.schema import TABLES


def data_dictionary() -> pl.DataFrame:
    """One row per canonical column: table, column, type, required, key, allowed values,
    minimum, maximum, partial dates allowed, meaning."""
    rows = []
    for table in TABLES.values():
        for c in table.columns:
            rows.append({
                "table": table.name, "column": c.name, "type": str(c.kind),
                "required": c.required, "key": c.name in table.key,
                "allowed": ", ".join(c.allowed) or None, "minimum": c.minimum,
                "maximum": c.maximum, "month_precision": c.month_precision,
                "meaning": c.description,
            })
    return pl.DataFrame(rows, schema={
        "table": pl.String, "column": pl.String, "type": pl.String, "required": pl.Boolean,
        "key": pl.Boolean, "allowed": pl.String, "minimum": pl.Float64,
        "maximum": pl.Float64, "month_precision": pl.Boolean, "meaning": pl.String})


def write_template(path: str | Path) -> Path:
    """An empty workbook (``.xlsx``) or the data dictionary (``.csv``), by suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        data_dictionary().write_csv(path)
        return path
    if suffix != ".xlsx":
        raise bad_usage("--out", "a file ending in .xlsx (empty workbook) or .csv (data "
                        "dictionary)", path.name)
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for table in TABLES.values():
        sheet = book.create_sheet(table.name)
        sheet.append([c.name for c in table.columns])
        for cell, column in zip(sheet[1], table.columns, strict=True):
            cell.font = Font(bold=column.required)
            allowed = f" One of: {', '.join(column.allowed)}." if column.allowed else ""
            cell.comment = Comment(
                f"{column.description} Type: {column.kind}"
                f"{' (required)' if column.required else ''}.{allowed}", "mscohort")
            sheet.column_dimensions[cell.column_letter].width = max(12, len(column.name) + 2)
        sheet.freeze_panes = "A2"
    book.save(path)
    return path

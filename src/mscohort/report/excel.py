"""The report as an Excel workbook: one sheet per table (title, header, rows, footnotes), the
per-patient outcomes, the group statistics as numbers, the methods and the provenance."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from mscohort.report.sections import numbered_tables

if TYPE_CHECKING:
    from mscohort.report.model import ReportData as Report


def sheet_name(title: str, taken: set[str]) -> str:
    """An Excel sheet name (at most 31 characters, none of []:*?/\\) unique in ``taken``; a
    longer title is cut at a word and ends with an ellipsis ("Annualised relapse rate
    before…", never "...rate before ")."""
    base = re.sub(r"[\[\]:*?/\\]", " ", title).strip() or "sheet"
    name, k = _cut(base, 31), 2
    while name.lower() in taken:
        suffix = f" ({k})"
        name, k = _cut(base, 31 - len(suffix)) + suffix, k + 1
    taken.add(name.lower())
    return name


def _cut(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters: whole, or its words that fit and "…"."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    space = head.rfind(" ")
    if text[limit - 1] != " " and space >= limit // 2:  # mid-word: back to a boundary
        head = head[:space]
    return head.rstrip(" ,;.-(") + "…"


def _append(ws: Worksheet, values: list) -> None:
    """Append a row: text is written as text, never as a formula (a value such as
    ``=HYPERLINK(...)`` from the data stays inert: OWASP CSV/formula injection); numbers stay
    numbers."""
    ws.append([ILLEGAL_CHARACTERS_RE.sub("\ufffd", v) if isinstance(v, str) else v
               for v in values])  # control characters cannot be stored in a workbook
    if not values:
        return
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
            cell.quotePrefix = cell.value.startswith(("=", "+", "-", "@"))  # stays text if edited


def _frame(ws: Worksheet, frame: pl.DataFrame) -> None:
    _append(ws, frame.columns)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for row in frame.iter_rows():
        _append(ws, [", ".join(map(str, v)) if isinstance(v, list) else v for v in row])
    ws.freeze_panes = "A2"


def write_xlsx(report: Report, path: Path) -> list[Path]:
    wb = Workbook()
    wb.remove(wb.active)
    taken: set[str] = set()
    for nt in numbered_tables(report):
        i, t = nt.number, nt.table
        ws = wb.create_sheet(sheet_name(t.title, taken))
        _append(ws, [f"Table {i}. {t.title}"])
        ws["A1"].font = Font(bold=True, size=12)
        _append(ws, list(t.columns))
        for cell in ws[2]:
            cell.font = Font(bold=True)
        for row in t.rows:
            _append(ws, list(row))
        _append(ws, [])
        for note in t.footnotes:
            _append(ws, [note])
            ws.cell(ws.max_row, 1).font = Font(italic=True, size=9)
        ws.column_dimensions["A"].width = 34
        for col in "BCDEFGHI":
            ws.column_dimensions[col].width = 24
    a = report.analysis
    _frame(wb.create_sheet(sheet_name("outcomes per patient", taken)), a.outcomes)
    _frame(wb.create_sheet(sheet_name("group statistics", taken)),
           pl.concat(list(a.tables.values())))
    _frame(wb.create_sheet(sheet_name("paired tests", taken)), a.tests)
    if a.courses.height:
        _frame(wb.create_sheet(sheet_name("courses", taken)), a.courses)
        _frame(wb.create_sheet(sheet_name("course deviations", taken)), a.deviations)
    ws = wb.create_sheet(sheet_name("methods", taken))
    _append(ws, [report.methods()])
    if report.input_check is not None:
        _frame(wb.create_sheet(sheet_name("input data issues", taken)),
               report.input_check.issues)
    if report.provenance is not None:
        prov = report.provenance
        ws = wb.create_sheet(sheet_name("provenance", taken))
        for k, v in (("mscohort version", prov.mscohort_version),
                     ("generated", prov.generated_at),
                     ("study definition", prov.definition_file),
                     ("study definition SHA-256", prov.definition_sha256)):
            _append(ws, [k, v])
        _append(ws, [])
        _append(ws, prov.files.columns)
        for row in prov.files.iter_rows():
            _append(ws, list(row))
    wb.properties.title = report.title
    wb.properties.creator = "mscohort"
    wb.save(path)
    return [path]

"""The validation report as a file to work through: CSV (every issue, one row each) or an
Excel workbook (a summary by rule, then every issue with filters), for the clinic to fix
its source in one pass."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mscohort.errors import bad_usage
from mscohort.issues import RULES
from mscohort.validate.report import ValidationReport

if TYPE_CHECKING:
    from mscohort.validate.batches import IssueCollector

FORMATS = (".csv", ".xlsx")


def write_issues(report: ValidationReport, path: str | Path) -> Path:
    """Write every issue of ``report`` to ``path`` (``.csv`` or ``.xlsx``, by suffix).

    The CSV holds the report's columns (file, row, patient_id, column, rule, value,
    severity, message, fix). The workbook's first sheet counts issues by rule with what
    each rule checks and what to do; the second lists every issue, with filters.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise bad_usage("--out", "a file ending in .csv or .xlsx", path.name)
    if suffix == ".csv":
        report.issues.write_csv(path)
        return path
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    summary = book.active
    summary.title = "Summary"
    summary.append(["rule", "severity", "n", "checks", "what to do"])
    for r in report.counts_by_rule().iter_rows(named=True):
        info = RULES[r["rule"]]
        summary.append([r["rule"], r["severity"], r["n"], info.summary, info.fix])
    issues = book.create_sheet("Issues")
    issues.append(list(report.issues.columns))
    for row in report.issues.iter_rows():
        issues.append(list(row))
    for sheet in (summary, issues):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
    book.save(path)
    return path


def write_every_issue(collector: IssueCollector, path: str | Path) -> Path:
    """Write every issue a batched validation collected (not only those it keeps in memory)
    to ``path``, as :func:`write_issues` does: a CSV is written from disk in report order
    without holding the issues in memory; a workbook holds them (Excel's limit is about a
    million rows)."""
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise bad_usage("--out", "a file ending in .csv or .xlsx", path.name)
    every = collector.every_issue()
    if path.suffix.lower() == ".csv":
        every.sink_csv(path)
        return path
    report = collector.report("")
    return write_issues(ValidationReport(every.collect(), report.source, report.counts),
                        path)

"""Page: the issues of a staged upload to work through: counts by rule first, filters by
file, rule, severity and patient, pages of :data:`PAGE_SIZE` issues, and the download of
every (filtered) issue as CSV or Excel (:func:`mscohort.validate.export.write_issues`)."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

import polars as pl
from flask import Flask, abort, current_app, render_template, request, send_file

from mscohort.errors import UsageError
from mscohort.issues import RULES
from mscohort.validate.export import write_issues
from mscohort.validate.report import ValidationReport
from mscohort.web.redcap_staging import check_staged
from mscohort.web.store_access import store_lock
from mscohort.web.workspace import Workspace

PAGE_SIZE = 100
FILTERS = ("file", "rule", "severity", "patient_id")


def _report(upload_id: str) -> ValidationReport:
    ws: Workspace = current_app.extensions["mscohort"]["workspace"]
    try:
        staged = ws.staged(upload_id)
        with store_lock():  # data files, or a REDCap project; an import holding it: busy
            report = check_staged(staged, ws.db if ws.db.exists() else None)
    except UsageError as exc:
        abort(404, str(exc))
    return report


def _filtered(report: ValidationReport) -> tuple[pl.DataFrame, dict[str, str]]:
    chosen = {k: request.args.get(k, "").strip() for k in FILTERS}
    issues = report.issues
    for key, value in chosen.items():
        if value:
            issues = issues.filter(pl.col(key) == value)
    return issues, chosen


def register(app: Flask) -> None:
    @app.get("/load/<upload_id>/issues")
    def issues(upload_id: str) -> Any:
        report = _report(upload_id)
        shown, chosen = _filtered(report)
        pages = max(1, -(-shown.height // PAGE_SIZE))
        try:
            page = min(max(1, int(request.args.get("page", "1"))), pages)
        except ValueError:
            page = 1
        part = shown.slice((page - 1) * PAGE_SIZE, PAGE_SIZE)
        counts = [(r["rule"], r["severity"], r["n"], RULES[r["rule"]].summary,
                   RULES[r["rule"]].fix)
                  for r in report.counts_by_rule().iter_rows(named=True)]
        options = {k: sorted({v for v in report.issues[k].to_list() if v is not None})
                   for k in FILTERS}
        rows = [["" if v is None else str(v) for v in r] for r in part.iter_rows()]
        return render_template(
            "issues.html", upload_id=upload_id, counts=counts, options=options,
            chosen=chosen, columns=part.columns, rows=rows, page=page, pages=pages,
            total=report.issues.height, n_shown=shown.height,
            query={k: v for k, v in chosen.items() if v})

    @app.get("/load/<upload_id>/issues.<fmt>")
    def issues_download(upload_id: str, fmt: str) -> Any:
        if fmt not in ("csv", "xlsx"):
            abort(404, "Issues download as .csv or .xlsx.")
        report = _report(upload_id)
        shown, _ = _filtered(report)
        with tempfile.TemporaryDirectory() as tmp:
            path = write_issues(ValidationReport(shown, report.source),
                                Path(tmp) / f"issues.{fmt}")
            data = io.BytesIO(path.read_bytes())
        return send_file(data, as_attachment=True, download_name=f"issues.{fmt}")

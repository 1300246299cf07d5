"""Pages: the cohort's tables for a chosen study definition and split, its figures (with the
report's per-patient tooltips), and downloads (report as HTML, Word or Excel; a table or the
per-patient outcomes as CSV)."""

from __future__ import annotations

import io
import tempfile
from importlib.resources import files
from pathlib import Path
from typing import Any

import polars as pl
from flask import (
    Flask,
    Response,
    abort,
    current_app,
    render_template,
    request,
    send_file,
)

from mscohort.ingest.formulas import safe_csv
from mscohort.report.html import keep_together
from mscohort.report.tables import ReportTable, group_table, report_tables
from mscohort.web.results import Results

DOWNLOADS = {"html": "text/html", "docx": "application/vnd.openxmlformats-officedocument."
             "wordprocessingml.document", "xlsx": "application/vnd.openxmlformats-"
             "officedocument.spreadsheetml.sheet"}
ASSETS = {"report.js": "text/javascript", "report.css": "text/css"}


def results(definition: str | None = None) -> Results:
    name = definition or request.args.get("definition") or "seed"
    return current_app.extensions["mscohort"]["results"].get(name)


def table_view(t: ReportTable) -> dict[str, object]:
    return {"key": t.key, "title": t.title, "columns": t.columns, "footnotes": t.footnotes,
            "rows": [[keep_together(c) for c in row] for row in t.rows]}


def splits(r: Results) -> dict[str, str]:
    """Split key -> its table title, for the tables that have groups."""
    return {k: f["table"][0] for k, f in r.analysis.tables.items() if f.height}


def register(app: Flask) -> None:
    @app.get("/assets/<name>")
    def report_asset(name: str) -> Any:
        if name not in ASSETS:
            abort(404)
        text = (files("mscohort") / "report" / "templates" / name).read_text("utf-8")
        return Response(text, mimetype=ASSETS[name])

    @app.get("/cohort")
    def cohort() -> Any:
        r = results()  # no study yet: UsageError, shown on the load page
        options = splits(r)
        split = request.args.get("split") or next(iter(options), "")
        if options and split not in options:
            abort(404, f"There is no split called {split!r}.")
        report = r.report()
        chosen = [table_view(group_table(split, r.analysis.tables[split]))] if split else []
        others = [table_view(t) for t in report_tables(r.analysis)
                  if t.key not in r.analysis.tables]
        figures = [{"key": d.data.key, "title": d.data.title, "caption": d.data.caption,
                    "svg": d.svg()} for d in report.figures]
        tooltips: dict[str, object] = {}
        for d in report.figures:
            tooltips |= d.tooltips
        return render_template(
            "cohort.html", definition=r.definition_name,
            definitions=current_app.extensions["mscohort"]["workspace"].definitions(),
            splits=options, split=split, chosen=chosen, tables=others, figures=figures,
            tooltips=tooltips, methods=r.analysis.methods(),
            n=r.analysis.outcomes.height,
            analysed=r.analysis.outcomes["excluded_reason"].is_null().sum())

    @app.get("/cohort/report.<fmt>")
    def download_report(fmt: str) -> Any:
        if fmt not in DOWNLOADS:
            abort(404)
        r = results()
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"report.{fmt}"
            r.report().write(path, fmt)
            data = path.read_bytes()
        return send_file(io.BytesIO(data), mimetype=DOWNLOADS[fmt], as_attachment=True,
                         download_name=f"mscohort-{r.definition_name}-report.{fmt}")

    @app.get("/cohort/table.csv")
    def download_table() -> Any:
        r = results()
        split = request.args.get("split", "")
        if split == "outcomes":
            frame = r.analysis.outcomes.with_columns(
                pl.col(c).list.join("; ") for c in ("prior_window_drugs",
                                                    "prior_window_groups"))
        elif split in r.analysis.tables:
            frame = r.analysis.tables[split]
        else:
            abort(404, f"There is no table called {split!r}.")
        name = "outcomes" if split == "outcomes" else "".join(
            c if c.isalnum() else "-" for c in split)
        return send_file(io.BytesIO(safe_csv(frame).encode()), mimetype="text/csv",
                         as_attachment=True,
                         download_name=f"mscohort-{r.definition_name}-{name}.csv")

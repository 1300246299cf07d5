"""Pages: the cohort's tables for a chosen study definition and split, its figures (with the
report's per-patient tooltips), and downloads (report as HTML, Word or Excel; a table or the
per-patient outcomes as CSV)."""

from __future__ import annotations

import datetime as dt
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
    url_for,
)

from mscohort.ingest.formulas import safe_csv
from mscohort.report import Report
from mscohort.report.html import keep_together
from mscohort.report.sections import report_tables
from mscohort.report.tables import ReportTable, group_table
from mscohort.web.jobs import needed
from mscohort.web.results import ResultCache, Results

DOWNLOADS = {"html": "text/html", "docx": "application/vnd.openxmlformats-officedocument."
             "wordprocessingml.document", "xlsx": "application/vnd.openxmlformats-"
             "officedocument.spreadsheetml.sheet"}
ASSETS = {"report.js": "text/javascript", "report.css": "text/css"}


def results(definition: str | None = None, as_of: dt.date | None = None) -> Results:
    """The analysis for the page's definition; when it is not computed yet, a background job
    computes it and the page answers with its progress (:class:`mscohort.web.jobs.Pending`)."""
    name = definition or request.args.get("definition") or "seed"
    cache: ResultCache = current_app.extensions["mscohort"]["results"]
    r = cache.cached(name, as_of)  # UsageError when there is no study: the load page says so
    if r is None:
        raise needed(("analysis", cache.key(name, as_of)), "Analysing the study",
                     lambda: cache.get(name, as_of), failed_url=url_for("load"))
    return r


def report_of(r: Results) -> Report:
    """The report (tables and drawn figures) of ``r``, drawn by a background job the first
    time."""
    if r._report is None:
        raise needed(("report", r.key), "Drawing the report's figures", r.report,
                     failed_url=url_for("home"))
    return r._report


def table_view(t: ReportTable) -> dict[str, object]:
    return {"key": t.key, "title": t.title, "columns": t.columns, "footnotes": t.footnotes,
            "rows": [[keep_together(c) for c in row] for row in t.rows]}


def splits(r: Results) -> dict[str, str]:
    """Split key -> its table title, for the tables that have groups."""
    return {k: f["table"][0] for k, f in r.analysis.tables.items() if f.height}


def split_table(r: Results, split: str) -> list[dict[str, object]]:
    """The table of ``split`` as the page shows it, made once per cached analysis."""
    return r.kept.get(("cohort split", split), lambda: [
        table_view(group_table(split, r.analysis.tables[split]))] if split else [])


def cohort_tables(r: Results) -> list[dict[str, object]]:
    """The report's other tables as the page shows them, made once per cached analysis by
    the analysis' background job (at 300,000 patients they took 0.5 s a request, #23)."""
    return r.kept.get("cohort tables", lambda: [
        table_view(t) for t in report_tables(r.analysis) if t.key not in r.analysis.tables])


def _prepare(r: Results) -> None:
    cohort_tables(r)
    split_table(r, next(iter(splits(r)), ""))


def register(app: Flask) -> None:
    app.extensions["mscohort"]["results"].preparers.append(_prepare)

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
        report = report_of(r)
        chosen = split_table(r, split)
        others = cohort_tables(r)
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
            report_of(r).write(path, fmt)
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

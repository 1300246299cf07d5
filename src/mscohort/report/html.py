"""The report as one self-contained HTML file: inline CSS, SVG figures and a small script for
tooltips and sortable tables; nothing is fetched from the network when it opens.

Every value is escaped by Jinja2's autoescaping; only the SVG drawn by matplotlib (which
escapes its own text) and the bundled CSS and script are inserted as they are.
"""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
from jinja2 import Environment, FunctionLoader, select_autoescape
from markupsafe import Markup, escape

from mscohort._version import __version__
from mscohort.report.page_layout import NUMBER_HYPHEN, column_widths
from mscohort.report.sections import definition_label, table_sections
from mscohort.stratify.splits import analysed

if TYPE_CHECKING:
    from mscohort.report.model import ReportData as Report

MAX_ISSUES = 500
_TEMPLATES = files("mscohort") / "report" / "templates"


def _template(name: str) -> str:
    return (_TEMPLATES / name).read_text(encoding="utf-8")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def keep_together(cell: str) -> str:
    """Non-breaking spaces inside "mean ± SD" and "min to max", so that a narrow column
    wraps a cell only before its range."""
    return cell.replace(" ± ", "\u00a0±\u00a0").replace(" to ", "\u00a0to\u00a0")


def nowrap_numbers(cell: str) -> Markup:
    """``cell`` escaped, every word with a hyphen inside a number ("(1.70-9.63)", "-0.7",
    dates) in a ``<span class="nw">`` that never breaks: a line wraps between words, never
    inside a number or range (the text itself is unchanged, so copying and sorting work)."""
    parts = re.split(r"(\s+)", keep_together(cell))
    return Markup("").join(
        Markup('<span class="nw">{}</span>').format(w) if NUMBER_HYPHEN.search(w) else escape(w)
        for w in parts)


def _rows(frame: pl.DataFrame) -> list[list[str]]:
    return [["" if v is None else str(v) for v in row] for row in frame.iter_rows()]


def sections(report: Report) -> list[dict[str, object]]:
    """The report's sections in order, each with its items (tables or figures) numbered as
    in every other format (:func:`mscohort.report.sections.table_sections`)."""
    table_parts: list[dict[str, object]] = [
        {"id": s.id, "title": s.title, "kind": "tables",
         "entries": [{"id": f"table-{_slug(nt.table.key)}", "number": nt.number,
                      "title": nt.table.title, "key": nt.table.key,
                      "columns": nt.table.columns, "footnotes": nt.table.footnotes,
                      "wide": column_widths(nt.table.columns, nt.table.rows).landscape,
                      "rows": [[nowrap_numbers(c) for c in row] for row in nt.table.rows]}
                     for nt in s.tables]}
        for s in table_sections(report) if s.tables]  # a heading without tables is not shown
    figures = [{"id": f"figure-{d.data.key}", "number": i, "key": d.data.key,
                "title": d.data.title, "caption": d.data.caption, "svg": d.svg()}
               for i, d in enumerate(report.figures, 1)]
    return [
        *table_parts,
        {"id": "figures", "title": "Figures", "kind": "figures", "entries": figures},
        {"id": "methods", "title": "Methods", "kind": "methods", "entries": []},
        {"id": "input-data", "title": "Input data", "kind": "input", "entries": []},
        {"id": "provenance", "title": "Provenance", "kind": "provenance", "entries": []},
    ]


def _input_check(report: Report) -> dict[str, object] | None:
    check = report.input_check
    if check is None:
        return None
    issues = check.issues
    n_errors = issues.filter(pl.col("severity") == "error").height
    summary = (f"{n_errors} errors and {issues.height - n_errors} warnings."
               if issues.height else "No issues were found.")
    shown = issues.head(MAX_ISSUES)
    return {"source": check.source, "summary": summary, "note": check.note,
            "counts": list(check.counts().iter_rows(named=True)), "n_issues": issues.height,
            "shown": shown.height, "truncated": issues.height > MAX_ISSUES,
            "columns": shown.columns, "rows": _rows(shown)}


def render_html(report: Report) -> str:
    env = Environment(loader=FunctionLoader(_template), autoescape=select_autoescape(
        enabled_extensions=("j2", "html"), default_for_string=True))
    prov = report.provenance
    outcomes = report.analysis.outcomes
    tooltips: dict[str, str | list[str]] = {}
    for d in report.figures:
        tooltips |= d.tooltips
    imports = prov.imports if prov is not None else None
    return env.get_template("report.html.j2").render(
        title=report.title, version=prov.mscohort_version if prov else __version__,
        generated_at=prov.generated_at if prov else "",
        definition_source=definition_label(report),
        definition_sha256=prov.definition_sha256 if prov else None,
        n_patients=outcomes.height, n_analysed=int(analysed(outcomes).sum()),
        sections=sections(report), methods=report.methods(), input_check=_input_check(report),
        files=list(prov.files.iter_rows(named=True)) if prov else [],
        imports=None if imports is None or imports.height == 0 else {
            "columns": imports.columns, "rows": _rows(imports)},
        tooltips=tooltips, css=_template("report.css"), js=_template("report.js"))


def write_html(report: Report, path: Path) -> list[Path]:
    path.write_text(render_html(report), encoding="utf-8")
    return [path]

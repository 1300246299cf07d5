"""Page: screening and safety as of a chosen day: each patient's eligibility per arm of the
study definition, safety tests overdue or due (label schedule,
``datasets/protocol/monitoring.toml``), and the retreatment rule."""

from __future__ import annotations

from typing import Any

import polars as pl
from flask import Flask, flash, redirect, render_template, request, url_for

from mscohort.analyse.protocol import NO_LAB_DATA
from mscohort.errors import UsageError
from mscohort.units import parse_day
from mscohort.web.paging import ListTable, list_page
from mscohort.web.results import Results
from mscohort.web.views_cohort import results

SAFETY_COLUMNS = ("patient_id", "panel", "status", "days_overdue", "next_due", "last_test",
                  "tests_done", "tests_expected", "last_infusion")
SCREEN_COLUMNS = ("patient_id", "arm", "screened_on", "decision", "reasons", "missing",
                  "deviations")
RETREAT_COLUMNS = ("patient_id", "last_course", "last_infusion", "days_since_last_infusion",
                   "relapses_since", "meets_rule", "reason")


def _cell(column: str, v: object) -> str:
    return "" if v is None else str(v)


#: The page's lists: name -> (columns, default sort, descending, filter columns).
LISTS = {"late": (SAFETY_COLUMNS, "days_overdue", True, ("panel", "status")),
         "screening": (SCREEN_COLUMNS, "patient_id", False, ("arm", "decision")),
         "retreatment": (RETREAT_COLUMNS, "patient_id", False, ("meets_rule",))}


def safety_tables(r: Results) -> dict[str, ListTable]:
    """The page's three lists of ``r`` as DuckDB tables, made once per cached analysis (the
    page is paged and sorted on them; nothing is recomputed per request, issue #23), by the
    analysis' background job (:attr:`~mscohort.web.results.ResultCache.preparers`)."""
    return r.kept.get("safety", lambda: _tables(r))


def _tables(r: Results) -> dict[str, ListTable]:
    a = r.analysis
    late = (a.safety.filter(pl.col("status").is_in(["overdue", "due"]))
            if a.safety.height else a.safety)
    frames = {"late": late, "screening": a.screening, "retreatment": a.retreatment}
    return {name: ListTable(frames[name], columns, default_sort=sort, default_desc=desc,
                            filter_columns=filters)
            for name, (columns, sort, desc, filters) in LISTS.items()}


def register(app: Flask) -> None:
    app.extensions["mscohort"]["results"].preparers.append(safety_tables)

    @app.get("/safety")
    def safety() -> Any:
        text = request.args.get("as_of", "").strip()
        as_of = None
        if text:
            try:
                as_of = parse_day(text, "as_of")
            except UsageError as exc:
                flash(str(exc), "error")
                return redirect(url_for("safety", definition=request.args.get("definition")))
        name = request.args.get("definition") or "seed"
        r = results(name, as_of)
        a = r.analysis
        tables = safety_tables(r)
        lists = {key: list_page(tables[key], columns, request.args, prefix=key,
                                default_sort=sort, default_desc=desc,
                                filter_columns=by, text=_cell)
                 for key, (columns, sort, desc, by) in LISTS.items()}
        filters = {key: t.options for key, t in tables.items()}
        return render_template(
            "safety.html", as_of=a.as_of, definition=name, lists=lists, filters=filters,
            n_schedules=a.safety.height,
            no_lab_data=(a.safety.height > 0
                         and bool((a.safety["status"] == NO_LAB_DATA).any())))

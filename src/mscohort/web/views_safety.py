"""Page: screening and safety as of a chosen day: each patient's eligibility per arm of the
study definition, safety tests overdue or due (label schedule,
``datasets/protocol/monitoring.toml``), and the retreatment rule."""

from __future__ import annotations

from typing import Any

import polars as pl
from flask import Flask, flash, redirect, render_template, request, url_for

from mscohort.errors import UsageError
from mscohort.units import parse_day
from mscohort.web.paging import list_page
from mscohort.web.views_cohort import results

SAFETY_COLUMNS = ("patient_id", "panel", "status", "days_overdue", "next_due", "last_test",
                  "tests_done", "tests_expected", "last_infusion")
SCREEN_COLUMNS = ("patient_id", "arm", "screened_on", "decision", "reasons", "missing",
                  "deviations")
RETREAT_COLUMNS = ("patient_id", "last_course", "last_infusion", "days_since_last_infusion",
                   "relapses_since", "meets_rule", "reason")


def _cell(column: str, v: object) -> str:
    return "" if v is None else str(v)


def _options(frame: pl.DataFrame, columns: tuple[str, ...]) -> dict[str, list[str]]:
    return {c: sorted(str(v) for v in frame[c].unique().drop_nulls().to_list())
            for c in columns if c in frame.columns}


def register(app: Flask) -> None:
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
        late = (a.safety.filter(pl.col("status").is_in(["overdue", "due"]))
                if a.safety.height else a.safety)
        args = request.args
        lists = {
            "late": list_page(late, SAFETY_COLUMNS, args, prefix="late",
                              default_sort="days_overdue", default_desc=True,
                              filter_columns=("panel", "status"), text=_cell),
            "screening": list_page(a.screening, SCREEN_COLUMNS, args, prefix="screening",
                                   default_sort="patient_id",
                                   filter_columns=("arm", "decision"), text=_cell),
            "retreatment": list_page(a.retreatment, RETREAT_COLUMNS, args,
                                     prefix="retreatment", default_sort="patient_id",
                                     filter_columns=("meets_rule",), text=_cell),
        }
        filters = {"late": _options(late, ("panel", "status")),
                   "screening": _options(a.screening, ("arm", "decision")),
                   "retreatment": _options(a.retreatment, ("meets_rule",))}
        return render_template(
            "safety.html", as_of=a.as_of, definition=name, lists=lists, filters=filters,
            n_schedules=a.safety.height)

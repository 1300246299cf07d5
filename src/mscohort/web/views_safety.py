"""Page: screening and safety as of a chosen day: each patient's eligibility per arm of the
study definition, safety tests overdue or due (label schedule,
``datasets/protocol/monitoring.toml``), and the retreatment rule."""

from __future__ import annotations

from typing import Any

import polars as pl
from flask import Flask, flash, redirect, render_template, request, url_for

from mscohort.errors import UsageError
from mscohort.units import parse_day
from mscohort.web.views_cohort import results

SAFETY_COLUMNS = ("patient_id", "panel", "status", "days_overdue", "next_due", "last_test",
                  "tests_done", "tests_expected", "last_infusion")
SCREEN_COLUMNS = ("patient_id", "arm", "screened_on", "decision", "reasons", "missing",
                  "deviations")
RETREAT_COLUMNS = ("patient_id", "last_course", "last_infusion", "days_since_last_infusion",
                   "relapses_since", "meets_rule", "reason")


def _rows(frame: pl.DataFrame, columns: tuple[str, ...]) -> list[list[str]]:
    if frame.height == 0:
        return []
    return [["" if v is None else str(v) for v in r] for r in frame.select(columns).iter_rows()]


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
                .sort(pl.col("days_overdue").fill_null(0), descending=True)
                if a.safety.height else a.safety)
        return render_template(
            "safety.html", as_of=a.as_of, definition=name,
            screening=_rows(a.screening, SCREEN_COLUMNS), screen_columns=SCREEN_COLUMNS,
            late=_rows(late, SAFETY_COLUMNS), safety_columns=SAFETY_COLUMNS,
            n_schedules=a.safety.height,
            retreatment=_rows(a.retreatment, RETREAT_COLUMNS),
            retreat_columns=RETREAT_COLUMNS)

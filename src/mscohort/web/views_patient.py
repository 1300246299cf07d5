"""Pages: the patients of the study with their main outcomes, and one patient's timeline,
confirmed events with the explanation of each, and every derived outcome.

A patient's page is ``/patient?id=<id>``: the identifier travels percent-encoded in the query,
so any identifier works (``MS/0005``, ``A?B#1``, ``50%``, ``..``). ``/patients/<id>`` (a
path, which may hold "/") still answers for identifiers that a path can carry.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from flask import Flask, abort, render_template, request

from mscohort.analyse.formatting import column_value
from mscohort.definition.labels import heading
from mscohort.report.timeline import (
    PatientTimeline,
    draw_timeline,
    patient_timeline,
    timeline_svg,
)
from mscohort.web.paging import ListTable, list_page
from mscohort.web.results import Results
from mscohort.web.views_cohort import results

LIST_COLUMNS = ("patient_id", "cohort", "index_date", "baseline_edss", "followup_edss",
                "edss_change", "change_category", "arr_before", "arr_during", "excluded_reason")
#: Columns of the patient list that filter by value (a drop-down each).
LIST_FILTERS = ("cohort", "change_category")


def _row(columns: list[str], values: tuple) -> list[str]:
    """One row printed as every page prints these columns (``analyse.formatting``)."""
    return [column_value(c, v) for c, v in zip(columns, values, strict=True)]


def _timeline(r: Results, patient_id: str) -> tuple[PatientTimeline, str, dict[str, Any]]:
    """The patient's timeline with its figure drawn as SVG and the figure's tooltips (kept
    for the patients viewed most recently: drawing is most of the page's cost)."""
    t = patient_timeline(r.analysis, patient_id)
    drawn = draw_timeline(t.figure)
    return t, timeline_svg(drawn), dict(drawn.tooltips)


def patient_table(r: Results) -> ListTable:
    """The patient list of ``r`` as a DuckDB table, made once per cached analysis by the
    analysis' background job (:attr:`~mscohort.web.results.ResultCache.preparers`)."""
    return r.kept.get("patients", lambda: ListTable(
        r.analysis.outcomes.select(LIST_COLUMNS), LIST_COLUMNS,
        default_sort="patient_id", filter_columns=LIST_FILTERS))


def register(app: Flask) -> None:
    app.extensions["mscohort"]["results"].preparers.append(patient_table)

    @app.get("/patients")
    def patients() -> Any:
        r = results()
        table = patient_table(r)
        listing = list_page(table, LIST_COLUMNS, request.args, prefix="patients",
                            default_sort="patient_id", filter_columns=LIST_FILTERS,
                            text=column_value, heading=heading)
        filters = table.options
        return render_template("patients.html", listing=listing, filters=filters,
                               definition=r.definition_name)

    @app.get("/patients/<path:patient_id>", merge_slashes=False)
    @app.get("/patient")
    def patient(patient_id: str | None = None) -> Any:
        if patient_id is None:
            patient_id = request.args.get("id")
            if not patient_id:
                abort(404, "Which patient? The address names none.")
        r = results()
        row = r.analysis.outcomes.filter(pl.col("patient_id") == patient_id)
        if row.height == 0:
            abort(404, "There is no patient with this identifier.")
        t, svg, tooltips = r.timelines.get(patient_id, lambda: _timeline(r, patient_id))
        values = row.row(0, named=True)
        if r.analysis.secondary is not None:
            sec = r.analysis.secondary.patients.filter(pl.col("patient_id") == patient_id)
            if sec.height:
                values |= {k: v for k, v in sec.row(0, named=True).items() if v is not None}
        event_columns = [c for c in t.events.columns if c != "time"]
        events = [_row(event_columns, e) for e in t.events.drop("time").iter_rows()]
        return render_template(
            "patient.html", patient_id=patient_id, svg=svg, tooltips=tooltips,
            caption=t.figure.caption, explanation=t.explanation,
            event_columns=[heading(c) for c in event_columns], events=events,
            outcomes=[(heading(k), column_value(k, v)) for k, v in values.items()],
            definition=r.definition_name)

"""Page: the history of one patient's records (every version: when, who, why, the source
file with its SHA-256, what a correction changed), and the correction of one record with
a reason, stored as a new store version (:func:`mscohort.store.correcting.correct_record`).
A refused correction stores nothing and shows the page again with the form as typed, the
field at fault marked with its error (column, value, rule and fix, or what the field must
be), so that only that field is typed again."""

from __future__ import annotations

import json
from typing import Any

import polars as pl
from flask import Flask, abort, current_app, flash, redirect, render_template, request, url_for

from mscohort.errors import DataValidationError, InvalidArgumentError, bad_usage
from mscohort.schema import TABLES
from mscohort.store import StudyStore
from mscohort.store.correcting import correct_record
from mscohort.store.kept import CHANGE_ACTIONS, kept_history, with_kept
from mscohort.web.store_access import StoreBusy, reading_store, store_lock
from mscohort.web.workspace import Workspace

HISTORY_COLUMNS = ("version", "imported_at", "imported_by", "reason", "action", "table_name",
                   "record", "what", "file", "sha256")


def _ws() -> Workspace:
    return current_app.extensions["mscohort"]["workspace"]


def _records(store: StudyStore, patient_id: str, tables: set[str]
             ) -> list[tuple[str, str, str]]:
    """The patient's current records in ``tables`` (those of the patient's history: every
    current record has one): (form value, label, value columns)."""
    out = []
    for name, spec in TABLES.items():
        if name not in tables:
            continue
        frame = store.read(name, patient_id=patient_id)  # not the whole table (#23)
        values = [c.name for c in spec.columns if c.name not in spec.key]
        for row in frame.iter_rows(named=True):
            key = {k: str(row[k]) for k in spec.key}
            label = f"{name} " + " / ".join(key.values())
            out.append((json.dumps({"table": name, "key": key}), label, ", ".join(values)))
    return out


def _patient_id() -> str:
    """The patient of the address, percent-encoded in the query (``?id=MS/0005``) so that any
    identifier works (issue #16 item 7)."""
    patient_id = request.args.get("id")
    if not patient_id:
        abort(404, "Which patient? The address names none.")
    return patient_id


#: the form field of each argument of the correction a refusal names
FIELD_OF = {"record": "record", "key": "record", "table": "record", "changes": "column",
            "reason": "reason", "by": "by"}
FORM_FIELDS = ("record", "column", "value", "reason", "by")


def _history_page(patient_id: str, form: dict[str, str] | None = None,
                  errors: dict[str, list[str]] | None = None) -> str:
    """The history page, with the correction form holding ``form`` (a refused correction,
    as typed) and ``errors`` by field."""
    ws = _ws()
    if not ws.db.exists():
        abort(404, "No study has been imported yet.")
    with reading_store(ws.db) as store:
        frame = store.history(patient_id)
        records = _records(store, patient_id, set(frame["table_name"]))
        kept = kept_history(store.con, patient_id)  # what re-imports kept
    if frame.height == 0:
        abort(404, "There is no patient with this identifier.")
    frame = with_kept(frame, kept).with_columns(
        pl.when(pl.col("action").is_in(CHANGE_ACTIONS)).then("changes")
        .otherwise("values").alias("what"), pl.col("sha256").str.slice(0, 12))
    rows = [["" if v is None else str(v) for v in r]
            for r in frame.select(HISTORY_COLUMNS).iter_rows()]
    return render_template("history.html", patient_id=patient_id, columns=HISTORY_COLUMNS,
                           rows=rows, records=records, form=form or {},
                           errors=errors or {})


def _refusal(exc: Exception) -> dict[str, list[str]]:
    """What a refused correction says, by form field ("" for the whole form): each
    validation error names its column, value, rule and fix; a bad field its rule."""
    if isinstance(exc, DataValidationError):
        return {"value": [f"{r['column']} = {r['value']!r} breaks the rule {r['rule']}: "
                          f"{r['message']}; {r['fix']}."
                          for r in exc.report.errors.iter_rows(named=True)]}
    if isinstance(exc, InvalidArgumentError):
        return {FIELD_OF.get(exc.argument or "", ""): [str(exc)]}
    return {"record": ["Choose one of the patient's records."]}


def register(app: Flask) -> None:
    @app.get("/patient/history")
    def history() -> Any:
        return _history_page(_patient_id())

    @app.post("/patient/correct")
    def correct() -> Any:
        """Store a correction; a refused one (bad value, reason, name, column or record)
        stores nothing and shows the page again with the form as typed (HTTP 400) and
        each error next to its field."""
        patient_id = _patient_id()
        ws = _ws()
        form = request.form
        try:
            chosen = json.loads(form.get("record", ""))
            table, key = str(chosen["table"]), dict(chosen["key"])
            if key.get("patient_id") != patient_id:
                raise bad_usage("record", f"one of the records of {patient_id}",
                                key.get("patient_id"), shown="a record of another patient")
            with store_lock():
                result = correct_record(ws.db, table, key,
                                        {form.get("column", "").strip(): form.get("value", "")},
                                        by=form.get("by", ""), reason=form.get("reason", ""))
        except StoreBusy as exc:
            flash(f"{exc} Nothing was changed: correct the record again when it ends.",
                  "error")
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError, DataValidationError,
                InvalidArgumentError) as exc:  # UsageError is an InvalidArgumentError
            errors = _refusal(exc)
            for messages in errors.values():
                for message in messages:
                    flash(message, "error")
            said = ("The new value did not pass validation; nothing was changed."
                    if isinstance(exc, DataValidationError) else "Nothing was changed.")
            flash(f"{said} The form below keeps what you typed: correct the field marked "
                  "and store the correction again.", "error")
            typed = {f: form.get(f, "") for f in FORM_FIELDS}
            return _history_page(patient_id, typed, errors), 400
        else:
            if result.changed:
                flash(f"Corrected: {result.summary()}.", "info")
            else:
                flash("The record already holds this value; nothing was changed.", "info")
        return redirect(url_for("history", id=patient_id))

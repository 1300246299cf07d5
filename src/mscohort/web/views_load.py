"""Pages: home, load a study (upload or the bundled example), its validation report, import.

Nothing is stored until the files validate without errors and the user imports them; the
import is all or nothing (:func:`mscohort.store.import_folder`), as on the command line.
"""

from __future__ import annotations

import contextlib
from typing import Any

import polars as pl
from flask import Flask, current_app, flash, redirect, render_template, request, url_for

from mscohort.errors import DataValidationError, UsageError
from mscohort.ingest import load_mapping
from mscohort.store import import_folder, validate_folder
from mscohort.web.workspace import STORE_LOCK, Staged, Workspace

ISSUE_COLUMNS = ("severity", "file", "row", "column", "patient_id", "rule", "value",
                 "message", "fix")


def _ws() -> Workspace:
    return current_app.extensions["mscohort"]["workspace"]


def _counts(ws: Workspace) -> dict[str, int]:
    from mscohort.store import StudyStore

    with STORE_LOCK:
        if not ws.db.exists():
            return {}
        with StudyStore(ws.db, read_only=True) as store:
            return store.counts()


def _validate(ws: Workspace, staged: Staged) -> tuple[Any, str | None]:
    """The validation report of a staged upload against the store, or a usage problem."""
    try:
        mapping = load_mapping(staged.mapping) if staged.mapping else None
        if (staged.folder / "definition.toml").exists():
            from mscohort.definition import load_definition

            load_definition(staged.folder / "definition.toml")
        with STORE_LOCK:
            _, _, report = validate_folder(staged.data, mapping=mapping,
                                           db=ws.db if ws.db.exists() else None)
        return report, None
    except UsageError as exc:
        return None, str(exc)


def _rows(issues: pl.DataFrame) -> list[list[str]]:
    cols = [c for c in ISSUE_COLUMNS if c in issues.columns]
    return [["" if v is None else str(v) for v in r] for r in issues.select(cols).iter_rows()]


def register(app: Flask) -> None:
    @app.get("/")
    def home() -> Any:
        ws = _ws()
        return render_template("home.html", counts=_counts(ws),
                               definitions=ws.definitions())

    @app.get("/load")
    def load() -> Any:
        return render_template("load.html", limit=current_app.config["MAX_CONTENT_LENGTH"]
                               // (1024 * 1024))

    @app.post("/load")
    def upload() -> Any:
        ws = _ws()
        staged, problems = ws.stage(request.files.getlist("files"),
                                    request.files.get("mapping"),
                                    request.files.get("definition"))
        if staged is None:
            for p in problems:
                flash(p, "error")
            flash("Nothing was stored.", "error")
            return render_template("load.html", limit=current_app.config[
                "MAX_CONTENT_LENGTH"] // (1024 * 1024)), 400
        return redirect(url_for("validation", upload_id=staged.id))

    @app.post("/load/example")
    def load_example() -> Any:
        return redirect(url_for("validation", upload_id=_ws().stage_example().id))

    @app.get("/load/<upload_id>")
    def validation(upload_id: str) -> Any:
        ws = _ws()
        try:
            staged = ws.staged(upload_id)
        except UsageError as exc:
            flash(str(exc), "error")
            return redirect(url_for("load"))
        report, problem = _validate(ws, staged)
        if report is None:
            return render_template("validation.html", staged=staged, problem=problem,
                                   rows=[], columns=ISSUE_COLUMNS, errors=0, warnings=0), 400
        errors = report.errors.height
        return render_template(
            "validation.html", staged=staged, problem=None, errors=errors,
            warnings=report.issues.height - errors, rows=_rows(report.issues),
            columns=[c for c in ISSUE_COLUMNS if c in report.issues.columns])

    @app.post("/load/<upload_id>/import")
    def import_upload(upload_id: str) -> Any:
        ws = _ws()
        try:
            staged = ws.staged(upload_id)
            mapping = load_mapping(staged.mapping) if staged.mapping else None
            name = ws.add_definition(staged)
            with STORE_LOCK:
                result = import_folder(staged.data, ws.db, mapping=mapping)
        except DataValidationError:
            flash("The files did not pass validation; nothing was stored.", "error")
            return redirect(url_for("validation", upload_id=upload_id))
        except UsageError as exc:
            flash(f"{exc} Nothing was stored.", "error")
            return redirect(url_for("load"))
        ws.discard(staged)
        flash(f"Imported: {result.summary()}.", "info")
        return redirect(url_for("cohort", definition=name or "seed"))

    @app.post("/load/<upload_id>/discard")
    def discard_upload(upload_id: str) -> Any:
        ws = _ws()
        with contextlib.suppress(UsageError):
            ws.discard(ws.staged(upload_id))
        flash("The upload was discarded; nothing was stored.", "info")
        return redirect(url_for("load"))

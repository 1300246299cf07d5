"""Pages: home, load a study (upload or the bundled example), its validation report, import.

Nothing is stored until the files validate without errors and the user imports them; the
import is all or nothing (:func:`mscohort.store.import_folder`), as on the command line.
The check and the import run as background jobs (:mod:`mscohort.web.jobs`): other pages keep
answering meanwhile, and importing an upload already being imported shows that import's
progress instead of starting it twice. An uploaded study definition is kept only once its
import succeeded. An upload that would change stored values leads from the check to its
changes, to accept with who and why or to decline (:mod:`mscohort.web.views_changes`).
An upload of sheets not named after the tables, without a mapping, leads from the check to
the mapping page (:mod:`mscohort.web.mapping_needed`).
"""

from __future__ import annotations

import contextlib
from typing import Any

import polars as pl
from flask import Flask, current_app, flash, redirect, render_template, request, url_for

from mscohort.errors import UsageError
from mscohort.store import Acceptance
from mscohort.store.preview import Preview
from mscohort.web.jobs import Jobs, needed
from mscohort.web.mapping_needed import RESOLVED_BY_MAPPING, mapping_needed
from mscohort.web.redcap_staging import import_staged, preview_staged
from mscohort.web.version_cache import summarised
from mscohort.web.workspace import STORE_LOCK, Staged, Workspace

ISSUE_COLUMNS = ("severity", "file", "row", "column", "patient_id", "rule", "value",
                 "message", "fix")


def _ws() -> Workspace:
    return current_app.extensions["mscohort"]["workspace"]


def _jobs() -> Jobs:
    return current_app.extensions["mscohort"]["jobs"]


_COUNTS: dict[tuple[str, int, int], dict[str, int]] = {}  # store (path, mtime, size) -> counts


def _counts(ws: Workspace) -> dict[str, int] | None:
    """Rows per table of the store, read once per version of the store file; None while a
    job writes it (the page does not wait, nor keep the job from the store)."""
    from mscohort.store import StudyStore

    try:
        stat = ws.db.stat()
    except FileNotFoundError:
        return {}
    stamp = (str(ws.db), stat.st_mtime_ns, stat.st_size)
    if stamp in _COUNTS:
        return _COUNTS[stamp]
    if not STORE_LOCK.acquire(blocking=False):
        return None
    try:
        with StudyStore(ws.db, read_only=True) as store:
            counts = store.counts()
    finally:
        STORE_LOCK.release()
    _COUNTS.clear()
    _COUNTS[stamp] = counts
    return counts


def _validate(ws: Workspace, staged: Staged) -> tuple[Preview | None, str | None]:
    """A staged upload checked and compared with the store (its issues and the diff), or a
    usage problem."""
    try:
        if staged.definition is not None:
            from mscohort.definition import load_definition

            load_definition(staged.definition)
        with STORE_LOCK:  # data files, or a REDCap project (web/redcap_staging.py)
            preview = preview_staged(staged, ws.db if ws.db.exists() else None)
        return preview, None
    except UsageError as exc:
        return None, str(exc)


def checked(ws: Workspace, staged: Staged) -> tuple[Preview | None, str | None]:
    """The check of ``staged`` (:func:`_validate`), computed once as a background job that
    holds until the store or the upload's mapping (mapping page) changes; raises
    :class:`~mscohort.web.jobs.Pending` while it runs."""
    stamp = ws.db.stat().st_mtime_ns if ws.db.exists() else None
    mapped = staged.mapping.stat().st_mtime_ns if staged.mapping else None
    key = ("check", staged.id, stamp, mapped)
    done = _jobs().finished(key)
    if done is None:
        raise needed(key, "Checking the files", lambda: _validate(ws, staged),
                     failed_url=url_for("load"))
    return done.value


def _rows(issues: pl.DataFrame) -> list[list[str]]:
    cols = [c for c in ISSUE_COLUMNS if c in issues.columns]
    return [["" if v is None else str(v) for v in r] for r in issues.select(cols).iter_rows()]


def import_job(ws: Workspace, upload_id: str, accept: Acceptance | None = None,
               version: int | None = None, *, by: str | None = None,
               reason: str | None = None) -> tuple[int | None, str]:
    """The import job: all or nothing; the uploaded definition is kept only when it
    succeeded, and the upload is removed. With ``accept`` the stored values the upload
    changes are corrected (who and why), only while the store is still at ``version`` (the
    version whose diff the user accepted); otherwise ``by`` and ``reason`` say who imports
    and why (the version's audit trail)."""
    try:
        staged = ws.staged(upload_id)
        staged.load_mapping()  # a bad mapping stops before the import
        if staged.definition is not None:
            from mscohort.definition import load_definition

            load_definition(staged.definition)  # a bad definition stops before the import
        with STORE_LOCK:
            if version is not None and store_version(ws) != version:
                raise UsageError("The study was changed since these changes were shown: "
                                 "look at them again before accepting.")
            result = import_staged(staged, ws.db, accept=accept, by=by, reason=reason)
    except UsageError as exc:
        raise UsageError(f"{exc} Nothing was stored.") from None
    ws.add_definition(staged)
    ws.discard(staged)
    return result.import_id, f"Imported: {result.summary()}."


def store_version(ws: Workspace) -> int:
    """The current store version (0 when nothing is stored yet); call with STORE_LOCK."""
    from mscohort.store import StudyStore

    if not ws.db.exists():
        return 0
    with StudyStore(ws.db, read_only=True) as store:
        return store.version()


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
        preview, problem = checked(ws, staged)
        if preview is None:
            return render_template("validation.html", staged=staged, problem=problem,
                                   rows=[], columns=ISSUE_COLUMNS, errors=0, warnings=0), 400
        report = preview.report
        errors = report.errors.height
        issues = report.issues
        unmapped = mapping_needed(staged, preview)
        if unmapped is not None:  # the mapping page, not a missing patients.csv
            issues = issues.filter(~pl.col("rule").is_in(RESOLVED_BY_MAPPING))
        return render_template(
            "validation.html", staged=staged, problem=None, errors=errors,
            warnings=report.issues.height - errors, rows=_rows(issues),
            columns=[c for c in ISSUE_COLUMNS if c in report.issues.columns],
            preview=preview, unmapped=unmapped)

    @app.post("/load/<upload_id>/import")
    def import_upload(upload_id: str) -> Any:
        ws = _ws()
        try:
            staged = ws.staged(upload_id)
        except UsageError as exc:
            flash(f"{exc} Nothing was stored.", "error")
            return redirect(url_for("load"))
        by = request.form.get("by", "").strip()
        reason = request.form.get("reason", "").strip() or None
        if not by:
            flash("Your name is required to import (it is recorded with the new version of "
                  "the study, as on the command line's --by). Nothing was stored.", "error")
            return redirect(url_for("validation", upload_id=upload_id))
        versions = current_app.extensions["mscohort"]["versions"]
        job, new = _jobs().start(
            ("import", upload_id), "Importing the files into the study",
            lambda: summarised(ws, versions, import_job(ws, upload_id, by=by,
                                                        reason=reason)),
            done_url=url_for("cohort", definition=staged.definition_name or "seed"),
            failed_url=url_for("validation", upload_id=upload_id))
        # imported twice at once (another tab, a second click): that import's progress
        again: dict[str, Any] = {} if new else {"again": 1}
        return redirect(url_for("job", job_id=job.id, **again))

    @app.post("/load/<upload_id>/discard")
    def discard_upload(upload_id: str) -> Any:
        ws = _ws()
        if ("import", upload_id) in _jobs().busy():
            flash("These files are being imported: they cannot be discarded now.", "error")
            return redirect(url_for("load"))
        with contextlib.suppress(UsageError):
            ws.discard(ws.staged(upload_id))
        flash("The upload was discarded; nothing was stored.", "info")
        return redirect(url_for("load"))

"""Pages: the changes a re-import of corrected files makes to the stored study, their
acceptance with who and why, and what the accepted store version did (issue #19).

After the check of an upload against a study that already has data
(:func:`mscohort.web.views_load.checked`), the changes page shows the diff
(:func:`mscohort.store.changes.store_diff`): records added per table, every changed value
old -> new with its file, row, patient and column (:data:`PAGE_SIZE` a page, all of them as
CSV), and the stored records missing in the new files. The user accepts with a name and a
reason (optionally retracting the missing records), which imports the upload as a
background job with :class:`~mscohort.store.Acceptance` (only while the store is still the
version that was shown), then sees the new version with links to each patient's history;
or declines (the upload is discarded and the store is untouched). A changed value that was
corrected in mscohort since its record's last import (:mod:`mscohort.store.reimport`) is
listed with that correction (version, who, when, why) and kept unless its box "take the
file's value" is ticked.
"""

from __future__ import annotations

import io
import json
from typing import Any

import polars as pl
from flask import (
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)

from mscohort.errors import InvalidArgumentError, UsageError, bad_usage
from mscohort.store import Acceptance
from mscohort.store.changes import DIFF_SCHEMA, MISSING_SCHEMA
from mscohort.store.preview import Preview
from mscohort.store.reimport import KINDS, RECORD_COLUMN, stored_corrections
from mscohort.store.version_summary import PATIENT_COLUMNS
from mscohort.web.jobs import Jobs, Pending
from mscohort.web.paging import list_page
from mscohort.web.store_access import reading_store
from mscohort.web.version_cache import (
    DEFAULT_DESC,
    DEFAULT_SORT,
    VersionSummaries,
    summarise_latest,
    summarised,
)
from mscohort.web.views_load import checked, import_job
from mscohort.web.workspace import Staged, Workspace

PAGE_SIZE = 100  #: changed values a page
MISSING_SHOWN = 100  #: missing records listed on the page (all of them in the CSV)
CHANGED_COLUMNS = ("file", "row", "patient_id", "table", "record", "column", "old", "new")
#: the columns of a version's kept or overwritten corrections (version page)
DECIDED_COLUMNS = ("decision", "table_name", "record", "column_name", "kind", "stored",
                   "file_value", "correction_version", "file", "row")


def _ws() -> Workspace:
    return current_app.extensions["mscohort"]["workspace"]


def _jobs() -> Jobs:
    return current_app.extensions["mscohort"]["jobs"]


def _versions() -> VersionSummaries:
    return current_app.extensions["mscohort"]["versions"]


def _preview(upload_id: str) -> tuple[Staged, Preview]:
    """The upload and its check; 404 when it is gone or could not be checked."""
    ws = _ws()
    try:
        staged = ws.staged(upload_id)
    except UsageError as exc:
        abort(404, str(exc))
    preview, problem = checked(ws, staged)
    if preview is None:
        abort(404, problem or "These files could not be checked.")
    return staged, preview


def _text(rows: pl.DataFrame) -> list[list[str]]:
    return [["" if v is None else str(v) for v in r] for r in rows.iter_rows()]


def _choice(row: dict[str, Any]) -> str:
    """The value of a correction's "take the file's value" box: its table, record, column."""
    return json.dumps([row["table"], row["record"], row["column"]])


def _corrections(preview: Preview) -> list[dict[str, Any]]:
    """The corrections at stake, for the page: each with its box's value and its kind in
    words."""
    if preview.diff is None:
        return []
    return [r | {"choice": _choice(r), "what": KINDS[r["kind"]],
                 "day": r["corrected_at"].date().isoformat(),
                 "retraction": r["column"] == RECORD_COLUMN}
            for r in preview.diff.corrections.iter_rows(named=True)]


def _taken(preview: Preview, chosen: list[str]) -> frozenset[tuple[str, str, str]]:
    """The corrections whose box was ticked; a box of no listed correction is refused."""
    listed = {c["choice"]: (c["table"], c["record"], c["column"])
              for c in _corrections(preview)}
    unknown = [c for c in chosen if c not in listed]
    if unknown:
        raise bad_usage("take_file", "a correction listed on this page", unknown[0],
                        hint="Reload the page.")
    return frozenset(listed[c] for c in chosen)


def _page(preview: Preview, staged: Staged, status: int = 200, **form: str) -> Any:
    diff = preview.diff
    changed = diff.changed if diff is not None else pl.DataFrame(schema=DIFF_SCHEMA)
    missing = diff.missing if diff is not None else pl.DataFrame(schema=MISSING_SCHEMA)
    pages = max(1, -(-changed.height // PAGE_SIZE))
    try:
        page = min(max(1, int(request.args.get("page", "1"))), pages)
    except ValueError:
        page = 1
    part = changed.slice((page - 1) * PAGE_SIZE, PAGE_SIZE).select(CHANGED_COLUMNS)
    # the records of retractions at stake are listed with them, not as added (kept unless
    # the file's record is taken)
    added = [(t, n) for t, n in (diff.keeping(diff.corrections).added.items() if diff
                                 else ()) if n]
    corrections = _corrections(preview)
    rows = _text(part)
    columns: tuple[str, ...] = CHANGED_COLUMNS
    if corrections:  # each changed value that is a correction at stake says so
        said = {(c["table"], c["record"], c["column"]): f"{c['what']} (version "
                f"{c['correction_version']}): kept unless you take the file's value"
                for c in corrections}
        rows = [[*row, said.get((row[3], row[4], row[5]), "")] for row in rows]
        columns = (*CHANGED_COLUMNS, "correction")
    return render_template(
        "changes.html", staged=staged, preview=preview, added=added,
        n_added=sum(n for _, n in added), changed=rows, columns=columns,
        corrections=corrections, taken=set(request.form.getlist("take_file")),
        n_retractions=sum(c["retraction"] for c in corrections),
        n_values=changed.height, n_changed=diff.n_changed if diff else 0,
        missing=_text(missing.head(MISSING_SHOWN)), n_missing=missing.height,
        page=page, pages=pages, first=(page - 1) * PAGE_SIZE + 1,
        errors=preview.report.errors.height, form=form), status


def register(app: Flask) -> None:
    ws, versions = app.extensions["mscohort"]["workspace"], app.extensions["mscohort"]["versions"]
    app.extensions["mscohort"]["results"].preparers.append(
        lambda _: summarise_latest(ws, versions))

    @app.get("/load/<upload_id>/changes")
    def changes(upload_id: str) -> Any:
        staged, preview = _preview(upload_id)
        return _page(preview, staged)

    @app.get("/load/<upload_id>/changes-<part>.csv")
    def changes_download(upload_id: str, part: str) -> Any:
        if part not in ("changed", "missing"):
            abort(404, "The changes download as changes-changed.csv or changes-missing.csv.")
        _, preview = _preview(upload_id)
        if preview.diff is None:
            abort(404, "Nothing is stored yet: these files change no stored record.")
        frame = preview.diff.changed.select(CHANGED_COLUMNS) if part == "changed" \
            else preview.diff.missing
        return send_file(io.BytesIO(frame.write_csv().encode()), mimetype="text/csv",
                         as_attachment=True, download_name=f"changes-{part}.csv")

    @app.post("/load/<upload_id>/accept")
    def accept_changes(upload_id: str) -> Any:
        try:
            staged, preview = _preview(upload_id)
        except Pending:  # the store changed since the page was shown: show the new diff
            return redirect(url_for("changes", upload_id=upload_id))
        form = {k: request.form.get(k, "") for k in ("by", "reason")}
        retract = request.form.get("retract_missing") == "1"
        try:
            take = _taken(preview, request.form.getlist("take_file"))
            accept = Acceptance(form["by"].strip(), form["reason"].strip(), retract,
                                take_file=take)
            version = int(request.form.get("version", ""))
        except (InvalidArgumentError, UsageError) as exc:
            flash(f"{exc} Nothing was stored.", "error")
            return _page(preview, staged, 400, **form)
        except ValueError:
            flash("The form lacks the version of the study it was shown for: reload the "
                  "page. Nothing was stored.", "error")
            return _page(preview, staged, 400, **form)
        ws, versions = _ws(), _versions()
        job, new = _jobs().start(
            ("import", upload_id), "Importing the files with the accepted changes",
            lambda: summarised(ws, versions, import_job(ws, upload_id, accept, version)),
            done_url=url_for("accepted", upload_id=upload_id),
            failed_url=url_for("changes", upload_id=upload_id))
        return redirect(url_for("job", job_id=job.id) if new
                        else url_for("job", job_id=job.id, again=1))

    @app.get("/load/<upload_id>/accepted")
    def accepted(upload_id: str) -> Any:
        done = _jobs().finished(("import", upload_id))
        if done is None:
            abort(404, "This import is no longer known (the server restarted).")
        if done.value is None:  # nothing was new: the store is unchanged
            return redirect(url_for("home"))
        return redirect(url_for("store_version", version=done.value))

    @app.get("/versions/<int:version>")
    def store_version(version: int) -> Any:
        ws = _ws()
        if not ws.db.exists():
            abort(404, "No study has been imported yet.")
        try:  # computed once per store version (#23: 0.8 s CPU at 300,000 patients)
            with reading_store(ws.db) as store:
                kept = _versions().get(store, version)
                decided = stored_corrections(store.con, version)
        except UsageError as exc:
            abort(404, str(exc))
        summary = kept.summary
        # a paged list: a registry's first import writes records of every patient
        args = dict(request.args) | {"version": str(version)}  # the pages' links keep it
        listing = list_page(kept.patients, PATIENT_COLUMNS, args, prefix="patients",
                            default_sort=DEFAULT_SORT, default_desc=DEFAULT_DESC)
        return render_template("version.html", summary=summary,
                               counts=_text(summary.counts), listing=listing,
                               decided=_text(decided.select(DECIDED_COLUMNS)),
                               decided_columns=DECIDED_COLUMNS)

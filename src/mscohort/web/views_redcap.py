"""Pages: a REDCap project loaded from the load page, as an uploaded export with its data
dictionary, or fetched with the REDCap API (address and token; the token in memory only:
:mod:`mscohort.web.redcap_staging`). Either way it goes to the same check page and the same
all-or-nothing import as any other upload."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, flash, redirect, render_template, request, url_for

from mscohort.web.jobs import Jobs
from mscohort.web.redcap_staging import check_api, fetch_into, stage_api, stage_export
from mscohort.web.workspace import Workspace


def _ws() -> Workspace:
    return current_app.extensions["mscohort"]["workspace"]


def _refused(problems: list[str], url: str = "") -> Any:
    for p in problems:
        flash(p, "error")
    flash("Nothing was stored.", "error")
    return render_template("load.html", limit=current_app.config["MAX_CONTENT_LENGTH"]
                           // (1024 * 1024), redcap_url=url), 400


def register(app: Flask) -> None:
    @app.post("/load/redcap")
    def redcap_upload() -> Any:
        staged, problems = stage_export(_ws(), request.files.get("redcap_export"),
                                        request.files.get("redcap_dictionary"),
                                        request.files.get("redcap_mapping"))
        if staged is None:
            return _refused(problems)
        return redirect(url_for("validation", upload_id=staged.id))

    @app.post("/load/redcap-api")
    def redcap_api() -> Any:
        config = current_app.extensions["mscohort"]["config"]
        url = request.form.get("redcap_url", "").strip()
        token = request.form.get("redcap_token", "").strip()  # never stored nor shown
        problems = check_api(url, token, config.redcap_allow_http)
        if problems:
            return _refused(problems, url)
        ws = _ws()
        staged, problems = stage_api(ws, request.files.get("redcap_mapping"))
        if staged is None:
            return _refused(problems, url)
        jobs: Jobs = current_app.extensions["mscohort"]["jobs"]
        allow = config.redcap_allow_http
        job, _ = jobs.start(("fetch", staged.id), "Fetching the REDCap project",
                            lambda: fetch_into(ws, staged, url, token, allow),
                            done_url=url_for("validation", upload_id=staged.id),
                            failed_url=url_for("load"))
        return redirect(url_for("job", job_id=job.id))

"""The Flask app of ``mscohort serve``: pages to load a study, see what is wrong with its data,
explore its cohort tables, patients, screening and safety, and download reports.

Security (this app holds patient data), from Flask and Flask-WTF where they have it:
only the configured host names are answered and POSTs must come from this app's own origin
(:mod:`mscohort.web.guard`, against DNS rebinding); CSRF tokens on every request that
changes data (``CSRFProtect``); a login with the access token when one is configured
(always, off the loopback address: :mod:`mscohort.web.config`), slowed down after wrong
tokens; session cookies HttpOnly and SameSite=Strict, whose sessions are also kept on the
server so that sign-out and ``session_minutes`` idle end them;
uploads size-limited (``MAX_CONTENT_LENGTH``) and type-checked; every page escaped by Jinja2
autoescaping; a strict Content-Security-Policy (no inline script, nothing from elsewhere);
the log has the method, the page's endpoint name and the status only, never a URL, a patient
identifier, a file name or a value.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import time
from math import ceil
from typing import Any

from flask import (
    Flask,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.wrappers import Response as WerkzeugResponse

from mscohort._version import __version__
from mscohort.errors import UsageError
from mscohort.web.config import WebConfig
from mscohort.web.guard import LoginThrottle, Sessions, refusal
from mscohort.web.jobs import Jobs, Pending
from mscohort.web.results import ResultCache
from mscohort.web.store_access import StoreBusy
from mscohort.web.version_cache import VersionSummaries
from mscohort.web.workspace import Workspace

log = logging.getLogger("mscohort.web")
OPEN_ENDPOINTS = {"login", "static", "report_asset"}
SWEEP_SECONDS = 600  #: how often stale uploads are looked for while the app is in use
REFRESH_SECONDS = 2  #: how often a job's progress page reloads itself
CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


class _App(Flask):
    def log_exception(self, exc_info: Any) -> None:  # no URL, no message: they may hold data
        log.error("unhandled %s in %s", exc_info[0].__name__ if exc_info[0] else "error",
                  request.endpoint)


def create_app(config: WebConfig) -> Flask:
    """The app for one workspace (see the module docstring)."""
    app = _App(__name__)
    app.config.update(
        SECRET_KEY=config.secret_key,
        MAX_CONTENT_LENGTH=config.max_upload_mb * 1024 * 1024,
        PERMANENT_SESSION_LIFETIME=dt.timedelta(minutes=config.session_minutes),
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Strict",
        SESSION_REFRESH_EACH_REQUEST=True, WTF_CSRF_TIME_LIMIT=None,
    )

    hosts = config.host_names
    sessions = Sessions(idle_seconds=config.session_minutes * 60)
    throttle = LoginThrottle()

    @app.before_request
    def _guard() -> Response | None:  # before CSRFProtect reads the form
        refused = refusal(request.method, request.host, request.headers.get("Origin"),
                          request.headers.get("Referer"), hosts)
        if refused is not None:
            return Response(refused[1], status=refused[0], mimetype="text/plain")
        if (request.content_length or 0) > app.config["MAX_CONTENT_LENGTH"]:
            raise RequestEntityTooLarge()  # by the header alone
        return None

    CSRFProtect(app)
    jobs = Jobs()
    app.extensions["mscohort"] = {"config": config,
                                  "workspace": (ws := Workspace(config.workspace)),
                                  "results": ResultCache(ws), "jobs": jobs,
                                  "versions": VersionSummaries()}
    swept = [0.0]

    def sweep() -> None:  # uploads neither imported nor discarded, upload_hours old
        swept[0] = time.monotonic()
        busy = {k[1] for k in jobs.busy() if isinstance(k, tuple) and k[0] in ("import",
                                                                                "check", "fetch")}
        ws.sweep(config.upload_hours * 3600, busy)

    sweep()

    @app.before_request
    def _sweep() -> None:
        if time.monotonic() - swept[0] > SWEEP_SECONDS:
            sweep()

    @app.before_request
    def _require_login() -> WerkzeugResponse | None:
        session.permanent = True
        if not config.login_required or request.endpoint in OPEN_ENDPOINTS:
            return None
        if not sessions.touch(session.get("sid")):  # signed out, idle or never signed in
            session.pop("sid", None)
            if request.method == "GET":
                return redirect(url_for("login"))
            return Response("Sign in first.", status=401, mimetype="text/plain")
        return None

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"  # "no-referrer" makes Origin null
        response.headers["Cache-Control"] = "no-store"
        log.info("%s %s %s", request.method, request.endpoint, response.status_code)
        return response

    @app.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        if not config.login_required:
            return redirect(url_for("home"))
        if request.method == "POST":
            client = request.remote_addr or ""
            wait = throttle.wait(client)
            if wait:
                flash(f"Too many wrong access tokens from this computer: try again in "
                      f"{ceil(wait)} seconds.", "error")
                return (render_template("login.html"), 429,
                        {"Retry-After": str(ceil(wait))})
            given = request.form.get("token", "")
            if hmac.compare_digest(given.encode(), (config.token or "").encode()):
                throttle.succeeded(client)
                sessions.close(session.get("sid"))
                session.clear()
                session["sid"] = sessions.open()
                session.permanent = True
                return redirect(url_for("home"))
            throttle.failed(client)
            flash("That access token is not right.", "error")
            return render_template("login.html"), 401
        return render_template("login.html")

    @app.post("/logout")
    def logout() -> Any:
        sessions.close(session.get("sid"))
        session.clear()
        return redirect(url_for("login") if config.login_required else url_for("home"))

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError) -> Any:
        return render_template("error.html", title="Request refused",
                               message="The form was missing its security token or it had "
                               "expired: reload the page and try again. Nothing was changed."
                               ), 400

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(exc: RequestEntityTooLarge) -> Any:
        return render_template("error.html", title="Upload too large",
                               message=f"The upload is larger than the limit of "
                               f"{config.max_upload_mb} MB. Nothing was stored."), 413

    @app.get("/jobs/<job_id>")
    def job(job_id: str) -> Any:
        j = jobs.get(job_id)
        if j is None:
            abort(404, "This piece of work is no longer known (the server restarted, or it "
                       "ended long ago).")
        if j.active:
            return render_template("job.html", job=j, refresh=REFRESH_SECONDS,
                                   again=request.args.get("again") == "1")
        if j.message:
            flash(j.message, "info" if j.state == "done" else "error")
        return redirect(j.done_url if j.state == "done" else j.failed_url)

    @app.errorhandler(Pending)
    def _pending(exc: Pending) -> Any:  # the page's data are being computed: show progress
        return redirect(url_for("job", job_id=exc.job.id))

    @app.errorhandler(StoreBusy)
    def _busy(exc: StoreBusy) -> Any:  # an import holds the store: say so, do not wait
        page = render_template("busy.html", refresh=REFRESH_SECONDS)
        return page, 503, {"Retry-After": str(REFRESH_SECONDS)}

    @app.errorhandler(UsageError)
    def _usage(exc: UsageError) -> Any:  # e.g. no study loaded yet, an unknown definition
        flash(str(exc), "error")
        return redirect(url_for("load"))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Any:
        return render_template("error.html", title=exc.name,
                               message=exc.description or ""), exc.code or 500

    @app.context_processor
    def _globals() -> dict[str, object]:
        return {"version": __version__, "login_required": config.login_required,
                "workspace": ws}

    from mscohort.web import views_clinic, views_cohort, views_load, views_patient, views_safety

    for module in (views_load, views_cohort, views_patient, views_safety, views_clinic):
        module.register(app)
    return app


def workspace_of(app: Flask) -> Workspace:
    return app.extensions["mscohort"]["workspace"]


def results_of(app: Flask) -> ResultCache:
    return app.extensions["mscohort"]["results"]

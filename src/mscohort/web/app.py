"""The Flask app of ``mscohort serve``: pages to load a study, see what is wrong with its data,
explore its cohort tables, patients, screening and safety, and download reports.

Security (this app holds patient data), from Flask and Flask-WTF rather than hand-made:
CSRF tokens on every request that changes data (``CSRFProtect``); a login with the access
token when one is configured (always, off the loopback address: :mod:`mscohort.web.config`);
session cookies HttpOnly and SameSite=Strict that expire after ``session_minutes`` idle;
uploads size-limited (``MAX_CONTENT_LENGTH``) and type-checked; every page escaped by Jinja2
autoescaping; a strict Content-Security-Policy (no inline script, nothing from elsewhere);
the log has the method, the page's endpoint name and the status only, never a URL, a patient
identifier, a file name or a value.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
from typing import Any

from flask import (
    Flask,
    Response,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from mscohort._version import __version__
from mscohort.errors import UsageError
from mscohort.web.config import WebConfig
from mscohort.web.results import ResultCache
from mscohort.web.workspace import Workspace

log = logging.getLogger("mscohort.web")
OPEN_ENDPOINTS = {"login", "static", "report_asset"}
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

    @app.before_request
    def _limit() -> None:  # before CSRFProtect reads the form: refuse by the header alone
        if (request.content_length or 0) > app.config["MAX_CONTENT_LENGTH"]:
            raise RequestEntityTooLarge()

    CSRFProtect(app)
    app.extensions["mscohort"] = {"config": config,
                                  "workspace": (ws := Workspace(config.workspace)),
                                  "results": ResultCache(ws)}

    @app.before_request
    def _require_login() -> Response | None:
        session.permanent = True
        if (config.login_required and not session.get("authenticated")
                and request.endpoint not in OPEN_ENDPOINTS):
            if request.method == "GET":
                return redirect(url_for("login"))
            return Response("Sign in first.", status=401, mimetype="text/plain")
        return None

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        log.info("%s %s %s", request.method, request.endpoint, response.status_code)
        return response

    @app.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        if not config.login_required:
            return redirect(url_for("home"))
        if request.method == "POST":
            given = request.form.get("token", "")
            if hmac.compare_digest(given.encode(), (config.token or "").encode()):
                session.clear()
                session["authenticated"] = True
                session.permanent = True
                return redirect(url_for("home"))
            flash("That access token is not right.", "error")
            return render_template("login.html"), 401
        return render_template("login.html")

    @app.post("/logout")
    def logout() -> Any:
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

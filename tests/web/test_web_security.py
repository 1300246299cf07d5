"""The web app keeps patient data private: loopback by default, a token off it, CSRF tokens,
expiring sessions, size- and type-checked uploads, escaped pages, no data in the log."""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mscohort.cli.main import app as cli
from mscohort.errors import UsageError
from mscohort.web import WebConfig, create_app
from mscohort.web.config import is_loopback
from tests.web.conftest import csrf

TOKEN = "correct-horse-battery-staple"


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.0.0.2", True), ("::1", True), ("localhost", True),
    ("0.0.0.0", False), ("192.168.1.20", False), ("::", False), ("example.org", False)])
def test_loopback_addresses(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_serving_off_loopback_without_a_token_refuses_to_start(tmp_path: Path,
                                                              monkeypatch) -> None:
    with pytest.raises(UsageError, match=r"refusing to serve patient data on 0\.0\.0\.0"):
        WebConfig(tmp_path, host="0.0.0.0")
    with pytest.raises(UsageError, match="at least 16 characters"):
        WebConfig(tmp_path, host="0.0.0.0", token="short")
    monkeypatch.delenv("MSCOHORT_WEB_TOKEN", raising=False)
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--workspace",
                                      str(tmp_path / "ws")])
    assert result.exit_code == 2 and "MSCOHORT_WEB_TOKEN" in result.output
    assert not (tmp_path / "ws").exists()  # nothing was set up


def test_off_loopback_every_page_needs_the_token(tmp_path: Path) -> None:
    app = create_app(WebConfig(tmp_path, host="0.0.0.0", token=TOKEN))
    c = app.test_client()
    for page in ("/", "/load", "/cohort", "/patients", "/patients/P01", "/safety",
                 "/cohort/report.html", "/cohort/table.csv"):
        r = c.get(page)
        assert r.status_code == 302 and r.location.endswith("/login"), page
    token = csrf(c, "/login")
    r = c.post("/load/example", data={"csrf_token": token})
    assert r.status_code == 401
    assert not any((tmp_path / "uploads").iterdir())
    r = c.post("/login", data={"csrf_token": token, "token": "wrong-token-wrong-token"})
    assert r.status_code == 401 and "not right" in r.get_data(as_text=True)
    assert c.get("/").status_code == 302
    r = c.post("/login", data={"csrf_token": token, "token": TOKEN})
    assert r.status_code == 302 and c.get("/").status_code == 200
    c.post("/logout", data={"csrf_token": csrf(c, "/")})
    assert c.get("/").status_code == 302


def test_sessions_expire_and_cookies_are_not_readable_by_scripts(tmp_path: Path) -> None:
    app = create_app(WebConfig(tmp_path, token=TOKEN, session_minutes=5))
    c = app.test_client()
    r = c.post("/login", data={"csrf_token": csrf(c, "/login"), "token": TOKEN})
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    expires = re.search(r"Expires=([^;]+)", cookie).group(1)  # type: ignore[union-attr]
    left = parsedate_to_datetime(expires) - dt.datetime.now(dt.UTC)
    assert dt.timedelta(minutes=4) < left <= dt.timedelta(minutes=5)


def test_requests_that_change_data_need_a_csrf_token(client, app) -> None:
    r = client.post("/load/example")
    assert r.status_code == 400 and "security token" in r.get_data(as_text=True)
    r = client.post("/load", data={"files": (io.BytesIO(b"patient_id\nP1\n"), "patients.csv")},
                    content_type="multipart/form-data")
    assert r.status_code == 400
    ws = app.extensions["mscohort"]["workspace"]
    assert not any((ws.root / "uploads").iterdir()) and not ws.db.exists()


def test_too_large_an_upload_is_refused_and_nothing_stored(tmp_path: Path) -> None:
    app = create_app(WebConfig(tmp_path, max_upload_mb=1))
    c = app.test_client()
    from werkzeug.test import EnvironBuilder

    big = io.BytesIO(b"patient_id,sex\n" + b"P1,F\n" * 300_000)
    builder = EnvironBuilder(path="/load", method="POST", data={
        "csrf_token": csrf(c), "files": (big, "patients.csv")})
    environ = builder.get_environ()
    try:  # the test client spools a large body to a file: close it ourselves
        r = c.open(environ)
    finally:
        environ["wsgi.input"].close()
        builder.close()
    assert r.status_code == 413 and "limit of 1 MB" in r.get_data(as_text=True)
    assert not any((tmp_path / "uploads").iterdir()) and not (tmp_path / "study.duckdb").exists()


@pytest.mark.parametrize(("name", "content", "message"), [
    ("patients.exe", b"MZ...", "unsupported type .exe"),
    ("patients.xlsx", b"patient_id,sex\n", "is not an Excel workbook"),
    ("patients.parquet", b"not parquet", "is not a Parquet file"),
    ("patients.csv", b"patient_id\x00sex\n", "is not a text file"),
    # UTF-16 is read as on the command line (tests/web/test_web_reimport_leftovers.py);
    # binary bytes that are not UTF-16 either are refused
    ("patients.csv", b"PK\x03\x04\x00\x00binary!", "is not a text file"),
])
def test_bad_uploads_get_a_clear_message_and_store_nothing(client, app, name, content,
                                                           message) -> None:
    r = client.post("/load", data={"csrf_token": csrf(client),
                                   "files": (io.BytesIO(content), name)},
                    content_type="multipart/form-data")
    text = r.get_data(as_text=True)
    assert r.status_code == 400 and message in text and "Nothing was stored." in text
    ws = app.extensions["mscohort"]["workspace"]
    assert not any((ws.root / "uploads").iterdir()) and not ws.db.exists()


def test_pages_escape_what_users_wrote(client) -> None:
    evil = "<script>alert(1)</script>"
    patients = f"patient_id,sex,birth_date,onset_date\n{evil},{evil},1980-01-01,2005-01-01\n"
    r = client.post("/load", data={"csrf_token": csrf(client),
                                   "files": (io.BytesIO(patients.encode()), "patients.csv")},
                    content_type="multipart/form-data")
    page = client.get(r.location).get_data(as_text=True)  # the validation page
    assert evil not in page and "&lt;script&gt;" in page


def test_security_headers_on_every_page(client) -> None:
    r = client.get("/load")
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_the_log_has_no_patient_data(client, caplog) -> None:
    caplog.set_level(logging.INFO, logger="mscohort.web")
    client.post("/load/example", data={"csrf_token": csrf(client)})
    page = client.get("/load").get_data(as_text=True)
    assert page
    upload = client.post("/load/example", data={"csrf_token": csrf(client)}).location
    text = client.get(upload).get_data(as_text=True)
    action = re.search(r'action="(/load/[^"]+/import)"', text).group(1)  # type: ignore[union-attr]
    client.post(action, data={"csrf_token": csrf(client), "by": "A. Coordinator"})
    client.get("/patients/TRMS07")
    client.get("/patients/NOT-A-PATIENT")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "GET patient 200" in logged and "GET patient 404" in logged
    for secret in ("TRMS", "NOT-A-PATIENT", ".csv", upload.rsplit("/", 1)[1]):
        assert secret not in logged, secret


def test_serve_passes_the_address_to_waitress_and_asks_for_the_token_off_loopback(
        tmp_path: Path, monkeypatch) -> None:
    import waitress

    calls: list[tuple[object, str, int]] = []
    monkeypatch.setattr(waitress, "serve",
                        lambda app, host, port, **kw: calls.append((app, host, port)))
    monkeypatch.setenv("MSCOHORT_WEB_TOKEN", TOKEN)
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--port", "9999",
                                      "--workspace", str(tmp_path / "ws")])
    assert result.exit_code == 0, result.output
    assert "sign in with the access token" in result.output and TOKEN not in result.output
    app, host, port = calls[0]
    assert (host, port) == ("0.0.0.0", 9999)
    assert app.test_client().get("/cohort").status_code == 302  # to the login page

"""The web app on a temporary workspace: a Flask test client, and a real server (waitress on
a free loopback port, in a thread) for the browser tests."""

from __future__ import annotations

import http.client
import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from mscohort.web import WebConfig, create_app
from mscohort.web.workspace import SEED


def csrf(client: FlaskClient, page: str = "/load") -> str:
    """The CSRF token of a form on ``page``."""
    text = client.get(page).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)  # type: ignore[union-attr]


JOB_PAGE = re.compile(r"^/jobs/([A-Za-z0-9_-]+)$")


class JobFollowingClient(FlaskClient):
    """Flask's test client that, like a browser on a job's progress page (which reloads
    itself until the job is done), waits for the job a page started and goes on: to the
    page that asked for it (a GET), or answers with where the job sends the user (a POST)."""

    def open(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        r = super().open(*args, **kwargs)
        asked = r.request
        while r.status_code == 302 and (m := JOB_PAGE.match(urlsplit(r.location).path)):
            jobs = self.application.extensions["mscohort"]["jobs"]
            assert jobs.wait(m.group(1), timeout=300), "the job did not end"
            r = super().open(r.location)
            back = urlsplit(r.location) if r.status_code == 302 else None
            if (asked.method == "GET" and back is not None
                    and back.path == asked.path
                    and parse_qs(back.query) == parse_qs(asked.query_string.decode())):
                r = super().open(r.location)
        return r


def shutdown_jobs(app: Flask) -> None:
    app.extensions["mscohort"]["jobs"].shutdown()


@pytest.fixture()
def app(tmp_path: Path) -> Iterator[Flask]:
    app = create_app(WebConfig(tmp_path / "workspace"))
    app.test_client_class = JobFollowingClient
    yield app
    shutdown_jobs(app)


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(config: WebConfig) -> Iterator[str]:
    """The base URL of the app for ``config`` served by waitress on 127.0.0.1, with the
    server settings of ``mscohort serve`` (``WebConfig.server_options``)."""
    import waitress

    app = create_app(config)
    server = waitress.create_server(app, host="127.0.0.1", port=config.port,
                                    **config.server_options)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{config.port}"
    finally:
        from waitress import wasyncore

        server.task_dispatcher.shutdown(timeout=30)  # let the last answers finish first
        # close the server and its connections in the server's own thread (closing them from
        # here races its select()); with nothing left to watch, its loop ends
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map, ignore_all=True))
        thread.join(timeout=30)
        assert not thread.is_alive(), "the server did not stop"
        shutdown_jobs(app)


@pytest.fixture()
def live_server(tmp_path: Path) -> Iterator[str]:
    """The base URL of the app served by waitress on 127.0.0.1."""
    with serving(WebConfig(tmp_path / "workspace", port=free_port())) as url:
        yield url


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    text: str

    @property
    def location(self) -> str:
        return urlsplit(self.headers.get("location", "")).path


@dataclass
class Http:
    """A plain HTTP client of the real server that sends any header (``Host``, ``Origin``)
    and keeps the session cookie by hand, so a test can copy it."""

    base: str
    cookie: str | None = None
    sent: list[str] = field(default_factory=list)

    def request(self, method: str, path: str, form: dict[str, str] | None = None,
                headers: dict[str, str] | None = None, body: bytes | None = None) -> Reply:
        url = urlsplit(self.base)
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        head = dict(headers or {})
        if self.cookie and "Cookie" not in head:
            head["Cookie"] = self.cookie
        if form is not None:
            body = urlencode(form).encode()
            head["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=head)
            r = conn.getresponse()
            reply = Reply(r.status, {k.lower(): v for k, v in r.getheaders()},
                          r.read().decode("utf-8", "replace"))
        finally:
            conn.close()
        if "set-cookie" in reply.headers:
            self.cookie = reply.headers["set-cookie"].split(";", 1)[0]
        return reply

    def get(self, path: str, **headers: str) -> Reply:
        return self.request("GET", path, headers=headers)

    def post(self, path: str, form: dict[str, str], **headers: str) -> Reply:
        return self.request("POST", path, form, headers)

    def upload(self, path: str, files: list[tuple[str, str, bytes]], **headers: str) -> Reply:
        """POST a multipart form (field, file name, content) with the page's CSRF token."""
        boundary = "mscohort-test-boundary"
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
                 f'{self.csrf()}\r\n'.encode()]
        for name, filename, content in files:
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                         f'filename="{filename}"\r\nContent-Type: application/octet-stream'
                         f'\r\n\r\n'.encode() + content + b"\r\n")
        parts.append(f"--{boundary}--\r\n".encode())
        headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        return self.request("POST", path, headers=headers, body=b"".join(parts))

    def csrf(self, page: str = "/load") -> str:
        text = self.get(page).text
        return re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)  # type: ignore[union-attr]


def settle(c: Http, reply: Reply, seconds: float = 300) -> Reply:
    """Like a browser: follow redirects, and on a job's progress page reload it until it
    sends the user on. The page where this ends."""
    import time

    deadline = time.monotonic() + seconds
    while reply.status == 302:
        target = urlsplit(reply.headers["location"])
        reply = c.get(target.path + (f"?{target.query}" if target.query else ""))
        while reply.status == 200 and 'http-equiv="refresh"' in reply.text:
            assert time.monotonic() < deadline, "the job did not end"
            time.sleep(0.2)
            reply = c.get(target.path)
    return reply


def import_seed_in_browser(page: object, base_url: str) -> None:
    """Upload the bundled example's files on the load page, check, import, and wait for the
    cohort page (the first analysis is a background job), as a coordinator would."""
    seed_files = [str(p) for p in sorted(SEED.glob("*.csv")) if p.name != "residuals.csv"]
    page.goto(base_url + "/load")  # type: ignore[attr-defined]
    page.set_input_files("#files", seed_files)  # type: ignore[attr-defined]
    page.click("#check")  # type: ignore[attr-defined]
    page.fill("#by", "A. Coordinator")  # type: ignore[attr-defined]
    page.click("#import")  # type: ignore[attr-defined]
    page.wait_for_selector("body[data-ready='1']", timeout=90_000)  # type: ignore[attr-defined]


def seed_workspace(tmp_path: Path) -> Path:
    """A web workspace (``tmp_path / "ws"``) whose store holds the seed's patients, EDSS,
    relapses and treatments (import 1)."""
    from mscohort.store import import_folder
    from mscohort.web.workspace import SEED

    ws = tmp_path / "ws"
    ws.mkdir()
    study = tmp_path / "study"
    study.mkdir()
    for name in ("patients.csv", "edss.csv", "relapses.csv", "treatments.csv"):
        (study / name).write_bytes((SEED / name).read_bytes())
    import_folder(study, ws / "study.duckdb")
    return ws

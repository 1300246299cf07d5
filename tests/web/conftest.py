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
from urllib.parse import urlencode, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from mscohort.web import WebConfig, create_app


def csrf(client: FlaskClient, page: str = "/load") -> str:
    """The CSRF token of a form on ``page``."""
    text = client.get(page).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)  # type: ignore[union-attr]


@pytest.fixture()
def app(tmp_path: Path) -> Flask:
    return create_app(WebConfig(tmp_path / "workspace"))


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
        wasyncore.close_all(server._map, ignore_all=True)  # the server and open connections
        thread.join(timeout=10)


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
                headers: dict[str, str] | None = None) -> Reply:
        url = urlsplit(self.base)
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        head = dict(headers or {})
        if self.cookie and "Cookie" not in head:
            head["Cookie"] = self.cookie
        body = None
        if form is not None:
            body = urlencode(form)
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

    def csrf(self, page: str = "/load") -> str:
        text = self.get(page).text
        return re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)  # type: ignore[union-attr]

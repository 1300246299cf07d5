"""The web app on a temporary workspace: a Flask test client, and a real server (waitress on
a free loopback port, in a thread) for the browser tests."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

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


@pytest.fixture()
def live_server(tmp_path: Path) -> Iterator[str]:
    """The base URL of the app served by waitress on 127.0.0.1."""
    import waitress

    port = free_port()
    app = create_app(WebConfig(tmp_path / "workspace", port=port))
    server = waitress.create_server(app, host="127.0.0.1", port=port, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
        thread.join(timeout=10)

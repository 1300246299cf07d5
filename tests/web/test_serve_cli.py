"""``mscohort serve --redcap-allow-http`` through the command line: the real command starts
the real server (waitress, in its own process), which then fetches a REDCap project over
plain http from a REDCap stand-in on this machine; without the option it refuses the
address before any request."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.interop.conftest import DATA
from tests.interop.redcap_server import TOKEN, redcap_server
from tests.web.conftest import Http, free_port, settle

REDCAP = DATA / "redcap"


@contextmanager
def served(workspace: Path, *options: str) -> Iterator[str]:
    """The base URL of ``mscohort serve`` started as its own process with ``options``."""
    port = free_port()
    log = workspace.parent / f"serve-{port}.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", "from mscohort.cli.main import main; main()", "serve",
             "--workspace", str(workspace), "--port", str(port), *options],
            stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "mscohort serve did not start"
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_serve_with_redcap_allow_http_fetches_a_project_over_plain_http(
        tmp_path: Path) -> None:
    with redcap_server(REDCAP / "export_raw.csv", REDCAP / "dictionary.csv") as (url, seen), \
            served(tmp_path / "ws", "--redcap-allow-http") as base:
        assert url.startswith("http://")
        c = Http(base)
        r = c.post("/load/redcap-api", {"csrf_token": c.csrf(), "redcap_url": url,
                                        "redcap_token": TOKEN})
        assert r.status == 302
        page = settle(c, r)
        assert page.status == 200 and "the files can be imported" in page.text
        assert {s["content"] for s in seen} == {"record", "metadata"}
        assert TOKEN not in page.text


def test_serve_without_the_option_refuses_plain_http_before_any_request(
        tmp_path: Path) -> None:
    with redcap_server(REDCAP / "export_raw.csv", REDCAP / "dictionary.csv") as (url, seen), \
            served(tmp_path / "ws") as base:
        c = Http(base)
        r = c.post("/load/redcap-api", {"csrf_token": c.csrf(), "redcap_url": url,
                                        "redcap_token": TOKEN})
        assert r.status == 400 and "must be an address starting with https://" in r.text
        assert "--redcap-allow-http" in r.text and seen == []

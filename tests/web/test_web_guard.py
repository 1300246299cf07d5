"""Issue #16, web items 1, 3, 5 and 8, each from its reproduction, through the real waitress
server on 127.0.0.1: DNS rebinding (Host allow-list, same-origin POSTs), revocable sessions
and the wrong-token throttle, oversized bodies refused before they are read, and the token
kept out of the settings' repr."""

from __future__ import annotations

import select
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from mscohort.errors import UsageError
from mscohort.store import import_folder
from mscohort.web import WebConfig
from mscohort.web.guard import LoginThrottle, Sessions
from mscohort.web.workspace import SEED
from tests.web.conftest import Http, free_port, serving, settle

TOKEN = "correct-horse-battery-staple"


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[str]:
    with serving(WebConfig(tmp_path / "ws", port=free_port(), max_upload_mb=1)) as url:
        yield url


@pytest.fixture()
def signed_server(tmp_path: Path) -> Iterator[str]:
    with serving(WebConfig(tmp_path / "ws", port=free_port(), token=TOKEN)) as url:
        yield url


def uploads(tmp_path: Path) -> list[Path]:
    return list((tmp_path / "ws" / "uploads").iterdir())


# -- item 1: DNS rebinding ----------------------------------------------------------------
def test_a_request_naming_another_host_is_refused(server: str, tmp_path: Path) -> None:
    seed = tmp_path / "seed"
    seed.mkdir()
    for p in SEED.glob("*.csv"):
        if p.name != "residuals.csv":
            (seed / p.name).write_bytes(p.read_bytes())
    import_folder(seed, tmp_path / "ws" / "study.duckdb")
    c = Http(server)
    r = c.get("/cohort/table.csv?split=outcomes", Host="evil.example")
    assert r.status == 400 and "answers only to" in r.text and "TRMS" not in r.text
    # the same request naming this server gets the outcomes (after the analysis job)
    assert "TRMS01" in settle(c, c.get("/cohort/table.csv?split=outcomes")).text
    r = c.get("/cohort/table.csv?split=outcomes", Host="evil.example:" + str(
        urlsplit(server).port))
    assert r.status == 400
    assert c.get("/load", Host="127.0.0.1.evil.example").status == 400


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "LOCALHOST", "[::1]"])
def test_the_loopback_names_are_answered(server: str, host: str) -> None:
    port = urlsplit(server).port
    assert Http(server).get("/load", Host=f"{host}:{port}").status == 200


def test_the_host_served_on_and_the_allowed_hosts_are_answered(tmp_path: Path) -> None:
    config = WebConfig(tmp_path / "ws", host="0.0.0.0", port=free_port(), token=TOKEN,
                       allowed_hosts=("clinic-pc.local",))
    assert config.host_names == {"127.0.0.1", "localhost", "[::1]", "clinic-pc.local"}
    assert "192.168.1.20" in WebConfig(tmp_path, host="192.168.1.20", token=TOKEN).host_names
    with serving(config) as url:
        c = Http(url)
        assert c.get("/login", Host="clinic-pc.local:8765").status == 200
        assert c.get("/login", Host="evil.example").status == 400
    with pytest.raises(UsageError, match="`allowed_hosts` must be host names"):
        WebConfig(tmp_path, allowed_hosts=("evil example/",))


def test_a_cross_origin_post_is_refused_even_with_a_valid_csrf_token(server: str,
                                                                      tmp_path: Path) -> None:
    c = Http(server)
    token = c.csrf()
    r = c.post("/load/example", {"csrf_token": token}, Origin="http://evil.example")
    assert r.status == 403 and "another web site" in r.text
    r = c.post("/load/example", {"csrf_token": token}, Origin="null")
    assert r.status == 403
    r = c.post("/load/example", {"csrf_token": token}, Referer="http://evil.example/page")
    assert r.status == 403
    # the rebinding attack of the report: Host and Origin both evil.example
    r = c.post("/load/example", {"csrf_token": token}, Host="evil.example",
               Origin="http://evil.example")
    assert r.status == 400
    assert uploads(tmp_path) == []
    # the same request from the app's own page goes through
    r = c.post("/load/example", {"csrf_token": token}, Origin=server)
    assert r.status == 302 and r.location.startswith("/load/")
    assert len(uploads(tmp_path)) == 1


# -- item 3: sessions and the wrong-token throttle ----------------------------------------
def test_sign_out_ends_the_session_for_a_copied_cookie_too(signed_server: str) -> None:
    c = Http(signed_server)
    r = c.post("/login", {"csrf_token": c.csrf("/login"), "token": TOKEN})
    assert r.status == 302 and c.get("/").status == 200
    copied = c.cookie
    assert c.post("/logout", {"csrf_token": c.csrf("/")}).status == 302
    thief = Http(signed_server, cookie=copied)
    r = thief.get("/cohort/table.csv?split=outcomes")
    assert r.status == 302 and r.location == "/login"
    assert thief.get("/").status == 302


def test_an_idle_session_ends_on_the_server() -> None:
    now = [1000.0]
    sessions = Sessions(idle_seconds=60, clock=lambda: now[0])
    sid = sessions.open()
    now[0] += 59
    assert sessions.touch(sid)  # used within the minute: still valid, idle time restarts
    now[0] += 59
    assert sessions.touch(sid)
    now[0] += 61
    assert not sessions.touch(sid)
    now[0] += 1
    assert not sessions.touch(sid)  # gone for good
    assert not sessions.touch("made-up") and not sessions.touch(None)
    other = sessions.open()
    sessions.close(other)
    assert not sessions.touch(other)


def test_wrong_tokens_lock_the_address_out_even_for_the_right_token(
        signed_server: str) -> None:
    c = Http(signed_server)
    for _ in range(5):
        r = c.post("/login", {"csrf_token": c.csrf("/login"), "token": "wrong-token-wrong"})
        assert r.status == 401 and "not right" in r.text
    r = c.post("/login", {"csrf_token": c.csrf("/login"), "token": TOKEN})
    assert r.status == 429 and "Too many wrong access tokens" in r.text
    assert 0 < int(r.headers["retry-after"]) <= 30
    assert c.get("/").status == 302  # not signed in


def test_the_wait_after_wrong_tokens_doubles_and_a_right_token_clears_it() -> None:
    now = [0.0]
    t = LoginThrottle(free_tries=3, first_wait_seconds=10, max_wait_seconds=35,
                      clock=lambda: now[0])
    for _ in range(2):
        t.failed("10.0.0.1")
        assert t.wait("10.0.0.1") == 0
    t.failed("10.0.0.1")  # third wrong token: wait 10 s
    assert t.wait("10.0.0.1") == 10 and t.wait("10.0.0.2") == 0
    now[0] += 10
    assert t.wait("10.0.0.1") == 0
    t.failed("10.0.0.1")  # 10 * 2
    assert t.wait("10.0.0.1") == 20
    now[0] += 20
    t.failed("10.0.0.1")  # 10 * 4 = 40, capped at 35
    assert t.wait("10.0.0.1") == 35
    now[0] += 35
    t.succeeded("10.0.0.1")
    t.failed("10.0.0.1")
    assert t.wait("10.0.0.1") == 0


# -- item 5: oversized bodies ---------------------------------------------------------------
def _send_head(url: str, head: str) -> socket.socket:
    u = urlsplit(url)
    s = socket.create_connection((u.hostname, u.port), timeout=30)
    s.sendall(head.encode())
    return s


def _reply(s: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def test_a_body_announced_too_large_is_refused_before_it_is_sent(server: str,
                                                                 tmp_path: Path) -> None:
    port = urlsplit(server).port
    s = _send_head(server, f"POST /load HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                           f"Content-Type: multipart/form-data; boundary=x\r\n"
                           f"Content-Length: {200 * 1024 * 1024}\r\n\r\n")
    try:  # not one byte of the 200 MB body was sent: the answer comes from the header
        reply = _reply(s)
    finally:
        s.close()
    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]
    assert uploads(tmp_path) == []


def test_a_chunked_body_is_refused_once_it_streams_past_the_limit(server: str,
                                                                  tmp_path: Path) -> None:
    port = urlsplit(server).port
    s = _send_head(server, f"POST /load HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                           f"Content-Type: multipart/form-data; boundary=x\r\n"
                           f"Transfer-Encoding: chunked\r\n\r\n")
    chunk = b"x" * 65536
    sent = 0
    try:
        while sent < 20 * 1024 * 1024:  # at most 20 MB against a 1 MB limit
            if select.select([s], [], [], 0)[0]:  # the server answered: stop sending
                break
            try:
                s.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
        reply = _reply(s)
    finally:
        s.close()
    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]
    assert sent < 20 * 1024 * 1024  # refused while streaming, not after the whole body
    assert uploads(tmp_path) == []


# -- item 8: the token never shows ----------------------------------------------------------
def test_the_settings_repr_does_not_show_the_token(tmp_path: Path) -> None:
    config = WebConfig(tmp_path, host="0.0.0.0", token=TOKEN)
    for text in (repr(config), str(config), f"{config}", f"{config!r}"):
        assert TOKEN not in text and config.secret_key not in text
        assert "token=<redacted>" in text and "host='0.0.0.0'" in text
    assert "token=None" in repr(WebConfig(tmp_path))

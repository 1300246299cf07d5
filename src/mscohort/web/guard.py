"""Who may talk to the web app, beyond Flask's and Flask-WTF's own protections.

* :func:`refusal` answers a request whose ``Host`` header names another server (DNS
  rebinding: a page elsewhere rebinds its own name to 127.0.0.1 and would then read every
  page) and a POST from another origin (``Origin``, else ``Referer``), before the CSRF check.
* :class:`Sessions` keeps signed-in sessions on the server, so that signing out or idling
  ends a session even for a copy of its cookie.
* :class:`LoginThrottle` slows down guessing the access token: after ``FREE_TRIES`` wrong
  tokens from one client address, that address must wait, twice as long after each further
  wrong token (OWASP Authentication Cheat Sheet, "Login throttling").
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from urllib.parse import urlsplit

from mscohort.web.config import host_name

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def refusal(method: str, host: str, origin: str | None, referer: str | None,
            allowed: frozenset[str]) -> tuple[int, str] | None:
    """Why a request is refused (HTTP status and message), or None when it may go on.

    A browser sends ``Origin`` with every POST (``null`` from an opaque origin, or under
    ``Referrer-Policy: no-referrer``: our pages send ``same-origin``, so a page of this app
    gives its own origin and nothing of its URL leaves for elsewhere). A request with neither
    header (a script on this computer) still needs the CSRF token.
    """
    if host_name(host) not in allowed:
        return 400, ("This app answers only to the names it is served on: "
                     f"{', '.join(sorted(allowed))}. Nothing was read or changed.")
    if method in UNSAFE_METHODS:
        source = origin if origin is not None else referer
        if source is not None and urlsplit(source).netloc.lower() != host.strip().lower():
            return 403, ("This request came from another web site (its Origin or Referer is "
                         "not this app). Nothing was changed.")
    return None


class Sessions:
    """Signed-in session ids, each with the time of its last request.

    A session is valid while its id is listed and it was used within ``idle_seconds``;
    :meth:`close` (sign-out) removes it. At most ``limit`` sessions are kept (the least
    recently used goes first). ``clock`` is :func:`time.monotonic` but for tests.
    """

    def __init__(self, idle_seconds: float, clock: Callable[[], float] = time.monotonic,
                 limit: int = 1000) -> None:
        self.idle_seconds = idle_seconds
        self.clock = clock
        self.limit = limit
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def open(self) -> str:
        sid = secrets.token_urlsafe(32)
        with self._lock:
            self._seen[sid] = self.clock()
            while len(self._seen) > self.limit:
                self._seen.popitem(last=False)
        return sid

    def touch(self, sid: object) -> bool:
        """True, and the session's idle time restarts, when ``sid`` is a valid session."""
        if not isinstance(sid, str):
            return False
        now = self.clock()
        with self._lock:
            seen = self._seen.get(sid)
            if seen is None:
                return False
            if now - seen > self.idle_seconds:
                del self._seen[sid]
                return False
            self._seen[sid] = now
            self._seen.move_to_end(sid)
            return True

    def close(self, sid: object) -> None:
        with self._lock:
            if isinstance(sid, str):
                self._seen.pop(sid, None)


class LoginThrottle:
    """Wrong access tokens per client address, and how long that address must wait.

    After ``free_tries`` wrong tokens in a row the address waits ``first_wait_seconds``; each
    further wrong token doubles the wait, up to ``max_wait_seconds``. A right token clears the
    count. While an address waits, its sign-ins are refused without looking at the token.
    """

    def __init__(self, free_tries: int = 5, first_wait_seconds: float = 30.0,
                 max_wait_seconds: float = 900.0,
                 clock: Callable[[], float] = time.monotonic, limit: int = 10_000) -> None:
        self.free_tries = free_tries
        self.first_wait_seconds = first_wait_seconds
        self.max_wait_seconds = max_wait_seconds
        self.clock = clock
        self.limit = limit
        self._failures: OrderedDict[str, tuple[int, float]] = OrderedDict()  # n, until
        self._lock = threading.Lock()

    def wait(self, client: str) -> float:
        """Seconds ``client`` must still wait before its next sign-in (0: none)."""
        with self._lock:
            _, until = self._failures.get(client, (0, 0.0))
        return max(0.0, until - self.clock())

    def failed(self, client: str) -> None:
        now = self.clock()
        with self._lock:
            n = self._failures.pop(client, (0, 0.0))[0] + 1
            until = now
            if n >= self.free_tries:
                until = now + min(self.first_wait_seconds * 2 ** (n - self.free_tries),
                                  self.max_wait_seconds)
            self._failures[client] = (n, until)
            while len(self._failures) > self.limit:
                self._failures.popitem(last=False)

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)

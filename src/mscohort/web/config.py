"""Settings of the local web app and the rule that keeps it private.

* Bound to 127.0.0.1 by default. Serving on any other address needs an access token
  (``MSCOHORT_WEB_TOKEN``, at least 16 characters); without one the app refuses to start.
* With a token, every page asks for it first; a session lasts ``session_minutes`` of
  inactivity, and ends when the server restarts (a new secret key each start).
* Only requests naming this server in their ``Host`` header are answered: 127.0.0.1,
  localhost, [::1], the ``host`` served on and any ``allowed_hosts`` (DNS rebinding).
* Uploads are limited to ``max_upload_mb`` per request; staged uploads neither imported nor
  discarded are removed after ``upload_hours``.
* The token never shows in the settings' ``repr`` (it is redacted).
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mscohort.errors import UsageError, bad_usage

TOKEN_ENV = "MSCOHORT_WEB_TOKEN"
MIN_TOKEN_LENGTH = 16


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
WILDCARD_HOSTS = {"0.0.0.0", "::", ""}
HOST_NAME = re.compile(r"[a-z0-9.-]+|\[[0-9a-f:.]+\]")


def host_name(host: str) -> str:
    """The name of a ``Host`` header or an address, as compared: lower case, without the
    port, IPv6 addresses in brackets (``[::1]:8765`` -> ``[::1]``, ``::1`` -> ``[::1]``)."""
    host = host.strip().lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    if host.count(":") > 1:  # a bare IPv6 address
        return f"[{host}]"
    return host.partition(":")[0]


@dataclass(frozen=True, repr=False)
class WebConfig:
    """Where the app keeps its study and how it is protected (module docstring)."""

    workspace: Path
    host: str = "127.0.0.1"
    port: int = 8765
    token: str | None = None
    session_minutes: int = 30
    max_upload_mb: int = 100
    upload_hours: int = 24
    allowed_hosts: tuple[str, ...] = ()
    redcap_allow_http: bool = False  #: the REDCap API over plain http (a server on this host)
    secret_key: str = field(default_factory=lambda: secrets.token_hex(32), repr=False)

    def __repr__(self) -> str:  # the token and the secret key never show
        return (f"WebConfig(workspace={str(self.workspace)!r}, host={self.host!r}, "
                f"port={self.port}, token={'<redacted>' if self.token else None}, "
                f"session_minutes={self.session_minutes}, max_upload_mb={self.max_upload_mb}, "
                f"upload_hours={self.upload_hours}, allowed_hosts={self.allowed_hosts!r}, "
                f"redcap_allow_http={self.redcap_allow_http})")

    __str__ = __repr__

    def __post_init__(self) -> None:
        if self.token is not None and len(self.token) < MIN_TOKEN_LENGTH:
            raise bad_usage(TOKEN_ENV, f"an access token of at least {MIN_TOKEN_LENGTH} "
                            "characters", None, shown=f"{len(self.token)} characters")
        bad = [h for h in self.allowed_hosts if not HOST_NAME.fullmatch(host_name(h))]
        if bad:
            raise bad_usage("allowed_hosts", "host names or addresses", bad[0])
        if not is_loopback(self.host) and not self.token:
            raise UsageError(
                f"refusing to serve patient data on {self.host} without an access token: set "
                f"{TOKEN_ENV} (at least {MIN_TOKEN_LENGTH} characters), or serve on "
                "127.0.0.1.")

    @property
    def login_required(self) -> bool:
        return self.token is not None

    @property
    def server_options(self) -> dict[str, object]:
        """The waitress settings: a body longer than the upload limit is refused (413) from its
        Content-Length before any of it is read, and a chunked one as soon as it streams past
        the limit (waitress ``max_request_body_size`` refuses lengths >= its value)."""
        return {"threads": 4, "ident": "mscohort",
                "max_request_body_size": self.max_upload_mb * 1024 * 1024 + 1}

    @property
    def host_names(self) -> frozenset[str]:
        """The names a request's ``Host`` header may give (anything else is refused)."""
        names = set(LOOPBACK_NAMES) | {host_name(h) for h in self.allowed_hosts}
        if self.host not in WILDCARD_HOSTS:
            names.add(host_name(self.host))
        return frozenset(names)

    @classmethod
    def from_environment(cls, workspace: Path, host: str, port: int, **kw: Any
                         ) -> WebConfig:
        """The settings with the token read from ``MSCOHORT_WEB_TOKEN`` (never an argument,
        so it does not show in the process list or the shell history)."""
        return cls(Path(workspace), host, port, os.environ.get(TOKEN_ENV) or None,
                   **kw)

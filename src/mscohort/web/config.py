"""Settings of the local web app and the rule that keeps it private.

* Bound to 127.0.0.1 by default. Serving on any other address needs an access token
  (``MSCOHORT_WEB_TOKEN``, at least 16 characters); without one the app refuses to start.
* With a token, every page asks for it first; a session lasts ``session_minutes`` of
  inactivity, and ends when the server restarts (a new secret key each start).
* Uploads are limited to ``max_upload_mb`` per request.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from mscohort.errors import UsageError

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


@dataclass(frozen=True)
class WebConfig:
    """Where the app keeps its study and how it is protected (module docstring)."""

    workspace: Path
    host: str = "127.0.0.1"
    port: int = 8765
    token: str | None = None
    session_minutes: int = 30
    max_upload_mb: int = 100
    secret_key: str = field(default_factory=lambda: secrets.token_hex(32), repr=False)

    def __post_init__(self) -> None:
        if self.token is not None and len(self.token) < MIN_TOKEN_LENGTH:
            raise UsageError(f"the access token ({TOKEN_ENV}) must have at least "
                             f"{MIN_TOKEN_LENGTH} characters.")
        if not is_loopback(self.host) and not self.token:
            raise UsageError(
                f"refusing to serve patient data on {self.host} without an access token: set "
                f"{TOKEN_ENV} (at least {MIN_TOKEN_LENGTH} characters), or serve on "
                "127.0.0.1.")

    @property
    def login_required(self) -> bool:
        return self.token is not None

    @classmethod
    def from_environment(cls, workspace: Path, host: str, port: int, **kw: object
                         ) -> WebConfig:
        """The settings with the token read from ``MSCOHORT_WEB_TOKEN`` (never an argument,
        so it does not show in the process list or the shell history)."""
        return cls(Path(workspace), host, port, os.environ.get(TOKEN_ENV) or None,
                   **kw)  # type: ignore[arg-type]

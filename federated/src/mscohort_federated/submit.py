"""The researcher's side of ``mscohort federate``: connect to a vantage6 hub, create the
task, wait with progress, and return the federated result.

Settings come from a TOML file (``--config``) and the environment, the environment winning
(:data:`SETTINGS`). Secrets (the service account's client secret) are never printed: they
are kept out of the settings' repr and out of every message.
"""

from __future__ import annotations

import datetime as dt
import os
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mscohort.errors import UsageError

#: (section.key in the config file, environment variable, required)
SETTINGS = [
    ("server.url", "MSCOHORT_V6_URL", True),
    ("server.auth_url", "MSCOHORT_V6_AUTH_URL", True),
    ("server.auth_realm", "MSCOHORT_V6_AUTH_REALM", False),
    ("study.collaboration", "MSCOHORT_V6_COLLABORATION", True),
    ("study.organizations", "MSCOHORT_V6_ORGANIZATIONS", False),
    ("study.image", "MSCOHORT_V6_IMAGE", True),
    ("study.database", "MSCOHORT_V6_DATABASE", False),
    ("study.data_cut", "MSCOHORT_V6_DATA_CUT", False),
    ("credentials.username", "MSCOHORT_V6_USERNAME", False),
    ("credentials.client_secret", "MSCOHORT_V6_CLIENT_SECRET", False),
    ("credentials.private_key", "MSCOHORT_V6_PRIVATE_KEY", False),
]


@dataclass(frozen=True)
class HubSettings:
    url: str
    auth_url: str
    collaboration: int
    image: str
    auth_realm: str = "vantage6"
    organizations: tuple[int, ...] = ()  #: empty: every organization of the collaboration
    database: str = "default"  #: the node's database label
    #: the time points' data cut (ISO date) sent to every centre; None: each centre's own
    data_cut: str | None = None
    username: str | None = None
    client_secret: str | None = field(default=None, repr=False)  #: a service account's
    private_key: str | None = None  #: for encrypted collaborations


def load_settings(config: Path | None, env: dict[str, str] | None = None) -> HubSettings:
    """The hub settings from ``config`` and the environment; a UsageError naming every
    missing or wrong setting (never its value when it is a secret)."""
    env = dict(os.environ) if env is None else env
    raw: dict[str, Any] = {}
    if config is not None:
        if not config.is_file():
            raise UsageError(f"`--config` must be a TOML file; got {config} (not found).")
        try:
            raw = tomllib.loads(config.read_text())
        except tomllib.TOMLDecodeError as exc:
            raise UsageError(f"federate config {config}: not valid TOML ({exc}).") from None
    values: dict[str, object] = {}
    problems = []
    for dotted, var, required in SETTINGS:
        section, key = dotted.split(".")
        value = env.get(var, raw.get(section, {}).get(key))
        if value in (None, ""):
            if required:
                problems.append(f"{dotted} (or the environment variable {var}) is missing")
            continue
        values[key] = value
    try:
        if "collaboration" in values:
            values["collaboration"] = int(values["collaboration"])  # type: ignore[call-overload]
        if "organizations" in values:
            orgs = values["organizations"]
            items = orgs.split(",") if isinstance(orgs, str) else orgs
            values["organizations"] = tuple(int(o) for o in items)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        problems.append("study.collaboration and study.organizations must be organization "
                        "and collaboration ids (integers)")
    if "data_cut" in values:
        try:
            values["data_cut"] = dt.date.fromisoformat(str(values["data_cut"])).isoformat()
        except ValueError:
            problems.append(f"study.data_cut must be a date (YYYY-MM-DD); got "
                            f"{values['data_cut']!r}")
    if problems:
        where = f"federate config {config}" if config else "federate settings"
        raise UsageError(f"{where}: {'; '.join(problems)}.")
    return HubSettings(**values)  # type: ignore[arg-type]


class HubError(RuntimeError):
    """The hub could not be reached, the login or the task was refused."""


def connect(settings: HubSettings) -> tuple[Any, int]:
    """A logged-in vantage6 ``UserClient`` and a new session in the collaboration.

    A service account (username and client secret) logs in without a browser; otherwise
    vantage6's device flow prints a link to log in with. Raises :class:`HubError`."""
    try:
        return _connect(settings)
    except Exception as exc:  # vantage6 and keycloak raise their own types; none is ours
        raise HubError(f"could not log in and open a session at {settings.url} "
                       f"({type(exc).__name__}: {exc})") from None


def _connect(settings: HubSettings) -> tuple[Any, int]:
    from vantage6.client import UserClient

    client = UserClient(settings.url, settings.auth_url, auth_realm=settings.auth_realm)
    if settings.client_secret:
        client.initialize_service_account(settings.client_secret, username=settings.username)
        client.authenticate_service_account()
    else:
        client.authenticate()
    client.setup_encryption(settings.private_key)
    client.setup_collaboration(settings.collaboration)
    session = client.session.create(scope="own", name="mscohort federate",
                                    collaboration=settings.collaboration)
    return client, int(session["id"])


def run_task(client: Any, settings: HubSettings, session: int | None, definition: str,
             min_cell_size: int, progress: Callable[[str], None] = lambda _: None,
             poll_seconds: float = 2.0) -> dict[str, Any]:
    """Extract each centre's analysis frame, run the central function, wait, and return its
    result (works with vantage6's ``UserClient`` and its ``MockUserClient``)."""
    orgs = list(settings.organizations) or [int(o["id"]) for o in client.organization.list()]
    progress(f"extracting and deriving the study at {len(orgs)} centre(s)")
    frame = client.dataframe.create(label=settings.database, image=settings.image,
                                    method="extract_outcomes", session=session,
                                    arguments={"definition": definition,
                                               "data_cut": settings.data_cut},
                                    name=settings.database)
    _wait_dataframe(client, frame, progress, poll_seconds)
    progress("running the federated analysis")
    task = client.task.create(
        organizations=[orgs[0]], name="mscohort federated analysis", image=settings.image,
        description="mscohort study analysis (docs/federated.md)",
        method="central_analysis", session=session, collaboration=settings.collaboration,
        arguments={"definition": definition, "min_cell_size": min_cell_size,
                   "organizations": orgs, "data_cut": settings.data_cut},
        databases=[{"dataframe_id": frame["id"]}], action="central_compute")
    results = client.wait_for_results(task["id"])
    items = results.get("data", results) if isinstance(results, dict) else results
    if not items:
        raise RuntimeError(f"the federated task {task['id']} returned no result")
    result = items[0]
    if isinstance(result, dict) and "result" in result and "tables" not in result:
        result = result["result"]
    progress("done")
    return result


def _wait_dataframe(client: Any, frame: dict[str, Any], progress: Callable[[str], None],
                    poll_seconds: float) -> None:
    """Until every centre has its analysis frame (vantage6 marks the dataframe ready)."""
    while not frame.get("ready", True):
        progress("waiting for the centres' data extraction")
        time.sleep(poll_seconds)
        frame = client.dataframe.get(frame["id"])

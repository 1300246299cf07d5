"""``mscohort serve``: the local web app, for people who do not use a terminal."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mscohort.cli.common import out, usage_exit
from mscohort.errors import UsageError


def serve(
    workspace: Annotated[Path, typer.Option(
        help="Folder for the study store, definitions and uploads (created if missing).")]
    = Path("mscohort-web"),
    host: Annotated[str, typer.Option(
        help="Address to listen on. Anything but 127.0.0.1 needs MSCOHORT_WEB_TOKEN.")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8765,
    session_minutes: Annotated[int, typer.Option(
        help="Sign-in sessions end after this many minutes without a request.", min=1)] = 30,
    max_upload_mb: Annotated[int, typer.Option(help="Largest upload, MB.", min=1)] = 100,
    upload_hours: Annotated[int, typer.Option(
        help="Uploads neither imported nor discarded are removed after this many hours.",
        min=1)] = 24,
    allow_host: Annotated[list[str] | None, typer.Option(
        help="Another host name the app may be reached by (repeatable), e.g. this "
             "computer's name on the network. 127.0.0.1, localhost, [::1] and --host always "
             "are; requests naming any other host are refused.")] = None,
    redcap_allow_http: Annotated[bool, typer.Option(
        help="Let the REDCap API be reached over plain http (the token then travels "
             "unencrypted): only for a REDCap on this machine.")] = False,
) -> None:
    """Start the web app: load a study, check its data, explore cohorts, patients and safety,
    download reports — in a browser, on this computer.

    Example: mscohort serve --workspace my-study   (then open http://127.0.0.1:8765)

    To serve other computers, set an access token first (at least 16 characters), e.g.
    MSCOHORT_WEB_TOKEN=$(openssl rand -hex 16) mscohort serve --host 0.0.0.0
    """
    from mscohort.web import WebConfig, create_app

    try:
        config = WebConfig.from_environment(workspace, host, port,
                                            session_minutes=session_minutes,
                                            max_upload_mb=max_upload_mb,
                                            upload_hours=upload_hours,
                                            allowed_hosts=tuple(allow_host or ()),
                                            redcap_allow_http=redcap_allow_http)
        app = create_app(config)
    except UsageError as exc:
        raise usage_exit(exc) from None
    import waitress

    shown = f"[{host}]" if ":" in host else host
    out.print(f"mscohort web app on http://{shown}:{port} (workspace {workspace.resolve()}); "
              + ("sign in with the access token; " if config.login_required else "")
              + f"answers to {', '.join(sorted(config.host_names))}; stop with Ctrl+C")
    waitress.serve(app, host=host, port=port, **config.server_options)

"""Fetch a REDCap project's records and data dictionary with its API (through PyCap).

The token travels in every request, so the address must be ``https://``; plain ``http://``
is refused unless the caller allows it explicitly (``allow_http``, e.g. a REDCap on the same
machine), and then a warning says so. The token is read from ``MSCOHORT_REDCAP_TOKEN`` and is
never written, logged or shown (not even in error messages). The fetched files are written
readable by their owner only (mode 0600, in a folder of mode 0700): they hold patient data.
"""

from __future__ import annotations

import itertools
import os
import re
import warnings
from pathlib import Path

from mscohort.errors import UsageError, bad_usage

TOKEN_ENV = "MSCOHORT_REDCAP_TOKEN"
_TOKEN = re.compile(r"^[0-9A-Fa-f]{32}$")


class PlainHttpWarning(UserWarning):
    """The REDCap API is reached over plain http: the token travels unencrypted."""


#: What a REDCap API address must be, in the argument template.
HTTPS = ("an address starting with https:// (over plain http the token travels "
         "unencrypted)")


def check_url(url: str, allow_http: bool = False) -> None:
    """Refuse an address that is not a REDCap API address over https (see module docstring)."""
    if not url.endswith("/api/"):
        raise bad_usage("REDCap API address", "an address ending with /api/", url)
    scheme = url.split(":", 1)[0].lower()
    if scheme == "http":
        if not allow_http:
            raise bad_usage("REDCap API address", HTTPS, url,
                            hint="Allow it explicitly with --allow-http only for a server you "
                                 "trust on the same machine or network.")
        warnings.warn(f"the REDCap API at {url} is reached over plain http: the token and "
                      "the records travel unencrypted.", PlainHttpWarning, stacklevel=2)
    elif scheme != "https":
        raise bad_usage("REDCap API address", "an address starting with https://", url)


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to a new file readable and writable by its owner only (0600)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(path, 0o600)  # whatever the umask


def fetch_redcap(url: str, token: str | None, folder: Path, *, allow_http: bool = False
                 ) -> tuple[Path, Path]:
    """The project's records (flat CSV, raw values) and data dictionary, fetched with the REDCap
    API through PyCap into ``folder`` (created with mode 0700; files 0600)."""
    if not token:
        raise UsageError(f"set the REDCap API token in the environment variable {TOKEN_ENV}.")
    if not _TOKEN.match(token):
        raise UsageError(f"{TOKEN_ENV} is not a REDCap API token (32 hexadecimal characters).")
    check_url(url, allow_http)
    from redcap import Project  # PyCap
    from redcap.request import RedcapError

    try:
        project = Project(url, token)
        records = project.export_records(format_type="csv", raw_or_label="raw")
        metadata = project.export_metadata(format_type="csv")
    except RedcapError as exc:
        text = str(exc).replace(token, "<token>")
        raise UsageError(f"the REDCap API at {url} refused the request: {text}") from None
    except Exception as exc:  # connection errors of requests, with the URL but not the token
        raise UsageError(f"the REDCap API at {url} cannot be reached "
                         f"({type(exc).__name__}).") from None
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(folder, 0o700)
    for k in itertools.count(1):  # never overwrite an earlier fetch (the log names it)
        tag = "" if k == 1 else f"-{k}"
        export = folder / f"redcap_export{tag}.csv"
        dictionary = folder / f"redcap_dictionary{tag}.csv"
        if not export.exists() and not dictionary.exists():
            break
    _write_private(export, str(records))
    _write_private(dictionary, str(metadata))
    return export, dictionary

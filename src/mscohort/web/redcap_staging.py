"""REDCap projects as uploads of the web app: an export with its data dictionary (and a
mapping TOML, or the ready MS mapping ``datasets/interop/redcap_ms.toml``), uploaded or
fetched with the REDCap API, staged in ``uploads/<id>/redcap/`` and then checked and
imported all or nothing like any other upload (:func:`check_staged`, :func:`import_staged`).

The API token is kept in memory only, for the fetch: it is never written, logged, or
shown in a page (:func:`mscohort.interop.redcap_api.fetch_redcap` keeps it out of its
errors); the address must be https unless the server was started with
``redcap_allow_http`` (``mscohort serve --redcap-allow-http``).
"""

from __future__ import annotations

import re
import secrets
import warnings
from importlib.resources import files as _files
from pathlib import Path

from werkzeug.datastructures import FileStorage

from mscohort.errors import UsageError, bad_usage
from mscohort.ingest import RawStudy, read_study
from mscohort.store import Acceptance, ImportResult, import_folder, import_raw
from mscohort.store.preview import Preview, preview_raw
from mscohort.validate import ValidationReport
from mscohort.web.workspace import Staged, Workspace, check_upload

READY_MAPPING = Path(str(_files("mscohort") / "datasets" / "interop" / "redcap_ms.toml"))
EXPORT, DICTIONARY, MAPPING = "redcap_export.csv", "redcap_dictionary.csv", "mapping.toml"
_TOKEN = re.compile(r"^[0-9A-Fa-f]{32}$")


def redcap_folder(staged: Staged) -> Path | None:
    """The staged REDCap files of an upload, or None for an upload of data files."""
    folder = staged.folder / "redcap"
    return folder if folder.is_dir() else None


def read_staged(staged: Staged) -> RawStudy:
    """The canonical tables of a staged REDCap project (UsageError naming a mapping or
    dictionary mistake)."""
    from mscohort.interop.redcap import read_redcap

    folder = redcap_folder(staged)
    if folder is None or not (folder / EXPORT).exists():
        raise UsageError("this upload has no REDCap export: upload it again.")
    mapping = folder / MAPPING if (folder / MAPPING).exists() else READY_MAPPING
    return read_redcap(folder / EXPORT, folder / DICTIONARY, mapping)


def check_staged(staged: Staged, db: Path | None) -> ValidationReport:
    """The validation report of a staged upload (data files or a REDCap project) without
    the values it would change in the store (those are in :func:`preview_staged`)."""
    return preview_staged(staged, db).report


def preview_staged(staged: Staged, db: Path | None) -> Preview:
    """A staged upload checked and compared with the store ``db``: its issues and what it
    would change (:func:`mscohort.store.preview.preview_raw`)."""
    if redcap_folder(staged) is not None:
        return preview_raw(read_staged(staged), db=db)
    return preview_raw(read_study(staged.data, staged.load_mapping()), db=db)


def import_staged(staged: Staged, db: Path, accept: Acceptance | None = None,
                  by: str | None = None, reason: str | None = None) -> ImportResult:
    """Import a staged upload into the store ``db``: all of it or nothing; stored values
    it changes are corrected only with ``accept`` (who and why); ``by`` and ``reason`` say
    who imports and why when nothing stored changes (the audit trail)."""
    if redcap_folder(staged) is not None:
        return import_raw(read_staged(staged), db, accept=accept, by=by, reason=reason)
    return import_folder(staged.data, db, mapping=staged.load_mapping(), accept=accept,
                         by=by, reason=reason)


def _new(ws: Workspace) -> Staged:
    upload_id = secrets.token_urlsafe(18)
    staged = Staged(upload_id, ws.root / "uploads" / upload_id)
    (staged.folder / "redcap").mkdir(parents=True, mode=0o700)
    staged.data.mkdir()
    return staged


def _mapping_bytes(mapping: FileStorage | None, problems: list[str]) -> bytes | None:
    if mapping is None or not mapping.filename:
        return None  # the ready MS mapping
    content = mapping.read()
    why = check_upload("x.toml", content) if mapping.filename.lower().endswith(".toml") \
        else "must be a .toml file"
    if why:
        problems.append(f"{mapping.filename} (REDCap mapping): {why}.")
    return content


def stage_export(ws: Workspace, export: FileStorage | None, dictionary: FileStorage | None,
                 mapping: FileStorage | None) -> tuple[Staged | None, list[str]]:
    """Save an uploaded REDCap export and data dictionary (CSV) and an optional mapping, or
    say for each why it cannot be accepted (then nothing is kept)."""
    problems: list[str] = []
    contents: dict[str, bytes] = {}
    for name, label, f in ((EXPORT, "REDCap export", export),
                           (DICTIONARY, "data dictionary", dictionary)):
        if f is None or not f.filename:
            problems.append(f"no {label} was chosen (a CSV file).")
            continue
        content = f.read()
        why = check_upload(f.filename, content) if f.filename.lower().endswith(".csv") \
            else "must be a .csv file"
        if why:
            problems.append(f"{f.filename} ({label}): {why}.")
        contents[name] = content
    mapped = _mapping_bytes(mapping, problems)
    if problems:
        return None, problems
    staged = _new(ws)
    try:
        for name, content in contents.items():
            (staged.folder / "redcap" / name).write_bytes(content)
        if mapped is not None:
            (staged.folder / "redcap" / MAPPING).write_bytes(mapped)
    except OSError as exc:  # e.g. the disk is full: keep no half-written upload
        ws.discard(staged)
        return None, [f"the upload could not be saved on the server ({exc.strerror})."]
    return staged, []


def check_api(url: str, token: str, allow_http: bool) -> list[str]:
    """Why the API address or token cannot be used (never quoting the token)."""
    from mscohort.interop.redcap_api import HTTPS, check_url

    problems = []
    if not _TOKEN.match(token):
        problems.append("the REDCap API token must be 32 hexadecimal characters (REDCap: "
                        "API, your token); the token given is not one.")
    if url.split(":", 1)[0].lower() == "http" and not allow_http:
        problems.append(str(bad_usage(
            "REDCap API address", HTTPS, url, hint="A server on this machine can be allowed "
            "by starting the app with mscohort serve --redcap-allow-http.")))
    else:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                check_url(url, allow_http)
        except UsageError as exc:
            problems.append(str(exc))
    return problems


def stage_api(ws: Workspace, mapping: FileStorage | None) -> tuple[Staged | None, list[str]]:
    """A new staged upload for an API fetch, with its optional mapping."""
    problems: list[str] = []
    mapped = _mapping_bytes(mapping, problems)
    if problems:
        return None, problems
    staged = _new(ws)
    if mapped is not None:
        (staged.folder / "redcap" / MAPPING).write_bytes(mapped)
    return staged, []


def fetch_into(ws: Workspace, staged: Staged, url: str, token: str, allow_http: bool
               ) -> tuple[None, str]:
    """The fetch job: the project's records and dictionary into the staged upload (files
    readable by their owner only); on failure the upload is removed."""
    from mscohort.interop.redcap_api import fetch_redcap

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the page says it instead
            fetch_redcap(url, token, staged.folder / "redcap", allow_http=allow_http)
    except BaseException:
        ws.discard(staged)
        raise
    plain = url.lower().startswith("http:")
    return None, ("Fetched the REDCap project's records and data dictionary"
                  + (" over plain http (allowed by this server's setting)" if plain else "")
                  + "; they are checked below.")

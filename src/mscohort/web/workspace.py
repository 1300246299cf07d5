"""The web app's study: one folder with the DuckDB store, study definitions and staged
uploads, and a cache of the analysis of the current store and definition.

Uploads are staged in ``uploads/<id>/`` (files checked by type and content), validated
against the store, and imported only on request, all or nothing, as on the command line.
Two files whose names reduce to the same safe name are refused (neither replaces the other);
a mapping may name files of its upload only (:func:`confined`); an upload neither imported
nor discarded is removed after the app's ``upload_hours`` (:meth:`Workspace.sweep`).
Store access is serialised by one lock (DuckDB opens a file once per process).
"""

from __future__ import annotations

import re
import secrets
import shutil
import threading
import time
from collections.abc import Collection
from dataclasses import dataclass
from importlib.resources import files as _files
from pathlib import Path, PurePosixPath, PureWindowsPath

from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from mscohort.definition import StudyDefinition, load_definition
from mscohort.errors import UnreadableFileError, UsageError, bad_usage
from mscohort.ingest import Mapping, load_mapping
from mscohort.ingest.encoding import decode_bytes

DATA_SUFFIXES = {".csv", ".tsv", ".xlsx", ".parquet"}
MAX_FILES = 50
UPLOAD_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
DEFINITION_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
STORE_LOCK = threading.RLock()
SEED = Path(str(_files("mscohort") / "datasets" / "seed"))


def check_upload(name: str, content: bytes) -> str | None:
    """Why a file cannot be accepted (its type or content), or None when it can."""
    suffix = Path(name).suffix.lower()
    if suffix == ".xlsx":
        return None if content.startswith(b"PK\x03\x04") else "is not an Excel workbook"
    if suffix == ".parquet":
        return None if content.startswith(b"PAR1") else "is not a Parquet file"
    if suffix in (".csv", ".tsv"):  # what the command line reads (ingest/encoding.py):
        try:  # UTF-8 with or without BOM, UTF-16 with or without BOM, Windows-1252, Latin-1
            decode_bytes(content, name)
        except UnreadableFileError:
            return ("is not a text file (it contains NUL bytes, and is not UTF-16 text): "
                    "save it as CSV (UTF-8)")
        return None
    if suffix == ".toml":
        if b"\x00" in content:
            return "is not a text file (it contains NUL bytes)"
        try:
            content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            return f"is not UTF-8 text (byte {exc.start})"
        return None
    return (f"has an unsupported type {suffix or '(none)'}: data files must be CSV, TSV, "
            "XLSX or Parquet, and a mapping or study definition TOML")


def confined(mapping: Mapping, folder: Path) -> Mapping:
    """``mapping`` when every file it names lies inside ``folder`` (the upload's data);
    otherwise a :class:`UsageError` naming the mapping key.

    Refused: absolute paths (``/etc/passwd``, ``C:\\data``), any ``..`` part, and a name
    that resolves (through links) to a place outside ``folder``.
    """
    root = folder.resolve()
    for table, tm in mapping.tables.items():
        if tm.file is None:
            continue
        key = f"the mapping's [{table}] file = {tm.file!r}"
        posix, windows = PurePosixPath(tm.file), PureWindowsPath(tm.file)
        if posix.is_absolute() or windows.drive or windows.root or ".." in windows.parts:
            raise bad_usage(f"[{table}] file", f'one of the uploaded files (e.g. "{table}.csv")',
                            tm.file, where="the mapping", hint="Paths elsewhere on the server "
                            "(absolute, or with '..') are refused.")
        if not (folder / tm.file).resolve().is_relative_to(root):
            raise UsageError(f"{key} leads out of the upload (a link); name one of the "
                             "uploaded files.")
    return mapping


@dataclass(frozen=True)
class Staged:
    """One staged upload: its data folder and optional mapping and definition files."""

    id: str
    folder: Path

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def mapping(self) -> Path | None:
        p = self.folder / "mapping.toml"
        return p if p.exists() else None

    @property
    def files(self) -> list[str]:
        return sorted(p.name for p in self.data.iterdir()) if self.data.exists() else []

    @property
    def redcap(self) -> list[str]:
        """The files of a staged REDCap project (web/redcap_staging.py); [] for data files."""
        folder = self.folder / "redcap"
        return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []

    @property
    def definition(self) -> Path | None:
        p = self.folder / "definition.toml"
        return p if p.exists() else None

    @property
    def definition_name(self) -> str | None:
        """The name an uploaded study definition gets once the import succeeded."""
        return f"uploaded-{self.id[:8]}" if self.definition else None

    def load_mapping(self) -> Mapping | None:
        """The uploaded mapping, checked to name files of this upload only."""
        if self.mapping is None:
            return None
        return confined(load_mapping(self.mapping), self.data)


class Workspace:
    """The folder the app works in (see module docstring)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "uploads").mkdir(exist_ok=True)
        self.definitions_dir.mkdir(exist_ok=True)
        seed = self.definitions_dir / "seed.toml"
        if not seed.exists():
            shutil.copyfile(SEED / "study.toml", seed)

    @property
    def db(self) -> Path:
        return self.root / "study.duckdb"

    @property
    def definitions_dir(self) -> Path:
        return self.root / "definitions"

    def definitions(self) -> list[str]:
        return sorted(p.stem for p in self.definitions_dir.glob("*.toml"))

    def definition(self, name: str) -> tuple[StudyDefinition, Path]:
        if not DEFINITION_NAME.match(name) or name not in self.definitions():
            raise UsageError(f"no study definition called {name!r}; choose one of "
                             f"{', '.join(self.definitions())}.")
        path = self.definitions_dir / f"{name}.toml"
        return load_definition(path), path

    # -- uploads ------------------------------------------------------------------------
    def stage(self, files: list[FileStorage], mapping: FileStorage | None,
              definition: FileStorage | None) -> tuple[Staged | None, list[str]]:
        """Save the uploaded files, or say for each why it cannot be accepted (then nothing
        is kept)."""
        problems: list[str] = []
        accepted: list[tuple[str, bytes]] = []
        files = [f for f in files if f.filename]
        if not files:
            problems.append("no data file was chosen.")
        if len(files) > MAX_FILES:
            problems.append(f"{len(files)} files: at most {MAX_FILES} at once.")
        given: dict[str, str] = {}  # safe name, case-folded -> the name as uploaded
        for f in files:
            name = secure_filename(Path(f.filename or "").name)
            content = f.read()
            why = check_upload(name, content)
            if Path(name).suffix.lower() == ".toml":
                why = why or "is a TOML file: give it as the mapping or the study definition"
            if name and name.casefold() in given:
                why = why or (f"and {given[name.casefold()]} both become the file name "
                              f"{name} on the server: rename one of them")
            given.setdefault(name.casefold(), f.filename or "")
            if why or not name:
                problems.append(f"{f.filename}: {why or 'has no usable file name'}.")
            else:
                accepted.append((name, content))
        extras: dict[str, bytes] = {}
        for label, extra in (("mapping", mapping), ("definition", definition)):
            if extra is not None and extra.filename:
                content = extra.read()
                why = check_upload("x.toml", content) if extra.filename.lower().endswith(
                    ".toml") else "must be a .toml file"
                if why:
                    problems.append(f"{extra.filename} ({label}): {why}.")
                else:
                    extras[label] = content
        if problems:
            return None, problems
        upload_id = secrets.token_urlsafe(18)
        staged = Staged(upload_id, self.root / "uploads" / upload_id)
        try:
            staged.data.mkdir(parents=True)
            for name, content in accepted:
                (staged.data / name).write_bytes(content)
            if "mapping" in extras:
                (staged.folder / "mapping.toml").write_bytes(extras["mapping"])
            if "definition" in extras:
                (staged.folder / "definition.toml").write_bytes(extras["definition"])
        except OSError as exc:  # e.g. the disk is full: keep no half-written upload
            self.discard(staged)
            return None, [f"the upload could not be saved on the server ({exc.strerror})."]
        return staged, []

    def stage_example(self) -> Staged:
        """The bundled example study (the seed cohort), staged like an upload."""
        upload_id = secrets.token_urlsafe(18)
        staged = Staged(upload_id, self.root / "uploads" / upload_id)
        staged.data.mkdir(parents=True)
        for p in sorted(SEED.glob("*.csv")):
            if p.name != "residuals.csv":
                shutil.copyfile(p, staged.data / p.name)
        return staged

    def staged(self, upload_id: str) -> Staged:
        folder = self.root / "uploads" / upload_id
        if not UPLOAD_ID.match(upload_id) or not folder.is_dir():
            raise UsageError("this upload is no longer available: upload the files again.")
        return Staged(upload_id, folder)

    def discard(self, staged: Staged) -> None:
        shutil.rmtree(staged.folder, ignore_errors=True)

    def sweep(self, max_age_seconds: float, busy: Collection[str] = ()) -> list[str]:
        """Remove the uploads staged more than ``max_age_seconds`` ago (never imported nor
        discarded), except those in ``busy`` (an import or check running); their ids."""
        cutoff = time.time() - max_age_seconds
        gone = []
        for folder in sorted((self.root / "uploads").iterdir()):
            if folder.name in busy or not UPLOAD_ID.match(folder.name):
                continue
            try:
                old = folder.stat().st_mtime < cutoff
            except FileNotFoundError:
                continue
            if old:
                shutil.rmtree(folder, ignore_errors=True)
                gone.append(folder.name)
        return gone

    def add_definition(self, staged: Staged) -> str | None:
        """Keep an uploaded study definition (checked first) under the upload's name. Call
        it once the import succeeded: a failed import keeps nothing."""
        path = staged.definition
        if path is None:
            return None
        load_definition(path)  # raises UsageError naming the key
        name = staged.definition_name
        shutil.copyfile(path, self.definitions_dir / f"{name}.toml")
        return name

"""Temporary folders of imports that were killed (issue #23): found by the id of the process
that made them and removed once that process is gone.

A batched import stages its files in ``.<store>.import-<pid>-<random>`` next to the store,
a batched validation in ``mscohort-validate-<pid>-<random>`` and the derived scores in
``mscohort-derived-<pid>-<random>``, both in the system's temporary folder
(:func:`work_prefix`). Each is removed when its import ends; a ``kill -9`` cannot remove it.
Such folders hold nothing stored (the store is as before the killed import), so the next
import into the store (or any opening of a store for writing) removes those whose process
no longer runs (:func:`remove_leftovers`); a folder of a process that still runs (an import
at work, whatever its store) is never touched. Folders named without a process id (made by
mscohort before this change) are left alone: their owner cannot be told.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from pathlib import Path

from mscohort.errors import bad_argument

#: What each kind of temporary folder is called before ``<pid>-``.
KINDS = ("import", "validate", "derived")


def work_prefix(kind: str, store: str | Path | None = None) -> str:
    """The name prefix of a temporary folder of ``kind`` made by this process: it holds the
    process id, so a later process can tell whether its owner still runs."""
    if kind not in KINDS:
        raise bad_argument("kind", f"one of {', '.join(KINDS)}", kind)
    if kind == "import":
        if store is None:
            raise bad_argument("store", "the store's path for an import folder", store)
        return f".{Path(store).name}.import-{os.getpid()}-"
    return f"mscohort-{kind}-{os.getpid()}-"


def process_runs(pid: int) -> bool:
    """True when a process with id ``pid`` exists (``os.kill(pid, 0)``; a process of
    another user counts as running)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _owner(name: str, patterns: list[re.Pattern[str]]) -> int | None:
    for pattern in patterns:
        found = pattern.fullmatch(name)
        if found:
            return int(found.group(1))
    return None


def remove_leftovers(store: str | Path | None = None,
                     temp_dir: str | Path | None = None) -> list[Path]:
    """Remove the temporary folders of killed imports: ``.<store>.import-<pid>-*`` next to
    ``store`` (when given) and ``mscohort-validate-<pid>-*``, ``mscohort-derived-<pid>-*``
    in ``temp_dir`` (the system's temporary folder when None), whose process ``pid`` no
    longer runs. Returns the folders removed; a folder that cannot be removed is left."""
    places: list[tuple[Path, list[re.Pattern[str]]]] = [
        (Path(temp_dir or tempfile.gettempdir()),
         [re.compile(rf"mscohort-{kind}-(\d+)-[^/]+") for kind in ("validate", "derived")])]
    if store is not None:
        path = Path(store).resolve()
        places.append((path.parent, [re.compile(
            rf"\.{re.escape(path.name)}\.import-(\d+)-[^/]+")]))
    removed = []
    for folder, patterns in places:
        with contextlib.suppress(OSError):
            for entry in folder.iterdir():
                pid = _owner(entry.name, patterns)
                if pid is None or pid == os.getpid() or process_runs(pid):
                    continue
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry, ignore_errors=True)
                    if not entry.exists():
                        removed.append(entry)
    return removed


__all__ = ["KINDS", "process_runs", "remove_leftovers", "work_prefix"]

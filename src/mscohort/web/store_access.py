"""A page's access to the study store while an import may be writing it (issue #23: "a
second user's request is not blocked by a running import").

DuckDB opens a file once per process, so store access is serialised by
:data:`~mscohort.web.workspace.STORE_LOCK`. An import of a registry holds it for minutes
(3,000,000 patients: about 7). A page that must read the store waits at most
:data:`WAIT_SECONDS` for it; when an import still holds it, the page answers at once with
*the study is being updated* (HTTP 503 with ``Retry-After``, a page that reloads itself),
instead of keeping the user and a server thread waiting. Pages answered from the cached
analysis never take the lock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from mscohort.web.workspace import STORE_LOCK

if TYPE_CHECKING:
    from pathlib import Path

    from mscohort.store import StudyStore

#: Seconds a page waits for the store before it says the study is being updated.
WAIT_SECONDS = 1.0


class StoreBusy(Exception):  # not an error: the answer is the *being updated* page
    """The store is held by an import (or another write) for longer than a page waits."""

    def __init__(self) -> None:
        super().__init__("The study is being updated (an import or a correction is writing "
                         "it).")


@contextmanager
def store_lock(wait: float = WAIT_SECONDS) -> Iterator[None]:
    """Hold :data:`STORE_LOCK`, waiting at most ``wait`` seconds for it; :class:`StoreBusy`
    when it stays held."""
    if not STORE_LOCK.acquire(timeout=wait):
        raise StoreBusy()
    try:
        yield
    finally:
        STORE_LOCK.release()


@contextmanager
def reading_store(db: Path, wait: float = WAIT_SECONDS) -> Iterator[StudyStore]:
    """The store at ``db`` opened read-only under :func:`store_lock`."""
    from mscohort.store import StudyStore

    with store_lock(wait), StudyStore(db, read_only=True) as store:
        yield store


__all__ = ["WAIT_SECONDS", "StoreBusy", "reading_store", "store_lock"]

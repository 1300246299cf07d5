"""Values the pages compute from the study store and read again and again (a store
version's summary of 300,000 patients: about 0.8 s of CPU for two passes over seven million
history rows, issue #23), kept until the store changes.

The store changes only by an import or a correction, each of which writes the DuckDB file
under :data:`~mscohort.web.workspace.STORE_LOCK`: a value is kept under the file's
modification time and size read under that lock, as :class:`mscohort.web.results.ResultCache`
keeps the analysis, so the first page after a change computes it again from the new store.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar

from mscohort.errors import UsageError
from mscohort.store import StudyStore
from mscohort.web.workspace import STORE_LOCK, Workspace

T = TypeVar("T")

#: Values kept (the least recently used goes first).
CACHE_SIZE = 8


class StoreCache:
    """Values computed from the workspace's store, each kept until the store file changes."""

    def __init__(self, workspace: Workspace, size: int = CACHE_SIZE) -> None:
        self.workspace = workspace
        self.size = size
        self._items: OrderedDict[tuple[object, ...], object] = OrderedDict()
        self._lock = threading.Lock()

    def stamp(self) -> tuple[int, int]:
        """The store file's modification time (ns) and size (UsageError when there is no
        store yet)."""
        try:
            stat = self.workspace.db.stat()
        except FileNotFoundError:
            raise UsageError("No study has been imported yet.") from None
        return stat.st_mtime_ns, stat.st_size

    def _cached(self, key: tuple[object, ...]) -> tuple[bool, object]:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return True, self._items[key]
        return False, None

    def get(self, what: tuple[object, ...], compute: Callable[[StudyStore], T]) -> T:
        """The value ``what`` names, computed by ``compute(store)`` on the store opened
        read-only when the store changed since it was kept (or it never was)."""
        hit, value = self._cached((*self.stamp(), *what))
        if hit:  # the store's lock is not needed: a page does not wait for an import
            return value  # type: ignore[return-value]
        with STORE_LOCK:
            key = (*self.stamp(), *what)  # the store as it is while nothing writes it
            hit, value = self._cached(key)
            if hit:
                return value  # type: ignore[return-value]
            with StudyStore(self.workspace.db, read_only=True) as store:
                made = compute(store)
        with self._lock:
            self._items[key] = made
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return made

    def __len__(self) -> int:
        return len(self._items)


__all__ = ["CACHE_SIZE", "StoreCache"]

"""Long work of the web app (an import, a check of an upload, the first analysis or report of
a store) runs as a background job, outside the request threads, so that every other page
keeps answering while it runs.

Jobs run one at a time, in start order, in one worker thread: they read and write the one
DuckDB store, which a process may open once at a time (``STORE_LOCK`` serialises the rest).
A page that needs a job's result starts it (or finds it already waiting or running under the
same key) and shows its progress page, which reloads itself (``<meta http-equiv="refresh">``:
the Content-Security-Policy allows no inline script) until the job is done, then goes on to
the page that asked. A finished job keeps its value for a later request with the same key.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from mscohort.errors import DataValidationError, StoreWriteError, UsageError

log = logging.getLogger("mscohort.web")
KEEP_FINISHED = 64


@dataclass
class Job:
    """One piece of long work: what it does, its state, and where to go after it."""

    id: str
    key: Hashable
    title: str
    done_url: str  #: where the progress page goes when the job succeeded
    failed_url: str  #: ... and when it failed (with ``message``)
    state: str = "waiting"  #: waiting, running, done or failed
    message: str | None = None  #: shown once the job has ended (info when done, else error)
    value: Any = None
    created: float = field(default_factory=time.monotonic)
    started: float | None = None
    ended: float | None = None
    over: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def active(self) -> bool:
        return self.state in ("waiting", "running")

    def seconds(self) -> int:
        """Seconds since the job started (or was queued)."""
        return int(time.monotonic() - (self.started or self.created))


class Pending(Exception):  # not an error: the answer is the progress page
    """Raised by a page whose data a job is computing; the app answers with its progress."""

    def __init__(self, job: Job) -> None:
        super().__init__(job.title)
        self.job = job


class Jobs:
    """The app's background jobs (module docstring)."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mscohort-job")
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()

    def start(self, key: Hashable, title: str, work: Callable[[], tuple[Any, str | None]],
              done_url: str, failed_url: str) -> tuple[Job, bool]:
        """The job for ``key`` and whether it is new: a waiting or running job with the same
        key is returned instead of starting the work twice.

        ``work`` returns the job's value and a message for the user (or None). A
        :class:`UsageError`, :class:`DataValidationError` or :class:`StoreWriteError` (the
        store could not be written) it raises becomes the job's message; any other
        exception, a message naming its type only (it may hold data).
        """
        with self._lock:
            for job in self._jobs.values():
                if job.key == key and job.active:
                    return job, False
            job = Job(secrets.token_urlsafe(12), key, title, done_url, failed_url)
            self._jobs[job.id] = job
            self._forget_old()
        self._pool.submit(self._run, job, work)
        return job, True

    def _run(self, job: Job, work: Callable[[], tuple[Any, str | None]]) -> None:
        job.started = time.monotonic()
        job.state = "running"
        try:
            job.value, job.message = work()
            job.state = "done"
        except DataValidationError:
            job.message = "The files did not pass validation; nothing was stored."
            job.state = "failed"
        except (UsageError, StoreWriteError) as exc:  # StoreWriteError: disk full, read-only
            job.message = str(exc)  # its own words: what failed and that nothing was stored
            job.state = "failed"
        except Exception as exc:  # reported to the user; the app keeps going
            log.error("unhandled %s in job", type(exc).__name__)
            job.message = (f"{job.title} stopped on an unexpected error "
                           f"({type(exc).__name__}); nothing was changed by it.")
            job.state = "failed"
        finally:
            job.ended = time.monotonic()
            job.over.set()

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def wait(self, job_id: str, timeout: float | None = None) -> bool:
        """Wait until the job has ended; False when it is unknown or still running."""
        job = self.get(job_id)
        return job is not None and job.over.wait(timeout)

    def finished(self, key: Hashable) -> Job | None:
        """The most recent job for ``key`` that succeeded, if any."""
        with self._lock:
            for job in reversed(self._jobs.values()):
                if job.key == key and job.state == "done":
                    return job
        return None

    def busy(self) -> set[Hashable]:
        """Keys of the jobs waiting or running."""
        with self._lock:
            return {j.key for j in self._jobs.values() if j.active}

    def _forget_old(self) -> None:
        ended = [j.id for j in self._jobs.values() if not j.active]
        for job_id in ended[:max(0, len(ended) - KEEP_FINISHED)]:
            del self._jobs[job_id]

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def needed(key: Hashable, title: str, work: Callable[[], Any], failed_url: str) -> Pending:
    """For a page that needs the value of ``work``: start the job (or find it) that computes
    it, to come back to this page when it is done; raise the result."""
    from flask import current_app, request

    jobs: Jobs = current_app.extensions["mscohort"]["jobs"]
    job, _ = jobs.start(key, title, lambda: (work(), None),
                        done_url=request.full_path.rstrip("?"), failed_url=failed_url)
    return Pending(job)

"""Issue #16, web item 6: an import and the first analysis run as background jobs, outside the
request threads, through the real server: while one runs, the other pages answer; the same
upload imported twice at once is imported once, with a clear message, not a 500."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from mscohort.errors import StoreWriteError, UsageError
from mscohort.web import WebConfig
from mscohort.web.jobs import Jobs
from mscohort.web.workspace import STORE_LOCK
from tests.web.conftest import Http, free_port, seed_workspace, serving, settle

PAGES = ("/", "/load", "/cohort", "/patients", "/safety", "/cohort/table.csv?split=outcomes",
         "/static/app.css", "/assets/report.js")


def test_pages_answer_while_an_import_runs_and_a_double_import_is_one(tmp_path: Path) -> None:
    ws = seed_workspace(tmp_path)  # a study is loaded; the example adds to it
    with serving(WebConfig(ws, port=free_port())) as url:
        c = Http(url)
        check = settle(c, c.post("/load/example", {"csrf_token": c.csrf()}))
        action = re.search(r'action="(/load/[^"]+/import)"', check.text).group(1)  # type: ignore[union-attr]
        token = c.csrf()
        with STORE_LOCK:  # the import job waits for the store: an import that takes long
            first = c.post(action, {"csrf_token": token, "by": "A. Coordinator"})
            assert first.status == 302 and first.location.startswith("/jobs/")
            # the same upload imported again at once (another tab, a second click)
            with ThreadPoolExecutor(4) as pool:
                again = list(pool.map(lambda _: Http(url, cookie=c.cookie).post(
                    action, {"csrf_token": token, "by": "A. Coordinator"}), range(4)))
            assert {(r.status, r.headers["location"]) for r in again} == {
                (302, first.location + "?again=1")}
            progress = c.get(first.location + "?again=1")
            assert progress.status == 200 and "already being imported" in progress.text
            assert 'http-equiv="refresh"' in progress.text and "<script" not in progress.text
            # every other page answers meanwhile, eight at once
            with ThreadPoolExecutor(len(PAGES)) as pool:
                answers = dict(zip(PAGES, pool.map(lambda p: Http(url).get(p), PAGES),
                                   strict=True))
            assert all(r.status in (200, 302) for r in answers.values()), {
                p: r.status for p, r in answers.items()}
            assert "is being updated" in answers["/"].text
            for page in ("/cohort", "/patients", "/safety", "/cohort/table.csv?split=outcomes"):
                # the first analysis is a job too: the page answers with its progress
                assert answers[page].location.startswith("/jobs/"), page
            waiting = Http(url).get(answers["/cohort"].location)
            assert waiting.status == 200 and "Analysing the study" in waiting.text
            assert answers["/load"].status == 200
        done = settle(c, first)
        assert done.status == 200 and "Imported: import 2: " in done.text
        assert done.text.count("Imported: ") == 1  # imported once
        assert "60 of 60 patients analysed" in done.text
        # the upload is gone; importing it again says so
        late = settle(c, c.post(action, {"csrf_token": c.csrf(), "by": "A. Coordinator"}))
        assert "no longer available" in late.text


def test_a_job_that_fails_says_why_and_the_next_job_runs() -> None:
    jobs = Jobs()
    gate = threading.Event()
    try:
        slow, new = jobs.start("k", "Slow work", lambda: (gate.wait(60), "slow done"), "/a",
                               "/b")
        same, again = jobs.start("k", "Slow work", lambda: (None, None), "/a", "/b")
        assert new and not again and same is slow and slow.active

        def usage() -> tuple[None, None]:
            raise UsageError("no study is loaded yet: load one first.")

        def crash() -> tuple[None, None]:
            raise KeyError("TRMS01")  # a message that may hold data is not shown

        bad, _ = jobs.start("u", "Checking", usage, "/a", "/b")
        broken, _ = jobs.start("c", "Analysing the study", crash, "/a", "/b")
        gate.set()
        assert jobs.wait(broken.id, timeout=60) and jobs.wait(bad.id, timeout=60)
        assert slow.state == "done" and slow.message == "slow done"
        assert jobs.finished("k") is slow
        assert bad.state == "failed" and bad.message == "no study is loaded yet: load one first."
        assert broken.state == "failed" and "KeyError" in (broken.message or "")
        assert "TRMS01" not in (broken.message or "")
        assert jobs.busy() == set() and jobs.finished("c") is None
    finally:
        gate.set()
        jobs.shutdown()


def test_a_store_that_cannot_be_written_fails_the_job_with_its_reason() -> None:
    # issue #16 item 13: disk full during a web import is a clear message, not a 500
    jobs = Jobs()
    try:
        def work() -> tuple[None, None]:
            raise StoreWriteError("study.duckdb could not be written (IOException: No space "
                                  "left on device). Nothing was imported and the store is "
                                  "unchanged; free disk space and import again.")

        job, new = jobs.start("import", "Importing", work, "/done", "/failed")
        assert new and jobs.wait(job.id, timeout=10)
        assert job.state == "failed"
        assert job.message.startswith("study.duckdb could not be written")
        assert "Nothing was imported" in job.message
    finally:
        jobs.shutdown()

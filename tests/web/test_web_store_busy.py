"""Issue #23, web: a second user's request is not blocked by a running import. A page that
must read the store (a patient's history, a store version) waits at most
``WAIT_SECONDS`` for it and then says the study is being updated (503, ``Retry-After``, a
page that reloads itself); a correction sent meanwhile changes nothing and says so. Through
the real server, with the store's lock held as a long import holds it."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from mscohort.web import WebConfig
from mscohort.web.store_access import WAIT_SECONDS, StoreBusy, store_lock
from mscohort.web.workspace import STORE_LOCK
from tests.test_store import snapshot
from tests.web.conftest import Http, free_port, seed_workspace, serving

RECORD = json.dumps({"table": "edss", "key": {"patient_id": "TRMS01", "date": "2005-12-20"}})


def test_store_pages_say_the_study_is_being_updated_instead_of_waiting(tmp_path: Path) -> None:
    ws = seed_workspace(tmp_path)
    with serving(WebConfig(ws, port=free_port())) as url:
        c = Http(url)
        assert c.get("/patient/history?id=TRMS01").status == 200
        token = c.csrf("/patient/history?id=TRMS01")
        before = snapshot(ws / "study.duckdb")
        with STORE_LOCK:  # held as an import holds it, for longer than a page waits
            for page in ("/patient/history?id=TRMS01", "/versions/1"):
                start = time.monotonic()
                r = c.get(page)
                waited = time.monotonic() - start
                assert r.status == 503, (page, r.status)
                assert WAIT_SECONDS * 0.9 <= waited < WAIT_SECONDS + 10, (page, waited)
                assert r.headers["retry-after"] == "2"
                assert "The study is being updated" in r.text
                assert '<meta http-equiv="refresh" content="2">' in r.text
            sent = c.post("/patient/correct?id=TRMS01", {
                "csrf_token": token, "record": RECORD, "column": "edss", "value": "5.5",
                "reason": "typo fixed at the clinic", "by": "A. Nurse"})
            assert sent.status == 302
        assert snapshot(ws / "study.duckdb") == before  # the correction changed nothing
        page = c.get(sent.location + "?id=TRMS01")
        assert page.status == 200 and "History of patient TRMS01" in page.text
        assert "being updated" in page.text and "Nothing was changed" in page.text
        assert c.get("/versions/1").status == 200  # the update ended: the page answers


def test_the_store_lock_is_given_up_after_the_wait_and_taken_when_free() -> None:
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with STORE_LOCK:
            held.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)
    start = time.monotonic()
    with pytest.raises(StoreBusy, match="being updated"), store_lock(wait=0.2):
        pass
    assert 0.18 <= time.monotonic() - start < 5
    release.set()
    holder.join(10)
    with store_lock(wait=0.2):
        assert STORE_LOCK.acquire(blocking=False)  # re-entrant for the holder: this thread
        STORE_LOCK.release()

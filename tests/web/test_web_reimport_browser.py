"""In a real headless browser (Debian chromium) against waitress, as a coordinator would
(issue #19): import the example, re-upload it with one EDSS corrected one step up, see
the changed value on the changes page, be told that an empty reason is refused, accept with
a reason and a name, and see the history with the old and the new version, who, why and
the source file. The changes, version and history pages fit a 390 px wide phone. And the
reviewer's steps of a correction made on the history page that the clinic's next export
would undo: named on the changes page, kept unless "take the file's value" is ticked."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from mscohort.web.workspace import SEED
from tests.browser import browser_page
from tests.web.conftest import Http, settle
from tests.web.seed_record import step_down
from tests.web.test_web_reimport import FIRST, NEW, corrected

pytestmark = pytest.mark.slow
PHONE = {"width": 390, "height": 844}
DOWN = f"{step_down(FIRST.edss):.1f}"  # the correction the clinic's next export would undo


def import_seed_without_analysis(base: str) -> None:
    """Upload, check and import the example through plain HTTP, stopping where the import
    job sends the user to the cohort page (whose first analysis is not needed here)."""
    c = Http(base)
    r = c.upload("/load", [("files", p.name, p.read_bytes()) for p in sorted(SEED.glob("*.csv"))
                           if p.name != "residuals.csv"])
    check = settle(c, r)
    assert "the files can be imported" in check.text, check.text
    action = re.search(r'action="(/load/[^"]+/import)"', check.text).group(1)  # type: ignore[union-attr]
    r = c.post(action, {"csrf_token": c.csrf(), "by": "A. Coordinator"})
    job = r.location
    deadline = time.monotonic() + 300
    while (r := c.get(job)).status == 200:
        assert time.monotonic() < deadline, "the import did not end"
        time.sleep(0.2)
    assert r.location == "/cohort", r.text


def _fits_the_width(page: object) -> bool:
    """No horizontal scrolling of the page itself (wide tables scroll in their box)."""
    return page.evaluate(  # type: ignore[attr-defined]
        "document.documentElement.scrollWidth <= window.innerWidth")


def test_a_coordinator_reimports_a_corrected_file_and_accepts_the_change(
        live_server: str, tmp_path: Path) -> None:
    folder = tmp_path / "corrected"
    folder.mkdir()
    for name, content in corrected().items():
        (folder / name).write_bytes(content)
    import_seed_without_analysis(live_server)
    with browser_page() as (page, errors, requests):

        page.goto(live_server + "/load")
        page.set_input_files("#files", [str(p) for p in sorted(folder.iterdir())])
        page.click("#check")
        page.wait_for_selector("#review", timeout=90_000)
        assert "the files change 1 stored record" in page.locator("#verdict").inner_text()
        assert page.locator("#import").count() == 0
        page.click("#review")

        assert page.locator("h1").inner_text() == "Changes to the stored study"
        rows = page.locator("#changed tbody tr")
        assert rows.count() == 1
        assert rows.first.locator("td").all_inner_texts() == [
            "edss.csv", str(FIRST.row), "TRMS01", "edss", FIRST.key, "edss", FIRST.text, NEW]
        page.set_viewport_size(PHONE)
        assert _fits_the_width(page)
        assert page.locator("#accept-button").is_visible()
        page.set_viewport_size({"width": 1200, "height": 900})

        page.fill("#by", "A. Nurse")
        page.click("#accept-button")  # no reason: the browser asks for one, nothing is sent
        assert page.locator("#reason").evaluate("e => e.validity.valueMissing")
        assert page.locator("h1").inner_text() == "Changes to the stored study"
        page.fill("#reason", "   ")  # only spaces: the server refuses it
        page.click("#accept-button")
        message = page.locator(".messages").inner_text()
        assert "`reason` must be a reason for the changes" in message
        assert "Nothing was stored." in message
        assert page.locator("#by").input_value() == "A. Nurse"

        page.fill("#reason", "typo fixed at the clinic")
        page.click("#accept-button")
        page.wait_for_selector("h1:text('Store version 2')", timeout=90_000)
        assert "edss 1 changed" in page.locator(".messages").inner_text()
        assert page.locator("#audit-by").inner_text() == "A. Nurse"
        assert page.locator("#audit-reason").inner_text() == "typo fixed at the clinic"
        page.set_viewport_size(PHONE)
        assert _fits_the_width(page)
        page.set_viewport_size({"width": 1200, "height": 900})
        page.click("#version-patients a:text('TRMS01')")

        assert page.locator("h1").inner_text() == "History of patient TRMS01"
        versions = page.locator("#history tbody tr", has_text="edss").filter(
            has_text=FIRST.key)
        assert versions.count() == 2
        first, last = versions.nth(0).inner_text(), versions.nth(1).inner_text()
        assert "added" in first and f"edss={FIRST.text}" in first and "edss.csv" in first
        assert "changed" in last and f"edss: {FIRST.text} -> {NEW}" in last
        assert "A. Nurse" in last and "typo fixed at the clinic" in last
        assert "edss.csv" in last
        page.set_viewport_size(PHONE)
        assert _fits_the_width(page)
        # the one refused form (answered 400); no script error, no CSP violation
        assert errors == ["Failed to load resource: the server responded with a status of "
                          "400 (BAD REQUEST)"]
        assert all(r.startswith(live_server) for r in requests)


def test_a_coordinator_sees_the_correction_a_reupload_would_undo_and_takes_the_files_value(
        live_server: str, tmp_path: Path) -> None:
    """The reviewer's steps: correct an EDSS on the history page, upload the clinic's next
    export (still the old value, and a new relapse): the changes page says the value was a
    correction (who, when, why), keeps it unless "take the file's value" is ticked."""
    import datetime as dt
    import json

    from tests.web.test_web_reimport import SEED_FILES

    folder = tmp_path / "next"
    folder.mkdir()
    for name, content in (SEED_FILES | {"relapses.csv": SEED_FILES["relapses.csv"]
                                        + b"TRMS01,2014-09-01,mild,false\n"}).items():
        (folder / name).write_bytes(content)
    import_seed_without_analysis(live_server)
    with browser_page() as (page, errors, requests):
        page.goto(live_server + "/patient/history?id=TRMS01")
        page.select_option("select[name=record]", json.dumps(
            {"table": "edss", "key": {"patient_id": "TRMS01", "date": FIRST.date}}))
        page.fill("input[name=column]", "edss")
        page.fill("input[name=value]", DOWN)
        page.fill("input[name=reason]", f"{FIRST.text} was a typo for {DOWN} per clinic notes")
        page.fill("input[name=by]", "C. Coordinator")
        page.click("text=Store the correction")
        page.wait_for_selector(".messages:has-text('Corrected: import 2')", timeout=90_000)

        page.goto(live_server + "/load")
        page.set_input_files("#files", [str(p) for p in sorted(folder.iterdir())])
        page.click("#check")
        page.wait_for_selector("#review", timeout=90_000)
        page.click("#review")
        note = page.locator("#corrections-note").inner_text()
        assert "keeps this correction" in note
        row = page.locator("#corrections tbody tr")
        assert row.count() == 1
        cells = row.first.locator("td").all_inner_texts()
        assert cells[1:] == [
            "TRMS01", f"edss {FIRST.key}: edss", DOWN, FIRST.text, FIRST.text,
            f"would undo a correction: version 2, by C. Coordinator on "
            f"{dt.date.today().isoformat()}: {FIRST.text} was a typo for {DOWN} per clinic "
            "notes", f"edss.csv, row {FIRST.row}"]
        box = page.locator("#take-1")
        assert not box.is_checked()
        page.set_viewport_size(PHONE)
        assert _fits_the_width(page)
        page.set_viewport_size({"width": 1200, "height": 900})
        box.check()  # outside the form element, but part of it (form="accept")
        page.fill("#by", "D. Manager")
        page.fill("#reason", "the clinic's system is the source")
        page.click("#accept-button")
        page.wait_for_selector("h1:text('Store version 3')", timeout=90_000)
        assert "1 correction made in mscohort overwritten with the file's value" in \
            page.locator(".messages").inner_text()
        decided = page.locator("#decided tbody tr").first.locator("td").all_inner_texts()
        assert decided[:7] == ["overwritten", "edss", FIRST.key, "edss", "undo", DOWN,
                               FIRST.text]
        assert errors == [] and all(r.startswith(live_server) for r in requests)

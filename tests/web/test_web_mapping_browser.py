"""In a real headless browser (Debian chromium) against waitress: a coordinator uploads a
workbook with the clinic's own headers and a wrong birth date, maps it on the mapping
screen, sees the issues grouped by rule with the root cause, and imports once fixed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.browser import browser_page
from tests.test_propose_mapping import _messy_workbook

pytestmark = pytest.mark.slow


def test_a_coordinator_maps_a_messy_workbook_sees_the_cause_and_imports(
        live_server: str, tmp_path: Path) -> None:
    book = _messy_workbook(tmp_path)
    wrong = load_workbook(book)
    wrong["Stammdaten"]["C2"] = dt.datetime(2012, 1, 1)  # P01 born after its visits
    wrong.save(tmp_path / "wrong.xlsx")
    with browser_page() as (page, errors, _):
        page.goto(live_server + "/load")
        page.set_input_files("#files", [str(tmp_path / "wrong.xlsx")])
        page.click("#check")
        page.click("#mapping-link")
        assert page.locator("h1").inner_text() == "Map your columns"
        assert page.locator("select[name='c.edss.edss']").input_value() == "EDSS score"
        assert page.locator("#preview-edss tbody tr").count() == 3
        page.click("#use-mapping")
        assert "nothing was stored" in page.locator("#verdict").inner_text()
        page.click("#issues-link")
        rules = page.locator("#counts tbody tr td:first-child").all_inner_texts()
        assert rules[0] == "before_birth"
        birth = page.locator("#issues tbody tr").first.inner_text()
        assert "dates of this patient fall before the birth date 2012-01-01" in birth

        # the clinic corrects the birth date and uploads again
        page.goto(live_server + "/load")
        page.set_input_files("#files", [str(book)])
        page.click("#check")
        page.click("#mapping-link")
        page.click("#use-mapping")
        assert "can be imported" in page.locator("#verdict").inner_text()
        assert errors == []
        page.fill("#by", "A. Coordinator")
        page.click("#import")
        assert "Imported: import 1: patients +2" in page.locator(".messages").inner_text()
        # the import leads to the cohort page, whose seed-study analysis of these two
        # patients (none treated with alemtuzumab) fails in stratify.by_median_followup
        # (a known defect outside this page); the history shows what was stored
        page.goto(live_server + "/patient/history?id=P01")
        assert page.locator("#history tbody tr").count() == 5  # patient, 2 EDSS, relapse, drug

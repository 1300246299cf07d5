"""In a real headless browser (Debian chromium) against waitress: a coordinator's workbook
with day-first text dates is mapped on the mapping screen, where its "Hosp No" and "First
symptoms" are proposed, the proposed date format is shown and the ambiguous column's format
is chosen from the list; the import asks for a name and a reason, and the version page shows
them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import browser_page
from tests.web.test_web_clinic_workbook import _clinic

pytestmark = pytest.mark.slow


def test_a_coordinator_chooses_the_date_format_and_signs_the_import(
        live_server: str, tmp_path: Path) -> None:
    book = _clinic(tmp_path / "MS_clinic_export_Nov2026.xlsx")
    with browser_page() as (page, errors, _):
        page.goto(live_server + "/load")
        page.set_input_files("#files", [str(book)])
        page.click("#check")
        assert "needs a mapping" in page.locator("#verdict").inner_text()  # no missing_file
        page.click("#map-first")
        assert page.locator("select[name='d.patients.birth_date']").input_value() \
            == "DD/MM/YYYY"
        assert page.locator("select[name='d.treatments.start_date']").input_value() == ""
        for table in ("patients", "edss", "treatments"):  # the clinic's own names: proposed
            assert page.locator(f"select[name='c.{table}.patient_id']").input_value() \
                == "Hosp No"
        assert page.locator("select[name='c.patients.onset_date']").input_value() \
            == "First symptoms"
        page.select_option("select[name='d.treatments.start_date']", "DD/MM/YYYY")
        page.click("#preview-button")
        assert page.locator("select[name='d.patients.onset_date']").input_value() \
            == "MM/YYYY"
        assert page.locator("#preview-issues").inner_text().find("bad_date") == -1
        page.click("#use-mapping")
        assert "can be imported" in page.locator("#verdict").inner_text()
        page.click("#import")  # no name: the browser's required field keeps the form
        assert page.locator("#import-form").count() == 1
        page.fill("#by", "Dr A. Smith")
        page.fill("#reason", "November export")
        page.click("#import")
        page.wait_for_selector("body[data-ready='1']", timeout=90_000)
        assert "Imported: import 1: patients +2" in page.locator(".messages").inner_text()
        page.goto(live_server + "/versions/1")
        assert page.locator("#audit-by").inner_text() == "Dr A. Smith"
        assert page.locator("#audit-reason").inner_text() == "November export"
        assert errors == []

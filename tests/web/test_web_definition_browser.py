"""In a real headless browser (Debian chromium) against waitress: a coordinator writes a study
definition with the form (no TOML), is shown a wrong field next to it, downloads the
definition as TOML, and has the cohort page analyse the study under it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from mscohort.definition import load_definition
from tests.browser import browser_page
from tests.web.conftest import import_seed_in_browser

pytestmark = pytest.mark.slow


def test_a_coordinator_fills_the_definition_form_downloads_it_and_uses_it(
        live_server: str, tmp_path: Path) -> None:
    with browser_page() as (page, errors, _):
        import_seed_in_browser(page, live_server)
        assert "lunar months of 28 days" in page.locator("main").inner_text()

        page.click("text=Study definition")
        assert page.locator("#index__drug").input_value() == "alemtuzumab"
        page.fill("#index__drug", "aspirin")
        page.select_option("#follow_up__unit", "year")
        page.fill("#baseline__window_days", "180")
        page.fill("#save_as", "in-years")
        page.click("#save")
        shown = page.locator("#errors-index__drug").inner_text()
        assert "index.drug` must be a drug of the vocabulary" in shown
        assert page.locator("#field-index__drug.invalid").count() == 1
        assert page.locator("#follow_up__unit").input_value() == "year"  # kept

        page.fill("#index__drug", "alemtuzumab")
        with page.expect_download() as info:
            page.click("#download")
        saved = tmp_path / "in-years.toml"
        info.value.save_as(saved)
        assert info.value.suggested_filename == "in-years.toml"
        downloaded = load_definition(saved)
        assert downloaded.unit == "year" and downloaded.baseline_window_days == 180

        page.click("#save")
        page.wait_for_selector("body[data-ready='1']", timeout=90_000)
        assert "saved and used for the analysis" in page.locator(".messages").inner_text()
        assert page.locator("#definition").input_value() == "in-years"
        methods = page.locator("main").inner_text()
        assert "years of 365.25 days" in methods and "lunar months of 28 days" not in methods
        kept = load_definition(tmp_path / "workspace" / "definitions" / "in-years.toml")
        assert dataclasses.replace(kept, source="") == dataclasses.replace(downloaded,
                                                                           source="")
        # the one refused form (answered 400); no script error, no CSP violation
        assert errors == ["Failed to load resource: the server responded with a status of "
                          "400 (BAD REQUEST)"]

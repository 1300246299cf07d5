"""End to end in a real headless browser (Debian chromium) against the app served by
waitress: a new user loads the example study through the upload page, sees a broken file's
issues, opens a cohort table, a patient and the safety page, and downloads a report."""

from __future__ import annotations

from pathlib import Path

import pytest

from mscohort.web.workspace import SEED
from tests.browser import browser_page

pytestmark = pytest.mark.slow


def test_a_new_user_goes_from_upload_to_tables_patients_safety_and_a_report(
        live_server: str, broken_dir: Path, tmp_path: Path) -> None:
    seed_files = [str(p) for p in sorted(SEED.glob("*.csv")) if p.name != "residuals.csv"]
    with browser_page() as (page, errors, requests):
        page.goto(live_server)
        page.click("text=Load a study")

        # a broken file: every issue listed, errors first, nothing stored, no import button
        page.set_input_files("#files", [str(p) for p in sorted(broken_dir.iterdir())])
        page.click("#check")
        assert "nothing was stored" in page.locator("#verdict").inner_text()
        assert page.locator("#issues tbody tr.error").count() > 0
        assert page.locator("#import").count() == 0
        first = page.locator("#issues tbody tr").first.locator("td").first.inner_text()
        assert first == "error"
        page.locator("#issues thead th", has_text="row").click()  # sortable
        assert page.locator("#issues thead th[aria-sort]").count() == 1

        # the example study through the same upload page
        page.goto(live_server + "/load")
        page.set_input_files("#files", seed_files)
        page.click("#check")
        assert "can be imported" in page.locator("#verdict").inner_text()
        page.fill("#by", "A. Coordinator")
        page.click("#import")
        page.wait_for_selector("body[data-ready='1']", timeout=90_000)
        assert "Imported: import 1: patients +60" in page.locator(".messages").inner_text()
        assert "60 of 60 patients analysed" in page.locator("h1").inner_text()

        # a cohort table by another split; figures with per-patient tooltips
        page.select_option("#split", label="Outcome by the drug immediately before the "
                                           "index treatment")
        page.click("#show")
        page.wait_for_selector("body[data-ready='1']")
        chosen = page.locator("#chosen table")
        assert "IFN-GA, n=26" in chosen.inner_text()
        assert page.locator("figure.plot svg").count() >= 7
        hover = page.locator("figure#figure-waterfall .mscohort-hover").first
        hover.hover()
        assert page.locator("#tooltip").is_visible()

        # download the report
        with page.expect_download() as info:
            page.click("#dl-html")
        saved = tmp_path / "report.html"
        info.value.save_as(saved)
        assert "Outcome by follow-up cohort" in saved.read_text(encoding="utf-8")

        # a patient, from the patient list
        page.click("nav >> text=Patients")
        page.locator("#patients tbody a").nth(4).click()
        page.wait_for_selector("body[data-ready='1']")
        assert page.locator("h1").inner_text().startswith("Patient TRMS")
        assert page.locator("#timeline svg").is_visible()
        assert "reference:" in page.locator("#explanation").inner_text()
        assert page.locator("#outcomes th").get_by_text("EDSS change", exact=True).count() == 1

        # screening and safety as of a chosen day
        page.click("nav >> text=Screening and safety")
        page.fill("#as_of", "2014-01-15")
        page.click("#show")
        # a new day is a new analysis: its progress page reloads itself until it is done
        page.wait_for_selector("body[data-ready='1']", timeout=90_000)
        assert "as of 2014-01-15" in page.locator("h1").inner_text()
        assert page.locator("#screening tbody tr").count() == 120  # 60 patients x 2 arms
        assert page.locator("#late tbody tr").count() > 0

        assert errors == []
        assert {r.split("/")[2] for r in requests} == {live_server.split("/")[2]}

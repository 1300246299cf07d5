"""The HTML report in a real headless browser (Debian chromium): it opens offline, shows every
section, has no console errors, and its tooltips and sortable tables work."""

from __future__ import annotations

from pathlib import Path

import pytest

from mscohort.report import Report
from tests.browser import browser_page
from tests.report.test_report_formats import SECTIONS

pytestmark = pytest.mark.slow


def test_report_opens_in_chromium_with_every_section_and_no_errors(
        toy_report: Report, tmp_path: Path) -> None:
    (path,) = toy_report.write(tmp_path / "report.html")
    with browser_page() as (page, errors, requests):
        page.goto(path.as_uri())
        page.wait_for_selector("body[data-ready='1']", timeout=15_000)
        for section in SECTIONS:
            assert page.locator(f"section#{section} h2").is_visible(), section
        assert page.locator("section#figures svg").count() == len(toy_report.figures)
        assert page.locator("section#outcome-tables table").count() == len(
            toy_report.analysis.tables)

        # every tooltip id of every figure exists in the page and got its title
        n_tips = sum(len(d.tooltips) for d in toy_report.figures)
        assert page.locator(".mscohort-hover").count() == n_tips

        # hovering a bar of the waterfall shows the patient's change
        page.locator("#waterfall-0").scroll_into_view_if_needed()
        page.hover("#waterfall-0")
        tip = page.locator("#tooltip")
        assert tip.is_visible()
        assert tip.inner_text() == toy_report.figures[1].tooltips["waterfall-0"]

        # the table of contents links to each section
        page.click("nav#toc a[href='#methods']")
        assert page.evaluate("location.hash") == "#methods"

        # sorting the cohort table by a column reorders its rows
        table = page.locator("#table-by-follow-up-cohort table")
        first = table.locator("tbody tr").first.locator("th").inner_text()
        table.locator("thead th").first.click()
        table.locator("thead th").first.click()
        assert table.locator("thead th").first.get_attribute("aria-sort") == "descending"
        assert table.locator("tbody tr").first.locator("th").inner_text() != first
    assert errors == []
    assert requests == []  # opened with no network at all

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

        # every tooltip of every figure (one per patient in a collection) found its element
        n_tips = sum(len(t) if isinstance(t, list) else 1
                     for d in toy_report.figures for t in d.tooltips.values())
        assert page.locator(".mscohort-hover").count() == n_tips

        # hovering the first bar of the waterfall (the worst change) shows that patient
        waterfall = next(d for d in toy_report.figures if d.data.key == "waterfall")
        first_bars = next(t for t in waterfall.tooltips.values() if "worsened" in t[0])
        gid = next(g for g, t in waterfall.tooltips.items() if t is first_bars)
        bar = page.locator(f"#{gid} .mscohort-hover").first
        bar.scroll_into_view_if_needed()
        bar.hover()
        tip = page.locator("#tooltip")
        assert tip.is_visible()
        assert tip.inner_text() == first_bars[0]

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

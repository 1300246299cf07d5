"""At a phone's width (375 px, an iPhone SE/mini) in a real headless browser (Debian chromium)
against waitress: no page of the app scrolls sideways. A table wider than the screen scrolls
inside its own box (``.scroll``, overflow-x: auto), so every column stays reachable; form
controls and fieldsets shrink to the screen (docs/web.md, "Phones")."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import browser_page
from tests.test_propose_mapping import _messy_workbook
from tests.web.conftest import import_seed_in_browser

pytestmark = pytest.mark.slow

PHONE = {"width": 375, "height": 812}
DESK = {"width": 1200, "height": 900}


def _page_width(page: object) -> int:
    """The page's own width at a phone's width (wider than 375: it scrolls sideways)."""
    page.set_viewport_size(PHONE)  # type: ignore[attr-defined]
    try:
        return int(page.evaluate(  # type: ignore[attr-defined]
            "document.documentElement.scrollWidth"))
    finally:
        page.set_viewport_size(DESK)  # type: ignore[attr-defined]


def _scrolls_in_its_box(page: object, selector: str) -> bool:
    """Whether the table ``selector`` is wider than the phone and its box scrolls sideways."""
    page.set_viewport_size(PHONE)  # type: ignore[attr-defined]
    try:
        return bool(page.locator(selector).first.evaluate(  # type: ignore[attr-defined]
            """t => { const box = t.closest('.scroll');
                      return box !== null && getComputedStyle(box).overflowX === 'auto'
                             && box.scrollWidth > box.clientWidth; }"""))
    finally:
        page.set_viewport_size(DESK)  # type: ignore[attr-defined]


def test_no_page_scrolls_sideways_on_a_phone(live_server: str, broken_dir: Path,
                                              tmp_path: Path) -> None:
    with browser_page() as (page, errors, _):
        # the mapping screen and its preview of a workbook with the clinic's own headers
        page.goto(live_server + "/load")
        page.set_input_files("#files", [str(_messy_workbook(tmp_path))])
        page.click("#check")
        page.click("#mapping-link")
        page.click("#preview-button")
        assert page.locator("table[id^='preview-']").count() > 0
        assert _page_width(page) <= PHONE["width"], "mapping"
        assert _scrolls_in_its_box(page, "table[id^='preview-']")

        # the check of broken files and its issues page
        page.goto(live_server + "/load")
        page.set_input_files("#files", [str(p) for p in sorted(broken_dir.iterdir())])
        page.click("#check")
        page.wait_for_selector("#verdict", timeout=90_000)
        assert _page_width(page) <= PHONE["width"], "check"
        page.click("#issues-link")
        assert page.locator("#issues tbody tr").count() > 0
        assert _page_width(page) <= PHONE["width"], "issues"
        assert _scrolls_in_its_box(page, "#issues")

        # the example study: cohort, patients, a patient, screening and safety
        import_seed_in_browser(page, live_server)
        for path, table in [("/cohort", "#chosen table"), ("/patients", "#patients"),
                            ("/patient?id=TRMS01", None), ("/safety", "#late")]:
            page.goto(live_server + path)
            page.wait_for_selector("body[data-ready='1']", timeout=90_000)
            assert _page_width(page) <= PHONE["width"], path
            if table is not None:
                assert _scrolls_in_its_box(page, table), path
        assert errors == []

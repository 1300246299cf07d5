"""In a real headless browser (Debian chromium) against waitress: a coordinator loads a REDCap
project from the load page (export and data dictionary, the ready MS mapping), sees it pass
the check and imports it; and the API form never shows the token back."""

from __future__ import annotations

import pytest

from tests.browser import browser_page
from tests.interop.conftest import DATA
from tests.interop.redcap_server import TOKEN

pytestmark = pytest.mark.slow
REDCAP = DATA / "redcap"


def test_a_coordinator_loads_a_redcap_export_and_imports_it(live_server: str) -> None:
    with browser_page() as (page, errors, requests):
        page.goto(live_server + "/load")
        page.set_input_files("#redcap_export", str(REDCAP / "export_label.csv"))
        page.set_input_files("#redcap_dictionary", str(REDCAP / "dictionary.csv"))
        page.click("#redcap-check")
        page.wait_for_selector("#verdict", timeout=90_000)
        assert "can be imported" in page.locator("#verdict").inner_text()
        assert "ready MS mapping" in page.locator("#redcap-files").inner_text()
        page.fill("#by", "A. Coordinator")
        page.click("#import")
        page.wait_for_selector("body[data-ready='1']", timeout=90_000)
        assert "Imported: import 1: patients +" in page.locator(".messages").inner_text()

        # plain http without the server's allow-http setting: refused, the token not echoed
        page.goto(live_server + "/load")
        page.fill("#redcap_url", "http://127.0.0.1:9/api/")
        page.fill("#redcap_token", TOKEN)
        page.click("#redcap-fetch")
        assert "must be an address starting with https://" in page.locator(".messages").inner_text()
        assert page.locator("#redcap_token").input_value() == ""
        assert TOKEN not in page.content()
        assert errors == ["Failed to load resource: the server responded with a status of "
                          "400 (BAD REQUEST)"]  # that refused form; nothing else
        assert all(r.startswith(live_server) for r in requests)

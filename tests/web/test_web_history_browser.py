"""In a real headless browser (Debian chromium) against waitress: a coordinator opens a
patient's history, corrects one EDSS with a reason, is told why a bad value is refused
(the form keeps what was typed, the value marked with its rule), and sees the correction as
a new version."""

from __future__ import annotations

import pytest

from tests.browser import browser_page
from tests.web.conftest import import_seed_in_browser
from tests.web.seed_record import first_visit, step_up

pytestmark = pytest.mark.slow


def test_a_coordinator_corrects_one_record_and_sees_its_history(live_server: str) -> None:
    with browser_page() as (page, errors, _):
        import_seed_in_browser(page, live_server)

        page.goto(live_server + "/patients/TRMS01")
        page.wait_for_selector("body[data-ready='1']")
        page.click("#history-link")
        assert page.locator("h1").inner_text() == "History of patient TRMS01"
        added = page.locator("#history tbody tr").count()
        assert added > 0

        first = first_visit()  # TRMS01's first EDSS visit, read from the seed's edss.csv
        new = f"{step_up(first.edss):.1f}"
        record = f"edss {first.key}"
        page.select_option("#correct select[name=record]", label=page.locator(
            "#correct option", has_text=record).inner_text())
        page.fill("#correct input[name=column]", "edss")
        page.fill("#correct input[name=value]", "0.5")
        page.fill("#correct input[name=reason]", "typo fixed at the clinic")
        page.fill("#correct input[name=by]", "A. Nurse")
        page.click("#correct button")
        messages = page.locator(".messages").inner_text()
        assert "0.5 is not an EDSS step" in messages and "nothing was changed" in messages
        assert page.locator("#history tbody tr").count() == added
        # the refused correction is still in the form, the value marked with its rule
        assert page.locator("#correct select[name=record] option:checked").inner_text() \
            .startswith(record)
        assert [page.locator(f"#correct input[name={n}]").input_value() for n in
                ("column", "value", "reason", "by")] == [
            "edss", "0.5", "typo fixed at the clinic", "A. Nurse"]
        value = page.locator("#correct input[name=value]")
        assert value.get_attribute("aria-invalid") == "true"
        assert page.evaluate("document.activeElement.name") == "value"  # focused to retype
        assert page.locator("#errors-value").inner_text().startswith(
            "edss = '0.5' breaks the rule invalid_edss: EDSS 0.5 is not an EDSS step")
        assert page.locator("[aria-invalid]").count() == 1

        value.fill(new)  # only the refused value is typed again
        page.click("#correct button")
        assert "Corrected: import 2" in page.locator(".messages").inner_text()
        assert page.locator("#history tbody tr").count() == added + 1
        last = page.locator("#history tbody tr").last.inner_text()
        assert "changed" in last and f"edss: {first.text} -> {new}" in last and "A. Nurse" in last
        assert page.locator("#correct input[name=value]").input_value() == ""  # stored: cleared
        assert errors == ["Failed to load resource: the server responded with a status of "
                          "400 (BAD REQUEST)"]  # the refused correction's page

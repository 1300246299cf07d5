"""Debian's chromium, driven by Playwright, for the tests that open pages in a real browser.

Browser tests skip when chromium is not installed, unless ``MSCOHORT_REQUIRE_BROWSER=1`` (set
by ``.ci/run``, which installs chromium) turns the missing browser into a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

#: the flags the machine's notes give for chromium in a closed network, run as root
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str:
    path = os.environ.get("MSCOHORT_CHROMIUM") or shutil.which("chromium")
    if path is None:
        if os.environ.get("MSCOHORT_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium is required (MSCOHORT_REQUIRE_BROWSER=1) but not installed: "
                        "apt-get install chromium")
        pytest.skip("chromium not installed (apt-get install chromium); .ci/run installs it")
    return path


@contextmanager
def browser_page() -> Iterator[tuple[object, list[str], list[str]]]:
    """A new page, the console errors and page errors it logs, and every non-file request."""
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    errors: list[str] = []
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=FLAGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url)
                    if not r.url.startswith(("file:", "data:")) else None)
            yield page, errors, requests
        finally:
            browser.close()

"""The patient page's timeline in a real headless browser (Debian chromium) against
waitress: the legend sits above the plotting area, so no relapse, course, event or EDSS
marker is hidden under it; the figure's description gives its numbers; every marker's
tooltip opens from the keyboard (issue #22)."""

from __future__ import annotations

from urllib.parse import quote

import polars as pl
import pytest

from mscohort.web.workspace import SEED
from tests.browser import browser_page

pytestmark = pytest.mark.slow

#: the legend's box and the box of every marker drawn in the plotting area (matplotlib
#: writes a marker as a <use> of a shared path), in screen pixels
BOXES = """() => {
  const svg = document.querySelector('#timeline svg');
  const legend = svg.querySelector('g#timeline-legend');
  const box = e => { const r = e.getBoundingClientRect();
                     return {x0: r.left, y0: r.top, x1: r.right, y1: r.bottom}; };
  const markers = [...svg.querySelectorAll('use')].filter(u => !legend.contains(u))
    .map(u => ({...box(u), what: (u.closest('[aria-label]') || u).getAttribute('aria-label')}));
  return {legend: box(legend), markers,
          labels: [...legend.querySelectorAll('text')].map(t => t.textContent),
          desc: svg.querySelector('desc').textContent,
          relapses: svg.querySelectorAll("[aria-label^='relapse ']").length};
}"""


def _overlap(a: dict, b: dict) -> bool:
    return a["x0"] < b["x1"] and b["x0"] < a["x1"] and a["y0"] < b["y1"] and b["y0"] < a["y1"]


def test_patient_timeline_legend_covers_no_marker_and_tooltips_open_by_keyboard(
        live_server: str) -> None:
    # every patient of the example with a relapse: their crosses are drawn along the top
    # of the EDSS axis, where a legend inside the axes would sit
    relapses = pl.read_csv(SEED / "relapses.csv", infer_schema_length=0)
    ids = relapses["patient_id"].unique(maintain_order=True).to_list()
    assert len(ids) >= 10
    checked = 0
    with browser_page() as (page, errors, _):
        # the example through the load page, as tests/web/conftest.py import_seed_in_browser
        # does, waiting longer for the first analysis on a busy machine
        page.goto(live_server + "/load")
        page.set_input_files("#files", [str(p) for p in sorted(SEED.glob("*.csv"))
                                        if p.name != "residuals.csv"])
        page.click("#check")
        page.fill("#by", "A. Coordinator")
        page.click("#import")
        page.wait_for_selector("body[data-ready='1']", timeout=400_000)
        for pid in ids:
            page.goto(f"{live_server}/patient?id={quote(pid)}")
            page.wait_for_selector("body[data-ready='1']")
            boxes = page.evaluate(BOXES)
            assert {"EDSS", "relapse"} <= set(boxes["labels"]), pid
            assert boxes["markers"], pid
            covered = [m for m in boxes["markers"] if _overlap(boxes["legend"], m)]
            assert covered == [], (pid, boxes["legend"], covered)
            # the figure in words gives the relapses its crosses show
            n = boxes["relapses"]
            assert f"; {n} relapse{'' if n == 1 else 's'};" in boxes["desc"], pid
            checked += 1
        # the last patient's relapse marks: Tab reaches each, focus shows its tooltip
        marks = page.locator("#timeline .mscohort-hover[aria-label^='relapse ']")
        assert marks.count() >= 1
        tip = page.locator("#tooltip")
        for k in range(marks.count()):
            mark = marks.nth(k)
            assert mark.get_attribute("tabindex") == "0"
            mark.focus()
            assert tip.is_visible()
            assert tip.inner_text() == mark.get_attribute("aria-label")
            assert tip.inner_text().startswith("relapse ")
    assert checked == len(ids)
    assert errors == []

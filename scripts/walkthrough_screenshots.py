"""Screenshots of docs/walkthrough.md: the web app's mapping screen, issues by rule, a
patient's history after a correction and the changes of a re-imported corrected file,
taken in headless chromium against a temporary workspace. Run:
.venv/bin/python scripts/walkthrough_screenshots.py (writes docs/images/)."""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT))

from openpyxl import load_workbook  # noqa: E402
from tests.browser import browser_page  # noqa: E402
from tests.test_propose_mapping import _messy_workbook  # noqa: E402
from tests.web.conftest import free_port  # noqa: E402

from mscohort.web import WebConfig, create_app  # noqa: E402
from mscohort.web.workspace import SEED  # noqa: E402

OUT = ROOT / "docs" / "images"


def main() -> None:
    import waitress

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        book = _messy_workbook(tmp_path)
        wrong = load_workbook(book)
        wrong["Stammdaten"]["C2"] = dt.datetime(2012, 1, 1)
        wrong.save(tmp_path / "clinic-wrong-birth-date.xlsx")
        port = free_port()
        app = create_app(WebConfig(tmp_path / "ws", port=port))
        server = waitress.create_server(app, host="127.0.0.1", port=port, threads=4)
        threading.Thread(target=server.run, daemon=True).start()
        base = f"http://127.0.0.1:{port}"
        try:
            with browser_page() as (page, _, _):
                page.set_default_timeout(300_000)  # the cohort page analyses the seed
                page.goto(base + "/load")
                page.set_input_files("#files", [str(tmp_path / "clinic-wrong-birth-date.xlsx")])
                page.click("#check")
                page.click("#mapping-link")
                page.screenshot(path=OUT / "mapping.png", full_page=True)
                page.click("#use-mapping")
                page.click("#issues-link")
                page.screenshot(path=OUT / "issues.png", full_page=True)
                seed = [str(p) for p in sorted(SEED.glob("*.csv")) if p.name != "residuals.csv"]
                page.goto(base + "/load")
                page.set_input_files("#files", seed)
                page.click("#check")
                page.click("#import")
                page.wait_for_selector("body[data-ready='1']", timeout=120_000)
                page.goto(base + "/patient/history?id=TRMS01")
                page.select_option("#correct select[name=record]", index=1)
                page.fill("#correct input[name=column]", "edss")
                page.fill("#correct input[name=value]", "5.5")
                page.fill("#correct input[name=reason]", "EDSS typo fixed at the clinic")
                page.fill("#correct input[name=by]", "A. Nurse")
                page.click("#correct button")
                page.screenshot(path=OUT / "history.png")  # the first screen: messages, table
                corrected = tmp_path / "corrected"
                corrected.mkdir()
                for p in seed:
                    text = Path(p).read_text(encoding="utf-8")
                    (corrected / Path(p).name).write_text(text.replace(
                        "TRMS01,2006-07-16,5.5\n", "TRMS01,2006-07-16,6.0\n"), encoding="utf-8")
                page.goto(base + "/load")
                page.set_input_files("#files", [str(p) for p in sorted(corrected.iterdir())])
                page.click("#check")
                page.click("#review")
                page.fill("#by", "A. Nurse")
                page.fill("#reason", "EDSS typo fixed at the clinic")
                page.screenshot(path=OUT / "changes.png", full_page=True)
        finally:
            server.close()
    print(f"wrote {', '.join(p.name for p in sorted(OUT.glob('*.png')))} to {OUT}")


if __name__ == "__main__":
    main()

"""Issue #16, web item 7: patient identifiers with "/" and other characters that mean
something in a URL open their page, through the real server (links taken from the patient
list, as a browser follows them)."""

from __future__ import annotations

import html
import re
from pathlib import Path

from mscohort.store import import_folder
from mscohort.web import WebConfig
from mscohort.web.workspace import SEED
from tests.web.conftest import Http, free_port, serving, settle

#: seed patient -> an identifier that a URL would mangle unless it is encoded
ODD_IDS = {"TRMS01": "MS/0005", "TRMS02": "A?B#1", "TRMS03": "50% & more", "TRMS04": "..",
           "TRMS05": "x//y/", "TRMS06": "Ü+1"}


def odd_study(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for p in SEED.glob("*.csv"):
        if p.name == "residuals.csv":
            continue
        text = p.read_text(encoding="utf-8")
        for old, new in ODD_IDS.items():
            text = text.replace(f"{old},", f'"{new}",')
        (folder / p.name).write_text(text, encoding="utf-8")
    return folder


def test_patients_whose_ids_hold_url_characters_open_their_page(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    import_folder(odd_study(tmp_path / "study"), ws / "study.duckdb")
    with serving(WebConfig(ws, port=free_port())) as url:
        c = Http(url)
        listing = settle(c, c.get("/patients"))  # the first analysis is a job
        assert listing.status == 200
        links = {html.unescape(text): html.unescape(href) for href, text in re.findall(
            r'<td><a href="([^"]+)">([^<]+)</a></td>', listing.text)}
        for pid in ODD_IDS.values():
            href = links[pid]
            page = c.get(href)
            assert page.status == 200, (pid, href)
            assert f"<h1>Patient {html.escape(pid)}</h1>" in page.text, pid
            # and its history, through the patient page's link
            history = html.unescape(re.search(r'id="history-link" href="([^"]+)"',
                                              page.text).group(1))
            listed = c.get(history)
            assert listed.status == 200, (pid, history)
            assert f"History of patient {html.escape(pid)}" in listed.text, pid
        # the path form answers for an id with "/" too (an old bookmark)
        assert "<h1>Patient MS/0005</h1>" in c.get("/patients/MS/0005").text
        assert c.get("/patient?id=NOBODY").status == 404
        assert c.get("/patient").status == 404

"""Issue #23 item 4: the patient list and the screening and safety lists come a page at a
time, sorted and filtered on the server (DuckDB), through the real server."""

from __future__ import annotations

import html
import re
from urllib.parse import urlencode

import pytest

from mscohort.store import import_folder
from mscohort.synthetic import make_synthetic_cohort, write_study_folder
from mscohort.web import WebConfig
from mscohort.web.paging import PAGE_SIZE
from tests.web.conftest import Http, free_port, serving, settle

N_PATIENTS = 450  #: three pages of patients


def _cells(page: str, table: str) -> list[list[str]]:
    body = re.search(rf'<table id="{table}".*?<tbody>(.*?)</tbody>', page, re.S).group(1)  # type: ignore[union-attr]
    return [[html.unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<td>(.*?)</td>", r)]
            for r in re.findall(r"<tr>(.*?)</tr>", body)]


def _link(page: str, anchor: str) -> str:
    return html.unescape(re.search(rf'id="{anchor}"[^>]*href="([^"]+)"', page).group(1))  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> str:  # type: ignore[misc]
    tmp = tmp_path_factory.mktemp("lists")
    write_study_folder(make_synthetic_cohort(N_PATIENTS, seed=4), tmp / "study")
    (tmp / "ws").mkdir()
    import_folder(tmp / "study", tmp / "ws" / "study.duckdb")
    with serving(WebConfig(tmp / "ws", port=free_port())) as url:
        yield url


def test_the_patient_list_pages_on_the_server_and_page_two_has_the_next_rows(base: str) -> None:
    c = Http(base)
    first = settle(c, c.get("/patients"))  # the first analysis is a job
    rows = _cells(first.text, "patients")
    assert len(rows) == PAGE_SIZE
    assert [r[0] for r in rows] == [f"S{i:07d}" for i in range(PAGE_SIZE)]  # by identifier
    assert f"Rows 1 to {PAGE_SIZE} of {N_PATIENTS}" in first.text
    assert "Page 1 of 3" in first.text and 'id="patients-prev"' not in first.text
    second = c.get(_link(first.text, "patients-next"))
    assert [r[0] for r in _cells(second.text, "patients")] == [
        f"S{i:07d}" for i in range(PAGE_SIZE, 2 * PAGE_SIZE)]
    last = c.get(_link(second.text, "patients-next"))
    assert len(_cells(last.text, "patients")) == N_PATIENTS - 2 * PAGE_SIZE
    assert 'id="patients-next"' not in last.text
    assert len(first.text) < 200_000  # a page of rows, not the registry


def test_the_patient_list_filters_and_sorts_on_the_server(base: str) -> None:
    c = Http(base)
    settle(c, c.get("/patients"))
    narrowed = c.get("/patients?patients_q=s000012")  # case-insensitive part of the id
    ids = [r[0] for r in _cells(narrowed.text, "patients")]
    assert ids == [f"S{i:07d}" for i in range(120, 130)]  # S0000012 has five zeros
    assert f"of 10 (of {N_PATIENTS} before the filter)" in narrowed.text
    down = c.get("/patients?patients_sort=patient_id&patients_desc=1")
    assert _cells(down.text, "patients")[0][0] == f"S{N_PATIENTS - 1:07d}"
    by_change = c.get("/patients?patients_sort=edss_change&patients_desc=1")
    changes = [float(r[5]) for r in _cells(by_change.text, "patients") if r[5]]
    assert changes and changes == sorted(changes, reverse=True)
    # a header links to the list sorted by its column (cohort: the first header not sorted
    # now), from page 1, the filter kept
    link = _link(narrowed.text.replace('<th scope="col"><a href', '<th scope="col"><a id="h" '
                                       'href', 1), "h")
    assert "patients_q=s000012" in link and "patients_sort=cohort" in link
    assert "patients_page=1" in link and "patients_desc=0" in link
    assert 'aria-sort="ascending"><a href' in narrowed.text  # patient_id, the sort now
    assert c.get("/patients?patients_page=x&patients_sort=nonsense").status == 200


def test_the_screening_list_pages_and_filters_by_decision(base: str) -> None:
    c = Http(base)
    first = settle(c, c.get("/safety?as_of=2020-06-30"))
    rows = _cells(first.text, "screening")
    assert len(rows) == PAGE_SIZE
    second = c.get(_link(first.text, "screening-next"))
    more = _cells(second.text, "screening")
    assert more and more[0][0] >= rows[-1][0]  # next by patient
    assert not {(r[0], r[1]) for r in rows} & {(r[0], r[1]) for r in more}
    assert "as of 2020-06-30" in second.text  # the day travels with the pages
    decisions = {r[3] for r in rows + more}
    chosen = sorted(decisions)[0]
    only = c.get("/safety?" + urlencode({"as_of": "2020-06-30", "screening_decision": chosen}))
    kept = _cells(only.text, "screening")
    assert kept and {r[3] for r in kept} == {chosen}

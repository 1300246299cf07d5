"""The web app's pages through Flask's test client: loading (upload, workbook, mapping,
definition, broken files), the cohort tables and downloads against the analysis, the patient
and safety pages."""

from __future__ import annotations

import io
import re
from pathlib import Path

import polars as pl
import pytest
from openpyxl import Workbook

from mscohort.analyse.study import analyse_study
from mscohort.definition import load_definition
from mscohort.ingest import read_study
from mscohort.ingest.formulas import neutralise
from mscohort.validate import load_study
from mscohort.web.workspace import SEED
from tests.test_store import snapshot
from tests.web.conftest import csrf


def upload(client, files: dict[str, bytes], **extra: tuple[io.BytesIO, str]):
    data: dict[str, object] = {"csrf_token": csrf(client),
                               "files": [(io.BytesIO(b), n) for n, b in files.items()]}
    data |= extra
    return client.post("/load", data=data, content_type="multipart/form-data")


def import_from(client, validation_url: str):
    page = client.get(validation_url).get_data(as_text=True)
    action = re.search(r'action="(/load/[^"]+/import)"', page)
    assert action, "no import button"
    return client.post(action.group(1), data={"csrf_token": csrf(client),
                                              "by": "A. Coordinator"})


def load_seed(client) -> None:
    files = {p.name: p.read_bytes() for p in SEED.glob("*.csv") if p.name != "residuals.csv"}
    r = upload(client, files)
    assert r.status_code == 302
    assert import_from(client, r.location).status_code == 302


@pytest.fixture(scope="module")
def seed_analysis():
    study = load_study(read_study(SEED))
    return analyse_study(study, load_definition(SEED / "study.toml"))


def test_a_broken_study_shows_every_issue_and_stores_nothing(client, app,
                                                             broken_dir: Path) -> None:
    load_seed(client)
    ws = app.extensions["mscohort"]["workspace"]
    before = snapshot(ws.db)
    files = {p.name: p.read_bytes() for p in broken_dir.iterdir()}
    r = upload(client, files)
    page = client.get(r.location).get_data(as_text=True)
    assert 'id="import"' not in page and "nothing was stored" in page
    n_errors = int(re.search(r'id="verdict" role="alert">(\d+) error', page).group(1))
    assert n_errors > 0 and page.count('<tr class="error">') == n_errors
    # the import endpoint refuses too, whatever the form says
    action = r.location + "/import"
    assert client.post(action, data={"csrf_token": csrf(client), "by": "A. Coordinator"}
                       ).status_code == 302
    assert snapshot(ws.db) == before


def test_a_workbook_with_a_mapping_and_a_definition_loads(client, app) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "Patients"
    sheet.append(["ID", "sex", "birth_date", "onset_date"])
    sheet.append(["A1", "F", "1980-01-01", "2005-01-01"])
    visits = book.create_sheet("Visits")
    visits.append(["ID", "date", "edss"])
    visits.append(["A1", "2020-01-01", 3.0])
    buf = io.BytesIO()
    book.save(buf)
    mapping = (b'[patients]\nsheet = "Patients"\ncolumns = { patient_id = "ID" }\n'
               b'[edss]\nsheet = "Visits"\ncolumns = { patient_id = "ID" }\n')
    definition = (SEED / "study.toml").read_bytes().replace(b"Phase I interim", b"uploaded")
    r = upload(client, {"clinic.xlsx": buf.getvalue()},
               mapping=(io.BytesIO(mapping), "mapping.toml"),
               definition=(io.BytesIO(definition), "study.toml"))
    assert r.status_code == 302, r.get_data(as_text=True)
    done = import_from(client, r.location)
    assert "definition=uploaded-" in done.location
    ws = app.extensions["mscohort"]["workspace"]
    assert len(ws.definitions()) == 2
    from mscohort.store import StudyStore
    with StudyStore(ws.db, read_only=True) as store:
        assert store.counts()["patients"] == 1 and store.counts()["edss"] == 1


def test_a_bad_mapping_is_reported_and_nothing_stored(client, app) -> None:
    r = upload(client, {"patients.csv": b"patient_id\nP1\n"},
               mapping=(io.BytesIO(b"[nonsense]\nx = 1\n"), "mapping.toml"))
    page = client.get(r.location).get_data(as_text=True)
    assert 'class="verdict error"' in page and "nonsense" in page
    assert not app.extensions["mscohort"]["workspace"].db.exists()


def test_cohort_page_shows_the_chosen_split_as_the_analysis_has_it(client,
                                                                   seed_analysis) -> None:
    load_seed(client)
    page = client.get("/cohort?split=by immediate prior DMD").get_data(as_text=True)
    frame = seed_analysis.tables["by immediate prior DMD"]
    chosen = page.split('<section id="chosen">', 1)[1].split("</section>", 1)[0]
    assert frame["table"][0] in chosen
    for r in frame.filter(pl.col("measure") == "change EDSS").iter_rows(named=True):
        assert f"{r['group']}, n={r['n_group']}" in chosen
        cell = r["text"].rsplit(", n=", 1)[0].replace(" ± ", "\u00a0±\u00a0").replace(
            " to ", "\u00a0to\u00a0")
        assert cell in chosen
    assert client.get("/cohort?split=nonsense").status_code == 404


def test_downloads_are_the_report_and_the_analysis_tables(client, seed_analysis) -> None:
    load_seed(client)
    r = client.get("/cohort/table.csv?split=by follow-up cohort")
    got = pl.read_csv(io.BytesIO(r.data))
    want = neutralise(seed_analysis.tables["by follow-up cohort"])  # "-0.5 ..." -> "'-0.5 ..."
    assert got["text"].to_list() == want["text"].to_list()
    r = client.get("/cohort/table.csv?split=outcomes")
    assert pl.read_csv(io.BytesIO(r.data)).height == 60
    html = client.get("/cohort/report.html")
    assert "attachment" in html.headers["Content-Disposition"]
    assert b"Outcome by follow-up cohort" in html.data
    xlsx = client.get("/cohort/report.xlsx")
    assert xlsx.data[:2] == b"PK"
    assert client.get("/cohort/report.pdf").status_code == 404


def test_patient_page_shows_timeline_events_and_outcomes(client, seed_analysis) -> None:
    load_seed(client)
    row = seed_analysis.outcomes.filter(pl.col("cdw_observed")).row(0, named=True)
    page = client.get(f"/patients/{row['patient_id']}").get_data(as_text=True)
    assert "<svg" in page and 'id="events"' in page and "reference:" in page
    # labelled from the one label dictionary, EDSS at one decimal with its sign
    # (definition/labels.py; e.g. +1.5)
    change = f"{row['edss_change']:+.1f}" if row["edss_change"] else "0.0"
    assert f"<th scope=\"row\">EDSS change</th><td>{change}</td>" in page
    assert "edss_change" not in page and "arr_before" not in page
    assert client.get("/patients/NOBODY").status_code == 404


def test_safety_page_judges_on_the_chosen_day(client) -> None:
    load_seed(client)
    early = client.get("/safety?as_of=2013-01-01").get_data(as_text=True)
    late = client.get("/safety?as_of=2014-06-30").get_data(as_text=True)
    assert "as of 2013-01-01" in early and "as of 2014-06-30" in late
    assert 'id="screening"' in late
    r = client.get("/safety?as_of=30/06/2014")
    assert r.status_code == 302
    assert "must be a date YYYY-MM-DD" in client.get(r.location).get_data(as_text=True)


def test_pages_without_a_study_send_you_to_load_one(client) -> None:
    for page in ("/cohort", "/patients", "/safety"):
        r = client.get(page)
        assert r.status_code == 302 and r.location.endswith("/load"), page
    assert "No study is loaded yet" in client.get("/").get_data(as_text=True)


def test_safety_page_without_lab_results_says_none_are_recorded(client) -> None:
    files = {p.name: p.read_bytes() for p in SEED.glob("*.csv")
             if p.name not in ("residuals.csv", "labs.csv")}
    r = upload(client, files)
    assert r.status_code == 302
    assert import_from(client, r.location).status_code == 302
    page = client.get("/safety?as_of=2014-06-30").get_data(as_text=True)
    assert "No laboratory result is in the records" in page
    assert "0 of" in page and "are overdue or due" in page

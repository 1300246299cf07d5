"""REDCap in the web app: an export with its data dictionary (and the ready MS mapping, or an
uploaded one), or the API with an address and a token, goes through the same check page and
all-or-nothing import as any upload; the token is never written, logged or shown."""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path

import pytest

from mscohort.ingest import read_study
from mscohort.store import StudyStore
from mscohort.study import Study
from mscohort.validate import check_study
from mscohort.web import WebConfig, create_app
from tests.conftest import AS_OF
from tests.interop.conftest import DATA
from tests.interop.redcap_server import TOKEN, redcap_server
from tests.test_store import snapshot
from tests.web.conftest import JobFollowingClient, csrf, shutdown_jobs
from tests.web.test_web_pages import import_from, load_seed

REDCAP = DATA / "redcap"
READY = Path(__file__).parents[2] / "src" / "mscohort" / "datasets" / "interop"


@pytest.fixture(scope="module")
def canonical() -> Study:
    """The study the REDCap fixtures hold (tests/data/interop/canonical), validated."""
    study, report = check_study(read_study(DATA / "canonical"), as_of=AS_OF)
    assert report.ok
    return study


def _post_export(client, export: bytes, dictionary: bytes | None = None, **extra):
    data: dict[str, object] = {
        "csrf_token": csrf(client),
        "redcap_export": (io.BytesIO(export), "export.csv"),
        "redcap_dictionary": (io.BytesIO(dictionary if dictionary is not None else
                                         (REDCAP / "dictionary.csv").read_bytes()),
                              "dictionary.csv")} | extra
    return client.post("/load/redcap", data=data, content_type="multipart/form-data")


#: the tables the ready MS mapping fills (as tests/interop/test_redcap.py compares them)
TABLES = ("patients", "edss", "relapses", "treatments", "infusions")


def assert_same_study(study: Study, canonical: Study) -> None:
    for table in TABLES:
        assert study.table(table).equals(canonical.table(table)), table


def _stored(app):
    with StudyStore(app.extensions["mscohort"]["workspace"].db, read_only=True) as store:
        return store.study()


def test_an_export_and_its_dictionary_are_checked_and_imported(client, app, canonical
                                                               ) -> None:
    r = _post_export(client, (REDCAP / "export_raw.csv").read_bytes())  # the ready mapping
    assert r.status_code == 302
    page = client.get(r.location).get_data(as_text=True)
    assert "the files can be imported" in page
    assert "REDCap project: redcap_dictionary.csv, redcap_export.csv, with the ready MS " \
        "mapping" in page and 'id="mapping-link"' not in page
    assert client.get(r.location + "/mapping").status_code == 404  # its mapping is a TOML
    issues = client.get(r.location + "/issues")
    assert issues.status_code == 200  # the issues page reads the REDCap project too
    assert import_from(client, r.location).status_code == 302
    assert_same_study(_stored(app), canonical)
    assert list((app.extensions["mscohort"]["workspace"].root / "uploads").iterdir()) == []


def test_a_label_export_with_an_uploaded_mapping_is_imported(client, app, canonical) -> None:
    mapping = (READY / "redcap_ms.toml").read_bytes()
    r = _post_export(client, (REDCAP / "export_label.csv").read_bytes(),
                     redcap_mapping=(io.BytesIO(mapping), "mine.toml"))
    assert r.status_code == 302
    assert import_from(client, r.location).status_code == 302
    assert_same_study(_stored(app), canonical)


def test_bad_records_are_shown_and_nothing_is_stored(client, app) -> None:
    load_seed(client)
    before = snapshot(app.extensions["mscohort"]["workspace"].db)
    text = (REDCAP / "export_raw.csv").read_text().replace("2013-05-02,3.0", "2013-05-02,3.2")
    r = _post_export(client, text.encode())
    page = client.get(r.location).get_data(as_text=True)
    assert "invalid_edss" in page and "nothing was stored" in page
    assert re.search(r'action="(/load/[^"]+/import)"', page) is None  # no import button
    assert "invalid_edss" in client.get(r.location + "/issues").get_data(as_text=True)
    assert snapshot(app.extensions["mscohort"]["workspace"].db) == before


def test_a_missing_dictionary_or_a_wrong_file_is_refused_naming_it(client, app) -> None:
    r = client.post("/load/redcap", data={
        "csrf_token": csrf(client), "redcap_export": (io.BytesIO(b"PK\x03\x04"), "e.xlsx"),
        "redcap_mapping": (io.BytesIO(b"x"), "m.txt")}, content_type="multipart/form-data")
    page = r.get_data(as_text=True)
    assert r.status_code == 400
    assert "e.xlsx (REDCap export): must be a .csv file" in page
    assert "no data dictionary was chosen" in page
    assert "m.txt (REDCap mapping): must be a .toml file" in page
    assert list((app.extensions["mscohort"]["workspace"].root / "uploads").iterdir()) == []


def test_a_mapping_mistake_is_named_on_the_check_page(client) -> None:
    bad = (READY / "redcap_ms.toml").read_text().replace('record_id = "record_id"',
                                                          'record_id = "study_id"')
    assert bad != (READY / "redcap_ms.toml").read_text()
    r = _post_export(client, (REDCAP / "export_raw.csv").read_bytes(),
                     redcap_mapping=(io.BytesIO(bad.encode()), "m.toml"))
    page = client.get(r.location).get_data(as_text=True)
    assert r.status_code == 302 and "study_id" in page


@pytest.fixture()
def http_app(tmp_path: Path):
    app = create_app(WebConfig(tmp_path / "ws", redcap_allow_http=True))
    app.test_client_class = JobFollowingClient
    yield app
    shutdown_jobs(app)


def _everything_written(root: Path) -> str:
    return "\n".join(p.read_bytes().decode("latin-1") for p in root.rglob("*") if p.is_file())


def test_the_api_path_fetches_checks_and_imports_without_keeping_the_token(
        http_app, canonical, caplog) -> None:
    client = http_app.test_client()
    ws = http_app.extensions["mscohort"]["workspace"]
    caplog.set_level(logging.DEBUG)
    with redcap_server(REDCAP / "export_raw.csv", REDCAP / "dictionary.csv") as (url, seen):
        r = client.post("/load/redcap-api", data={"csrf_token": csrf(client),
                                                  "redcap_url": url, "redcap_token": TOKEN})
        assert r.status_code == 302 and "/load/" in r.location  # the job ended: the check
        page = client.get(r.location).get_data(as_text=True)
        assert "the files can be imported" in page
        assert {s["content"] for s in seen} == {"record", "metadata"}
        fetched = list((ws.root / "uploads").rglob("redcap_*.csv"))
        assert {p.name for p in fetched} == {"redcap_export.csv", "redcap_dictionary.csv"}
        assert {p.stat().st_mode & 0o777 for p in fetched} == {0o600}  # patient data
        assert TOKEN not in _everything_written(ws.root)
        assert TOKEN not in page
        assert import_from(client, r.location).status_code == 302
    assert_same_study(_stored(http_app), canonical)
    assert TOKEN not in _everything_written(ws.root)
    assert all(TOKEN not in rec.getMessage() for rec in caplog.records)


def test_a_wrong_token_is_refused_by_the_server_and_never_shown(http_app) -> None:
    client = http_app.test_client()
    ws = http_app.extensions["mscohort"]["workspace"]
    wrong = "F" * 32
    with redcap_server(REDCAP / "export_raw.csv", REDCAP / "dictionary.csv") as (url, _):
        r = client.post("/load/redcap-api", data={"csrf_token": csrf(client),
                                                  "redcap_url": url, "redcap_token": wrong})
        assert r.status_code == 302 and r.location.endswith("/load")
        page = client.get(r.location).get_data(as_text=True)
    assert "refused the request" in page and wrong not in page
    assert list((ws.root / "uploads").iterdir()) == []  # the failed fetch keeps nothing
    assert not ws.db.exists()


def test_plain_http_and_a_malformed_token_are_refused_before_any_request(client) -> None:
    with redcap_server(REDCAP / "export_raw.csv", REDCAP / "dictionary.csv") as (url, seen):
        r = client.post("/load/redcap-api", data={"csrf_token": csrf(client),
                                                  "redcap_url": url, "redcap_token": TOKEN})
        page = r.get_data(as_text=True)
        assert r.status_code == 400 and "must be an address starting with https://" in page
        assert "--redcap-allow-http" in page and TOKEN not in page
        r = client.post("/load/redcap-api", data={
            "csrf_token": csrf(client), "redcap_url": "https://redcap.example.org/api/",
            "redcap_token": "not-a-token-at-all"})
        page = r.get_data(as_text=True)
        assert r.status_code == 400 and "32 hexadecimal characters" in page
        assert "not-a-token-at-all" not in page
        assert seen == []


def test_redcap_posts_need_the_csrf_token(client) -> None:
    r = client.post("/load/redcap-api", data={"redcap_url": "https://x.org/api/",
                                              "redcap_token": TOKEN})
    assert r.status_code == 400 and "security token" in r.get_data(as_text=True)
    r = client.post("/load/redcap", data={}, content_type="multipart/form-data")
    assert r.status_code == 400 and "security token" in r.get_data(as_text=True)

"""Re-importing a corrected file in the web app (issue #19): the check shows that stored
values change, the changes page shows the diff (added, changed old -> new with file, row,
patient and column, missing), and the user accepts with a name and a reason (a background
job, a new store version, each patient's history) or declines (nothing changes). Through
Flask's test client on a real workspace store."""

from __future__ import annotations

import json
import re

import polars as pl

from mscohort.store import StudyStore
from mscohort.web.workspace import SEED
from tests.test_store import snapshot
from tests.web.conftest import csrf
from tests.web.seed_record import first_visit, step_up, visits
from tests.web.test_web_pages import load_seed, upload

SEED_FILES = {p.name: p.read_bytes() for p in sorted(SEED.glob("*.csv"))
              if p.name != "residuals.csv"}
FIRST = first_visit()  # TRMS01's first EDSS visit, read from the seed's edss.csv
NEW = f"{step_up(FIRST.edss):.1f}"
TYPO, FIXED = FIRST.line, f"{FIRST.patient_id},{FIRST.date},{NEW}\n".encode()


def corrected(**files: bytes) -> dict[str, bytes]:
    """The seed's files with TRMS01's first EDSS corrected one step up."""
    assert SEED_FILES["edss.csv"].count(TYPO) == 1
    return SEED_FILES | {"edss.csv": SEED_FILES["edss.csv"].replace(TYPO, FIXED)} | files


def _upload_id(location: str) -> str:
    return re.search(r"/load/([A-Za-z0-9_-]+)$", location).group(1)  # type: ignore[union-attr]


def _accept(client, upload_id: str, **fields: str):
    page = client.get(f"/load/{upload_id}/changes").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    data = {"csrf_token": csrf(client, f"/load/{upload_id}/changes"), "version": version,
            "by": "A. Nurse", "reason": "typo fixed at the clinic"} | fields
    return client.post(f"/load/{upload_id}/accept", data=data)


def _db(app):
    return app.extensions["mscohort"]["workspace"].db


def test_the_check_of_a_corrected_file_leads_to_its_changes_not_to_an_error(client) -> None:
    load_seed(client)
    r = upload(client, corrected())
    page = client.get(r.location).get_data(as_text=True)
    assert "No errors" in page and "the files change 1 stored record" in page
    assert "conflicts_with_store" not in page and 'id="import"' not in page
    assert f'href="/load/{_upload_id(r.location)}/changes"' in page


def test_the_changes_page_shows_each_changed_value_old_and_new_with_its_source(
        client) -> None:
    load_seed(client)
    upload_id = _upload_id(upload(client, corrected()).location)
    page = client.get(f"/load/{upload_id}/changes").get_data(as_text=True)
    assert "0 records added, 1 record changed (1 value), 0 stored records missing" in page
    row = (f"<td>edss.csv</td><td>{FIRST.row}</td><td><a href=\"/patient/history?id=TRMS01\">"
           f"TRMS01</a></td><td>edss</td><td>{FIRST.key}</td><td>edss</td><td>{FIRST.text}</td>"
           f"<td>{NEW}</td>")
    assert row in page
    assert 'id="accept"' in page and 'name="csrf_token"' in page and 'id="decline"' in page
    csv = client.get(f"/load/{upload_id}/changes-changed.csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert pl.read_csv(csv.data, infer_schema=False).rows() == [
        ("edss.csv", str(FIRST.row), "TRMS01", "edss", FIRST.key, "edss", FIRST.text, NEW)]
    assert client.get(f"/load/{upload_id}/changes-other.csv").status_code == 404


def test_an_empty_reason_or_name_is_refused_with_a_clear_message(client, app) -> None:
    load_seed(client)
    before = snapshot(_db(app))
    upload_id = _upload_id(upload(client, corrected()).location)
    r = _accept(client, upload_id, reason="  ")
    page = r.get_data(as_text=True)
    assert r.status_code == 400
    assert "`reason` must be a reason for the changes, e.g. &#39;typo fixed at the clinic&#39;" \
        in page and "Nothing was stored." in page
    assert 'value="A. Nurse"' in page  # what was typed is kept
    r = _accept(client, upload_id, by="")
    assert r.status_code == 400 and "`by` must be the name of who accepts the changes" in \
        r.get_data(as_text=True)
    r = client.post(f"/load/{upload_id}/accept", data={"version": "1", "by": "A. Nurse",
                                                       "reason": "typo"})
    assert r.status_code == 400 and "security token" in r.get_data(as_text=True)
    assert snapshot(_db(app)) == before


def test_declining_discards_the_upload_and_leaves_the_store_untouched(client, app) -> None:
    load_seed(client)
    before = snapshot(_db(app))
    upload_id = _upload_id(upload(client, corrected()).location)
    r = client.post(f"/load/{upload_id}/discard",
                    data={"csrf_token": csrf(client, f"/load/{upload_id}/changes")})
    assert "nothing was stored" in client.get(r.location).get_data(as_text=True)
    assert snapshot(_db(app)) == before
    assert client.get(f"/load/{upload_id}/changes").status_code == 404


def test_accepting_imports_a_new_version_shown_with_links_to_each_patients_history(
        client, app) -> None:
    load_seed(client)
    upload_id = _upload_id(upload(client, corrected()).location)
    r = _accept(client, upload_id)
    assert r.status_code == 302 and r.location.endswith(f"/load/{upload_id}/accepted")
    r = client.get(r.location)
    assert r.status_code == 302 and r.location.endswith("/versions/2")
    page = client.get(r.location).get_data(as_text=True)
    assert "Imported: import 2: " in page and "edss 1 changed" in page
    assert "A. Nurse" in page and "typo fixed at the clinic" in page
    assert "0 added, 1 changed, 0 retracted" in page
    assert ('<td><a href="/patient/history?id=TRMS01">TRMS01</a></td><td>0</td><td>1</td>'
            '<td>0</td>') in page
    history = client.get("/patient/history?id=TRMS01").get_data(as_text=True)
    assert f"edss: {FIRST.text} -&gt; {NEW}" in history and "<td>changed</td>" in history
    with StudyStore(_db(app), read_only=True) as store:
        edss = store.read("edss").filter(pl.col("patient_id") == "TRMS01")
        assert edss["edss"][0] == float(NEW)
        audit = store.audit().row(1, named=True)
        files = store.import_files().filter(pl.col("import_id") == 2)
    assert (audit["imported_by"], audit["reason"], audit["rows_changed"]) == (
        "A. Nurse", "typo fixed at the clinic", 1)
    assert set(files["file"]) >= {"edss.csv"}
    assert client.get(f"/load/{upload_id}/changes").status_code == 404  # upload consumed
    assert client.get("/versions/9").status_code == 404


def test_missing_records_are_retracted_only_when_ticked(client, app) -> None:
    load_seed(client)
    shorter = SEED_FILES["edss.csv"].replace(TYPO, b"")
    upload_id = _upload_id(upload(client, {"edss.csv": shorter}).location)
    check = client.get(f"/load/{upload_id}").get_data(as_text=True)
    assert "1 stored record is not in these files: an import keeps it" in check
    page = client.get(f"/load/{upload_id}/changes").get_data(as_text=True)
    assert f"<td>edss</td><td>TRMS01</td><td>{FIRST.key}</td>" in page
    assert 'id="retract"' in page
    csv = client.get(f"/load/{upload_id}/changes-missing.csv").data.decode()
    assert csv.splitlines() == ["table,patient_id,record", f"edss,TRMS01,{FIRST.key}"]
    r = _accept(client, upload_id, retract_missing="1", reason="duplicate visit removed")
    page = client.get(r.location, follow_redirects=True).get_data(as_text=True)
    assert "0 added, 0 changed, 1 retracted" in page
    with StudyStore(_db(app), read_only=True) as store:
        # every visit of TRMS01 in the seed's file but the retracted one
        assert store.read("edss").filter(
            pl.col("patient_id") == "TRMS01").height == len(visits()) - 1


def test_an_acceptance_for_a_study_changed_meanwhile_is_refused(client, app) -> None:
    load_seed(client)
    upload_id = _upload_id(upload(client, corrected()).location)
    before = snapshot(_db(app))
    r = _accept(client, upload_id, version="7")  # not the version whose diff was shown
    page = client.get(r.location).get_data(as_text=True)
    assert "The study was changed since these changes were shown" in page
    assert "Nothing was stored." in page and snapshot(_db(app)) == before


def test_a_birth_date_edit_that_puts_stored_records_before_birth_is_refused(client,
                                                                            app) -> None:
    load_seed(client)
    before = snapshot(_db(app))
    record = json.dumps({"table": "patients", "key": {"patient_id": "TRMS01"}})
    r = client.post("/patient/correct?id=TRMS01", data={
        "csrf_token": csrf(client, "/patient/history?id=TRMS01"), "record": record,
        "column": "birth_date", "value": "2006-01-01", "reason": "passport", "by": "A. Nurse"})
    assert r.status_code == 400  # the page again, the form as typed
    page = r.get_data(as_text=True)
    assert "dates of this patient fall before the birth date 2006-01-01" in page
    assert "nothing was changed" in page and snapshot(_db(app)) == before

"""The history panel of a patient and the correction of one record with a reason, through
Flask's test client on a real workspace store."""

from __future__ import annotations

import html
import json
import re

from mscohort.store import StudyStore
from tests.test_store import snapshot
from tests.web.conftest import csrf
from tests.web.seed_record import first_visit, step_up
from tests.web.test_web_pages import load_seed

FIRST = first_visit()  # TRMS01's first EDSS visit, read from the seed's edss.csv
NEW = f"{step_up(FIRST.edss):.1f}"
RECORD = json.dumps({"table": "edss", "key": {"patient_id": "TRMS01", "date": FIRST.date}})


def _correct(client, **fields: str):
    data = {"csrf_token": csrf(client, "/patient/history?id=TRMS01"), "record": RECORD,
            "column": "edss", "value": NEW, "reason": "typo fixed at the clinic",
            "by": "A. Nurse"} | fields
    return client.post("/patient/correct?id=TRMS01", data=data)


def test_the_patient_page_links_to_a_history_of_every_version(client) -> None:
    load_seed(client)
    page = client.get("/patients/TRMS01").get_data(as_text=True)
    assert 'id="history-link" href="/patient/history?id=TRMS01"' in page
    page = client.get("/patient/history?id=TRMS01").get_data(as_text=True)
    assert "History of patient TRMS01" in page and 'id="history"' in page
    assert f"edss {FIRST.key}" in page and "<td>added</td>" in page
    assert client.get("/patient/history?id=NOBODY").status_code == 404


def test_a_correction_with_a_reason_is_a_new_version_in_the_history(client, app) -> None:
    load_seed(client)
    r = _correct(client)
    assert r.status_code == 302 and r.location.endswith("/patient/history?id=TRMS01")
    page = client.get(r.location).get_data(as_text=True)
    assert "Corrected: import 2: " in page and "edss 1 changed" in page
    assert "<td>changed</td>" in page and f"edss: {FIRST.text} -&gt; {NEW}" in page
    assert "A. Nurse" in page and "typo fixed at the clinic" in page
    with StudyStore(app.extensions["mscohort"]["workspace"].db, read_only=True) as store:
        edss = store.read("edss")
        assert edss.filter(edss["patient_id"] == "TRMS01")["edss"][0] == float(NEW)
        assert store.read("edss", as_of_version=1).filter(
            edss["patient_id"] == "TRMS01")["edss"][0] == FIRST.edss
        assert store.audit()["source"].to_list()[-1] == "web edit"


def test_a_bad_correction_stores_nothing_and_says_why(client, app) -> None:
    load_seed(client)
    db = app.extensions["mscohort"]["workspace"].db
    before = snapshot(db)
    r = _correct(client, value="0.5")
    assert r.status_code == 400
    page = r.get_data(as_text=True)
    assert "0.5 is not an EDSS step: use 0 (normal examination) or 1.0" in page
    assert "did not pass validation; nothing was changed" in page
    page = _correct(client, reason=" ").get_data(as_text=True)
    assert "`reason` must be a reason" in page and "Nothing was changed" in page
    page = _correct(client, column="date").get_data(as_text=True)
    assert "the key columns cannot change" in page
    page = _correct(client, record="{").get_data(as_text=True)
    assert "Choose one of the patient&#39;s records" in page
    assert snapshot(db) == before


def _typed(page: str) -> dict[str, str]:
    """What the correction form holds: each input's value and the selected record."""
    form = page[page.index('<form method="post" action="/patient/correct'):]
    form = form[:form.index("</form>")]
    values = dict(re.findall(r'<input name="(\w+)"[^>]*? value="([^"]*)"', form))
    chosen = re.search(r'<option value="([^"]*)" selected>', form)
    return values | {"record": html.unescape(chosen.group(1)) if chosen else ""}


def _invalid(page: str) -> dict[str, str]:
    """The fields marked invalid and the errors shown next to each."""
    marked = re.findall(r'name="(\w+)"[^>]*? aria-invalid="true" aria-describedby="errors-\1"',
                        page)
    return {f: html.unescape(re.search(rf'<ul class="field-errors" id="errors-{f}">(.*?)</ul>',
                                       page).group(1)) for f in marked}  # type: ignore[union-attr]


def test_a_refused_correction_keeps_what_was_typed_and_marks_the_field(client, app) -> None:
    load_seed(client)
    db = app.extensions["mscohort"]["workspace"].db
    before = snapshot(db)
    page = _correct(client, value="0.5").get_data(as_text=True)
    assert _typed(page) == {"column": "edss", "value": "0.5", "reason":
                            "typo fixed at the clinic", "by": "A. Nurse", "record": RECORD}
    errors = _invalid(page)
    assert list(errors) == ["value"]
    assert errors["value"].startswith(
        "<li>edss = '0.5' breaks the rule invalid_edss: EDSS 0.5 is not an EDSS step")
    assert 'aria-describedby="errors-value" autofocus' in page

    page = _correct(client, reason="  ").get_data(as_text=True)
    assert _typed(page) | {"reason": "?"} == {"column": "edss", "value": NEW, "reason": "?",
                                              "by": "A. Nurse", "record": RECORD}
    assert _typed(page)["reason"] == "  "
    errors = _invalid(page)
    assert list(errors) == ["reason"] and "`reason` must be a reason" in errors["reason"]

    page = _correct(client, by="").get_data(as_text=True)
    assert list(_invalid(page)) == ["by"] and _typed(page)["value"] == NEW
    page = _correct(client, column="date").get_data(as_text=True)
    assert list(_invalid(page)) == ["column"] and _typed(page)["column"] == "date"
    assert snapshot(db) == before

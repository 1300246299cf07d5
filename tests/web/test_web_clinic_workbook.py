"""A clinic coordinator's own workbook through the web app (Flask's test client): day-first
text dates get a proposed format on the mapping page, a saved mapping applies to the
corrected copy of another name and the mapping page starts from it, and the import records
who imported and why."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

from openpyxl import Workbook

from mscohort.ingest import load_mapping
from mscohort.store import StudyStore
from tests.web.conftest import csrf
from tests.web.test_web_mapping import _form
from tests.web.test_web_pages import upload


def _clinic(path: Path) -> Path:
    """Dates as a clinic types them: birth day first as text (a day above 12 decides the
    format), onset to the month, treatment starts all with days <= 12 (ambiguous), visits as
    real Excel dates."""
    book = Workbook()
    ws = book.active
    ws.title = "Patient list"
    ws.append(["Hosp No", "Gender", "D.O.B.", "First symptoms", "MS type"])
    ws.append(["MS001", "Male", "21/07/1969", "02/1989", "RRMS"])
    ws.append(["MS002", "Female", "07/11/1983", "10/2008", "RRMS"])
    ws = book.create_sheet("Clinic visits")
    ws.append(["Hosp No", "Visit date", "EDSS"])
    ws.append(["MS001", dt.datetime(2013, 2, 22), 4.5])
    ws.append(["MS002", dt.datetime(2014, 1, 4), 3.0])
    ws = book.create_sheet("DMTs")
    ws.append(["Hosp No", "Medication", "Started"])
    ws.append(["MS001", "Gilenya", "03/02/2015"])
    book.save(path)
    return path


def _fields(page: str) -> dict[str, str]:
    """The selected option of every select of the mapping form and its hidden fields."""
    hidden = dict(re.findall(r'<input type="hidden" name="(h\.[^"]+)" value="([^"]*)">', page))
    return _form(page) | hidden


def _mapping_link(client, location: str) -> str:
    page = client.get(location).get_data(as_text=True)
    return re.search(r'id="mapping-link" href="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def test_text_dates_get_their_format_proposed_and_the_ambiguous_one_is_chosen(
        client, tmp_path: Path) -> None:
    book = _clinic(tmp_path / "MS_clinic_export_Nov2026.xlsx")
    r = upload(client, {book.name: book.read_bytes()})
    link = _mapping_link(client, r.location)
    page = client.get(link).get_data(as_text=True)
    fields = _fields(page)
    assert fields["t.patients"] == "MS_clinic_export_Nov2026.xlsx[Patient list]"
    assert fields["d.patients.birth_date"] == "DD/MM/YYYY"
    assert fields["d.edss.date"] == ""            # real Excel dates need no format
    assert fields["d.treatments.start_date"] == ""  # 03/02/2015: the user chooses
    # a clinic's own names for the ids and the onset are proposed, the onset's format too
    assert {t: fields[f"c.{t}.patient_id"] for t in ("patients", "edss", "treatments")} \
        == dict.fromkeys(("patients", "edss", "treatments"), "Hosp No")
    assert fields["c.patients.onset_date"] == "First symptoms"
    assert fields["d.patients.onset_date"] == "MM/YYYY"

    token = csrf(client, link)
    fields |= {"csrf_token": token}
    page = client.post(link, data=fields | {"action": "preview"}).get_data(as_text=True)
    fields = _fields(page) | {"csrf_token": token}
    assert fields["d.patients.onset_date"] == "MM/YYYY"
    assert fields["d.patients.birth_date"] == "DD/MM/YYYY"
    assert fields["d.treatments.start_date"] == ""
    assert "bad_date 1" in page  # the start date, until its format is chosen
    assert ('id="undecided-treatments-start_date">its dates fit DD/MM/YYYY and MM/DD/YYYY: '
            'choose one</span>') in page
    # a format left empty on purpose stays empty
    page = client.post(link, data=fields | {"action": "preview", "d.patients.birth_date": ""}
                       ).get_data(as_text=True)
    assert _fields(page)["d.patients.birth_date"] == "" and "bad_date 3" in page
    chosen = fields | {"d.treatments.start_date": "DD/MM/YYYY", "csrf_token": token}
    page = client.post(link, data=chosen | {"action": "preview"}).get_data(as_text=True)
    assert "bad_date" not in page and "<td>2015-02-03</td>" in page
    assert "undecided-treatments-start_date" not in page  # chosen

    toml = client.post(link + ".toml", data=chosen)
    (tmp_path / "m.toml").write_bytes(toml.data)
    saved = load_mapping(tmp_path / "m.toml")
    assert saved.for_table("patients").date_formats == {"birth_date": "DD/MM/YYYY",
                                                        "onset_date": "MM/YYYY"}
    assert saved.for_table("treatments").date_formats == {"start_date": "DD/MM/YYYY"}

    used = client.post(link, data=chosen | {"action": "use"})
    check = client.get(used.location).get_data(as_text=True)
    assert "the files can be imported" in check


def test_a_saved_mapping_applies_to_the_corrected_copy_and_the_page_starts_from_it(
        client, tmp_path: Path) -> None:
    mapping = (
        '[patients]\nfile = "MS_clinic_export_Nov2026.xlsx"\nsheet = "Patient list"\n'
        'date_format = "DD/MM/YYYY"\n[patients.columns]\npatient_id = "Hosp No"\n'
        'sex = "Gender"\nbirth_date = "D.O.B."\nonset_date = "First symptoms"\n'
        'phenotype = "MS type"\n'
        '[edss]\nfile = "MS_clinic_export_Nov2026.xlsx"\nsheet = "Clinic visits"\n'
        '[edss.columns]\npatient_id = "Hosp No"\ndate = "Visit date"\n'
        '[treatments]\nfile = "MS_clinic_export_Nov2026.xlsx"\nsheet = "DMTs"\n'
        'date_format = "DD/MM/YYYY"\n[treatments.columns]\npatient_id = "Hosp No"\n'
        'drug = "Medication"\nstart_date = "Started"\n')
    book = _clinic(tmp_path / "MS_clinic_export_Nov2026_v2.xlsx")
    r = upload(client, {book.name: book.read_bytes()},
               mapping=(io.BytesIO(mapping.encode()), "mapping.toml"))
    check = client.get(r.location).get_data(as_text=True)
    assert "the files can be imported" in check
    assert "missing_file" not in check and "unused_file" not in check
    assert ("the mapping was made for MS_clinic_export_Nov2026.xlsx; it is applied to "
            "MS_clinic_export_Nov2026_v2.xlsx, the only file of the study") in check

    page = client.get(_mapping_link(client, r.location)).get_data(as_text=True)
    assert "The page starts from the mapping of this upload, not from a new proposal." in page
    assert ("The mapping was made for MS_clinic_export_Nov2026.xlsx; it is applied to "
            "MS_clinic_export_Nov2026_v2.xlsx, the only file of the study.") in page
    fields = _fields(page)
    assert fields["t.treatments"] == "MS_clinic_export_Nov2026_v2.xlsx[DMTs]"
    assert fields["c.treatments.drug"] == "Medication"
    assert fields["c.edss.edss"] == "EDSS"  # named as the canonical column: matched
    assert fields["d.treatments.start_date"] == "DD/MM/YYYY"  # the table's date_format
    # the table's format for every date column (onset's 02/1989 is its month form)
    assert fields["d.patients.onset_date"] == "DD/MM/YYYY"
    assert fields["d.edss.date"] == ""  # real Excel dates: none declared, none proposed


def test_the_import_records_who_imported_and_why(client, app, tmp_path: Path) -> None:
    book = _clinic(tmp_path / "clinic.xlsx")
    mapping = (
        '[patients]\nfile = "clinic.xlsx"\nsheet = "Patient list"\ndate_format = '
        '"DD/MM/YYYY"\n[patients.columns]\npatient_id = "Hosp No"\nsex = "Gender"\n'
        'birth_date = "D.O.B."\nonset_date = "First symptoms"\nphenotype = "MS type"\n'
        '[edss]\nfile = "clinic.xlsx"\nsheet = "Clinic visits"\n[edss.columns]\n'
        'patient_id = "Hosp No"\ndate = "Visit date"\n')
    book_bytes = book.read_bytes()
    r = upload(client, {"clinic.xlsx": book_bytes},
               mapping=(io.BytesIO(mapping.encode()), "mapping.toml"))
    page = client.get(r.location).get_data(as_text=True)
    assert '<input id="by" name="by" required' in page
    action = r.location + "/import"
    refused = client.post(action, data={"csrf_token": csrf(client), "by": "  "})
    page = client.get(refused.location).get_data(as_text=True)
    assert "Your name is required to import" in page and "Nothing was stored." in page
    ws = app.extensions["mscohort"]["workspace"]
    assert not ws.db.exists()

    done = client.post(action, data={"csrf_token": csrf(client), "by": "Dr A. Smith",
                                     "reason": "November export of the clinic"})
    assert done.status_code == 302  # the test client waited for the import's job
    page = client.get("/versions/1").get_data(as_text=True)
    assert '<dd id="audit-by">Dr A. Smith</dd>' in page
    assert '<dd id="audit-reason">November export of the clinic</dd>' in page
    with StudyStore(ws.db, read_only=True) as store:
        assert store.read("patients")["birth_date"].to_list() == [dt.date(1969, 7, 21),
                                                                  dt.date(1983, 11, 7)]

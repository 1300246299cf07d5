"""The mapping screen: a workbook with its own headers is mapped by the proposal, previewed,
used for the check and the import, and downloaded as TOML, through Flask's test client."""

from __future__ import annotations

import re
from pathlib import Path

from mscohort.ingest import load_mapping
from mscohort.store import StudyStore
from tests.test_propose_mapping import _messy_workbook
from tests.web.conftest import csrf
from tests.web.test_web_pages import import_from, upload


def _form(page: str) -> dict[str, str]:
    """The selected option of every select of the mapping form."""
    fields = {}
    for name, body in re.findall(r'<select name="([^"]+)">(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        fields[name] = chosen.group(1) if chosen else ""
    return fields


def test_a_workbook_is_mapped_previewed_used_and_imported(client, app, tmp_path: Path) -> None:
    book = _messy_workbook(tmp_path)
    r = upload(client, {"clinic.xlsx": book.read_bytes()})
    check = client.get(r.location).get_data(as_text=True)
    assert "clinic.xlsx needs a mapping" in check and "missing_file" not in check
    link = re.search(r'id="mapping-link" href="([^"]+)"', check).group(1)
    page = client.get(link).get_data(as_text=True)
    fields = _form(page)
    assert fields["t.patients"] == "clinic.xlsx[Stammdaten]"
    assert fields["c.edss.edss"] == "EDSS score" and fields["c.relapses.onset_date"] == "fecha"
    assert 'id="preview-edss"' in page and "<td>3.5</td>" in page
    assert "Issues under this mapping: unknown_column 1." in page

    token = csrf(client, link)
    changed = fields | {"c.patients.site": "", "csrf_token": token, "action": "preview"}
    page = client.post(link, data=changed).get_data(as_text=True)
    assert "unknown_column 2" in page  # Zentrum is no longer mapped: reported, not imported

    toml = client.post(link + ".toml", data=fields | {"csrf_token": token})
    assert toml.headers["Content-Disposition"] == "attachment; filename=mapping.toml"
    (tmp_path / "m.toml").write_bytes(toml.data)
    saved = load_mapping(tmp_path / "m.toml")
    assert saved.for_table("edss").columns["edss"] == "EDSS score"
    assert saved.for_table("patients").sheet == "Stammdaten"

    used = client.post(link, data=fields | {"csrf_token": token, "action": "use"})
    assert used.status_code == 302 and used.location.endswith(r.location)
    check = client.get(used.location).get_data(as_text=True)
    assert "the files can be imported" in check
    assert import_from(client, used.location).status_code == 302
    with StudyStore(app.extensions["mscohort"]["workspace"].db, read_only=True) as store:
        assert store.read("treatments")["drug"].to_list() == ["natalizumab"]


def test_a_mapping_onto_one_column_twice_is_refused_with_its_reason(
        client, tmp_path: Path) -> None:
    r = upload(client, {"clinic.xlsx": _messy_workbook(tmp_path).read_bytes()})
    link = re.search(r'id="mapping-link" href="([^"]+)"',
                     client.get(r.location).get_data(as_text=True)).group(1)
    fields = _form(client.get(link).get_data(as_text=True))
    bad = fields | {"c.patients.onset_date": "DOB", "csrf_token": csrf(client, link),
                    "action": "use"}
    page = client.post(link, data=bad).get_data(as_text=True)
    assert "maps DOB onto more than one column" in page and "was not used" in page

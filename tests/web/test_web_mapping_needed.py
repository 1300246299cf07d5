"""An upload whose sheets are not named after the tables and that comes without a mapping
is led to the mapping page: the check says the workbook needs a mapping and links to it,
never a ``missing_file`` error for ``patients.csv``; a file really missing is still one."""

from __future__ import annotations

import re
from pathlib import Path

from mscohort.web.mapping_needed import MappingNeeded
from mscohort.web.workspace import SEED
from tests.web.test_web_clinic_workbook import _clinic
from tests.web.test_web_pages import load_seed, upload


def _check(client, files: dict[str, bytes]) -> tuple[str, str]:
    r = upload(client, files)
    return r.location, client.get(r.location).get_data(as_text=True)


def test_a_workbook_without_a_mapping_is_sent_to_the_mapping_page(
        client, tmp_path: Path) -> None:
    book = _clinic(tmp_path / "MS_clinic_export_Nov2026.xlsx")
    location, page = _check(client, {book.name: book.read_bytes()})
    assert "missing_file" not in page and "patients.csv" not in page
    assert ('id="verdict" role="alert">MS_clinic_export_Nov2026.xlsx needs a mapping: no '
            "sheet or file is named after the patients and edss tables. Nothing was stored."
            ) in page
    assert ('<p id="needs-mapping">Matching no table by name: the sheets Patient list, '
            "Clinic visits and DMTs of MS_clinic_export_Nov2026.xlsx.") in page
    assert 'id="import-form"' not in page
    link = re.search(r'id="map-first" class="button" href="([^"]+)"', page)
    assert link is not None and link.group(1) == f"{location}/mapping"
    mapping = client.get(link.group(1))
    assert mapping.status_code == 200
    assert '<option value="MS_clinic_export_Nov2026.xlsx[Patient list]" selected>' in \
        mapping.get_data(as_text=True)


def test_a_workbook_without_a_mapping_is_not_importable_as_nothing_on_a_reimport(
        client, tmp_path: Path) -> None:
    load_seed(client)  # a store: no table is required any more, yet nothing would be read
    book = _clinic(tmp_path / "clinic.xlsx")
    _, page = _check(client, {book.name: book.read_bytes()})
    assert "clinic.xlsx needs a mapping: no sheet or file is named after a table" in page
    assert "can be imported" not in page and 'id="import-form"' not in page
    assert 'id="map-first"' in page


def test_a_file_really_missing_is_still_a_missing_file_error(client) -> None:
    _, page = _check(client, {"patients.csv": (SEED / "patients.csv").read_bytes()})
    assert "<td>missing_file</td>" in page and "the study has no edss table" in page
    assert "needs a mapping" not in page and 'id="map-first"' not in page


def test_files_not_named_after_a_table_are_each_named(client, tmp_path: Path) -> None:
    patients = (SEED / "patients.csv").read_bytes()
    _, page = _check(client, {"patients.csv": patients, "visits.csv": b"id,when,score\n"})
    assert ("patients.csv and visits.csv need a mapping: no sheet or file is named after the "
            "edss table.") in page
    assert "Matching no table by name: visits.csv." in page


def test_many_files_are_counted_not_listed() -> None:
    needed = MappingNeeded(tuple(f"export_{i}.csv" for i in range(5)), ("patients", "edss"),
                           (("export_0.csv", ()), ("book.xlsx", ("A", "B"))))
    assert needed.verdict() == ("The 5 uploaded files need a mapping: no sheet or file is "
                                "named after the patients and edss tables.")
    assert needed.unmatched() == ("Matching no table by name: export_0.csv and the sheets A "
                                  "and B of book.xlsx.")

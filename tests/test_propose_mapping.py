"""`mscohort map` and `mscohort template`: a clinic's own spreadsheet without hand-written
TOML. The proposed mapping of a messy workbook imports as it is."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from openpyxl import Workbook, load_workbook

from mscohort.errors import UsageError
from mscohort.ingest import load_mapping
from mscohort.ingest.propose import PROPOSE_AT, name_score, propose
from mscohort.ingest.synonyms import column_synonyms, normalise
from mscohort.ingest.template import data_dictionary
from mscohort.schema import TABLES
from mscohort.store import StudyStore, import_folder
from tests.conftest import AS_OF
from tests.test_cli import run


def _messy_workbook(folder: Path) -> Path:
    """A clinic's workbook: German, Spanish and English headers, own sheet names."""
    book = Workbook()
    ws = book.active
    ws.title = "Stammdaten"
    ws.append(["Patient ID", "Geschlecht", "DOB", "Erstmanifestation", "Zentrum", "Bemerkung"])
    ws.append(["P01", "F", dt.datetime(1970, 1, 1), dt.datetime(1995, 1, 1), "Basel", "x"])
    ws.append(["P02", "M", dt.datetime(1980, 6, 15), dt.datetime(2001, 3, 1), "Bern", None])
    ws = book.create_sheet("EDSS visits")
    ws.append(["Patient ID", "Datum", "EDSS score"])
    for row in [("P01", dt.datetime(2010, 1, 1), 3.0), ("P01", dt.datetime(2011, 1, 1), 3.5),
                ("P02", dt.datetime(2012, 5, 5), 2.0)]:
        ws.append(row)
    ws = book.create_sheet("Schübe")
    ws.append(["Paciente", "fecha", "Steroide"])
    ws.append(["P01", dt.datetime(2009, 6, 1), "yes"])
    ws = book.create_sheet("Therapien")
    ws.append(["Patient ID", "Medikament", "Beginn", "Ende"])
    ws.append(["P01", "Tysabri", dt.datetime(2011, 2, 1), None])
    path = folder / "clinic.xlsx"
    book.save(path)
    return path


def test_a_messy_workbook_is_mapped_by_name_and_imports(tmp_path: Path) -> None:
    book = _messy_workbook(tmp_path)
    _, proposals = propose(book)
    found = {p.table: (p.source.sheet, {c: best.source for c, (best, _) in p.columns.items()
                                        if best is not None}) for p in proposals}
    assert found == {
        "patients": ("Stammdaten", {"patient_id": "Patient ID", "sex": "Geschlecht",
                                    "birth_date": "DOB", "onset_date": "Erstmanifestation",
                                    "site": "Zentrum"}),
        "edss": ("EDSS visits", {"patient_id": "Patient ID", "date": "Datum",
                                 "edss": "EDSS score"}),
        "relapses": ("Schübe", {"patient_id": "Paciente", "onset_date": "fecha",
                                "steroid_treated": "Steroide"}),
        "treatments": ("Therapien", {"patient_id": "Patient ID", "drug": "Medikament",
                                     "start_date": "Beginn", "stop_date": "Ende"}),
    }
    code, output = run("map", book, "--out", tmp_path / "mapping.toml")
    assert code == 0 and "patients: clinic.xlsx[Stammdaten]" in output
    text = (tmp_path / "mapping.toml").read_text()
    assert 'edss = "EDSS score"  # confidence 1.00 (required)' in text
    assert "alternatives: 'Erstmanifestation' 0.50" in text  # DOB's rival, by content
    result = import_folder(book, tmp_path / "s.duckdb", as_of=AS_OF,
                           mapping=load_mapping(tmp_path / "mapping.toml"))
    assert result.changed
    with StudyStore(tmp_path / "s.duckdb", read_only=True) as store:
        assert store.read("treatments")["drug"].to_list() == ["natalizumab"]
        assert store.read("edss")["edss"].to_list() == [3.0, 3.5, 2.0]
    assert result.report.warnings["rule"].to_list() == ["unknown_column"]  # Bemerkung


def test_a_windows_csv_folder_in_french_is_mapped_by_name_and_content(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "demographie.csv").write_bytes(
        "Identifiant;Sexe;Date de naissance;Début;Hôpital\n"
        "P01;F;1970-01-01;1995-01-01;Hôpital Saint-Éloi\n".encode("cp1252"))
    (folder / "suivi.csv").write_bytes(  # no name matches: EDSS found by its half steps
        "Identifiant;Quand;Score\nP01;2010-01-01;3,5\nP01;2011-01-01;4.0\n"
        .encode("cp1252"))
    _, proposals = propose(folder)
    by_table = {p.table: p for p in proposals}
    assert set(by_table) == {"patients", "edss"}
    assert by_table["patients"].source.file == "demographie.csv"
    edss = by_table["edss"].columns
    assert edss["edss"][0].source == "Score" and edss["edss"][0].confidence == 0.5
    assert edss["edss"][0].reason == "by content: 100% of values fit"
    assert edss["date"][0].source == "Quand"
    assert edss["patient_id"][0].source == "Identifiant"


def test_names_match_exactly_by_words_or_by_spelling() -> None:
    synonyms = column_synonyms("patients", "birth_date")
    assert normalise("  Geburts-Datum ") == "geburts datum"
    assert name_score("Geburtsdatum", synonyms)[0] == 1.0
    assert name_score("Date of birth (dd.mm.yyyy)", synonyms)[0] == 0.8
    assert name_score("Geburtsdatun", synonyms)[0] == pytest.approx(
        0.6 * 22 / 24, abs=1e-6)  # difflib ratio: 2 x 11 matching / (12 + 12) characters
    assert name_score("Gewicht", synonyms)[0] == 0.0


def test_map_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run("map", tmp_path / "none.xlsx", "--out", tmp_path / "m.toml")[0] == 2
    with pytest.raises(UsageError, match="does not exist"):
        propose(tmp_path / "none")


def test_template_workbook_has_every_table_and_column_and_imports_when_filled(
        tmp_path: Path) -> None:
    path = tmp_path / "template.xlsx"
    code, output = run("template", "--out", path)
    assert code == 0 and "wrote" in output
    book = load_workbook(path)
    assert book.sheetnames == list(TABLES)
    for name, spec in TABLES.items():
        header = [c.value for c in book[name][1]]
        assert header == [c.name for c in spec.columns]
        assert [c.font.b for c in book[name][1]] == [c.required for c in spec.columns]
    book["patients"].append(["P1", "F", "1970-01-01", "1995-01-01"])
    book["edss"].append(["P1", "2010-01-01", 3.5])
    book.save(path)
    result = import_folder(path, tmp_path / "s.duckdb", as_of=AS_OF)
    assert result.rows_added["patients"] == 1 and result.rows_added["edss"] == 1


def test_data_dictionary_lists_every_column_with_its_type(tmp_path: Path) -> None:
    assert run("template", "--out", tmp_path / "dictionary.csv")[0] == 0
    table = pl.read_csv(tmp_path / "dictionary.csv")
    assert table.height == sum(len(t.columns) for t in TABLES.values()) == \
        data_dictionary().height
    edss = table.filter((pl.col("table") == "edss") & (pl.col("column") == "edss")).row(
        0, named=True)
    assert (edss["type"], edss["required"], edss["key"]) == ("edss", True, False)
    sex = table.filter(pl.col("column") == "sex").row(0, named=True)
    assert sex["allowed"] == "F, M"
    code, output = run("template", "--out", tmp_path / "t.txt")
    assert code == 2 and "must be a file ending in .xlsx" in output


@pytest.mark.parametrize(("table", "column", "header"), [
    ("edss", "patient_id", "Hosp No"), ("edss", "patient_id", "Hospital No."),
    ("edss", "patient_id", "Hospital number"), ("edss", "patient_id", "MRN"),
    ("edss", "patient_id", "NHS No"), ("edss", "patient_id", "NHS number"),
    ("edss", "patient_id", "Record number"), ("edss", "patient_id", "Medical record no"),
    ("patients", "onset_date", "First symptoms"), ("patients", "onset_date", "First symptom"),
    ("patients", "onset_date", "Symptom onset"), ("patients", "onset_date", "Disease onset"),
    ("patients", "onset_date", "Onset"), ("patients", "onset_date", "Date of first symptoms"),
])
def test_clinic_id_and_onset_headers_are_named_as_written(
        table: str, column: str, header: str) -> None:
    assert name_score(header, column_synonyms(table, column))[0] >= 0.8


@pytest.mark.parametrize(("table", "column", "header"), [
    ("edss", "patient_id", "Hospital"), ("edss", "patient_id", "Record"),
    ("edss", "patient_id", "Number"), ("edss", "patient_id", "NHS"),
    ("edss", "patient_id", "No"), ("patients", "onset_date", "Symptoms"),
    ("patients", "onset_date", "First"), ("patients", "onset_date", "Disease"),
    ("patients", "onset_date", "Symptom"),
])
def test_a_word_of_a_clinic_header_alone_is_not_proposed(
        table: str, column: str, header: str) -> None:
    assert name_score(header, column_synonyms(table, column))[0] < PROPOSE_AT


def test_a_clinic_sheet_gets_its_hospital_number_and_first_symptoms_proposed(
        tmp_path: Path) -> None:
    book = Workbook()
    ws = book.active
    ws.title = "Patient list"
    ws.append(["Hosp No", "Gender", "D.O.B.", "First symptoms", "Hospital"])
    ws.append(["MS001", "Male", dt.datetime(1969, 7, 21), dt.datetime(1989, 2, 1), "Leeds"])
    ws = book.create_sheet("Clinic visits")  # a hospital but no id: the id stays unmapped
    ws.append(["Hospital", "Visit date", "EDSS", "Symptoms"])
    ws.append(["Leeds", dt.datetime(2013, 2, 22), 4.5, "numb feet"])
    book.save(tmp_path / "clinic.xlsx")
    _, proposals = propose(tmp_path / "clinic.xlsx")
    found = {p.table: {c: best.source for c, (best, _) in p.columns.items()
                       if best is not None} for p in proposals}
    assert found["patients"] == {"patient_id": "Hosp No", "sex": "Gender",
                                 "birth_date": "D.O.B.", "onset_date": "First symptoms",
                                 "site": "Hospital"}
    assert found["edss"] == {"date": "Visit date", "edss": "EDSS"}

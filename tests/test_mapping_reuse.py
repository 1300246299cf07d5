"""A mapping made for one file applied to the corrected copy of another name: when it is the
only file, or the only one with the mapped sheets or columns; said as a note, never done
silently; an ambiguous folder keeps the ``missing_file`` error."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
from openpyxl import Workbook

from mscohort.ingest import read_study
from mscohort.ingest.mapping import load_mapping
from mscohort.ingest.mapping_reuse import retarget_folder
from mscohort.validate import check_study

AS_OF = dt.date(2026, 1, 1)

MAPPING = """
[patients]
file = "export_Nov2026.xlsx"
sheet = "Patient list"
[patients.columns]
patient_id = "Hosp No"
[edss]
file = "export_Nov2026.xlsx"
sheet = "Clinic visits"
[edss.columns]
patient_id = "Hosp No"
date = "Visit date"
"""


def _book(path: Path, sheets: tuple[str, str] = ("Patient list", "Clinic visits")) -> Path:
    book = Workbook()
    ws = book.active
    ws.title = sheets[0]
    ws.append(["Hosp No", "sex", "birth_date", "onset_date", "phenotype"])
    ws.append(["MS001", "F", "1970-02-03", "1995-04", "RRMS"])
    ws = book.create_sheet(sheets[1])
    ws.append(["Hosp No", "Visit date", "edss"])
    ws.append(["MS001", dt.datetime(2013, 2, 22), 2.5])
    book.save(path)
    return path


def _mapping(folder: Path) -> Path:
    path = folder.parent / f"{folder.name}-mapping.toml"
    path.write_text(MAPPING)
    return path


def test_a_mapping_applies_to_the_only_file_of_another_name_and_says_so(
        tmp_path: Path) -> None:
    folder = tmp_path / "upload"
    folder.mkdir()
    _book(folder / "export_Nov2026_v2.xlsx")
    raw = read_study(folder, load_mapping(_mapping(folder)))
    study, report = check_study(raw, as_of=AS_OF)
    assert report.errors.height == 0, report.errors
    assert set(raw.tables) == {"patients", "edss"}
    assert raw.tables["edss"].source == "export_Nov2026_v2.xlsx[Clinic visits]"
    note = report.issues.filter(pl.col("rule") == "mapping_file_renamed")
    assert note.select("severity", "file", "value", "message").rows() == [(
        "note", "export_Nov2026_v2.xlsx", "export_Nov2026.xlsx",
        "the mapping was made for export_Nov2026.xlsx; it is applied to "
        "export_Nov2026_v2.xlsx, the only file of the study")]
    assert report.issues.filter(pl.col("rule").is_in(["missing_file", "unused_file"])
                                ).height == 0
    assert study.table("edss")["date"].to_list() == [dt.date(2013, 2, 22)]


def test_a_single_workbook_given_as_the_study_takes_the_mapping_too(tmp_path: Path) -> None:
    book = _book(tmp_path / "export_v3.xlsx")
    raw = read_study(book, load_mapping(_mapping(tmp_path)))
    assert set(raw.tables) == {"patients", "edss"}
    assert raw.issues["rule"].to_list() == ["mapping_file_renamed"]


def test_among_several_files_the_only_one_with_the_mapped_sheets_is_meant(
        tmp_path: Path) -> None:
    folder = tmp_path / "upload"
    folder.mkdir()
    _book(folder / "export_v2.xlsx")
    _book(folder / "other.xlsx", ("Sheet A", "Sheet B"))
    raw = read_study(folder, load_mapping(_mapping(folder)))
    assert raw.tables["patients"].source == "export_v2.xlsx[Patient list]"
    note = raw.issues.filter(pl.col("rule") == "mapping_file_renamed")
    assert note["message"].to_list() == [
        "the mapping was made for export_Nov2026.xlsx; it is applied to export_v2.xlsx, the "
        "only workbook with its sheets"]


def test_two_files_that_both_fit_leave_the_mapping_file_missing(tmp_path: Path) -> None:
    folder = tmp_path / "upload"
    folder.mkdir()
    _book(folder / "export_v2.xlsx")
    _book(folder / "export_v3.xlsx")
    raw = read_study(folder, load_mapping(_mapping(folder)))
    rules = raw.issues["rule"].to_list()
    assert "mapping_file_renamed" not in rules and rules.count("missing_file") == 2
    assert raw.tables == {}


def test_a_csv_of_another_name_is_meant_by_its_columns(tmp_path: Path) -> None:
    folder = tmp_path / "upload"
    folder.mkdir()
    (folder / "patients.csv").write_text(
        "patient_id,sex,birth_date,onset_date,phenotype\nP1,F,1970-01-01,1995-01-01,RRMS\n")
    (folder / "visits_v2.csv").write_text("MRN,Visit,edss\nP1,2013-02-22,2.5\n")
    (folder / "notes.csv").write_text("MRN,comment\nP1,x\n")
    (tmp_path / "m.toml").write_text(
        '[edss]\nfile = "visits.csv"\n[edss.columns]\npatient_id = "MRN"\ndate = "Visit"\n')
    raw = read_study(folder, load_mapping(tmp_path / "m.toml"))
    assert raw.tables["edss"].source == "visits_v2.csv"
    assert raw.issues.filter(pl.col("rule") == "mapping_file_renamed")["message"].to_list() == [
        "the mapping was made for visits.csv; it is applied to visits_v2.csv, the only file "
        "with its columns"]


def test_retarget_folder_says_what_was_applied_to_what(tmp_path: Path) -> None:
    folder = tmp_path / "upload"
    folder.mkdir()
    _book(folder / "export_Nov2026_v2.xlsx")
    mapping, notes = retarget_folder(load_mapping(_mapping(folder)), folder)
    assert mapping.for_table("patients").file == "export_Nov2026_v2.xlsx"
    assert mapping.for_table("patients").sheet == "Patient list"
    assert notes == ["the mapping was made for export_Nov2026.xlsx; it is applied to "
                     "export_Nov2026_v2.xlsx, the only file of the study"]

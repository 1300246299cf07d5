"""Reading study folders: formats, file discovery, column mapping."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from openpyxl import Workbook

from mscohort.errors import UsageError
from mscohort.ingest import load_mapping, read_study
from mscohort.ingest.mapping import parse_mapping
from mscohort.validate import check_study
from tests.conftest import AS_OF


def _csv_tables(folder: Path) -> dict[str, pl.DataFrame]:
    return {p.stem: pl.read_csv(p, infer_schema=False) for p in sorted(folder.glob("*.csv"))}


def _to_workbook(tables: dict[str, pl.DataFrame], path: Path, typed: bool = True) -> None:
    book = Workbook()
    book.remove(book.active)
    for name, frame in tables.items():
        sheet = book.create_sheet(name)
        sheet.append(frame.columns)
        for row in frame.iter_rows():
            cells = []
            for col, value in zip(frame.columns, row, strict=True):
                if typed and value is not None and ("date" in col) and len(value) == 10:
                    cells.append(dt.datetime.fromisoformat(value))  # Excel dates
                elif typed and value is not None and col in ("edss", "dose_mg", "dose"):
                    cells.append(float(value))
                else:
                    cells.append(value)
            sheet.append(cells)
    book.save(path)


def _study(path: Path, **kw):
    study, report = check_study(read_study(path, **kw), as_of=AS_OF)
    return study, report


def test_csv_xlsx_and_parquet_give_the_same_study(toy_dir: Path, tmp_path: Path) -> None:
    from_csv, report_csv = _study(toy_dir)
    tables = _csv_tables(toy_dir)
    book = tmp_path / "toy.xlsx"
    _to_workbook(tables, book)
    from_xlsx, report_xlsx = _study(book)
    pq = tmp_path / "pq"
    pq.mkdir()
    for name, frame in tables.items():
        frame.write_parquet(pq / f"{name}.parquet")
    from_parquet, report_parquet = _study(pq)
    for name in from_csv.tables:
        assert from_xlsx.table(name).equals(from_csv.table(name)), name
        assert from_parquet.table(name).equals(from_csv.table(name)), name
    assert report_csv.n_errors == report_xlsx.n_errors == report_parquet.n_errors == 0
    assert report_xlsx.n_warnings == report_csv.n_warnings


def test_typed_parquet_dates_and_numbers_are_read(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    folder.mkdir()
    pl.DataFrame({"patient_id": ["P1"], "sex": ["F"], "birth_date": [dt.date(1970, 1, 1)],
                  "onset_date": [dt.date(1990, 1, 1)]}).write_parquet(folder / "patients.parquet")
    pl.DataFrame({"patient_id": ["P1"], "date": [dt.datetime(2010, 1, 1)],
                  "edss": [3.5]}).write_parquet(folder / "edss.parquet")
    study, report = _study(folder)
    assert report.ok, report.format_text()
    assert study.edss.row(0)[:3] == ("P1", dt.date(2010, 1, 1), 3.5)


def test_rows_are_numbered_as_a_spreadsheet_shows_them(write_study) -> None:
    folder = write_study(edss="patient_id,date,edss\nP1,2010-01-01,3.0\n\nP1,2011-01-01,0.5\n")
    _, report = _study(folder)
    # the blank line is skipped but still counted: the bad value is on line 4
    assert report.errors.row(0, named=True)["row"] == 4


def test_semicolon_separated_files_are_read(write_study) -> None:
    folder = write_study(edss="patient_id;date;edss\nP1;2010-01-01;3.0\n")
    study, report = _study(folder)
    assert report.ok and study.edss["edss"].to_list() == [3.0]


def test_header_case_and_spaces_do_not_matter(write_study) -> None:
    folder = write_study(edss=" Patient_ID ,DATE,Edss\nP1,2010-01-01,3.0\n")
    study, report = _study(folder)
    assert report.ok, report.format_text()
    assert study.edss.height == 1


def test_mapping_renames_columns_and_names_files(write_study, tmp_path: Path) -> None:
    folder = write_study(edss=None)
    (folder / "Visits export.csv").write_text("MRN,Visit date,EDSS score\nP1,2010-01-01,3.0\n")
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(
        '[edss]\nfile = "Visits export.csv"\n[edss.columns]\npatient_id = "MRN"\n'
        'date = "Visit date"\nedss = "EDSS score"\n'
    )
    study, report = _study(folder, mapping=load_mapping(mapping))
    assert report.ok, report.format_text()
    assert study.edss.select("patient_id", "edss").rows() == [("P1", 3.0)]


def test_mapping_to_a_column_that_is_absent_is_reported(write_study) -> None:
    folder = write_study()
    mapping = parse_mapping({"edss": {"columns": {"edss": "EDSS score"}}})
    _, report = _study(folder, mapping=mapping)
    hits = report.errors.filter(pl.col("rule") == "missing_column")
    assert hits.height == 1 and "EDSS score" in hits.row(0, named=True)["message"]


def test_mapping_sheet_of_a_workbook(write_study, tmp_path: Path) -> None:
    folder = write_study(edss=None)
    _to_workbook({"EDSS visits": pl.DataFrame({"patient_id": ["P1"], "date": ["2010-01-01"],
                                               "edss": ["3.0"]})}, folder / "clinic.xlsx")
    mapping = parse_mapping({"edss": {"file": "clinic.xlsx", "sheet": "EDSS visits"}})
    study, report = _study(folder, mapping=mapping)
    assert report.ok, report.format_text()
    assert study.edss.height == 1


@pytest.mark.parametrize(("raw", "match"), [
    ({"visits": {}}, r"`\[table\]` must be a canonical table.*; got \[visits\]"),
    ({"edss": {"columns": {"score": "EDSS"}}}, r"score \(not a column of edss\)"),
    ({"edss": {"colums": {}}}, "unknown setting"),
    ({"edss": {"columns": {"edss": ""}}}, "must be the name of a column"),
    ({"edss": {"columns": {"edss": "X", "date": "X"}}}, "maps X onto more than one column"),
    ({"edss": {"file": 3}}, "file` must be a text"),
])
def test_bad_mapping_is_a_usage_error(raw: dict, match: str) -> None:
    with pytest.raises(UsageError, match=match):
        parse_mapping(raw)


def test_mapping_file_that_is_not_toml_is_a_usage_error(tmp_path: Path) -> None:
    bad = tmp_path / "m.toml"
    bad.write_text("[edss\n")
    with pytest.raises(UsageError, match="is not valid TOML"):
        load_mapping(bad)
    with pytest.raises(UsageError, match="does not exist"):
        load_mapping(tmp_path / "absent.toml")


def test_two_files_for_one_table_are_ambiguous(write_study) -> None:
    folder = write_study()
    pl.read_csv(folder / "edss.csv").write_parquet(folder / "edss.parquet")
    _, report = _study(folder)
    hit = report.errors.filter(pl.col("rule") == "ambiguous_file").row(0, named=True)
    assert "edss.csv" in hit["file"] and "edss.parquet" in hit["file"]


def test_files_matching_no_table_are_reported_not_imported(write_study) -> None:
    folder = write_study()
    (folder / "notes.csv").write_text("a,b\n1,2\n")
    _, report = _study(folder)
    assert report.ok
    assert report.warnings.select("file", "rule").rows() == [("notes.csv", "unused_file")]


def test_study_path_must_exist_and_be_a_folder_or_workbook(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        read_study(tmp_path / "nowhere")
    text = tmp_path / "x.txt"
    text.write_text("hello")
    with pytest.raises(UsageError, match=r"must be a folder or an \.xlsx workbook"):
        read_study(text)


def test_binary_file_is_unreadable_with_advice(write_study) -> None:
    # Latin-1 and Windows-1252 text is now read (tests/test_encoding.py); bytes that are
    # text in no supported encoding are still unreadable
    folder = write_study()
    (folder / "edss.csv").write_bytes(bytes(range(256)) + b"\x00")
    _, report = _study(folder)
    hit = report.errors.row(0, named=True)
    assert hit["rule"] == "unreadable_file" and "UTF-8" in hit["message"]

"""Dates typed as text in a declared format (mapping ``date_format``): every format of the
closed list read to the day it names, strictly; values that do not fit reported naming file,
row, column, value and format; the proposal rule (exactly one format fits, never a guess
between day-first and month-first)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from openpyxl import Workbook

from mscohort.errors import UsageError
from mscohort.ingest import read_study
from mscohort.ingest.date_formats import (
    DATE_FORMATS,
    candidates,
    propose_date_format,
    to_iso,
    undecided,
)
from mscohort.ingest.mapping import load_mapping, parse_mapping
from mscohort.validate import check_study

AS_OF = dt.date(2026, 1, 1)

#: Each format with a value written in it and the day (or month) it names, by hand:
#: 3 February 2015 written day first, month first, with dots; one-digit day and month.
WRITTEN = [
    ("YYYY-MM-DD", "2015-02-03", "2015-02-03"),
    ("DD/MM/YYYY", "03/02/2015", "2015-02-03"),
    ("DD/MM/YYYY", "3/2/2015", "2015-02-03"),
    ("MM/DD/YYYY", "03/02/2015", "2015-03-02"),
    ("MM/DD/YYYY", "12/31/1999", "1999-12-31"),
    ("DD.MM.YYYY", "29.02.2016", "2016-02-29"),
    ("YYYY-MM", "1995-04", "1995-04"),
    ("MM/YYYY", "04/1995", "1995-04"),
    ("MM/YYYY", "4/1995", "1995-04"),
    ("MM.YYYY", "04.1995", "1995-04"),
]


def test_the_closed_list_holds_the_formats_of_the_docs() -> None:
    assert list(DATE_FORMATS) == ["YYYY-MM-DD", "DD/MM/YYYY", "MM/DD/YYYY", "DD.MM.YYYY",
                                  "YYYY-MM", "MM/YYYY", "MM.YYYY"]
    doc = (Path(__file__).parents[1] / "docs" / "data-model.md").read_text()
    assert all(f"`{name}`" in doc for name in DATE_FORMATS)


@pytest.mark.parametrize(("fmt", "text", "iso"), WRITTEN)
def test_every_format_reads_the_day_it_names(fmt: str, text: str, iso: str) -> None:
    month_only = DATE_FORMATS[fmt].month_only
    assert to_iso(pl.Series("d", [text]), fmt, month_only).to_list() == [iso]


@pytest.mark.parametrize(("fmt", "text"), [
    ("DD/MM/YYYY", "03-02-2015"),   # another separator
    ("DD/MM/YYYY", "03.02.2015"),
    ("DD/MM/YYYY", "2015/02/03"),   # another order
    ("DD/MM/YYYY", "03/02/15"),     # a two-digit year
    ("DD/MM/YYYY", "31/02/2015"),   # no such day
    ("DD/MM/YYYY", "03/13/2015"),   # no month 13: never read month first instead
    ("MM/DD/YYYY", "13/03/2015"),
    ("DD.MM.YYYY", "29.02.2015"),   # 2015 is not a leap year
    ("DD/MM/YYYY", "003/02/2015"),
    ("DD/MM/YYYY", "03/02/2015 x"),
])
def test_a_value_that_does_not_fit_its_format_is_left_as_written(fmt: str, text: str) -> None:
    assert to_iso(pl.Series("d", [text]), fmt, False).to_list() == [text]


def test_iso_values_and_excel_dates_are_read_under_every_format() -> None:
    values = pl.Series("d", ["2015-02-03", "2015-02-03 00:00:00", "1995-04", None])
    for fmt in DATE_FORMATS:
        assert to_iso(values, fmt, True).to_list() == values.to_list()


def test_a_month_column_takes_the_month_form_of_its_day_format() -> None:
    values = pl.Series("d", ["21/07/1969", "04/1995", "04.1995"])
    assert to_iso(values, "DD/MM/YYYY", True).to_list() == ["1969-07-21", "1995-04",
                                                            "04.1995"]
    # a column without month precision does not
    assert to_iso(values, "DD/MM/YYYY", False).to_list() == ["1969-07-21", "04/1995",
                                                             "04.1995"]


@pytest.mark.parametrize(("values", "month", "proposed"), [
    (["21/07/1969", "07/11/1983"], False, "DD/MM/YYYY"),   # a day above 12 decides
    (["07/21/1969", "11/07/1983"], False, "MM/DD/YYYY"),
    (["01/07/1969", "07/11/1983"], False, None),           # all days <= 12: ambiguous
    (["21.07.1969", None], False, "DD.MM.YYYY"),
    (["02/1989", "10/2008"], True, "MM/YYYY"),             # the narrowest form that fits
    (["02/1989", "21/07/1969"], True, "DD/MM/YYYY"),       # and its month form
    (["02/1989", "10/2008"], False, None),                 # month forms need a month column
    (["2015-01-01", "1995-04"], True, None),               # ISO needs no format
    (["21/07/1969", "07/21/1969"], False, None),           # no one format fits all
    (["21/07/1969", "2015-01-01"], False, "DD/MM/YYYY"),   # ISO fits every format
    ([None, None], False, None),
])
def test_a_format_is_proposed_only_when_exactly_one_fits(
        values: list[str | None], month: bool, proposed: str | None) -> None:
    assert propose_date_format(pl.Series("d", values, dtype=pl.String), month) == proposed


def test_the_formats_of_an_undecided_column_are_listed_for_the_user() -> None:
    frames = {"patients": pl.DataFrame({"birth_date": ["01/07/1969", "07/11/1983"],
                                        "onset_date": ["02/1989", "21/07/1990"]}),
              "edss": pl.DataFrame({"date": ["2013-02-22"]})}
    assert candidates(frames["patients"]["birth_date"], True) == ("DD/MM/YYYY",
                                                                  "MM/DD/YYYY")
    assert undecided(frames) == {"patients": {"birth_date": ("DD/MM/YYYY", "MM/DD/YYYY")}}


def _clinic(folder: Path, dob: list[object], visits: list[object]) -> Path:
    book = Workbook()
    ws = book.active
    ws.title = "Patient list"
    ws.append(["Hosp No", "Gender", "D.O.B.", "First symptoms", "MS type"])
    for i, born in enumerate(dob):
        ws.append([f"MS{i + 1:03d}", "F", born, "04/1995", "RRMS"])
    ws = book.create_sheet("Clinic visits")
    ws.append(["Hosp No", "Visit date", "EDSS"])
    for i, day in enumerate(visits):
        ws.append(["MS001", day, 2.0 + i])
    path = folder / "clinic.xlsx"
    book.save(path)
    return path


MAPPING = """
[patients]
file = "clinic.xlsx"
sheet = "Patient list"
date_format = "DD/MM/YYYY"
[patients.columns]
patient_id = "Hosp No"
sex = "Gender"
birth_date = "D.O.B."
onset_date = "First symptoms"
phenotype = "MS type"
[edss]
file = "clinic.xlsx"
sheet = "Clinic visits"
[edss.columns]
patient_id = "Hosp No"
date = "Visit date"
[edss.date_formats]
date = "MM/DD/YYYY"
"""


def test_a_workbook_of_day_first_text_dates_imports_with_its_format(tmp_path: Path) -> None:
    _clinic(tmp_path, ["03/02/1970", "21/07/1969"],
            [dt.datetime(2013, 2, 22), "02/03/2014"])  # an Excel date and a text date
    (tmp_path / "m.toml").write_text(MAPPING)
    study, report = check_study(read_study(tmp_path, load_mapping(tmp_path / "m.toml")),
                                as_of=AS_OF)
    assert report.errors.height == 0, report.errors
    patients = study.table("patients")
    assert patients["birth_date"].to_list() == [dt.date(1970, 2, 3), dt.date(1969, 7, 21)]
    assert patients["onset_date"].to_list() == [dt.date(1995, 4, 15)] * 2  # the month's 15th
    assert patients["onset_date_precision"].to_list() == ["month", "month"]
    assert study.table("edss")["date"].to_list() == [dt.date(2013, 2, 22),
                                                     dt.date(2014, 2, 3)]


def test_a_date_that_does_not_fit_is_an_error_naming_file_row_column_value_and_format(
        tmp_path: Path) -> None:
    _clinic(tmp_path, ["03/02/1970", "1970/02/31", "31/02/1970"], [dt.datetime(2013, 2, 22)])
    (tmp_path / "m.toml").write_text(MAPPING)
    _, report = check_study(read_study(tmp_path, load_mapping(tmp_path / "m.toml")),
                            as_of=AS_OF)
    bad = report.errors.filter(pl.col("rule") == "bad_date").sort("row")
    assert bad.select("file", "row", "column", "value").rows() == [
        ("clinic.xlsx[Patient list]", 3, "birth_date", "1970/02/31"),
        ("clinic.xlsx[Patient list]", 4, "birth_date", "31/02/1970")]
    assert bad["message"][0] == ("'1970/02/31' is not a valid date (DD/MM/YYYY or MM/YYYY, "
                                 "the format the mapping declares for birth_date; or "
                                 "YYYY-MM-DD or YYYY-MM)")
    assert bad["fix"][0] == ("write the date as DD/MM/YYYY or MM/YYYY (a real calendar date),"
                             " or correct the date_format of the mapping")


def test_without_a_format_day_first_dates_stay_errors(tmp_path: Path) -> None:
    _clinic(tmp_path, ["03/02/1970"], [dt.datetime(2013, 2, 22)])
    (tmp_path / "m.toml").write_text(MAPPING.replace('date_format = "DD/MM/YYYY"\n', ""))
    _, report = check_study(read_study(tmp_path, load_mapping(tmp_path / "m.toml")),
                            as_of=AS_OF)
    bad = report.errors.filter(pl.col("rule") == "bad_date")
    assert sorted(bad["value"].to_list()) == ["03/02/1970", "04/1995"]


@pytest.mark.parametrize(("settings", "message"), [
    ('date_format = "D/M/Y"', r"\[patients\] date_format` must be one of YYYY-MM-DD, "
                              r"DD/MM/YYYY, MM/DD/YYYY, DD.MM.YYYY; got 'D/M/Y'"),
    ('date_format = "MM/YYYY"', r"date_format` must be one of YYYY-MM-DD, DD/MM/YYYY"),
    ('[patients.date_formats]\nsex = "DD/MM/YYYY"', r"keyed by date columns of patients"),
    ('[patients.date_formats]\ndiagnosis_date = "MM/YYYY"',
     r"diagnosis_date` must be one of YYYY-MM-DD, DD/MM/YYYY, MM/DD/YYYY, DD.MM.YYYY "
     r"\(a month-only form needs a column that allows month precision"),
    ('[patients.date_formats]\nonset_date = "YY"', r"onset_date` must be one of .*MM.YYYY"),
])
def test_a_bad_date_format_in_the_mapping_is_a_usage_error(settings: str, message: str) -> None:
    import tomllib

    with pytest.raises(UsageError, match=message):
        parse_mapping(tomllib.loads(f'[patients]\nfile = "p.csv"\n{settings}\n'))


def test_a_folder_imported_in_patient_batches_reads_its_declared_formats(
        tmp_path: Path) -> None:
    from mscohort.store import StudyStore, import_folder

    folder = tmp_path / "study"
    folder.mkdir()
    (folder / "patients.csv").write_text(
        "patient_id,sex,birth_date,onset_date\nP1,F,21/07/1969,04/1995\n"
        "P2,M,07/11/1983,10/2008\n")
    (folder / "edss.csv").write_text("patient_id,date,edss\nP1,22/02/2013,2.0\n"
                                     "P2,04/01/2014,3.0\n")
    (tmp_path / "m.toml").write_text('[patients]\ndate_format = "DD/MM/YYYY"\n'
                                     '[edss]\ndate_format = "DD/MM/YYYY"\n')
    db = tmp_path / "study.duckdb"
    import_folder(folder, db, mapping=load_mapping(tmp_path / "m.toml"), as_of=AS_OF,
                  batch_patients=1, by="A. Nurse", reason="first export")
    with StudyStore(db, read_only=True) as store:
        assert store.read("edss").sort("patient_id")["date"].to_list() == [
            dt.date(2013, 2, 22), dt.date(2014, 1, 4)]
        assert store.read("patients").sort("patient_id")["onset_date"].to_list() == [
            dt.date(1995, 4, 15), dt.date(2008, 10, 15)]
        audit = store.con.execute("SELECT imported_by, reason FROM import_audit").fetchall()
    assert audit == [("A. Nurse", "first export")]


def test_mscohort_map_proposes_the_formats_and_names_the_undecided_ones(tmp_path: Path) -> None:
    from mscohort.ingest.mapping_toml import mapping_toml
    from mscohort.ingest.propose import propose

    book = Workbook()
    ws = book.active
    ws.title = "patients"
    ws.append(["patient_id", "sex", "birth_date", "onset_date"])
    ws.append(["P1", "F", "21/07/1969", "04/1995"])
    ws = book.create_sheet("edss")
    ws.append(["patient_id", "date", "edss"])
    ws.append(["P1", "03/02/2015", 2.0])
    book.save(tmp_path / "clinic.xlsx")
    text = mapping_toml(tmp_path / "clinic.xlsx", propose(tmp_path / "clinic.xlsx")[1])
    assert ('[patients.date_formats]\nbirth_date = "DD/MM/YYYY"  # every value typed as '
            'text fits this format only\nonset_date = "MM/YYYY"') in text
    assert ('# date: its dates typed as text fit DD/MM/YYYY and MM/DD/YYYY (no day above '
            '12): declare which under [edss.date_formats], e.g. date = "DD/MM/YYYY"') in text
    import tomllib

    mapping = parse_mapping(tomllib.loads(text))
    assert mapping.for_table("patients").date_formats == {"birth_date": "DD/MM/YYYY",
                                                          "onset_date": "MM/YYYY"}

"""Wide registry sheets lose nothing (issue #27, case 2): every numbered block present is read
across a gap, a two-row header with merged block titles is read, messages name the sheet's
column, and Excel serial dates are read with a warning. Sheets and their truth are written
by the test."""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

import polars as pl
import pytest

from mscohort.errors import UsageError
from mscohort.ingest import read_study
from mscohort.interop.wide import read_wide
from mscohort.validate import check_study
from tests.conftest import AS_OF

STEPS = ["1.0", "1.5", "2.0", "2.5", "3.0", "3.5", "4.0", "4.5", "6.0"]


def sheet(n_patients: int = 30, visits: int = 20, seed: int = 7
          ) -> tuple[list[str], list[list[str]], list[dict[str, str]]]:
    """Header, rows and the truth (edss records) of a registry sheet of ``visits`` blocks
    (VISIT_n, EDSS_n); patients have 5 to ``visits`` visits, the rest of their cells empty."""
    rng = random.Random(seed)
    header = ["PATID", "SEX", "DOB", "ONSET"]
    for k in range(1, visits + 1):
        header += [f"VISIT_{k}", f"EDSS_{k}"]
    rows, truth = [], []
    for i in range(1, n_patients + 1):
        pid = f"R{i:03d}"
        row = [pid, rng.choice("FM"), f"19{rng.randrange(50, 90)}-0{rng.randrange(1, 10)}-1"
               f"{rng.randrange(0, 10)}", f"2005-0{rng.randrange(1, 10)}-01"]
        day = dt.date(2010, 1, 1) + dt.timedelta(days=rng.randrange(0, 300))
        n = rng.randrange(5, visits + 1)
        for k in range(1, visits + 1):
            if k <= n:
                edss = rng.choice(STEPS)
                row += [day.isoformat(), edss]
                truth.append({"patient_id": pid, "date": day.isoformat(), "edss": edss,
                              "block": str(k)})
                day += dt.timedelta(days=rng.randrange(90, 200))
            else:
                row += ["", ""]
        rows.append(row)
    return header, rows, truth


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows([header, *rows])


def _mapping(folder: Path, file: str, date: str = "VISIT_{n}", edss: str = "EDSS_{n}",
             extra: str = "") -> Path:
    path = folder / "mapping.toml"
    path.write_text(f'[sheet]\nfile = "{file}"\nid = "PATID"\n{extra}\n'
                    '[patients]\nsex = "SEX"\nbirth_date = "DOB"\nonset_date = "ONSET"\n\n'
                    f'[[repeat]]\ntable = "edss"\ncolumns = {{ date = "{date}", '
                    f'edss = "{edss}" }}\n')
    return path


def _without_block(header: list[str], rows: list[list[str]], block: int
                   ) -> tuple[list[str], list[list[str]]]:
    keep = [i for i, h in enumerate(header) if h not in (f"VISIT_{block}", f"EDSS_{block}")]
    return [header[i] for i in keep], [[r[i] for i in keep] for r in rows]


def _truth_edss(truth: list[dict[str, str]], folder: Path) -> pl.DataFrame:
    folder.mkdir()
    lines = ["patient_id,date,edss"] + [f"{t['patient_id']},{t['date']},{t['edss']}"
                                        for t in truth]
    (folder / "edss.csv").write_text("\n".join(lines) + "\n")
    (folder / "patients.csv").write_text("patient_id\n" + "\n".join(
        sorted({t["patient_id"] for t in truth})) + "\n")
    study, _ = check_study(read_study(folder), as_of=AS_OF)
    return study.table("edss")


def test_a_gap_in_the_numbering_does_not_end_the_sheet(tmp_path: Path) -> None:
    header, rows, truth = sheet()
    header, rows = _without_block(header, rows, 7)  # EDSS_7 and VISIT_7 deleted
    truth = [t for t in truth if t["block"] != "7"]
    _write_csv(tmp_path / "registry.csv", header, rows)
    study, report = check_study(read_wide(_mapping(tmp_path, "registry.csv")), as_of=AS_OF)
    assert report.ok, report.format_text()
    assert study.table("edss").height == len(truth)
    assert sum(t["block"] in {str(k) for k in range(8, 21)} for t in truth) > 100
    assert study.table("edss").equals(_truth_edss(truth, tmp_path / "truth"))
    gap = report.issues.filter(pl.col("rule") == "numbering_gap").row(0, named=True)
    assert (gap["file"], gap["column"], gap["value"], gap["severity"]) == (
        "registry.csv", "VISIT_{n}", "7", "warning")
    assert "every block present is read" in gap["message"]


def test_an_error_names_the_sheet_column_and_the_canonical_one(tmp_path: Path) -> None:
    header, rows, _ = sheet(n_patients=3)
    rows[1][header.index("EDSS_3")] = "1,5"  # a decimal comma
    _write_csv(tmp_path / "registry.csv", header, rows)
    _, report = check_study(read_wide(_mapping(tmp_path, "registry.csv")), as_of=AS_OF)
    bad = report.errors.row(0, named=True)
    assert (bad["rule"], bad["row"], bad["patient_id"], bad["column"], bad["value"]) == (
        "bad_number", 3, "R002", "EDSS_3 (edss)", "1,5")
    assert "decimal comma" in bad["message"]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_excel_serial_dates_are_read_with_a_warning(tmp_path: Path, kind: str) -> None:
    header, rows, truth = sheet(n_patients=3)
    at = header.index("VISIT_2")
    serial = (dt.date.fromisoformat(rows[0][at]) - dt.date(1899, 12, 30)).days
    rows[0][at] = str(serial)  # as Excel stores a date in a cell without a date format
    if kind == "csv":
        _write_csv(tmp_path / "registry.csv", header, rows)
    else:
        from openpyxl import Workbook

        book = Workbook()
        ws = book.active
        ws.append(header)
        for r in rows:
            ws.append([int(v) if v.isdigit() and len(v) == 5 else (v or None) for v in r])
        book.save(tmp_path / "registry.xlsx")
    study, report = check_study(read_wide(_mapping(tmp_path, f"registry.{kind}")),
                                as_of=AS_OF)
    assert report.ok and study.table("edss").height == len(truth)
    assert study.table("edss").equals(_truth_edss(truth, tmp_path / "truth"))
    hit = report.issues.filter(pl.col("rule") == "excel_serial_date").row(0, named=True)
    assert (hit["row"], hit["column"], hit["value"]) == (2, "VISIT_2", str(serial))
    assert f"read as {truth[1]['date']}" in hit["message"]


def test_the_excel_day_count_by_hand() -> None:
    # Excel shows serial 41275 as 2013-01-01 and 36526 as 2000-01-01 (1900 date system)
    from mscohort.interop.wide_sheet import EXCEL_EPOCH

    assert EXCEL_EPOCH + dt.timedelta(days=41275) == dt.date(2013, 1, 1)
    assert EXCEL_EPOCH + dt.timedelta(days=36526) == dt.date(2000, 1, 1)


def _two_row_header(header: list[str]) -> tuple[list[str | None], list[str | None]]:
    """Block titles in the first row (in the first cell of each merged block), column
    titles in the second; the patient columns have one header cell (merged down)."""
    top: list[str | None] = []
    below: list[str | None] = []
    for h in header:
        if "_" in h:
            name, k = h.split("_")
            top.append(f"Visit {k}" if name == "VISIT" else None)
            below.append({"VISIT": "Date", "EDSS": "EDSS"}[name])
        else:
            top.append(h)
            below.append(None)
    return top, below


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_a_two_row_header_with_merged_block_titles(tmp_path: Path, kind: str) -> None:
    header, rows, truth = sheet(n_patients=12, visits=8)
    top, below = _two_row_header(header)
    if kind == "xlsx":
        from openpyxl import Workbook

        book = Workbook()
        ws = book.active
        ws.append(top)
        ws.append(below)
        for i, h in enumerate(header, start=1):
            if h.startswith("VISIT_"):
                ws.merge_cells(start_row=1, start_column=i, end_row=1, end_column=i + 1)
            elif "_" not in h:
                ws.merge_cells(start_row=1, start_column=i, end_row=2, end_column=i)
        for r in rows:
            ws.append([v or None for v in r])
        book.save(tmp_path / "registry.xlsx")
    else:
        _write_csv(tmp_path / "registry.csv", [t or "" for t in top],
                   [[b or "" for b in below], *rows])
    path = _mapping(tmp_path, f"registry.{kind}", "Visit {n} / Date", "Visit {n} / EDSS",
                    "header_rows = 2")
    study, report = check_study(read_wide(path), as_of=AS_OF)
    assert report.ok, report.format_text()
    assert study.table("edss").equals(_truth_edss(truth, tmp_path / "truth"))
    assert study.patients.height == 12
    # rows keep the sheet's numbering: the first patient is on row 3
    first = read_wide(path).tables["patients"].frame.row(0, named=True)
    assert (first["patient_id"], first["_row"]) == ("R001", 3)
    # without the option, the columns say what happened
    with pytest.raises(UsageError, match=r"has no column 'Visit 1 / Date'"):
        read_wide(_mapping(tmp_path, f"registry.{kind}", "Visit {n} / Date",
                           "Visit {n} / EDSS"))


def test_header_rows_must_be_one_or_two(tmp_path: Path) -> None:
    header, rows, _ = sheet(n_patients=2)
    _write_csv(tmp_path / "registry.csv", header, rows)
    with pytest.raises(UsageError, match=r"header_rows` must be 1 or 2; got 3"):
        read_wide(_mapping(tmp_path, "registry.csv", extra="header_rows = 3"))


def test_wide_import_of_a_sheet_with_a_gap_says_so_and_imports_every_block(tmp_path: Path
                                                                           ) -> None:
    from typer.testing import CliRunner

    from mscohort.cli.main import app

    header, rows, truth = sheet()
    header, rows = _without_block(header, rows, 7)
    n_edss = sum(t["block"] != "7" for t in truth)
    _write_csv(tmp_path / "registry.csv", header, rows)
    r = CliRunner().invoke(app, ["wide-import", str(_mapping(tmp_path, "registry.csv")),
                                 "--db", str(tmp_path / "s.duckdb")])
    assert r.exit_code == 0, r.output
    assert f"patients +30, edss +{n_edss}" in r.output and "numbering_gap" in r.output

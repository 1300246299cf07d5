"""Workbooks that lose rows or attack the reader (issue #16, items 9 and 12): every row is read,
hostile content is a clear ``unreadable_file`` error, bounded before parsing."""

from __future__ import annotations

import random
import re
import zipfile
from pathlib import Path

import polars as pl
import pytest
from openpyxl import Workbook

from mscohort.errors import UnreadableFileError
from mscohort.ingest import read_study
from mscohort.ingest.xlsx import XlsxLimits, check_archive, sheet_rows
from mscohort.store import StudyStore, import_folder
from tests.conftest import AS_OF

PATIENT_ROWS = [("P1", "F", "1970-01-01", "1995-01-01"), ("P2", "M", "1980-06-15", "2001-03-01"),
                ("P3", "F", "1975-02-02", "2000-01-01"), ("P4", "M", "1966-03-03", "1990-05-05"),
                ("P5", "F", "1990-04-04", "2015-06-06")]
EDSS_ROWS = [(f"P{i}", "2012-01-01", 2.0 + i / 2) for i in range(1, 6)]


def _workbook(path: Path, **sheets: list[tuple]) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(list(row))
    wb.save(path)
    return path


def _rewrite(path: Path, member: str, edit) -> None:
    """Rewrite one part of a zip archive with ``edit(text) -> text``."""
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    parts[member] = edit(parts[member].decode()).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def _study_book(path: Path) -> Path:
    return _workbook(path, patients=[("patient_id", "sex", "birth_date", "onset_date"),
                                     *PATIENT_ROWS],
                     edss=[("patient_id", "date", "edss"), *EDSS_ROWS])


def test_stale_dimension_in_a_workbook_loses_no_row(tmp_path: Path) -> None:
    # issue #16 item 9: the tool wrote <dimension ref="A1:D3"> for a sheet of 6 rows (and
    # A1:B3 for edss: a stale column range too); openpyxl read-only mode trusts it
    book = _study_book(tmp_path / "stale_dim.xlsx")
    for member, ref in (("xl/worksheets/sheet1.xml", "A1:D3"),
                        ("xl/worksheets/sheet2.xml", "A1:B3")):
        _rewrite(book, member, lambda t, ref=ref: re.sub(r'<dimension ref="[^"]+"',
                                                         f'<dimension ref="{ref}"', t))
    with zipfile.ZipFile(book) as z:
        assert '<dimension ref="A1:B3"' in z.read("xl/worksheets/sheet2.xml").decode()
    db = tmp_path / "s.duckdb"
    result = import_folder(book, db, as_of=AS_OF)
    assert result.rows_added["patients"] == 5
    assert result.rows_added["edss"] == 5
    with StudyStore(db, read_only=True) as store:
        assert store.read("edss")["edss"].to_list() == [r[2] for r in EDSS_ROWS]


def test_a_value_beyond_the_header_is_reported_not_dropped(tmp_path: Path) -> None:
    book = _workbook(tmp_path / "b.xlsx", patients=[
        ("patient_id", "sex", "birth_date", "onset_date"), *PATIENT_ROWS[:2],
        (*PATIENT_ROWS[2], None, "stray")])
    raw = read_study(book)
    frame = raw.tables["patients"].frame
    assert frame.height == 3
    unknown = raw.issues.filter(pl.col("rule") == "unknown_column")
    assert unknown["column"].to_list() == ["_unnamed_6"]


def _with_cell(path: Path, text: str) -> Path:
    """A patients workbook whose cell B2 holds ``text`` (written into the sheet's XML: openpyxl
    itself cuts cells at Excel's limit)."""
    _workbook(path, patients=[("patient_id", "site"), ("P1", "x")])
    _rewrite(path, "xl/worksheets/sheet1.xml",
             lambda t: t.replace("<t>x</t>", f"<t>{text}</t>", 1))
    return path


def _bomb(tmp_path: Path, chars: int = 5_000_000) -> Path:
    """A workbook of a few kilobytes whose one cell decompresses to ``chars`` characters."""
    return _with_cell(tmp_path / "bomb.xlsx", "A" * chars)


def test_a_zip_bomb_cell_is_refused_before_parsing(tmp_path: Path) -> None:
    book = _bomb(tmp_path)
    assert book.stat().st_size < 100_000  # the file is small; its cell is 5 MB
    with pytest.raises(UnreadableFileError, match=r"refused as a possible zip bomb"):
        check_archive(book)
    raw = read_study(book)
    issue = raw.issues.filter(pl.col("rule") == "unreadable_file").row(0, named=True)
    assert issue["file"] == "bomb.xlsx"
    assert "would decompress from" in issue["message"]
    assert not raw.tables


def test_decompressed_size_is_bounded(tmp_path: Path) -> None:
    book = _study_book(tmp_path / "s.xlsx")
    total = sum(i.file_size for i in zipfile.ZipFile(book).infolist())
    check_archive(book, XlsxLimits(max_total_bytes=total))
    with pytest.raises(UnreadableFileError, match=r"would decompress to .* more than the"):
        check_archive(book, XlsxLimits(max_total_bytes=total - 1))


def test_a_cell_longer_than_excel_allows_is_refused(tmp_path: Path) -> None:
    rng = random.Random(16)  # incompressible text: passes the ratio check, not the cell check
    text = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(40_000))
    book = _with_cell(tmp_path / "long.xlsx", text)
    with pytest.raises(UnreadableFileError, match=r"cell B2 holds 40,000 characters, more than "
                                                  r"a cell can hold \(32,767\)"):
        list(sheet_rows(book, "patients"))
    with pytest.raises(UnreadableFileError, match=r"cell B2 holds 40,000"):
        list(sheet_rows(book, "patients", XlsxLimits(max_cell_chars=1000)))


LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
          '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
          '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>\n')
EXTERNAL = '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'


def _inject(text: str, doctype: str, entity: str | None, padding: str = "") -> str:
    body = re.sub(r"^<\?xml[^>]*\?>\s*", "", text)
    if entity is not None:
        body = re.sub(r'(<c r="A2"[^>]*>)<is><t>[^<]*</t></is>', rf"\1<is><t>{entity}</t></is>",
                      body, count=1)
        assert entity in body
    return doctype + padding + body


@pytest.mark.parametrize(("doctype", "entity"), [(LAUGHS, "&lol3;"), (EXTERNAL, "&xxe;")],
                         ids=["billion-laughs", "external-entity"])
@pytest.mark.parametrize("member", ["xl/worksheets/sheet1.xml", "xl/workbook.xml"])
def test_xml_entities_in_a_workbook_are_refused(tmp_path: Path, doctype: str, entity: str,
                                                member: str) -> None:
    book = _study_book(tmp_path / "evil.xlsx")
    _rewrite(book, member, lambda t: _inject(t, doctype, entity if "sheet" in member else None))
    raw = read_study(book)
    problems = raw.issues.filter(pl.col("rule") == "unreadable_file")
    assert problems["message"].to_list() == [
        f"evil.xlsx: part {member} contains XML entity or DTD declarations, which workbooks "
        "saved by spreadsheet programs never do; it is refused (a 'billion laughs' or "
        "external-entity attack). Save the sheets again or as CSV."]
    assert not raw.tables


def test_a_dtd_hidden_after_a_long_comment_is_refused_while_parsing(tmp_path: Path) -> None:
    # past the first 64 KiB searched before parsing: defusedxml refuses it (defence in depth)
    book = _study_book(tmp_path / "evil.xlsx")
    padding = "<!--" + "x" * 70_000 + "-->"
    _rewrite(book, "xl/worksheets/sheet1.xml",
             lambda t: '<?xml version="1.0"?>' + padding + _inject(t, LAUGHS, "&lol3;")
             .removeprefix('<?xml version="1.0"?>\n'))
    check_archive(book)  # nothing in the prolog's first 64 KiB
    with pytest.raises(UnreadableFileError, match=r"contains XML entity or DTD declarations"):
        list(sheet_rows(book, "patients"))


def test_a_file_that_is_not_a_zip_is_unreadable(tmp_path: Path) -> None:
    book = tmp_path / "patients.xlsx"
    book.write_text("patient_id,sex\nP1,F\n")
    with pytest.raises(UnreadableFileError, match=r"patients\.xlsx cannot be read as XLSX \(not "
                                                  r"a zip archive"):
        check_archive(book)

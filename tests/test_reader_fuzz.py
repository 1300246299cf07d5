"""Fuzz the readers with the hostile classes of issue #16: workbooks with stale dimensions,
entity declarations, oversized cells, zip bombs and broken bytes; SDTM datasets with missing
columns and repeated records; malformed Dataset-JSON; values out of any range. Whatever the
input, reading and validating end in a report or a documented error, never a traceback, and
a failed import leaves the store unchanged.

Bounded: ``MSCOHORT_HYPOTHESIS_EXAMPLES`` examples per test (60 by default; docs/development.md).
"""

from __future__ import annotations

import io
import json
import re
import tempfile
import zipfile
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from typer.testing import CliRunner

from mscohort.cli.main import app
from mscohort.errors import UnreadableFileError, UsageError
from mscohort.ingest import read_study
from mscohort.interop.dataset_json import read_dataset_json
from mscohort.interop.sdtm_import import read_sdtm
from mscohort.validate import check_study
from tests.conftest import AS_OF
from tests.interop.conftest import DATA
from tests.test_properties import EXAMPLES
from tests.test_store import snapshot

FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
HOSTILE = ["1e30", "99999999999999999999", "-1e308", "1e308", "0", "1800-01-01",
           "2010-01-01T99:99", "2010-01-01T23:59", "=1+2", '=HYPERLINK("http://x","y")',
           "@SUM(1)", "+1", "-1", "\t=1", "NaN", "inf", "", "3.5", "2012-01-01", "P1", "F"]
cells = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=12))
#: what a spreadsheet cell can hold (openpyxl refuses control characters other than \t\n\r)
sheet_cells = cells.filter(lambda v: not ILLEGAL_CHARACTERS_RE.search(v))

LAUGHS = ('<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
          '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>')
XXE = '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'


def _book(patients: list[list[str]], edss: list[list[str]]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for name, header, rows in (("patients", ["patient_id", "sex", "birth_date", "onset_date"],
                                patients),
                               ("edss", ["patient_id", "date", "edss", "fs_visual"], edss)):
        ws = wb.create_sheet(name)
        ws.append(header)
        for row in rows:
            ws.append(row)
            for cell in ws[ws.max_row]:
                cell.data_type = "s"  # text as text: openpyxl would write "=1+2" as a formula
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _edit(data: bytes, member: str, edit) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    parts[member] = edit(parts[member].decode()).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, part in parts.items():
            z.writestr(name, part)
    return out.getvalue()


@st.composite
def workbooks(draw: st.DrawFn) -> tuple[bytes, str, int]:
    """A two-sheet workbook, one hostile change, and how many edss rows it holds."""
    rows = st.lists(st.lists(sheet_cells, min_size=1, max_size=5), max_size=6)
    patients, edss = draw(rows), draw(rows)
    data = _book(patients, edss)
    kind = draw(st.sampled_from(["none", "stale-dimension", "laughs", "xxe", "long-cell",
                                 "bomb-cell", "truncated", "flipped"]))
    sheet = f"xl/worksheets/sheet{draw(st.integers(1, 2))}.xml"
    if kind == "stale-dimension":
        ref = f"A1:{draw(st.sampled_from('ABCD'))}{draw(st.integers(1, 3))}"
        data = _edit(data, sheet, lambda t: re.sub(r'<dimension ref="[^"]+"',
                                                   f'<dimension ref="{ref}"', t))
    elif kind in ("laughs", "xxe"):
        doctype = LAUGHS if kind == "laughs" else XXE
        member = draw(st.sampled_from([sheet, "xl/workbook.xml", "[Content_Types].xml"]))
        data = _edit(data, member, lambda t: re.sub(r"^(<\?xml[^>]*\?>)?", lambda m:
                                                    (m.group(0) or "") + doctype, t, count=1))
    elif kind in ("long-cell", "bomb-cell"):
        n = 40_000 if kind == "long-cell" else 2_000_000
        text = "".join(draw(st.lists(st.sampled_from("ab1-="), min_size=20, max_size=20)))
        data = _edit(data, "xl/worksheets/sheet1.xml",
                     lambda t: t.replace("<t>patient_id</t>", f"<t>{(text * n)[:n]}</t>", 1))
    # positions as fractions: the archive's length varies with its timestamps
    fraction = st.floats(0, 1, exclude_max=True)
    if kind == "truncated":
        data = data[: int(draw(fraction) * len(data))]
    elif kind == "flipped":
        buf = bytearray(data)
        for f in draw(st.lists(fraction, min_size=1, max_size=8)):
            buf[int(f * len(buf))] ^= 0xFF
        data = bytes(buf)
    return data, kind, sum(1 for r in edss if any(v.strip() not in ("", "NA", "N/A", "NaN",
                                                                      "NULL") for v in r))


@pytest.mark.slow
@FUZZ
@given(case=workbooks())
def test_hostile_workbooks_end_in_a_report_never_a_traceback(case) -> None:
    data, kind, edss_rows = case
    with tempfile.TemporaryDirectory() as tmp:
        book = Path(tmp) / "study.xlsx"
        book.write_bytes(data)
        raw = read_study(book)  # file-level problems are issues, not exceptions
        _, report = check_study(raw, as_of=AS_OF)
    unreadable = raw.issues.filter(pl.col("rule") == "unreadable_file")
    if kind in ("laughs", "xxe"):
        assert unreadable.height and "entity or DTD" in unreadable["message"][0]
    if kind == "bomb-cell":
        assert unreadable.height and "zip bomb" in unreadable["message"][0]
    if kind in ("none", "stale-dimension"):
        assert unreadable.height == 0
        assert raw.tables["edss"].frame.height == edss_rows  # every row read
    assert report.issues.height >= unreadable.height


SDTM_FILES = sorted(p.name for p in (DATA / "sdtm").iterdir())


@st.composite
def sdtm_folders(draw: st.DrawFn) -> dict[str, str]:
    """The hand-written SDTM datasets with columns dropped, records repeated (same or other
    value) and values replaced by hostile ones."""
    files = {name: (DATA / "sdtm" / name).read_text() for name in SDTM_FILES}
    for name in draw(st.lists(st.sampled_from(SDTM_FILES), max_size=3, unique=True)):
        frame = pl.read_csv(io.StringIO(files[name]), infer_schema=False)
        action = draw(st.sampled_from(["drop-column", "repeat-record", "hostile-value",
                                       "remove-file"]))
        if action == "remove-file":
            del files[name]
            continue
        if action == "drop-column":
            frame = frame.drop(draw(st.sampled_from(frame.columns)))
        elif action == "repeat-record" and frame.height:
            i = draw(st.integers(0, frame.height - 1))
            record = frame.slice(i, 1)
            column = draw(st.sampled_from(frame.columns))
            record = record.with_columns(pl.lit(draw(cells)).alias(column))
            frame = pl.concat([frame, record])
        elif frame.height:
            column = draw(st.sampled_from(frame.columns))
            i = draw(st.integers(0, frame.height - 1))
            values = frame[column].to_list()
            values[i] = draw(cells)
            frame = frame.with_columns(pl.Series(column, values, dtype=pl.String))
        files[name] = frame.write_csv()
    return files


@pytest.mark.slow
@FUZZ
@given(files=sdtm_folders())
def test_sdtm_datasets_end_in_a_report_never_a_traceback(files: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "sdtm"
        folder.mkdir()
        for name, text in files.items():
            (folder / name).write_text(text)
        try:
            raw = read_sdtm(folder)
        except UsageError as exc:  # only: no DM domain at all
            assert "dm.csv" not in files and "SDTM data need the DM domain" in str(exc)
            return
        _, report = check_study(raw, as_of=AS_OF)
        db = Path(tmp) / "s.duckdb"
        result = CliRunner().invoke(app, ["sdtm-import", str(folder), "--db", str(db)])
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            result.exception)
        assert result.exit_code == (0 if report.ok else 1), result.output
        if not report.ok and db.exists():
            assert all(not rows for name, rows in snapshot(db).items()
                       if name in ("patients", "edss", "relapses"))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6),
                                                                      children, max_size=4),
    max_leaves=12)


@st.composite
def dataset_json(draw: st.DrawFn) -> object:
    """A Dataset-JSON document with any of its parts replaced by arbitrary JSON."""
    doc: dict[str, object] = {
        "datasetJSONVersion": "1.1.0", "name": "DM", "records": 1,
        "columns": [{"itemOID": "IT.DM.USUBJID", "name": "USUBJID", "dataType": "string"},
                    {"itemOID": "IT.DM.SEX", "name": "SEX", "dataType": "string"}],
        "rows": [["S1", "F"]]}
    for key in draw(st.lists(st.sampled_from(["columns", "rows", "datasetJSONVersion"]),
                             max_size=2, unique=True)):
        doc[key] = draw(json_values)
    if draw(st.booleans()):
        doc["columns"] = [{"name": draw(st.sampled_from(["USUBJID", "SEX", "X"]))}
                          for _ in range(draw(st.integers(0, 3)))]
    return draw(st.one_of(st.just(doc), json_values))


@pytest.mark.slow
@FUZZ
@given(doc=dataset_json())
def test_dataset_json_is_read_or_refused_clearly(doc: object) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "dm.json"
        path.write_text(json.dumps(doc))
        try:
            frame = read_dataset_json(path)
        except UnreadableFileError as exc:
            assert str(exc).startswith("dm.json")
            return
    assert frame.columns[0] == "_row"
    assert len(set(frame.columns)) == frame.width

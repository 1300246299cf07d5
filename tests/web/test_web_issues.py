"""The issues of an upload: counts by rule, filters, pages and downloads, through Flask's
test client."""

from __future__ import annotations

import io
import re
from pathlib import Path

import polars as pl
from openpyxl import load_workbook

from mscohort.ingest import read_study
from mscohort.validate import check_study
from tests.web.test_web_pages import upload

PATIENTS = "patient_id,sex,birth_date,onset_date\nP1,F,1970-01-01,1995-01-01\n"


def _many_issues(n: int) -> bytes:
    rows = "".join(f"P1,{2000 + i // 12}-{i % 12 + 1:02d}-01,0.5\n" for i in range(n))
    return ("patient_id,date,edss\n" + rows).encode()


def test_issues_are_counted_by_rule_filtered_paged_and_downloaded(client) -> None:
    r = upload(client, {"patients.csv": PATIENTS.encode(), "edss.csv": _many_issues(230),
                        "notes.csv": b"a,b\n1,2\n"})
    check = client.get(r.location).get_data(as_text=True)
    link = re.search(r'id="issues-link" href="([^"]+)"', check).group(1)
    page = client.get(link).get_data(as_text=True)
    assert "231 issues in all; 231 shown" in page
    counts = re.findall(r'<td><a href="[^"]+">([a-z_]+)</a></td><td>(\w+)</td><td>(\d+)</td>',
                        page)
    assert counts == [("invalid_edss", "error", "230"), ("unused_file", "warning", "1")]
    assert "Issues 1 to 100 of 231" in page and "Page 1 of 3" in page
    last = client.get(link + "?page=3").get_data(as_text=True)
    assert "Issues 201 to 231 of 231" in last and 'id="next"' not in last
    only = client.get(link + "?severity=warning").get_data(as_text=True)
    assert "1 shown" in only and "notes.csv" in only and "Page 1 of 1" in only
    nobody = client.get(link + "?patient_id=P9").get_data(as_text=True)
    assert "No issue with these filters" in nobody

    csv = client.get(link + ".csv?rule=invalid_edss")
    assert csv.status_code == 200 and "attachment" in csv.headers["Content-Disposition"]
    table = pl.read_csv(io.BytesIO(csv.data), infer_schema=False)
    assert table.height == 230 and set(table["rule"]) == {"invalid_edss"}
    book = load_workbook(io.BytesIO(client.get(link + ".xlsx").data), read_only=True)
    assert [r[2] for r in book["Summary"].iter_rows(min_row=2, values_only=True)] == [230, 1]
    assert book["Issues"].max_row == 232
    book.close()
    assert client.get(link + ".pdf").status_code == 404
    assert client.get("/load/" + "x" * 20 + "/issues").status_code == 404


def test_the_issue_page_lists_what_validation_found(client, tmp_path: Path) -> None:
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "patients.csv").write_text(PATIENTS)
    (folder / "edss.csv").write_bytes(_many_issues(3))
    _, report = check_study(read_study(folder))
    r = upload(client, {"patients.csv": PATIENTS.encode(), "edss.csv": _many_issues(3)})
    link = re.search(r'id="issues-link" href="([^"]+)"',
                     client.get(r.location).get_data(as_text=True)).group(1)
    page = client.get(link).get_data(as_text=True)
    for fix in report.issues["fix"]:
        assert fix in page.replace("&#39;", "'")


def test_a_windows_1252_csv_upload_is_read_with_a_warning(client) -> None:
    patients = ("patient_id;sex;birth_date;onset_date;site\n"
                "P1;F;1970-01-01;1995-01-01;Zürich\n").encode("cp1252")
    edss = b"patient_id;date;edss\nP1;2010-01-01;3.5\n"
    r = upload(client, {"patients.csv": patients, "edss.csv": edss})
    assert r.status_code == 302
    page = client.get(r.location).get_data(as_text=True)
    assert "the files can be imported" in page and "assumed_encoding" in page
    assert "patients.csv is not UTF-8; it was read as Windows-1252" in page

"""Issue #19 leftovers of the upload and import: UTF-16 CSV files (with and without a
byte-order mark) are accepted by the web app as by the command line, and a failed first
import leaves no store file behind (web and command line)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mscohort.cli.main import app as cli
from mscohort.ingest import read_study
from mscohort.store import StudyStore
from mscohort.validate import load_study
from mscohort.web.workspace import SEED, check_upload
from tests.conftest import AS_OF
from tests.web.conftest import csrf
from tests.web.test_web_pages import import_from, upload

SEED_FILES = {p.name: p.read_bytes() for p in sorted(SEED.glob("*.csv"))
              if p.name != "residuals.csv"}


@pytest.mark.parametrize(("encoding", "name"), [
    ("utf-16", "UTF-16"),  # Python writes a byte-order mark
    ("utf-16-le", "UTF-16 (little-endian, no byte-order mark)"),
    ("utf-16-be", "UTF-16 (big-endian, no byte-order mark)"),
])
def test_a_utf16_csv_is_uploaded_checked_and_imported_like_on_the_command_line(
        client, app, encoding: str, name: str) -> None:
    text = SEED_FILES["edss.csv"].decode("utf-8")
    content = text.encode(encoding)
    assert b"\x00" in content and check_upload("edss.csv", content) is None
    r = upload(client, SEED_FILES | {"edss.csv": content})
    assert r.status_code == 302, r.get_data(as_text=True)
    page = client.get(r.location).get_data(as_text=True)
    assert "No errors" in page and "assumed_encoding" in page
    assert f"edss.csv is not UTF-8; it was read as {name}" in page
    assert import_from(client, r.location).status_code == 302
    with StudyStore(app.extensions["mscohort"]["workspace"].db, read_only=True) as store:
        stored = store.read("edss")
    # the command line's reading of the UTF-8 original (ingest/encoding.py)
    expected = load_study(read_study(SEED)).table("edss")
    assert stored.equals(expected.select(stored.columns))


def test_binary_bytes_that_are_not_utf16_are_still_refused() -> None:
    # an odd number of bytes with NUL in them is neither text nor UTF-16
    assert "not a text file" in str(check_upload("edss.csv", b"PK\x03\x04\x00\x00x!!"))
    assert "not a text file" in str(check_upload("edss.tsv", b"\x00\x01\x02"))


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_the_command_line_reads_ascii_utf16_without_a_byte_order_mark(
        write_study, encoding: str) -> None:
    """ASCII text in UTF-16 without a mark is also valid UTF-8 (every other byte NUL): it
    is read as UTF-16, with the warning, not as UTF-8 with NUL in every column name."""
    folder = write_study()
    utf8 = read_study(folder).tables["edss"].frame
    (folder / "edss.csv").write_bytes((folder / "edss.csv").read_text().encode(encoding))
    raw = read_study(folder)
    assert raw.tables["edss"].frame.equals(utf8)
    assert "assumed_encoding" in raw.issues["rule"].to_list()


def test_a_failed_first_web_import_leaves_no_store_file(client, app,
                                                        broken_dir: Path) -> None:
    ws = app.extensions["mscohort"]["workspace"]
    r = upload(client, {p.name: p.read_bytes() for p in broken_dir.iterdir()})
    page = client.get(r.location).get_data(as_text=True)
    assert "nothing was stored" in page and 'id="import"' not in page
    # an import asked for anyway (a second tab, a stale form): it fails and keeps nothing
    upload_id = re.search(r"/load/([A-Za-z0-9_-]+)$", r.location).group(1)  # type: ignore[union-attr]
    r = client.post(f"/load/{upload_id}/import", data={"csrf_token": csrf(client),
                                                       "by": "A. Coordinator"})
    assert r.status_code == 302
    page = client.get(r.location).get_data(as_text=True)
    assert "did not pass validation; nothing was stored" in page
    assert not ws.db.exists() and not Path(f"{ws.db}.wal").exists()
    assert client.get("/").status_code == 200


def test_a_failed_first_command_line_import_leaves_no_store_file(
        broken_dir: Path, toy_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "new.duckdb"
    result = CliRunner().invoke(cli, ["import", str(broken_dir), "--db", str(db),
                                      "--as-of", AS_OF.isoformat()])
    assert result.exit_code == 1 and "Nothing was imported" in result.output
    assert not db.exists() and not Path(f"{db}.wal").exists()
    result = CliRunner().invoke(cli, ["import", str(toy_dir), "--db", str(db),
                                      "--as-of", AS_OF.isoformat()])
    assert result.exit_code == 0 and db.exists()

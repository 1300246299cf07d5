"""Issue #16, web items 2 and 4, each from its reproduction, through the real server: a
mapping naming files outside its upload, upload names that reduce to the same safe name,
stale uploads, and an uploaded study definition kept only when its import succeeds."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mscohort.errors import UsageError
from mscohort.ingest.mapping import parse_mapping
from mscohort.web import WebConfig
from mscohort.web.workspace import SEED, confined
from tests.web.conftest import Http, free_port, serving, settle

PATIENTS = b"patient_id,sex,birth_date,onset_date\nP1,F,1980-01-01,2005-01-01\n"
SECRET_ROW = "SECRET-ROW-7"


@pytest.fixture()
def ws(tmp_path: Path) -> Path:
    return tmp_path / "ws"


@pytest.fixture()
def server(ws: Path) -> Iterator[str]:
    with serving(WebConfig(ws, port=free_port())) as url:
        yield url


def stored_rows(ws: Path) -> int:
    from mscohort.store import StudyStore

    if not (ws / "study.duckdb").exists():
        return 0
    with StudyStore(ws / "study.duckdb", read_only=True) as store:
        return sum(store.counts().values())


def staged(ws: Path) -> list[Path]:
    return sorted((ws / "uploads").iterdir())


# -- item 2: a mapping names files of its upload only -------------------------------------
@pytest.mark.parametrize("where", ["absolute", "dotdot"])
def test_a_mapping_naming_a_file_elsewhere_on_the_server_is_refused(
        server: str, ws: Path, tmp_path: Path, where: str) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "other.csv").write_text(f"patient_id,date,edss\n{SECRET_ROW},2020-01-01,3.0\n")
    name = str(other / "other.csv") if where == "absolute" else "../../../../other/other.csv"
    mapping = f'[edss]\nfile = "{name}"\n'.encode()
    c = Http(server)
    r = c.upload("/load", [("files", "patients.csv", PATIENTS),
                           ("mapping", "mapping.toml", mapping)])
    assert r.status == 302
    page = settle(c, r)
    assert page.status == 400
    assert "[edss] file" in page.text and "must be one of the uploaded files" in page.text
    assert SECRET_ROW not in page.text
    # and the import refuses it too, whatever the page showed
    upload = r.location.rsplit("/", 1)[1]
    done = settle(c, c.post(f"/load/{upload}/import", {"csrf_token": c.csrf(),
                                                           "by": "A. Coordinator"}))
    assert "must be one of the uploaded files" in done.text
    assert "Nothing was stored." in done.text
    assert not (ws / "study.duckdb").exists()


def test_a_mapping_naming_a_link_out_of_the_upload_is_refused(server: str, ws: Path,
                                                             tmp_path: Path) -> None:
    outside = tmp_path / "outside.csv"
    outside.write_text(f"patient_id,date,edss\n{SECRET_ROW},2020-01-01,3.0\n")
    c = Http(server)
    r = c.upload("/load", [("files", "patients.csv", PATIENTS),
                           ("mapping", "mapping.toml", b'[edss]\nfile = "visits.csv"\n')])
    (folder,) = staged(ws)
    (folder / "data" / "visits.csv").symlink_to(outside)  # a link planted in the upload
    page = settle(c, r)
    assert page.status == 400 and "leads out of the upload" in page.text
    assert "[edss] file" in page.text and SECRET_ROW not in page.text


def test_a_mapping_naming_uploaded_files_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "visits.csv").write_text("x")
    (tmp_path / "sub").mkdir()
    ok = parse_mapping({"edss": {"file": "visits.csv"}, "patients": {"file": "sub/p.csv"}})
    assert confined(ok, tmp_path) is ok
    for bad in ("/etc/passwd", "../x.csv", "sub/../../x.csv", "C:\\data\\x.csv",
                "..\\x.csv"):
        with pytest.raises(UsageError, match=r"`\[edss\] file` must be one of the uploaded "
                                             r"files .*; got "):
            confined(parse_mapping({"edss": {"file": bad}}), tmp_path)


# -- item 4: names, stale uploads, definitions --------------------------------------------
@pytest.mark.parametrize(("first", "second", "safe"), [
    ("my edss.csv", "my_edss.csv", "my_edss.csv"),
    ("edss.csv", "EDSS.csv", "EDSS.csv"),
    ("patients.csv", "../patients.csv", "patients.csv"),
])
def test_upload_names_that_become_the_same_file_name_are_refused(
        server: str, ws: Path, first: str, second: str, safe: str) -> None:
    c = Http(server)
    r = c.upload("/load", [("files", first, b"patient_id,date,edss\nP1,2020-01-01,1.0\n"),
                           ("files", second, b"patient_id,date,edss\nP1,2021-01-01,2.0\n")])
    assert r.status == 400, r.text
    assert f"both become the file name {safe} on the server" in r.text
    assert "Nothing was stored." in r.text
    assert staged(ws) == [] and not (ws / "study.duckdb").exists()


def test_stale_uploads_are_removed_at_start_and_while_the_app_runs(
        ws: Path, monkeypatch) -> None:
    import mscohort.web.app as web_app

    config = WebConfig(ws, port=free_port(), upload_hours=1)
    with serving(config) as url:
        c = Http(url)
        old = settle(c, c.post("/load/example", {"csrf_token": c.csrf()}))
        assert old.status == 200
        (folder,) = staged(ws)
        hours_ago = time.time() - 2 * 3600
        os.utime(folder, (hours_ago, hours_ago))
    # at start
    with serving(WebConfig(ws, port=free_port(), upload_hours=1)) as url:
        assert staged(ws) == []
        c = Http(url)
        c.post("/load/example", {"csrf_token": c.csrf()})
        c.post("/load/example", {"csrf_token": c.csrf()})
        fresh, stale = staged(ws)
        os.utime(stale, (hours_ago, hours_ago))
        # while running: at the next request once SWEEP_SECONDS have passed
        monkeypatch.setattr(web_app, "SWEEP_SECONDS", 0)
        assert c.get("/load").status == 200
        assert staged(ws) == [fresh]


def test_an_uploaded_definition_is_kept_only_when_its_import_succeeds(
        server: str, ws: Path, broken_dir: Path) -> None:
    definition = (SEED / "study.toml").read_bytes()
    c = Http(server)
    files = [("files", p.name, p.read_bytes()) for p in sorted(broken_dir.iterdir())]
    r = c.upload("/load", [*files, ("definition", "study.toml", definition)])
    upload = r.location.rsplit("/", 1)[1]
    assert "nothing was stored" in settle(c, r).text
    failed = settle(c, c.post(f"/load/{upload}/import", {"csrf_token": c.csrf(),
                                                           "by": "A. Coordinator"}))
    assert "did not pass validation; nothing was stored" in failed.text
    assert sorted(p.name for p in (ws / "definitions").iterdir()) == ["seed.toml"]
    assert stored_rows(ws) == 0
    # the same definition with good files: kept once the import succeeded
    seed = [("files", p.name, p.read_bytes()) for p in sorted(SEED.glob("*.csv"))
            if p.name != "residuals.csv"]
    r = c.upload("/load", [*seed, ("definition", "study.toml", definition)])
    upload = r.location.rsplit("/", 1)[1]
    done = settle(c, c.post(f"/load/{upload}/import", {"csrf_token": c.csrf(),
                                                           "by": "A. Coordinator"}))
    assert done.status == 200 and "Imported: import 1" in done.text
    assert sorted(p.name for p in (ws / "definitions").iterdir()) == [
        "seed.toml", f"uploaded-{upload[:8]}.toml"]

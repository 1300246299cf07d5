"""A re-upload that would undo a correction made in the web app (a clinic coordinator's
report): the changes page says which changed value was a deliberate correction (version,
who, when, why), the import keeps it unless its box "take the file's value" is ticked, and
the new version's page lists the decision. Through the real server (waitress on 127.0.0.1)
on a real workspace store."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from pathlib import Path

import polars as pl

from mscohort.store import StudyStore
from mscohort.store.reimport import stored_corrections
from mscohort.web import WebConfig
from tests.test_store import snapshot
from tests.web.conftest import Http, free_port, serving, settle
from tests.web.seed_record import Visit, step_down, visits
from tests.web.test_web_reimport import FIRST, SEED_FILES
from tests.web.test_web_reimport_browser import DOWN, import_seed_without_analysis

RECORD = json.dumps({"table": "edss", "key": {"patient_id": "TRMS01", "date": FIRST.date}})
NEW_RELAPSE = b"TRMS01,2014-09-01,mild,false\n"  # the clinic's next export brings a relapse
CHOICE = json.dumps(["edss", FIRST.key, "edss"])
REASON = f"{FIRST.text} was a typo for {DOWN} per clinic notes"


def _other_value(visit: Visit) -> str:
    """Another value of ``visit``'s EDSS (one step down)."""
    return f"{step_down(visit.edss):.1f}"


def _next_export() -> dict[str, bytes]:
    """The seed's files (TRMS01's first EDSS still as shipped) and one new relapse."""
    return SEED_FILES | {"relapses.csv": SEED_FILES["relapses.csv"] + NEW_RELAPSE}


def _corrected(base: str) -> Http:
    """Import the seed and correct TRMS01's first EDSS one step down on the history page."""
    import_seed_without_analysis(base)
    c = Http(base)
    page = "/patient/history?id=TRMS01"
    r = c.post("/patient/correct?id=TRMS01", {
        "csrf_token": c.csrf(page), "record": RECORD, "column": "edss", "value": DOWN,
        "reason": REASON, "by": "C. Coordinator"})
    assert "Corrected: import 2" in settle(c, r).text
    return c


def _verdict(check: str) -> str:
    found = re.search(r'<p class="verdict ok" id="verdict">(.*?)</p>', check, re.S)
    assert found is not None, check
    text = html.unescape(re.sub(r"\s+", " ", found.group(1)))
    return re.sub(r" \(\d+ warnings? to look at\)", "", text)  # the seed's own warnings


def _corrected_and_reuploaded(base: str) -> tuple[Http, str]:
    """Import the seed, correct TRMS01's first EDSS one step down on the history page,
    upload the next export and open its changes page: (client, changes page path)."""
    c = _corrected(base)
    check = settle(c, c.upload("/load", [("files", n, b) for n, b in _next_export().items()]))
    # the one stored value the files would change is the correction, which is kept
    assert _verdict(check.text) == (
        "No errors: 1 new record, no changed records; 1 correction made in mscohort kept "
        "(the file's value not taken).")
    assert 'id="import"' in check.text and "and adds the new records" in check.text
    changes = re.search(r'id="review" href="([^"]+)"', check.text).group(1)  # type: ignore[union-attr]
    return c, changes


def test_the_check_of_a_file_whose_only_change_is_a_kept_correction_says_exactly_that(
        tmp_path: Path) -> None:
    config = WebConfig(tmp_path / "workspace", port=free_port())
    with serving(config) as base:
        c = _corrected(base)
        check = settle(c, c.upload("/load", [("files", n, b) for n, b in SEED_FILES.items()]))
        assert _verdict(check.text) == (
            "No errors: no new or changed records; 1 correction made in mscohort kept "
            "(the file's value not taken).")
        note = html.unescape(re.sub(r"\s+", " ", re.search(  # type: ignore[union-attr]
            r'<p id="kept-note">(.*?)</p>', check.text, re.S).group(1)))
        assert "so importing these files changes nothing" in note
        assert "the files change" not in check.text and 'id="review"' in check.text
        second = visits()[1]  # and with a plain change too: it needs the acceptance
        changed = SEED_FILES["edss.csv"].replace(
            second.line, f"{second.patient_id},{second.date},{_other_value(second)}\n".encode())
        check = settle(c, c.upload("/load", [("files", n, b) for n, b in (
            SEED_FILES | {"edss.csv": changed}).items()]))
        assert _verdict(check.text).startswith(
            "No errors, but the files change 1 stored record; 1 correction made in mscohort "
            "kept (the file's value not taken): look at the changes")
        assert 'id="import"' not in check.text


def _accept(c: Http, changes: str, page: str, **extra: str):
    version = re.search(r'name="version" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    form = {"csrf_token": c.csrf(changes), "version": version, "by": "D. Manager",
            "reason": "November export"} | extra
    return c.post(changes.replace("/changes", "/accept"), form)


def _edss(db: Path) -> float:
    with StudyStore(db, read_only=True) as store:
        edss = store.read("edss")
    return edss.filter((pl.col("patient_id") == "TRMS01")
                       & (pl.col("date") == dt.date.fromisoformat(FIRST.date)))["edss"][0]


def test_the_changes_page_names_the_correction_a_reupload_would_undo_and_keeps_it(
        tmp_path: Path) -> None:
    config = WebConfig(tmp_path / "workspace", port=free_port())
    with serving(config) as base:
        c, changes = _corrected_and_reuploaded(base)
        page = c.get(changes).text
        assert 'id="corrections-note"' in page
        assert "1 of the changed values was corrected in mscohort since its record was last " \
            "imported" in page and "keeps this correction" in page
        # the changed value itself says so, and the corrections table gives who, when, why
        assert f"<td>{FIRST.text}</td><td>would undo a correction (version 2): kept unless " \
            "you take " \
            "the file&#39;s value</td>" in page
        row = re.search(r'<tr class="undo">(.*?)</tr>', page, re.S).group(1)  # type: ignore[union-attr]
        cells = [re.sub(r"<[^>]+>", "", t).strip() for t in re.findall(r"<td>(.*?)</td>", row,
                                                                         re.S)]
        assert cells[1:] == [
            "TRMS01", f"edss {FIRST.key}: edss", DOWN, FIRST.text, FIRST.text,
            f"would undo a correction: version 2, by C. Coordinator on "
            f"{dt.date.today().isoformat()}: {REASON}", f"edss.csv, row {FIRST.row}"]
        box = re.search(r'<input type="checkbox" form="accept" name="take_file"[^>]*>', page)
        assert box is not None and "checked" not in box.group(0)
        r = settle(c, _accept(c, changes, page))  # the box left unticked
        assert r.status == 200 and "Store version 3" in r.text
        assert 'id="decided"' in r.text and "<td>kept</td>" in r.text
    db = config.workspace / "study.duckdb"
    assert _edss(db) == float(DOWN)  # the correction stays
    with StudyStore(db, read_only=True) as store:
        relapses = store.read("relapses")
        decided = stored_corrections(store.con, 3)
    assert relapses.filter((pl.col("patient_id") == "TRMS01")
                           & (pl.col("onset_date") == dt.date(2014, 9, 1))).height == 1
    assert decided.select("decision", "kind", "stored", "file_value", "correction_version",
                          "imported_by", "reason").rows() == [
        ("kept", "undo", DOWN, FIRST.text, 2, "D. Manager", "November export")]


def test_ticking_take_the_files_value_overwrites_the_correction_with_who_and_why(
        tmp_path: Path) -> None:
    config = WebConfig(tmp_path / "workspace", port=free_port())
    with serving(config) as base:
        c, changes = _corrected_and_reuploaded(base)
        page = c.get(changes).text
        r = settle(c, _accept(c, changes, page, take_file=CHOICE))
        assert "Store version 3" in r.text and "<td>overwritten</td>" in r.text
        history = c.get("/patient/history?id=TRMS01").text
        assert f"edss: {DOWN} -&gt; {FIRST.text}" in history and "D. Manager" in history
    db = config.workspace / "study.duckdb"
    assert _edss(db) == FIRST.edss
    with StudyStore(db, read_only=True) as store:
        assert stored_corrections(store.con, 3)["decision"].to_list() == ["overwritten"]


def test_a_box_for_no_listed_correction_is_refused_and_nothing_is_stored(
        tmp_path: Path) -> None:
    config = WebConfig(tmp_path / "workspace", port=free_port())
    with serving(config) as base:
        c, changes = _corrected_and_reuploaded(base)
        before = snapshot(config.workspace / "study.duckdb")
        page = c.get(changes).text
        other = json.dumps(["edss", visits()[1].key, "edss"])  # a record not corrected
        r = _accept(c, changes, page, take_file=other)
        assert r.status == 400
        assert "`take_file` must be a correction listed on this page" in html.unescape(r.text)
        assert "Nothing was stored" in r.text
        assert snapshot(config.workspace / "study.duckdb") == before


def test_the_history_page_lists_the_kept_correction_in_the_words_of_the_command_line(
        tmp_path: Path) -> None:
    from mscohort.web.views_history import HISTORY_COLUMNS
    from tests.test_cli import run

    config = WebConfig(tmp_path / "workspace", port=free_port())
    with serving(config) as base:
        c, changes = _corrected_and_reuploaded(base)
        r = settle(c, _accept(c, changes, c.get(changes).text))  # the box left unticked
        assert "Store version 3" in r.text
        page = c.get("/patient/history?id=TRMS01").text
    rows = [[html.unescape(re.sub(r"<[^>]+>", "", t)).strip() for t in re.findall(
        r"<td>(.*?)</td>", row, re.S)] for row in re.findall(r"<tr>(.*?)</tr>", page, re.S)]
    kept = [dict(zip(HISTORY_COLUMNS, row, strict=True)) for row in rows
            if len(row) == len(HISTORY_COLUMNS) and row[4] == "kept correction"]
    assert [(k["version"], k["imported_by"], k["record"], k["file"]) for k in kept] == [
        ("3", "D. Manager", FIRST.key, f"edss.csv row {FIRST.row}")]
    what = kept[0]["what"]
    assert what == (f"edss: would undo a correction (version 2, by C. Coordinator on "
                    f"{dt.date.today().isoformat()}: {REASON}); stored {DOWN} (corrected from "
                    f"{FIRST.text}), file {FIRST.text}")
    code, output = run("history", "--db", config.workspace / "study.duckdb", "--patient",
                       "TRMS01")
    assert code == 0
    assert f"kept correction edss {FIRST.key}: {what} (edss.csv row {FIRST.row})" in \
        " ".join(output.split())


def test_a_reupload_of_a_record_retracted_in_mscohort_keeps_the_retraction_until_taken(
        tmp_path: Path) -> None:
    config = WebConfig(tmp_path / "workspace", port=free_port())
    db = config.workspace / "study.duckdb"
    with serving(config) as base:
        import_seed_without_analysis(base)
        with StudyStore(db) as store:  # as `mscohort retract` does
            store.retract("edss", pl.DataFrame({"patient_id": ["TRMS01"], "date": [
                dt.date.fromisoformat(FIRST.date)]}), by="A. Nurse", reason="entered twice")
        c = Http(base)
        check = settle(c, c.upload("/load", [("files", n, b) for n, b in SEED_FILES.items()]))
        assert _verdict(check.text) == (
            "No errors: no new or changed records; 1 retraction made in mscohort kept (the "
            "file's record not added).")
        changes = re.search(r'id="review" href="([^"]+)"', check.text).group(1)  # type: ignore[union-attr]
        page = c.get(changes).text
        assert "1 record in these files was retracted in mscohort" in html.unescape(page)
        assert "0 records added" in page
        row = re.search(r'<tr class="retraction">(.*?)</tr>', page, re.S).group(1)  # type: ignore[union-attr]
        cells = [re.sub(r"<[^>]+>", "", t).strip() for t in re.findall(r"<td>(.*?)</td>", row,
                                                                         re.S)]
        assert cells[1:4] == ["TRMS01", f"edss {FIRST.key}: (record)", "retracted"]
        assert cells[6].startswith("would undo a retraction: version 2, by A. Nurse")
        r = settle(c, _accept(c, changes, page, take_file=json.dumps(
            ["edss", FIRST.key, "(record)"])))
        assert "Store version 3" in r.text and "<td>overwritten</td>" in r.text
        assert "1 retraction made in mscohort undone (the file&#39;s record added again)" \
            in r.text
    assert _edss(db) == FIRST.edss  # the record is back

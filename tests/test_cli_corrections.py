"""Corrections on the command line: the diff first, --accept-changes with who and why,
the history of a patient, retraction, and analyses reproduced with --as-of-version."""

from __future__ import annotations

import json
from pathlib import Path

from mscohort.store import StudyStore
from tests.test_cli import run
from tests.test_store import snapshot


def _correct_first_edss(toy_dir: Path, new: str) -> None:
    path = toy_dir / "edss.csv"
    lines = path.read_text().splitlines()
    assert lines[1].startswith("P01,2005-03-10,5.5,")
    lines[1] = lines[1].replace("P01,2005-03-10,5.5,", f"P01,2005-03-10,{new},", 1)
    path.write_text("\n".join(lines) + "\n")


def test_a_corrected_file_shows_the_diff_and_needs_reason_and_name(
        toy_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    assert run("import", toy_dir, "--db", db, "--by", "B. Doctor")[0] == 0
    before = snapshot(db)
    _correct_first_edss(toy_dir, "6.0")
    code, output = run("import", toy_dir, "--db", db)
    assert code == 1, output
    assert "edss.csv row 2: edss P01 / 2005-03-10 [edss] 5.5 -> 6.0" in output
    assert "changed: 1 records" in output and "--accept-changes" in output
    code, output = run("import", toy_dir, "--db", db, "--accept-changes", "--by", "A. Nurse")
    assert code == 2 and "`--accept-changes` must be given with" in output
    assert "no --reason" in output
    code, output = run("import", toy_dir, "--db", db, "--retract-missing")
    assert code == 2 and "`--retract-missing` must be given with `--accept-changes`" in output
    assert snapshot(db) == before
    code, output = run("import", toy_dir, "--db", db, "--accept-changes", "--by", "A. Nurse",
                       "--reason", "typo fixed at the clinic")
    assert code == 0 and "edss 1 changed" in output and "store version 2" in output
    code, output = run("history", "--db", db, "--patient", "P01", "--json")
    rows = [r for r in json.loads(output) if r["record"] == "P01 / 2005-03-10"
            and r["table_name"] == "edss"]
    assert [(r["version"], r["action"], r["imported_by"], r["reason"]) for r in rows] == [
        (1, "added", "B. Doctor", None), (2, "changed", "A. Nurse", "typo fixed at the clinic")]
    assert rows[0]["values"].startswith("edss=5.5;") and rows[1]["values"].startswith("edss=6.0;")
    code, output = run("history", "--db", db, "--patient", "P01")
    assert code == 0 and "History of patient P01" in output and "typo fixed" in output
    code, output = run("history", "--db", db)
    assert code == 0 and "A. Nurse" in output
    assert run("history", "--db", db, "--patient", "NOPE")[0] == 2


def test_retract_command_removes_one_record_from_the_current_view(
        toy_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    assert run("import", toy_dir, "--db", db)[0] == 0
    args = ("retract", "--db", db, "--table", "edss", "--patient", "P01", "--reason",
            "entered twice", "--by", "A. Nurse")
    code, output = run(*args)
    assert code == 2 and "`--key` must be given for every key column of edss; got no date" in output
    assert run(*args, "--key", "day=2005-03-10")[0] == 2
    assert run(*args, "--key", "date=10.03.2005")[0] == 2
    code, output = run(*args, "--key", "date=2005-03-10")
    assert code == 0 and "store version 2" in output, output
    with StudyStore(db, read_only=True) as store:
        assert "2005-03-10" not in store.read("edss")["date"].cast(str).to_list()
    code, output = run(*args, "--key", "date=2005-03-10")
    assert code == 2 and "not stored" in output


def test_an_analysis_records_the_store_version_and_as_of_version_reproduces_it(
        toy_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    study = toy_dir / "study.toml"
    assert run("import", toy_dir, "--db", db)[0] == 0
    code, output = run("analyse", "--study", study, "--db", db, "--out", tmp_path / "v1")
    assert code == 0, output
    assert json.loads((tmp_path / "v1" / "provenance.json").read_text())["store_version"] == 1
    _correct_first_edss(toy_dir, "7.0")
    assert run("import", toy_dir, "--db", db, "--accept-changes", "--by", "A. Nurse",
               "--reason", "typo")[0] == 0
    assert run("analyse", "--study", study, "--db", db, "--out", tmp_path / "v2")[0] == 0
    code, output = run("analyse", "--study", study, "--db", db, "--as-of-version", "1",
                       "--out", tmp_path / "again")
    assert code == 0, output
    provenance = json.loads((tmp_path / "again" / "provenance.json").read_text())
    assert provenance["store_version"] == 1 and len(provenance["files"]) == 9
    for name in ("outcomes.csv", "tables.csv", "tests.csv"):
        assert (tmp_path / "again" / name).read_bytes() == (tmp_path / "v1" / name).read_bytes()
    assert (tmp_path / "v2" / "outcomes.csv").read_bytes() != \
        (tmp_path / "v1" / "outcomes.csv").read_bytes()
    assert json.loads((tmp_path / "v2" / "provenance.json").read_text())["store_version"] == 2
    code, output = run("analyse", "--study", study, "--db", db, "--as-of-version", "9")
    assert code == 2 and "store version from 1 to 2; got 9" in output
    code, output = run("report", "--study", study, "--db", db, "--as-of-version", "1",
                       "--out", tmp_path / "r.html", "--quiet")
    assert code == 0, output
    assert "Store version read: 1 (as of an earlier version)" in (tmp_path / "r.html").read_text()


def test_a_plain_import_records_who_and_why(toy_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    code, output = run("import", toy_dir, "--db", db, "--by", "B. Doctor", "--reason",
                       "November export")
    assert code == 0, output
    code, output = run("history", "--db", db, "--patient", "P01", "--json")
    rows = [r for r in json.loads(output) if r["record"] == "P01 / 2005-03-10"
            and r["table_name"] == "edss"]
    assert [(r["version"], r["action"], r["imported_by"], r["reason"]) for r in rows] == [
        (1, "added", "B. Doctor", "November export")]

"""`mscohort import` of a clinic's next export that still holds a value corrected in
mscohort: the correction is kept and listed by default; `--corrections overwrite` (with
`--accept-changes`) takes the file's value, recorded with who and why."""

from __future__ import annotations

import json
from pathlib import Path

from mscohort.store import StudyStore
from mscohort.store.correcting import correct_record
from mscohort.store.reimport import stored_corrections
from tests.test_cli import run
from tests.test_store import snapshot

KEY = {"patient_id": "P01", "date": "2005-03-10"}


def _corrected(toy_dir: Path, tmp_path: Path) -> Path:
    """The toy study imported (P01's EDSS of 2005-03-10 is 5.5), then that EDSS corrected
    in the tool to 4.5 (store version 2)."""
    db = tmp_path / "s.duckdb"
    assert run("import", toy_dir, "--db", db, "--as-of", "2026-01-01")[0] == 0
    correct_record(db, "edss", KEY, {"edss": "4.5"}, by="C. Coordinator",
                   reason="5.5 was a typo for 4.5")
    return db


def _p01_edss(db: Path) -> float:
    with StudyStore(db, read_only=True) as store:
        return store.read("edss", patient_id="P01")["edss"][0]


def test_the_next_export_keeps_the_correction_by_default_and_lists_it(
        toy_dir: Path, tmp_path: Path) -> None:
    db = _corrected(toy_dir, tmp_path)
    before = snapshot(db)
    code, output = run("import", toy_dir, "--db", db, "--as-of", "2026-01-01")
    assert code == 0, output
    flat = " ".join(output.split())
    assert "the store is unchanged; 1 correction made in mscohort kept (the file's value " \
        "not taken)" in flat
    assert "kept: edss P01 / 2005-03-10 [edss] (edss.csv row 2): would undo a correction " \
        "(version 2, by C. Coordinator on" in flat
    assert "5.5 was a typo for 4.5); stored 4.5 (corrected from 5.5), file 5.5" in flat
    assert "--accept-changes --corrections overwrite" in flat
    assert snapshot(db) == before and _p01_edss(db) == 4.5
    code, output = run("import", toy_dir, "--db", db, "--as-of", "2026-01-01", "--json")
    assert code == 0
    listed = json.loads(output)["corrections"]
    assert [(c["record"], c["kind"], c["decision"], c["stored"], c["file_value"])
            for c in listed] == [("P01 / 2005-03-10", "undo", "kept", "4.5", "5.5")]


def test_overwrite_takes_the_files_value_with_who_and_why(toy_dir: Path,
                                                          tmp_path: Path) -> None:
    db = _corrected(toy_dir, tmp_path)
    before = snapshot(db)
    code, output = run("import", toy_dir, "--db", db, "--corrections", "overwrite")
    assert code == 2 and "`--corrections overwrite` must be given with `--accept-changes`" \
        in " ".join(output.split())
    code, output = run("import", toy_dir, "--db", db, "--corrections", "replace")
    assert code == 2 and "`--corrections` must be keep or overwrite; got 'replace'" in \
        " ".join(output.split())
    assert snapshot(db) == before
    code, output = run("import", toy_dir, "--db", db, "--as-of", "2026-01-01",
                       "--accept-changes", "--corrections", "overwrite",
                       "--reason", "the clinic system is the source", "--by", "D. Manager")
    assert code == 0, output
    flat = " ".join(output.split())
    assert "edss 1 changed; already stored" in flat
    assert "; 1 correction made in mscohort overwritten with the file's value (store version " \
        "3)" in flat
    assert "overwritten: edss P01 / 2005-03-10 [edss]" in flat
    assert _p01_edss(db) == 5.5
    with StudyStore(db, read_only=True) as store:
        audit = stored_corrections(store.con)
    assert audit.select("import_id", "decision", "stored", "file_value", "imported_by",
                        "reason").rows() == [
        (3, "overwritten", "4.5", "5.5", "D. Manager", "the clinic system is the source")]
    code, output = run("history", "--db", db, "--patient", "P01", "--json")
    rows = [r for r in json.loads(output) if r["record"] == "P01 / 2005-03-10"
            and r["table_name"] == "edss"]
    assert [(r["version"], r["changes"], r["imported_by"]) for r in rows] == [
        (1, "", None), (2, "edss: 5.5 -> 4.5", "C. Coordinator"),
        (3, "edss: 4.5 -> 5.5", "D. Manager")]


def test_a_diff_that_needs_acceptance_marks_the_correction(toy_dir: Path,
                                                          tmp_path: Path) -> None:
    db = _corrected(toy_dir, tmp_path)
    path = toy_dir / "edss.csv"
    lines = path.read_text().splitlines()
    assert lines[2].startswith("P01,2006-02-14,6.0,"), lines[2]
    lines[2] = lines[2].replace("P01,2006-02-14,6.0,", "P01,2006-02-14,6.5,", 1)
    path.write_text("\n".join(lines) + "\n")
    code, output = run("import", toy_dir, "--db", db, "--as-of", "2026-01-01")
    assert code == 1
    flat = " ".join(output.split())
    assert "[edss] 4.5 -> 5.5 would undo a correction (version 2, by C. Coordinator" in flat
    assert "1 of the changed values were corrected in mscohort since their record's last " \
        "import: they are kept (add --corrections overwrite to take the files' values)" in flat
    code, output = run("import", toy_dir, "--db", db, "--as-of", "2026-01-01",
                       "--accept-changes", "--reason", "re-scored", "--by", "A. Nurse")
    assert code == 0, output
    flat = " ".join(output.split())
    assert "edss 1 changed; already stored" in flat
    assert "; 1 correction made in mscohort kept (the file's value not taken) (store version " \
        "3)" in flat
    assert _p01_edss(db) == 4.5


def test_validate_against_the_store_does_not_call_a_kept_correction_a_conflict(
        toy_dir: Path, tmp_path: Path) -> None:
    db = _corrected(toy_dir, tmp_path)
    code, output = run("validate", toy_dir, "--db", db, "--as-of", "2026-01-01")
    assert code == 0 and "conflicts_with_store" not in output, output
    path = toy_dir / "edss.csv"  # a plain change is still a conflict
    lines = path.read_text().splitlines()
    lines[2] = lines[2].replace("P01,2006-02-14,6.0,", "P01,2006-02-14,6.5,", 1)
    path.write_text("\n".join(lines) + "\n")
    code, output = run("validate", toy_dir, "--db", db, "--as-of", "2026-01-01")
    assert code == 1 and "conflicts_with_store" in output


def test_history_lists_the_corrections_a_reimport_kept_in_the_imports_words(
        toy_dir: Path, tmp_path: Path) -> None:
    import datetime as dt

    db = _corrected(toy_dir, tmp_path)
    with (toy_dir / "edss.csv").open("a") as f:  # the next export brings a new visit
        f.write("P01,2015-01-01,4.5,3,2,1,1,1,1,1,2\n")
    code, output = run("import", toy_dir, "--db", db, "--as-of", "2026-01-01", "--by",
                       "D. Manager", "--reason", "December export")
    assert code == 0 and "(store version 3)" in output, output
    said = (f"would undo a correction (version 2, by C. Coordinator on "
            f"{dt.date.today().isoformat()}: 5.5 was a typo for 4.5); stored 4.5 (corrected "
            "from 5.5), file 5.5")
    assert said in " ".join(output.split())  # the import's own words
    code, output = run("history", "--db", db, "--patient", "P01")
    assert code == 0, output
    flat = " ".join(output.split())
    assert "version 3 " in flat and "by D. Manager: December export" in flat
    assert f"kept correction edss P01 / 2005-03-10: edss: {said} (edss.csv row 2)" in flat
    code, output = run("history", "--db", db, "--patient", "P01", "--json")
    kept = [r for r in json.loads(output) if r["action"] == "kept correction"]
    assert [(r["version"], r["record"], r["changes"], r["imported_by"]) for r in kept] == [
        (3, "P01 / 2005-03-10", f"edss: {said}", "D. Manager")]
    code, output = run("history", "--db", db)
    assert code == 0
    assert f"version 3 kept correction: edss P01 / 2005-03-10 (edss.csv row 2): edss: " \
        f"{said}" in " ".join(output.split())
    code, output = run("history", "--db", db, "--json")
    assert [r["kept"] for r in json.loads(output)] == [0, 0, 1]

"""A re-import that would undo a correction made in mscohort (a clinic corrects a value in
the tool, its next export still holds the old one): kept by default and listed, overwritten
only when asked, each decision in the version's audit trail. Real DuckDB stores."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from mscohort.errors import InvalidArgumentError
from mscohort.store import Acceptance, ChangesNeedAcceptance, StudyStore, import_folder
from mscohort.store.correcting import correct_record
from mscohort.store.reimport import stored_corrections
from tests.conftest import AS_OF, EDSS
from tests.test_store import snapshot

NEXT_VISIT = "P2,2013-01-01,2.5\n"  # the clinic's next export brings one new visit
KEY = {"patient_id": "P1", "date": "2010-01-01"}


def corrected_store(write_study, tmp_path: Path) -> Path:
    """Version 1: the clinic's export (P1's EDSS of 2010-01-01 is 3.0); version 2: that
    EDSS corrected in the tool to 2.0, with who and why."""
    db = tmp_path / "s.duckdb"
    import_folder(write_study(), db, as_of=AS_OF, by="B. Doctor")
    correct_record(db, "edss", KEY, {"edss": "2.0"}, by="C. Coordinator",
                   reason="3.0 was a typo for 2.0 per clinic notes", as_of=AS_OF)
    return db


def edss_of(db: Path) -> list[tuple]:
    with StudyStore(db, read_only=True) as store:
        return store.read("edss", with_import_id=True).select(
            "patient_id", "date", "edss", "import_id").rows()


def test_a_reimport_of_the_old_source_value_keeps_the_correction_and_lists_it(
        write_study, tmp_path: Path) -> None:
    db = corrected_store(write_study, tmp_path)
    result = import_folder(write_study(edss=EDSS + NEXT_VISIT), db, as_of=AS_OF,
                           by="B. Doctor")  # no --accept-changes needed
    assert result.import_id == 3 and result.rows_added["edss"] == 1
    assert result.rows_changed.get("edss", 0) == 0 and result.n_kept == 1
    row = result.corrections.row(0, named=True)
    assert (row["table"], row["record"], row["column"], row["kind"], row["decision"]) == (
        "edss", "P1 / 2010-01-01", "edss", "undo", "kept")
    assert (row["stored"], row["file_value"], row["replaced"]) == ("2.0", "3.0", "3.0")
    assert (row["correction_version"], row["corrected_by"], row["correction_reason"]) == (
        2, "C. Coordinator", "3.0 was a typo for 2.0 per clinic notes")
    assert (row["file"], row["row"]) == ("edss.csv", 2)
    assert "1 correction made in mscohort kept (the file's value not taken)" in \
        result.summary()
    line = result.corrections_text()[0]
    assert "kept: edss P1 / 2010-01-01 [edss] (edss.csv row 2): would undo a correction " \
        "(version 2, by C. Coordinator on " in line
    assert line.endswith("3.0 was a typo for 2.0 per clinic notes); stored 2.0 (corrected "
                         "from 3.0), file 3.0")
    import datetime as dt
    assert f"on {dt.date.today().isoformat()}:" in line  # the correction's day
    # the corrected value stays; the new visit is stored
    assert edss_of(db) == [("P1", dt.date(2010, 1, 1), 2.0, 2), ("P1", dt.date(2011, 1, 1), 3.5, 1),
                           ("P2", dt.date(2012, 5, 5), 2.0, 1), ("P2", dt.date(2013, 1, 1), 2.5, 3)]
    with StudyStore(db, read_only=True) as store:
        audit = stored_corrections(store.con, 3)
        history = store.history("P1").filter(pl.col("record") == "P1 / 2010-01-01")
    assert audit.select("import_id", "record", "column_name", "kind", "decision", "stored",
                        "file_value", "correction_version", "imported_by").rows() == [
        (3, "P1 / 2010-01-01", "edss", "undo", "kept", "2.0", "3.0", 2, "B. Doctor")]
    assert history["version"].to_list() == [1, 2]  # version 3 did not write the record


def test_the_same_export_again_changes_nothing_and_says_the_correction_was_kept(
        write_study, tmp_path: Path) -> None:
    db = corrected_store(write_study, tmp_path)
    before = snapshot(db)
    result = import_folder(write_study(), db, as_of=AS_OF)
    assert result.import_id is None and result.n_kept == 1
    assert result.summary() == (
        "nothing new: every row (5) is already stored; the store is unchanged; 1 correction "
        "made in mscohort kept (the file's value not taken)")
    assert snapshot(db) == before


def test_overwrite_takes_the_files_value_and_the_audit_says_so(
        write_study, tmp_path: Path) -> None:
    import datetime as dt

    db = corrected_store(write_study, tmp_path)
    take = Acceptance("D. Manager", "the clinic's system is the source of truth",
                      corrections="overwrite")
    result = import_folder(write_study(edss=EDSS + NEXT_VISIT), db, as_of=AS_OF, accept=take)
    assert result.import_id == 3 and result.rows_changed["edss"] == 1
    assert result.n_overwritten == 1 and result.n_kept == 0
    assert "1 correction made in mscohort overwritten with the file's value" in \
        result.summary()
    assert edss_of(db)[0] == ("P1", dt.date(2010, 1, 1), 3.0, 3)
    with StudyStore(db, read_only=True) as store:
        audit = stored_corrections(store.con)
        history = store.history("P1").filter(pl.col("record") == "P1 / 2010-01-01")
    assert audit.select("import_id", "kind", "decision", "stored", "file_value",
                        "correction_version", "imported_by", "reason").rows() == [
        (3, "undo", "overwritten", "2.0", "3.0", 2, "D. Manager",
         "the clinic's system is the source of truth")]
    assert history.select("version", "action", "changes", "imported_by").rows() == [
        (1, "added", "", "B. Doctor"), (2, "changed", "edss: 3.0 -> 2.0", "C. Coordinator"),
        (3, "changed", "edss: 2.0 -> 3.0", "D. Manager")]
    # the file's value is now the record's last import: nothing is at stake any more
    again = import_folder(write_study(edss=EDSS + NEXT_VISIT), db, as_of=AS_OF)
    assert again.import_id is None and again.corrections.height == 0


def test_overwrite_without_an_acceptance_is_not_possible_the_default_keeps(
        write_study, tmp_path: Path) -> None:
    db = corrected_store(write_study, tmp_path)
    result = import_folder(write_study(edss=EDSS + NEXT_VISIT), db, as_of=AS_OF)
    assert result.n_kept == 1 and edss_of(db)[0][2] == 2.0


def test_a_value_changed_at_the_source_since_the_correction_is_a_conflict_with_both_values(
        write_study, tmp_path: Path) -> None:
    db = corrected_store(write_study, tmp_path)
    changed_since = EDSS.replace("P1,2010-01-01,3.0", "P1,2010-01-01,2.5")
    result = import_folder(write_study(edss=changed_since), db, as_of=AS_OF)
    assert result.import_id is None and result.n_kept == 1
    row = result.corrections.row(0, named=True)
    assert (row["kind"], row["stored"], row["file_value"], row["replaced"]) == (
        "conflict", "2.0", "2.5", "3.0")
    assert "changed at the source since a correction (version 2, by C. Coordinator" in \
        result.corrections_text()[0]
    assert result.corrections_text()[0].endswith("stored 2.0 (corrected from 3.0), file 2.5")
    take = Acceptance("D. Manager", "the clinic re-measured", corrections="overwrite")
    result = import_folder(write_study(edss=changed_since), db, as_of=AS_OF, accept=take)
    assert result.n_overwritten == 1 and edss_of(db)[0][2] == 2.5


def test_other_changes_still_need_acceptance_and_the_diff_marks_the_correction(
        write_study, tmp_path: Path) -> None:
    db = corrected_store(write_study, tmp_path)
    before = snapshot(db)
    other = EDSS.replace("P1,2011-01-01,3.5", "P1,2011-01-01,4.0")
    with pytest.raises(ChangesNeedAcceptance, match="nothing was imported") as info:
        import_folder(write_study(edss=other), db, as_of=AS_OF)
    assert snapshot(db) == before
    diff = info.value.diff
    assert diff.changed.select("record", "old", "new").rows() == [
        ("P1 / 2010-01-01", "2.0", "3.0"), ("P1 / 2011-01-01", "3.5", "4.0")]
    assert diff.corrections["record"].to_list() == ["P1 / 2010-01-01"]
    # only the plain change is a conflicts_with_store error (the correction is kept)
    issues = info.value.report.errors
    assert issues["rule"].to_list() == ["conflicts_with_store"]
    assert "P1 / 2011-01-01" in issues["message"][0]
    text = diff.format_text()
    assert "[edss] 2.0 -> 3.0\n      would undo a correction (version 2, by C. Coordinator" \
        in text
    assert "corrections made in mscohort that the files would change: 1 (kept unless the " \
        "file's value is taken)" in text
    # accepted: the plain change is written, the correction in the same table kept
    result = import_folder(write_study(edss=other), db, as_of=AS_OF,
                           accept=Acceptance("A. Nurse", "re-measured"))
    assert result.rows_changed["edss"] == 1 and result.n_kept == 1
    assert [r[2] for r in edss_of(db)] == [2.0, 4.0, 2.0]


def test_a_kept_correction_stays_when_another_column_of_its_record_changes(
        write_study, tmp_path: Path) -> None:
    db = corrected_store(write_study, tmp_path)
    with_fs = ("patient_id,date,edss,fs_pyramidal\nP1,2010-01-01,3.0,2\n"
               "P1,2011-01-01,3.5,\nP2,2012-05-05,2.0,\n")
    result = import_folder(write_study(edss=with_fs), db, as_of=AS_OF,
                           accept=Acceptance("A. Nurse", "pyramidal score added"))
    assert result.rows_changed["edss"] == 1 and result.n_kept == 1
    with StudyStore(db, read_only=True) as store:
        p1 = store.read("edss").row(0, named=True)
        history = store.history("P1").filter(pl.col("record") == "P1 / 2010-01-01")
    assert (p1["edss"], p1["fs_pyramidal"]) == (2.0, 2)
    assert history["changes"].to_list() == ["", "edss: 3.0 -> 2.0", "fs_pyramidal: empty -> 2"]


def test_the_choice_can_take_the_files_value_for_one_correction_and_keep_another(
        write_study, tmp_path: Path) -> None:
    db = corrected_store(write_study, tmp_path)
    correct_record(db, "edss", {"patient_id": "P2", "date": "2012-05-05"}, {"edss": "1.5"},
                   by="C. Coordinator", reason="scored again", as_of=AS_OF)
    take_one = Acceptance("D. Manager", "P1's typo was ours",
                          take_file=frozenset({("edss", "P1 / 2010-01-01", "edss")}))
    result = import_folder(write_study(edss=EDSS + NEXT_VISIT), db, as_of=AS_OF,
                           accept=take_one)
    assert result.corrections.sort("record").select(
            "record", "correction_version", "decision").rows() == [
        ("P1 / 2010-01-01", 2, "overwritten"), ("P2 / 2012-05-05", 3, "kept")]
    assert [r[2] for r in edss_of(db)] == [3.0, 3.5, 1.5, 2.5]


def test_a_second_correction_in_the_tool_is_stored_not_kept(write_study,
                                                             tmp_path: Path) -> None:
    db = corrected_store(write_study, tmp_path)
    result = correct_record(db, "edss", KEY, {"edss": "2.5"}, by="C. Coordinator",
                            reason="second look", as_of=AS_OF)
    assert result.import_id == 3 and result.corrections.height == 0
    assert edss_of(db)[0][2:] == (2.5, 3)
    # the next export (still 3.0) would undo the latest correction, version 3
    again = import_folder(write_study(), db, as_of=AS_OF)
    assert again.corrections.select("correction_version", "stored", "replaced").rows() == [
        (3, "2.5", "3.0")]


def test_the_batched_import_keeps_the_correction_as_well(write_study, tmp_path: Path) -> None:
    db = corrected_store(write_study, tmp_path)
    result = import_folder(write_study(edss=EDSS + NEXT_VISIT), db, as_of=AS_OF,
                           batch_patients=1)
    assert result.import_id == 3 and result.n_kept == 1
    assert [r[2] for r in edss_of(db)] == [2.0, 3.5, 2.0, 2.5]


def test_an_unknown_correction_choice_is_refused() -> None:
    with pytest.raises(InvalidArgumentError,
                       match="`corrections` must be one of keep, overwrite; got 'replace'"):
        Acceptance("A. Nurse", "why", corrections="replace")


def test_a_batched_validation_against_the_store_keeps_the_correction_too(
        write_study, tmp_path: Path) -> None:
    from mscohort.store.importing import check_folder

    db = corrected_store(write_study, tmp_path)
    report = check_folder(write_study(edss=EDSS + NEXT_VISIT), db=db, as_of=AS_OF,
                          batch_patients=1)
    assert report.ok and "conflicts_with_store" not in report.issues["rule"].to_list()
    other = EDSS.replace("P1,2011-01-01,3.5", "P1,2011-01-01,4.0")
    report = check_folder(write_study(edss=other), db=db, as_of=AS_OF, batch_patients=1)
    assert report.errors["rule"].to_list() == ["conflicts_with_store"]

"""A re-import of a file that still holds a record retracted in mscohort (``mscohort
retract``: a wrong record removed with a reason): the retraction is kept and listed like a
kept correction, also when the source changed the row since; the file's record is taken
only when asked, each decision in the version's audit trail. Real DuckDB stores."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from mscohort.store import Acceptance, StudyStore, import_folder
from mscohort.store.importing import check_folder
from mscohort.store.kept import kept_history
from mscohort.store.preview import preview_raw
from mscohort.store.reimport import stored_corrections
from tests.conftest import AS_OF, EDSS
from tests.test_store import snapshot

NEXT_VISIT = "P2,2013-01-01,2.5\n"  # the clinic's next export brings one new visit
RECORD = "P1 / 2010-01-01"


def _key(patient: str, day: str) -> pl.DataFrame:
    return pl.DataFrame({"patient_id": [patient], "date": [dt.date.fromisoformat(day)]})


def retracted_store(write_study, tmp_path: Path) -> Path:
    """Version 1: the clinic's export (P1's EDSS of 2010-01-01 is 3.0); version 2: that
    record retracted in the tool, with who and why."""
    db = tmp_path / "s.duckdb"
    import_folder(write_study(), db, as_of=AS_OF, by="B. Doctor")
    with StudyStore(db) as store:
        assert store.retract("edss", _key("P1", "2010-01-01"), by="A. Nurse",
                             reason="entered twice") == 2
    return db


def edss_of(db: Path) -> list[tuple]:
    with StudyStore(db, read_only=True) as store:
        return store.read("edss").select("patient_id", "date", "edss").rows()


def test_a_reimport_keeps_a_retraction_made_in_mscohort_and_lists_it(
        write_study, tmp_path: Path) -> None:
    db = retracted_store(write_study, tmp_path)
    result = import_folder(write_study(edss=EDSS + NEXT_VISIT), db, as_of=AS_OF,
                           by="B. Doctor")  # no --accept-changes needed
    assert result.import_id == 3 and result.rows_added["edss"] == 1  # the new visit only
    assert result.n_kept_retractions == 1 and result.n_kept == 0
    row = result.corrections.row(0, named=True)
    assert (row["table"], row["record"], row["column"], row["kind"], row["decision"]) == (
        "edss", RECORD, "(record)", "retraction", "kept")
    assert (row["stored"], row["replaced"], row["file_value"]) == (None, "edss=3.0",
                                                                   "edss=3.0")
    assert (row["correction_version"], row["corrected_by"], row["correction_reason"]) == (
        2, "A. Nurse", "entered twice")
    assert "; 1 retraction made in mscohort kept (the file's record not added)" in \
        result.summary()
    assert "already stored (kept as they were): patients 2, edss 2;" in result.summary()
    assert result.corrections_text() == [
        f"  kept: edss {RECORD} (edss.csv row 2): would undo a retraction (version 2, by "
        f"A. Nurse on {dt.date.today().isoformat()}: entered twice); the file holds the "
        "retracted record (edss=3.0)"]
    assert (dt.date(2010, 1, 1)) not in [r[1] for r in edss_of(db) if r[0] == "P1"]
    with StudyStore(db, read_only=True) as store:
        audit = stored_corrections(store.con, 3)
        history = store.history("P1").filter(pl.col("record") == RECORD)
        files = store.import_files().filter((pl.col("import_id") == 3)
                                            & (pl.col("table_name") == "edss"))
        kept = kept_history(store.con, "P1")
    assert audit.select("record", "column_name", "kind", "decision", "replaced",
                        "correction_version", "imported_by").rows() == [
        (RECORD, "(record)", "retraction", "kept", "edss=3.0", 2, "B. Doctor")]
    assert history.select("version", "action").rows() == [(1, "added"), (2, "retracted")]
    assert files.select("rows_read", "rows_added").row(0) == (4, 1)
    # the history lists the kept retraction at version 3, in the import's words
    assert kept.select("version", "record", "action", "changes", "file").rows() == [
        (3, RECORD, "kept retraction", result.corrections_text()[0].split(": ", 2)[2],
         "edss.csv row 2")]


def test_the_same_export_again_changes_nothing_and_says_the_retraction_was_kept(
        write_study, tmp_path: Path) -> None:
    db = retracted_store(write_study, tmp_path)
    before = snapshot(db)
    result = import_folder(write_study(), db, as_of=AS_OF)
    assert result.import_id is None and result.n_kept_retractions == 1
    assert result.summary() == (
        "nothing new: every other row (4) is already stored; the store is unchanged; "
        "1 retraction made in mscohort kept (the file's record not added)")
    assert snapshot(db) == before


def test_a_retracted_record_changed_at_the_source_stays_retracted_with_both_values(
        write_study, tmp_path: Path) -> None:
    db = retracted_store(write_study, tmp_path)
    changed_since = EDSS.replace("P1,2010-01-01,3.0", "P1,2010-01-01,2.5")
    result = import_folder(write_study(edss=changed_since), db, as_of=AS_OF)
    assert result.import_id is None and result.n_kept_retractions == 1
    row = result.corrections.row(0, named=True)
    assert (row["kind"], row["replaced"], row["file_value"]) == (
        "retraction_conflict", "edss=3.0", "edss=2.5")
    assert result.corrections_text()[0].endswith(
        "changed at the source since a retraction (version 2, by A. Nurse on "
        f"{dt.date.today().isoformat()}: entered twice); retracted (edss=3.0), file "
        "(edss=2.5)")
    take = Acceptance("D. Manager", "the clinic corrected the visit instead",
                      corrections="overwrite")
    result = import_folder(write_study(edss=changed_since), db, as_of=AS_OF, accept=take)
    assert result.import_id == 3 and result.rows_added["edss"] == 1
    assert result.n_overwritten_retractions == 1
    assert "1 retraction made in mscohort undone (the file's record added again)" in \
        result.summary()
    assert edss_of(db)[0] == ("P1", dt.date(2010, 1, 1), 2.5)
    with StudyStore(db, read_only=True) as store:
        history = store.history("P1").filter(pl.col("record") == RECORD)
        audit = stored_corrections(store.con, 3)
    assert history.select("version", "action", "values").rows() == [
        (1, "added", "edss=3.0"), (2, "retracted", "edss=3.0"), (3, "added", "edss=2.5")]
    assert audit.select("kind", "decision", "imported_by").rows() == [
        ("retraction_conflict", "overwritten", "D. Manager")]
    again = import_folder(write_study(edss=changed_since), db, as_of=AS_OF)
    assert again.import_id is None and again.corrections.height == 0


def test_the_choice_can_take_one_retracted_record_and_keep_another(
        write_study, tmp_path: Path) -> None:
    db = retracted_store(write_study, tmp_path)
    with StudyStore(db) as store:  # every EDSS of the table retracted: it is empty
        store.retract("edss", _key("P1", "2011-01-01"), by="A. Nurse", reason="wrong patient")
        store.retract("edss", _key("P2", "2012-05-05"), by="A. Nurse", reason="test entry")
    assert edss_of(db) == []
    take_one = Acceptance("D. Manager", "P2's visit was real",
                          take_file=frozenset({("edss", "P2 / 2012-05-05", "(record)")}))
    result = import_folder(write_study(), db, as_of=AS_OF, accept=take_one)
    assert result.corrections.select("record", "correction_version", "decision").rows() == [
        (RECORD, 2, "kept"), ("P1 / 2011-01-01", 3, "kept"),
        ("P2 / 2012-05-05", 4, "overwritten")]
    assert edss_of(db) == [("P2", dt.date(2012, 5, 5), 2.0)]


def test_a_record_retracted_by_a_full_reexport_comes_back_when_the_source_holds_it_again(
        write_study, tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    import_folder(write_study(), db, as_of=AS_OF)
    without_p1 = EDSS.replace("P1,2010-01-01,3.0\n", "")
    result = import_folder(write_study(edss=without_p1), db, as_of=AS_OF, accept=Acceptance(
        "A. Nurse", "full re-export", retract_missing=True))
    assert result.rows_retracted["edss"] == 1
    result = import_folder(write_study(), db, as_of=AS_OF)  # the source restored it
    assert result.rows_added["edss"] == 1 and result.corrections.height == 0
    assert len(edss_of(db)) == 3


def test_the_check_and_the_batched_import_keep_the_retraction_too(
        write_study, tmp_path: Path) -> None:
    from mscohort.ingest import read_study

    db = retracted_store(write_study, tmp_path)
    folder = write_study(edss=EDSS + NEXT_VISIT)
    preview = preview_raw(read_study(folder), db=db, as_of=AS_OF)
    assert preview.diff is not None and preview.diff.n_retractions == 1
    assert preview.diff.keeping(preview.diff.corrections).added["edss"] == 1
    text = preview.diff.format_text()
    assert text.startswith("added: 1 records, edss +1\n")  # the new visit, not P1's record
    assert "retractions made in mscohort that the files would undo: 1 (kept unless the " \
        "file's record is taken)" in text
    assert check_folder(folder, db=db, as_of=AS_OF, batch_patients=1).ok
    result = import_folder(folder, db, as_of=AS_OF, batch_patients=1)
    assert result.import_id == 3 and result.n_kept_retractions == 1
    assert result.rows_added["edss"] == 1
    assert [r[:2] for r in edss_of(db)] == [("P1", dt.date(2011, 1, 1)),
                                            ("P2", dt.date(2012, 5, 5)),
                                            ("P2", dt.date(2013, 1, 1))]

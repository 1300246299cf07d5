"""A corrected birth date is checked against the records already stored (issue #19): a
correction (accepted re-import, command line, or the edit of one record) that would put
stored records before birth is refused with the usual ``before_birth`` issues, and nothing
is stored."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from mscohort.cli.main import app as cli
from mscohort.errors import DataValidationError
from mscohort.store import Acceptance, StudyStore, import_folder
from mscohort.store.correcting import correct_record
from mscohort.store.importing import validate_folder
from tests.conftest import AS_OF
from tests.test_store import snapshot

FIX = Acceptance("A. Nurse", "birth date corrected from the passport")


def _patients(birth: str, onset: str = "2013-01-01") -> str:
    return ("patient_id,sex,birth_date,onset_date\n"
            f"P1,F,{birth},{onset}\nP2,M,1980-06-15,2001-03-01\n")


def _errors(exc: pytest.ExceptionInfo[DataValidationError]) -> list[tuple]:
    return exc.value.report.errors.select("file", "row", "patient_id", "column", "rule",
                                          "value").rows()


@pytest.fixture()
def db(write_study, tmp_path: Path) -> Path:
    """P1 born 1970-01-01 with EDSS on 2010-01-01 and 2011-01-01 (tests/conftest.py)."""
    path = tmp_path / "s.duckdb"
    import_folder(write_study(), path, as_of=AS_OF)
    return path


def test_a_birth_date_after_one_stored_record_is_refused_naming_that_record(
        write_study, db: Path) -> None:
    before = snapshot(db)
    folder = write_study(patients=_patients("2010-06-01"), edss=None)
    with pytest.raises(DataValidationError, match="nothing was imported") as info:
        import_folder(folder, db, as_of=AS_OF, accept=FIX)
    # 2010-01-01 (stored, not in this import) < 2010-06-01; 2011-01-01 is after it
    assert _errors(info) == [("edss (stored)", None, "P1", "date", "before_birth",
                              "2010-01-01")]
    message = info.value.report.errors["message"][0]
    assert message == ("the stored edss record P1 / 2010-01-01: date 2010-01-01 is before the "
                       "corrected birth date (2010-06-01)")
    assert snapshot(db) == before


def test_a_birth_date_after_several_stored_records_is_one_error_on_the_birth_date(
        write_study, db: Path) -> None:
    before = snapshot(db)
    folder = write_study(patients=_patients("2012-01-01"), edss=None)
    with pytest.raises(DataValidationError) as info:
        import_folder(folder, db, as_of=AS_OF, accept=FIX)
    assert _errors(info) == [("patients.csv", 2, "P1", "birth_date", "before_birth",
                              "2012-01-01")]
    assert info.value.report.errors["message"][0] == (
        "2 dates of this patient fall before the birth date 2012-01-01 "
        "(edss (stored): 2 records)")
    assert snapshot(db) == before
    # without the acceptance the same errors come first (not the diff to accept)
    with pytest.raises(DataValidationError) as info:
        import_folder(folder, db, as_of=AS_OF)
    assert _errors(info)[0][4] == "before_birth"
    # and the check without importing shows them too, with the conflict to accept
    _, _, report = validate_folder(folder, db=db, as_of=AS_OF)
    assert sorted(report.errors["rule"].to_list()) == ["before_birth", "conflicts_with_store"]
    assert snapshot(db) == before


def test_the_rows_of_the_import_are_checked_against_its_new_birth_date(
        write_study, db: Path) -> None:
    """Not against the earlier of the stored and the new date: the EDSS of 2010-01-01 comes
    with the corrected birth date 2010-06-01 and is before it."""
    folder = write_study(patients=_patients("2010-06-01"),
                         edss="patient_id,date,edss\nP1,2010-01-01,3.0\nP1,2011-01-01,3.5\n")
    with pytest.raises(DataValidationError) as info:
        import_folder(folder, db, as_of=AS_OF, accept=FIX)
    assert _errors(info) == [("edss.csv", 2, "P1", "date", "before_birth", "2010-01-01")]


def test_a_birth_date_that_keeps_every_record_after_it_is_corrected(
        write_study, db: Path) -> None:
    folder = write_study(patients=_patients("1971-03-01"), edss=None)
    result = import_folder(folder, db, as_of=AS_OF, accept=FIX)
    assert result.rows_changed["patients"] == 1
    with StudyStore(db, read_only=True) as store:
        p1 = store.read("patients").filter(pl.col("patient_id") == "P1")
        assert str(p1["birth_date"][0]) == "1971-03-01"
        assert store.read("edss").height == 3  # the stored records are kept as they were


def test_the_web_edit_of_a_birth_date_is_refused_when_stored_records_fall_before_it(
        db: Path) -> None:
    before = snapshot(db)
    with pytest.raises(DataValidationError, match="nothing was imported") as info:
        correct_record(db, "patients", {"patient_id": "P1"}, {"birth_date": "2012-01-01"},
                       by="A. Nurse", reason="passport", as_of=AS_OF)
    # the record's own onset (1995) is checked as an imported row; the stored EDSS dates
    # (2010, 2011) by the recheck, as one error on the corrected birth date
    assert sorted(_errors(info)) == [
        ("web edit", 2, "P1", "birth_date", "before_birth", "2012-01-01"),
        ("web edit", 2, "P1", "onset_date", "before_birth", "1995-01-01")]
    messages = info.value.report.errors["message"].to_list()
    assert any(m.startswith("2 dates of this patient fall before the birth date 2012-01-01 "
                            "(edss (stored): 2 records)") for m in messages)
    assert snapshot(db) == before
    # month precision: 2010-01 may mean 2010-01-01, so the EDSS of 2010-01-01 is no error
    # (the earliest day of the birth month counts)
    onset = {"onset_date": "2010-03-01"}  # the record's own onset must follow birth too
    result = correct_record(db, "patients", {"patient_id": "P1"},
                            {"birth_date": "2010-01"} | onset,
                            by="A. Nurse", reason="passport", as_of=AS_OF)
    assert result.rows_changed["patients"] == 1
    with pytest.raises(DataValidationError) as info:  # 2010-02 is after 2010-01-01
        correct_record(db, "patients", {"patient_id": "P1"}, {"birth_date": "2010-02"} | onset,
                       by="A. Nurse", reason="passport", as_of=AS_OF)
    assert _errors(info)[0][:2] == ("edss (stored)", None)


def test_the_command_line_refuses_the_correction_with_exit_code_1(write_study,
                                                                   db: Path) -> None:
    before = snapshot(db)
    folder = write_study(patients=_patients("2012-01-01"), edss=None)
    result = CliRunner().invoke(cli, [
        "import", str(folder), "--db", str(db), "--as-of", AS_OF.isoformat(),
        "--accept-changes", "--reason", "passport", "--by", "A. Nurse"])
    assert result.exit_code == 1, result.output
    assert "before_birth" in result.output and "Nothing was imported" in result.output
    assert snapshot(db) == before

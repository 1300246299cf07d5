"""The study-loading service below the CLI and the web app (mscohort.loading)."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest

from mscohort.errors import DataValidationError, UsageError
from mscohort.loading import StudyInput, load_input, load_visits
from mscohort.store import import_folder
from mscohort.store.records import StoredStudy, load_store

AS_OF = dt.date(2026, 1, 1)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_folder_loads_validated_with_every_file_and_its_sha256(toy_dir: Path) -> None:
    loaded = load_input(data=toy_dir)
    assert isinstance(loaded, StudyInput)
    assert loaded.records.patients.height == 8
    assert loaded.imports is None and loaded.store is None and loaded.folder == toy_dir
    files = dict(zip(loaded.files["file"], loaded.files["sha256"], strict=True))
    assert files["edss.csv"] == _sha256(toy_dir / "edss.csv")  # hashlib, independently
    assert loaded.check.source == str(toy_dir)
    assert loaded.provenance() == {"store": None, "store_version": None,
                                   "folder": str(toy_dir), "files": loaded.files.to_dicts()}


def test_a_store_loads_at_its_current_or_an_earlier_version(toy_dir: Path,
                                                            tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    import_folder(toy_dir, db, as_of=AS_OF)
    (toy_dir / "edss.csv").write_text((toy_dir / "edss.csv").read_text()
                                      + "P01,2013-01-07,4.0,,,,,,,,\n")
    import_folder(toy_dir, db, as_of=AS_OF)
    current, first = load_input(db=db), load_input(db=db, as_of_version=1)
    assert current.store_version == 2 and first.store_version == 1
    assert current.records.edss.height == first.records.edss.height + 1
    assert first.provenance()["store"] == str(db) and first.provenance()["folder"] is None
    assert "Store version read: 1 (as of an earlier version)." in first.check.note
    stored = load_store(db)
    assert isinstance(stored, StoredStudy) and stored.version == 2
    assert stored.imports.height == 2


def test_exactly_one_source_and_a_version_only_with_a_store(toy_dir: Path,
                                                            tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"give exactly one of --db study\.duckdb or --data"):
        load_input()
    with pytest.raises(UsageError, match="give exactly one of"):
        load_input(db=tmp_path / "s.duckdb", data=toy_dir)
    with pytest.raises(UsageError, match=r"^`--as-of-version` must be given with --db; got "
                                         r"--data\.$"):
        load_input(data=toy_dir, as_of_version=1)


def test_a_broken_folder_is_a_data_error(broken_dir: Path) -> None:
    with pytest.raises(DataValidationError, match="nothing was loaded"):
        load_input(data=broken_dir)


def test_visits_from_files_need_no_patients_table(toy_dir: Path, tmp_path: Path) -> None:
    edss = tmp_path / "edss.csv"
    edss.write_text("patient_id,date,edss\nA,2010-01-01,2.0\nA,2011-01-01,3.0\n")
    loaded = load_visits(edss=edss)
    assert loaded.visits.height == 2 and loaded.relapses is None
    edss.write_text("patient_id,date,edss\nA,2010-01-01,2.3\n")
    with pytest.raises(DataValidationError, match="invalid_edss"):
        load_visits(edss=edss)
    with pytest.raises(UsageError, match="give --edss FILE"):
        load_visits()

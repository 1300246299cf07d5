"""``mscohort analyse`` on a store reads only what the analysis can use (issue #23: 3 million
patients in bounded memory) and writes exactly the files of the whole-store analysis.

The reference is the path it replaces: every record read by ``StudyStore.study()`` (the
store's own reader, full column types) and ``analyse_study`` on it; the bounded path is
``mscohort analyse --out`` (compact columns, the EDSS, relapses and treatments of the
patients with an infusion only, the data cut read over the whole store). Every written
file is compared: CSV and JSON byte for byte, Parquet frame for frame.
"""

from __future__ import annotations

import datetime as dt
import shutil
from importlib.resources import files
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from mscohort.analyse.record_subset import reads_only_infused
from mscohort.analyse.study import analyse_study, latest_record
from mscohort.cli.main import app
from mscohort.definition import load_definition
from mscohort.loading import load_input
from mscohort.schema import TABLES
from mscohort.store import StudyStore, import_folder
from mscohort.study import Study, is_key_sorted
from mscohort.synthetic import make_synthetic_cohort, write_study_folder

AS_OF = dt.date(2026, 1, 1)
DATASETS = Path(str(files("mscohort") / "datasets"))
TOY_STUDY = DATASETS / "toy" / "study.toml"
SEED_STUDY = DATASETS / "seed" / "study.toml"


def _store(folder: Path, tmp_path: Path, as_of: dt.date = AS_OF) -> Path:
    db = tmp_path / "study.duckdb"
    import_folder(folder, db, as_of=as_of)
    return db


def _reference(db: Path, study_toml: Path, out: Path) -> None:
    """The files of the analysis of every stored record, read by the store's reader."""
    with StudyStore(db, read_only=True) as store:
        records = store.study()
    analyse_study(records, load_definition(study_toml)).write(out)


def _bounded(db: Path, study_toml: Path, out: Path) -> None:
    result = CliRunner().invoke(app, ["analyse", "--study", str(study_toml), "--db", str(db),
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output


def _assert_same_files(want: Path, got: Path) -> None:
    names = sorted(p.name for p in want.iterdir())
    assert names == sorted(p.name for p in got.iterdir() if p.name != "provenance.json")
    assert len(names) > 50  # every table of the analysis, three formats each
    for name in names:
        if name.endswith(".parquet"):
            assert_frame_equal(pl.read_parquet(got / name), pl.read_parquet(want / name))
        else:
            assert (got / name).read_bytes() == (want / name).read_bytes(), name


def test_the_toy_study_writes_the_files_of_the_whole_store_analysis(toy_dir: Path,
                                                                      tmp_path: Path) -> None:
    db = _store(toy_dir, tmp_path)
    assert reads_only_infused(load_definition(TOY_STUDY))
    _reference(db, TOY_STUDY, tmp_path / "want")
    _bounded(db, TOY_STUDY, tmp_path / "got")
    _assert_same_files(tmp_path / "want", tmp_path / "got")


@pytest.mark.parametrize("study_toml", [SEED_STUDY, TOY_STUDY], ids=["seed", "toy-definition"])
def test_the_seed_example_writes_the_files_of_the_whole_store_analysis(
        study_toml: Path, tmp_path: Path) -> None:
    # the seed's own definition screens eligibility (every record read); the toy's reads
    # the infused patients' records only
    seed = tmp_path / "seed"
    shutil.copytree(DATASETS / "seed", seed)
    db = _store(seed, tmp_path)
    assert reads_only_infused(load_definition(study_toml)) is (study_toml == TOY_STUDY)
    _reference(db, study_toml, tmp_path / "want")
    _bounded(db, study_toml, tmp_path / "got")
    _assert_same_files(tmp_path / "want", tmp_path / "got")


def _synthetic_store(tmp_path: Path, n: int = 3000) -> Path:
    """A synthetic registry of ``n`` patients (most without an infusion) whose latest
    record belongs to a patient without an infusion: the data cut must come from him."""
    study = make_synthetic_cohort(n, seed=23)
    infused = set(study.table("infusions")["patient_id"])
    other = next(p for p in study.patients["patient_id"] if p not in infused)
    last = latest_record(study)
    assert last is not None
    late = pl.DataFrame({"patient_id": [other], "date": [last + dt.timedelta(days=40)],
                         "edss": [3.0]}).cast({"date": pl.Date})
    edss = pl.concat([study.tables["edss"], late], how="diagonal_relaxed")
    study = Study(study.tables | {"edss": edss})
    write_study_folder(study, tmp_path / "synth")
    return _store(tmp_path / "synth", tmp_path, as_of=last + dt.timedelta(days=60))


def test_a_synthetic_registry_writes_the_files_of_the_whole_store_analysis(
        tmp_path: Path) -> None:
    db = _synthetic_store(tmp_path)
    subset = load_input(db=db, infused_only=True)
    with StudyStore(db, read_only=True) as store:
        full = store.study()
    infused = full.table("infusions")["patient_id"].unique()
    assert 0 < infused.len() < full.patients.height  # patients outside the subset
    assert subset.records.edss.height < full.edss.height
    assert set(subset.records.edss["patient_id"]) <= set(infused)
    assert subset.data_cut == latest_record(full)  # read over every record
    assert latest_record(subset.records) != subset.data_cut  # ... not over the subset
    _reference(db, TOY_STUDY, tmp_path / "want")
    _bounded(db, TOY_STUDY, tmp_path / "got")
    _assert_same_files(tmp_path / "want", tmp_path / "got")


def test_a_store_is_read_with_each_table_once_sorted_and_fs_scores_compact(
        tmp_path: Path) -> None:
    db = _synthetic_store(tmp_path, n=300)
    loaded = load_input(db=db)
    with StudyStore(db, read_only=True) as store:
        full = store.study()
    for name, frame in loaded.records.tables.items():
        assert loaded.records.table(name) is frame  # no second, sorted copy
        assert is_key_sorted(frame, TABLES[name].key)
        assert_frame_equal(frame.cast(full.table(name).schema), full.table(name))
    assert loaded.records.edss.schema["fs_pyramidal"] == pl.Int8


def test_key_order_is_checked_row_by_row() -> None:
    frame = pl.DataFrame({"patient_id": ["a", "a", "b", "b"],
                          "date": [dt.date(2020, 1, 2), dt.date(2020, 1, 3),
                                   dt.date(2019, 1, 1), dt.date(2019, 1, 1)]})
    assert is_key_sorted(frame, ("patient_id", "date"))  # ties allowed
    assert not is_key_sorted(frame.reverse(), ("patient_id", "date"))
    assert not is_key_sorted(frame[[0, 2, 1, 3]], ("patient_id", "date"))
    assert not is_key_sorted(frame.with_columns(pl.lit(None, pl.String).alias("patient_id")),
                             ("patient_id", "date"))
    # a table out of order is sorted once on loading, then served as it is
    study = Study.sorted_once({"edss": make_synthetic_cohort(40, seed=3).tables["edss"]
                               .sample(fraction=1.0, shuffle=True, seed=3)})
    assert is_key_sorted(study.tables["edss"], ("patient_id", "date"))
    assert study.table("edss") is study.tables["edss"]

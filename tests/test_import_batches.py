"""Issue #23: a registry's folder imported in patient batches (``store/batched.py``) stores
exactly what the whole-folder import stores, reports exactly its issues, and holds a bounded
number of issues in memory.

The oracle is the whole-folder import (``import_folder`` without ``batch_patients`` on a
small folder: every table read, typed and validated at once), kept as the product's path
for small folders; each case imports the same folder both ways into two new stores and
compares every table, its history and derived tables row for row, and the report.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
from importlib.resources import files
from pathlib import Path

import duckdb
import polars as pl
import pytest

import mscohort.ingest.staging as staging
from mscohort.errors import DataValidationError
from mscohort.schema import TABLES
from mscohort.store import Acceptance, ChangesNeedAcceptance, StudyStore, import_folder
from mscohort.store.importing import check_folder
from mscohort.store.versions import history_name
from mscohort.synthetic import write_synthetic_folder
from mscohort.validate import batches
from tests.conftest import AS_OF

DATASETS = Path(str(files("mscohort") / "datasets"))
BROKEN = Path(__file__).parent / "data" / "broken"


def _outcome(folder: Path, db: Path, **kwargs: object) -> tuple[object, pl.DataFrame,
                                                                  pl.DataFrame]:
    """What importing ``folder`` gives: (rows read and added, or the error type), the issues
    kept, and every rule's count."""
    try:
        result = import_folder(folder, db, as_of=AS_OF, by="test", **kwargs)  # type: ignore[arg-type]
        report, what = result.report, (result.rows_read, result.rows_added, result.import_id)
    except DataValidationError as exc:
        report, what = exc.report, type(exc).__name__
    return what, report.issues, report.counts_by_rule().sort("rule")


def _store_rows(db: Path) -> dict[str, pl.DataFrame]:
    """Every canonical table (with import_id), its history and the derived tables."""
    out: dict[str, pl.DataFrame] = {}
    with StudyStore(db, read_only=True) as store:
        for name, spec in TABLES.items():
            out[name] = store.read(name, with_import_id=True)
            keys = ", ".join(f'"{k}"' for k in spec.key)
            out[history_name(name)] = store.con.sql(
                f'SELECT * FROM "{history_name(name)}" ORDER BY {keys}, version').pl()
        for name in ("edss", "msfc"):
            derived = store.derived(name)
            out[f"derived_{name}"] = derived.sort(derived.columns[:2]) if derived.height \
                else derived
        out["import_files"] = store.import_files()
    return out


def _assert_same_import(folder: Path, tmp_path: Path, batch_patients: int) -> None:
    whole = _outcome(folder, tmp_path / "whole.duckdb")
    batched = _outcome(folder, tmp_path / "batched.duckdb", batch_patients=batch_patients)
    assert batched[0] == whole[0]
    assert batched[1].equals(whole[1])
    assert batched[2].equals(whole[2])
    assert (tmp_path / "batched.duckdb").exists() == (tmp_path / "whole.duckdb").exists()
    if (tmp_path / "whole.duckdb").exists():
        a, b = _store_rows(tmp_path / "whole.duckdb"), _store_rows(tmp_path / "batched.duckdb")
        for name in a:
            assert b[name].equals(a[name]), name


@pytest.fixture(params=[False, True], ids=["read-whole", "streamed"])
def streamed(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Stage every file by polars' streaming reader (True) or read it whole first."""
    if request.param:
        monkeypatch.setattr(staging, "STREAM_MIN_BYTES", 0)
    return bool(request.param)


@pytest.mark.parametrize(("dataset", "batch_patients"), [("toy", 3), ("seed", 7)])
def test_a_batched_import_stores_what_the_whole_folder_import_stores(
        dataset: str, batch_patients: int, streamed: bool, tmp_path: Path) -> None:
    _assert_same_import(DATASETS / dataset, tmp_path, batch_patients)


@pytest.mark.slow
def test_a_batched_import_of_5000_synthetic_patients_stores_the_same(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(staging, "STREAM_MIN_BYTES", 0)  # every file streamed
    folder = tmp_path / "synth"
    write_synthetic_folder(5000, folder, seed=1)
    _assert_same_import(folder, tmp_path, 700)


def test_a_batched_import_of_unsorted_files_stores_the_same(tmp_path: Path) -> None:
    folder = tmp_path / "shuffled"
    write_synthetic_folder(1000, folder, seed=2)
    rng = random.Random(23)
    for path in folder.glob("*.csv"):  # rows of every file in a seeded random order
        lines = path.read_text().splitlines(keepends=True)
        body = lines[1:]
        rng.shuffle(body)
        path.write_text("".join([lines[0], *body]))
    _assert_same_import(folder, tmp_path, 150)


def test_a_batched_import_reports_the_same_errors_and_stores_nothing(
        streamed: bool, tmp_path: Path) -> None:
    _assert_same_import(BROKEN, tmp_path, 1)
    assert not (tmp_path / "batched.duckdb").exists()


def test_a_batched_reimport_needs_acceptance_for_the_same_changes(tmp_path: Path) -> None:
    folder = tmp_path / "toy"
    shutil.copytree(DATASETS / "toy", folder)
    for name in ("whole", "batched"):
        import_folder(folder, tmp_path / f"{name}.duckdb", as_of=AS_OF, by="test")
    edss = pl.read_csv(folder / "edss.csv", infer_schema=False)
    edss = edss.with_columns(pl.when(pl.int_range(pl.len()) == 2).then(pl.lit("6.5"))
                             .otherwise(pl.col("edss")).alias("edss"))
    edss.write_csv(folder / "edss.csv")
    diffs = {}
    for name, kwargs in (("whole", {}), ("batched", {"batch_patients": 2})):
        with pytest.raises(ChangesNeedAcceptance, match="nothing was imported") as caught:
            import_folder(folder, tmp_path / f"{name}.duckdb", as_of=AS_OF, **kwargs)  # type: ignore[arg-type]
        diffs[name] = caught.value.diff
        accept = Acceptance("A. Nurse", "typo fixed at the clinic")
        import_folder(folder, tmp_path / f"{name}.duckdb", as_of=AS_OF, accept=accept,
                      **kwargs)  # type: ignore[arg-type]
    assert diffs["batched"].changed.height == 1
    assert diffs["batched"].changed.equals(diffs["whole"].changed)
    a, b = _store_rows(tmp_path / "whole.duckdb"), _store_rows(tmp_path / "batched.duckdb")
    for name in a:
        if name != "import_files":
            assert b[name].equals(a[name]), name


def test_a_failed_batched_import_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    import_folder(DATASETS / "toy", db, as_of=AS_OF, by="test")
    before = _store_rows(db)
    with pytest.raises(DataValidationError, match="error"):
        import_folder(BROKEN, db, as_of=AS_OF, batch_patients=1)
    after = _store_rows(db)
    for name in before:
        assert after[name].equals(before[name]), name
    leftovers = [p.name for p in tmp_path.iterdir() if ".import-" in p.name]
    assert leftovers == []  # the staged files are removed


def test_batch_patients_must_be_a_whole_number(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"`batch_patients` must be a whole number >= 1; "
                                         r"got 0"):
        import_folder(DATASETS / "toy", tmp_path / "s.duckdb", batch_patients=0)


def _workbook(path: Path, edss: str) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    sheet = wb.active
    sheet.title = "patients"
    for row in (["patient_id", "sex", "birth_date", "onset_date"],
                ["P1", "F", "1970-01-01", "2000-01-01"]):
        sheet.append(row)
    visits = wb.create_sheet("edss")
    for row in (["patient_id", "date", "edss"], ["P1", "2010-01-01", edss]):
        visits.append(row)
    wb.save(path)
    return path


def test_a_workbook_is_imported_whole_even_when_batches_are_asked(tmp_path: Path) -> None:
    book = _workbook(tmp_path / "study.xlsx", "2.0")
    result = import_folder(book, tmp_path / "s.duckdb", as_of=dt.date(2026, 1, 1), by="t",
                           batch_patients=1)
    assert result.rows_added["edss"] == 1
    with duckdb.connect(str(tmp_path / "s.duckdb"), read_only=True) as con:
        assert con.sql("SELECT count(*) FROM patients").fetchall() == [(1,)]


def test_a_failed_first_import_of_a_workbook_leaves_no_store_when_batches_are_asked(
        tmp_path: Path) -> None:
    book = _workbook(tmp_path / "study.xlsx", "4.2")
    with pytest.raises(DataValidationError, match="1 error"):
        import_folder(book, tmp_path / "s.duckdb", as_of=AS_OF, batch_patients=1)
    assert not (tmp_path / "s.duckdb").exists()


@pytest.mark.slow
def test_a_million_issues_are_counted_but_not_held_in_memory(tmp_path: Path) -> None:
    """1,000 patients with 1,000 EDSS rows each, every EDSS 4.2 (not a step: 1,000,000
    ``invalid_edss`` errors): the report counts them all, keeps the first 1,000 of the rule
    (the collector holds no more), and ``--issues-out`` has every one."""
    folder = tmp_path / "many"
    folder.mkdir()
    ids = [f"P{i:04d}" for i in range(1000)]
    pl.DataFrame({"patient_id": ids, "sex": "F", "birth_date": "1950-01-01",
                  "onset_date": "1960-01-01"}).write_csv(folder / "patients.csv")
    pl.DataFrame({"patient_id": pl.Series(ids).repeat_by(1000).explode(),
                  "date": pl.date_range(dt.date(1970, 1, 1), dt.date(1972, 9, 26),
                                        eager=True).cast(pl.String).to_list() * 1000,
                  "edss": "4.2"}).write_csv(folder / "edss.csv")
    seen: list[int] = []
    real = batches.IssueCollector.add

    def add(self: batches.IssueCollector, issues: pl.DataFrame) -> None:
        real(self, issues)
        seen.append(self.n_kept)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(batches.IssueCollector, "add", add)
        report = check_folder(folder, as_of=AS_OF, batch_patients=250,
                              issues_out=tmp_path / "every.csv")
    counts = dict(zip(report.counts_by_rule()["rule"], report.counts_by_rule()["n"],
                      strict=True))
    assert counts == {"invalid_edss": 1_000_000}
    assert report.n_errors == 1_000_000 and report.truncated
    assert report.issues.height == 1000 == max(seen)  # never more held than kept
    assert len(seen) == 4  # four batches of 250 patients
    every = pl.scan_csv(tmp_path / "every.csv").select(pl.len()).collect().item()
    assert every == 1_000_000
    first = pl.read_csv(tmp_path / "every.csv", n_rows=1000, infer_schema=False)
    assert first["row"].cast(pl.Int64).to_list() == report.issues["row"].to_list()


@pytest.mark.slow
def test_a_batched_import_killed_at_random_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    """The kill test of ``tests/test_import_kill.py`` for the batched path (batches of 500
    patients): a SIGKILL while it stages, validates or writes leaves the store as before
    (or, after the commit, whole), and the staged files hold nothing stored."""
    import signal
    import subprocess
    import sys
    import time

    from tests.test_import_kill import snapshot

    batch = tmp_path / "batch"
    write_synthetic_folder(3000, batch, seed=23)
    first = tmp_path / "first"
    first.mkdir()
    for path in batch.glob("*.csv"):  # the first 200 patients: already stored, identical
        frame = pl.read_csv(path, infer_schema=False)
        frame.filter(pl.col("patient_id") < "S0000200").write_csv(first / path.name)
    base = tmp_path / "base.duckdb"
    import_folder(first, base, as_of=AS_OF)
    before = snapshot(base)
    code = ("import mscohort.store.batched as b; b.BATCHED_MIN_BYTES = 0; "
            "b.BATCH_PATIENTS = 500; from mscohort.cli.main import main; main()")

    def run(db: Path) -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-c", code, "import", str(batch), "--db",
                                 str(db), "--by", "kill test", "--as-of", "2026-01-01"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    done = tmp_path / "done.duckdb"
    shutil.copy(base, done)
    started = time.monotonic()
    with run(done) as proc:
        assert proc.wait(timeout=600) == 0
    duration = time.monotonic() - started
    after = snapshot(done)
    rng = random.Random(23)
    outcomes = []
    for attempt in range(3):  # bounded: three kills at seeded random moments
        db = tmp_path / f"kill{attempt}.duckdb"
        shutil.copy(base, db)
        with run(db) as proc:
            time.sleep((0.1 + 0.3 * attempt + rng.uniform(0, 0.1)) * duration)
            proc.send_signal(signal.SIGKILL)
            exit_code = proc.wait(timeout=60)
        state = snapshot(db)
        assert state in (before, after), f"kill {attempt}: a killed import left a part"
        outcomes.append("before" if state == before else "after")
        assert exit_code in (0, -signal.SIGKILL)
    assert "before" in outcomes, "no kill fell inside the import"

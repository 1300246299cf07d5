"""Issue #23 item 5: ``mscohort import`` of a large batch killed (SIGKILL) at random moments,
while it reads, validates or writes, leaves the store row for row as it was: the import is
one transaction, and a kill before the commit leaves nothing of it (a kill after the commit,
while the process exits, finds all of it)."""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from mscohort.schema import TABLES
from mscohort.store import StudyStore, import_folder
from tests.test_store import snapshot as every_row


def snapshot(db: Path) -> dict[str, list[tuple]]:
    """Every row of every table, but the time of each import (two runs differ in it)."""
    rows = every_row(db)
    rows["imports"] = [r[:1] + r[2:] for r in rows["imports"]]
    return rows

BATCH_PATIENTS = 4000  #: about 56,000 EDSS rows and 30,000 other records
FIRST_PATIENTS = 200  #: stored before the batch arrives


def _import(folder: Path, db: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", "from mscohort.cli.main import main; main()", "import",
         str(folder), "--db", str(db), "--by", "kill test"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.mark.slow
def test_an_import_of_a_large_batch_killed_at_random_leaves_the_store_as_it_was(
        tmp_path: Path) -> None:
    from mscohort.synthetic import make_synthetic_cohort, write_study_folder

    batch = tmp_path / "batch"
    write_study_folder(make_synthetic_cohort(BATCH_PATIENTS, seed=23), batch)
    first = tmp_path / "first"
    first.mkdir()
    for path in batch.glob("*.csv"):  # the first patients' rows: already stored, identical
        frame = pl.read_csv(path, infer_schema=False)
        frame.filter(pl.col("patient_id") < f"S{FIRST_PATIENTS:07d}").write_csv(
            first / path.name)
    base = tmp_path / "base.duckdb"
    import_folder(first, base)
    before = snapshot(base)

    done = tmp_path / "done.duckdb"
    shutil.copy(base, done)
    started = time.monotonic()
    with _import(batch, done) as proc:
        assert proc.wait(timeout=600) == 0
    duration = time.monotonic() - started  # the whole command: start, read, check, write
    after = snapshot(done)
    with StudyStore(done, read_only=True) as store:
        assert store.counts()["patients"] == BATCH_PATIENTS and store.version() == 2

    rng = random.Random(23)
    outcomes = []
    for attempt in range(4):  # bounded: four kills at seeded random moments of the import
        db = tmp_path / f"kill{attempt}.duckdb"
        shutil.copy(base, db)
        with _import(batch, db) as proc:
            time.sleep((0.05 + 0.2 * attempt + rng.uniform(0, 0.15)) * duration)  # spread
            proc.send_signal(signal.SIGKILL)
            code = proc.wait(timeout=60)
        state = snapshot(db)
        if code == 0:  # it finished before the kill: the whole batch is stored
            assert state == after, f"kill {attempt}: the import ended, yet not all is stored"
            outcomes.append("after")
        else:
            assert code == -signal.SIGKILL
            # all or nothing: a kill that lands after the commit, while the process is
            # still exiting, finds the whole batch stored; any other kill finds nothing of it
            assert state in (before, after), f"kill {attempt}: a killed import left a part"
            outcomes.append("before" if state == before else "after (killed after commit)")
        with StudyStore(db) as store:  # the store stays usable, and the import can be redone
            assert store.version() == (1 if outcomes[-1] == "before" else 2)
    assert "before" in outcomes, "no kill fell inside the import"
    db = tmp_path / f"kill{outcomes.index('before')}.duckdb"
    import_folder(batch, db)  # the import can be done again after a kill, whole
    with StudyStore(db, read_only=True) as redone, StudyStore(done, read_only=True) as whole:
        for name in TABLES:
            assert redone.read(name).equals(whole.read(name)), name
    print(f"kill -9 outcomes ({duration:.1f} s a whole import): {outcomes}")

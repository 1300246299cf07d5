"""Issue #23: the temporary folders a killed import leaves (``.<store>.import-<pid>-*`` next
to the store, ``mscohort-derived-<pid>-*`` in the temporary folder) are removed by the next
import, or any opening of the store for writing, once their process is gone; a folder of a
process that still runs is never touched."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import polars as pl
import pytest

from mscohort.errors import InvalidArgumentError
from mscohort.store import StudyStore, import_folder
from mscohort.store.leftovers import process_runs, remove_leftovers, work_prefix
from mscohort.synthetic import write_synthetic_folder
from tests.conftest import AS_OF
from tests.test_import_kill import snapshot

#: A child that imports in batches and kills itself (SIGKILL) when it reaches ``WHERE``:
#: "validating" (the staged files are on disk) or "deriving" (the derived scores' folder
#: too).
KILLED_IMPORT = """
import datetime as dt, os, signal, sys
import mscohort.store.derived as derived
from mscohort.store import import_folder
where, folder, db = sys.argv[1:4]
def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)
if where == "deriving":
    derived.derive_edss = die
def progress(stage):
    if where == "validating" and stage.startswith("validating: batch 2"):
        die()
import_folder(folder, db, as_of=dt.date(2026, 1, 1), batch_patients=100, progress=progress)
"""

#: A child that holds a folder named as its own import's would be, until stdin closes.
LIVE_IMPORT = """
import sys, tempfile
from mscohort.store.leftovers import work_prefix
folder = tempfile.mkdtemp(prefix=work_prefix("import", sys.argv[1]), dir=sys.argv[2])
derived = tempfile.mkdtemp(prefix=work_prefix("derived"))
print(folder, derived, flush=True)
sys.stdin.read()
"""


def _killed_import(where: str, folder: Path, db: Path, tmp: Path) -> int:
    proc = subprocess.run([sys.executable, "-c", KILLED_IMPORT, where, str(folder), str(db)],
                          env=os.environ | {"TMPDIR": str(tmp)}, capture_output=True,
                          timeout=600, check=False)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]
    return proc.returncode


def _leftovers(db: Path, tmp: Path) -> list[str]:
    return sorted([p.name for p in db.parent.glob(f".{db.name}.import-*")]
                  + [p.name for p in tmp.glob("mscohort-*")])


def test_the_next_import_removes_the_folders_of_killed_imports_but_not_of_running_ones(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    folder = tmp_path / "study"
    write_synthetic_folder(300, folder, seed=5)
    first = tmp_path / "first"
    first.mkdir()
    for path in folder.glob("*.csv"):  # the first 20 patients: already stored, identical
        frame = pl.read_csv(path, infer_schema=False)
        frame.filter(pl.col("patient_id") < "S0000020").write_csv(first / path.name)
    db = tmp_path / "s.duckdb"
    import_folder(first, db, as_of=AS_OF)
    before = snapshot(db)

    _killed_import("validating", folder, db, tmp)
    first_killed = _leftovers(db, tmp)
    assert len(first_killed) == 1 and ".import-" in first_killed[0]  # the staged files
    _killed_import("deriving", folder, db, tmp)
    killed = _leftovers(db, tmp)  # the second import removed the first's folder
    assert first_killed[0] not in killed
    assert len([n for n in killed if ".import-" in n]) == 1
    assert len([n for n in killed if n.startswith("mscohort-derived-")]) == 1
    assert snapshot(db) == before  # what the killed imports left holds nothing stored

    with subprocess.Popen([sys.executable, "-c", LIVE_IMPORT, str(db), str(db.parent)],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          env=os.environ | {"TMPDIR": str(tmp)}) as live:
        assert live.stdout is not None
        running = [Path(p) for p in live.stdout.readline().decode().split()]
        assert all(p.is_dir() for p in running)
        StudyStore(db).close()  # opening the store for writing removes the dead ones only
        assert _leftovers(db, tmp) == sorted(p.name for p in running)
        import_folder(folder, db, as_of=AS_OF)  # so does an import, and it succeeds
        assert all(p.is_dir() for p in running)
        assert live.stdin is not None
        live.stdin.close()
        live.wait(timeout=60)
    assert _leftovers(db, tmp) == sorted(p.name for p in running)
    StudyStore(db).close()
    assert _leftovers(db, tmp) == []


def test_a_validation_removes_the_folders_of_killed_validations(tmp_path: Path) -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    dead = tmp_path / f"mscohort-validate-{child.pid}-x1"
    dead.mkdir()
    (dead / "part.parquet").write_bytes(b"staged")
    mine = tmp_path / work_prefix("validate")
    mine.mkdir()
    assert process_runs(child.pid)
    assert remove_leftovers(temp_dir=tmp_path) == []  # its process still runs
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=60)
    assert not process_runs(child.pid)
    assert remove_leftovers(temp_dir=tmp_path) == [dead]
    assert not dead.exists() and mine.is_dir()  # never this process's own folder


def test_folders_named_without_a_process_are_left_alone(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    old = [tmp_path / ".s.duckdb.import-abc123", tmp_path / "mscohort-derived-abc"]
    for folder in old:
        folder.mkdir()
    assert remove_leftovers(db, temp_dir=tmp_path) == []
    assert all(folder.is_dir() for folder in old)


def test_a_work_folder_kind_must_be_known() -> None:
    with pytest.raises(InvalidArgumentError, match="`kind` must be one of import, validate, "
                                                   "derived; got 'export'"):
        work_prefix("export")
    with pytest.raises(InvalidArgumentError, match="`store` must be the store's path"):
        work_prefix("import")

"""Property tests of the audit trail: any sequence of imports, corrections and retractions,
interrupted at random (an exception inside the transaction, or kill -9 of the process),
leaves the store either before or after each step, and the history replays to the current
view and to every earlier version exactly. A record retracted in the tool stays retracted
when a later import holds it again, unless that import takes the files' records
(``corrections="overwrite"``, :mod:`mscohort.store.retractions`)."""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mscohort.errors import DataValidationError, UsageError
from mscohort.schema import TABLES
from mscohort.store import Acceptance, ChangesNeedAcceptance, StudyStore, import_folder
from tests.conftest import AS_OF, PATIENTS
from tests.test_store import snapshot

KEYS = [(p, d) for p in ("P1", "P2") for d in ("2010-01-01", "2011-01-01", "2012-01-01")]
VALUES = [1.0, 2.0, 3.5, 6.0]
Model = dict[tuple[str, str], float]

step = st.one_of(
    st.tuples(st.just("import"),
              st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES), min_size=1),
              st.sampled_from(["plain", "accept", "accept_retract", "overwrite", "bad",
                               "crash"])),
    st.tuples(st.just("retract"), st.sampled_from(KEYS), st.just("")),
)


def _edss(store: StudyStore, version: int | None = None) -> Model:
    frame = store.read("edss", as_of_version=version)
    return {(p, str(d)): v for p, d, v in frame.select("patient_id", "date", "edss").rows()}


def _expected(current: Model, rows: Model, mode: str,
              retracted: frozenset[tuple[str, str]] = frozenset()) -> Model | None:
    """The model after an import of ``rows`` in ``mode``, or None when it must fail; the
    keys ``retracted`` in the tool stay retracted unless the import overwrites."""
    if mode == "bad":
        return None
    if mode != "overwrite":  # kept retractions: those rows are not added
        rows = {k: v for k, v in rows.items() if k not in retracted}
    if mode == "crash":  # fails if it writes anything; an import of nothing new succeeds
        return current if current | rows == current else None
    changed = any(k in current and current[k] != v for k, v in rows.items())
    if changed and mode == "plain":
        return None
    kept = {k: v for k, v in current.items() if k not in rows and mode != "accept_retract"}
    return kept | rows


def _import(folder: Path, db: Path, rows: Model, mode: str) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    (folder / "patients.csv").write_text(PATIENTS)
    lines = [f"{p},{d},{v}" for (p, d), v in sorted(rows.items())]
    if mode == "bad":
        lines.append("P1,2013-01-01,0.5")  # not an EDSS step: the whole import is refused
    (folder / "edss.csv").write_text("patient_id,date,edss\n" + "\n".join(lines) + "\n")
    accept = (Acceptance("A. Nurse", "correction", retract_missing=mode == "accept_retract",
                         corrections="overwrite" if mode == "overwrite" else "keep")
              if mode in ("accept", "accept_retract", "overwrite", "crash") else None)
    if mode == "crash":  # fails after the rows are written, before the commit
        with mock.patch.object(StudyStore, "_refresh_derived",
                               side_effect=RuntimeError("simulated crash")):
            import_folder(folder, db, as_of=AS_OF, accept=accept)
        return
    import_folder(folder, db, as_of=AS_OF, accept=accept)


EXAMPLES = max(10, int(os.environ.get("MSCOHORT_HYPOTHESIS_EXAMPLES", "60")) // 2)


@pytest.mark.slow
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=1, max_size=5))
def test_any_sequence_of_changes_leaves_the_store_before_or_after_each_step(steps) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "s.duckdb"
        current: Model = {}
        versions: list[Model] = []
        retracted: frozenset[tuple[str, str]] = frozenset()  # in the tool, still retracted
        for kind, payload, mode in steps:
            before = snapshot(db) if db.exists() else None
            if kind == "import":
                expected = _expected(current, payload, mode, retracted)
                try:
                    _import(Path(tmp) / "in", db, payload, mode)
                except (DataValidationError, RuntimeError) as exc:
                    assert expected is None, exc
                    assert mode != "plain" or isinstance(exc, ChangesNeedAcceptance)
                else:
                    assert expected is not None
                    if mode == "overwrite":  # the files' records taken again
                        retracted = retracted - set(payload)
            else:
                stored = payload in current
                expected = {k: v for k, v in current.items() if k != payload} if stored \
                    else None
                key = pl.DataFrame({"patient_id": [payload[0]],
                                    "date": [dt.date.fromisoformat(payload[1])]})
                if db.exists():
                    try:
                        with StudyStore(db) as store:
                            store.retract("edss", key, by="A. Nurse", reason="entered twice")
                    except UsageError:
                        assert expected is None
                    else:
                        assert expected is not None
                        retracted = retracted | {payload}
            if expected is None or expected == current:  # failed, or nothing new
                assert before is None or snapshot(db) == before
            else:
                current = expected
                versions.append(current)
            if not db.exists():
                continue
            with StudyStore(db, read_only=True) as store:
                assert _edss(store) == current
                assert store.version() == len(versions)
                for number, model in enumerate(versions, start=1):
                    assert _edss(store, number) == model  # the history replays exactly
                for name in TABLES:
                    if versions:
                        assert store.read(name, as_of_version=len(versions)).equals(
                            store.read(name)), name


KILL_SCRIPT = """
import sys
from mscohort.store import Acceptance, import_folder, writing

apply = writing.apply_changes
def announced(*args, **kwargs):  # says when the transaction starts writing rows
    print("writing", flush=True)
    return apply(*args, **kwargs)
writing.apply_changes = announced
import_folder(sys.argv[1], sys.argv[2], accept=Acceptance("A. Nurse", "bulk correction",
              retract_missing=True))
print("done", flush=True)
"""


def _start(folder: Path, db: Path) -> tuple[subprocess.Popen[str], float]:
    """The correcting import in a new process, once it has begun writing (and when)."""
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(folder), str(db)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "writing"
    return proc, time.monotonic()


def _state(db: Path) -> tuple[int, dict[str, list[tuple]], int]:
    with StudyStore(db, read_only=True) as store:
        tables = {name: store.read(name).rows() for name in ("patients", "edss", "relapses")}
        history = store.con.sql("SELECT count(*) FROM history_edss").fetchall()[0][0]
        return store.version(), tables, int(history)


@pytest.mark.slow
def test_a_correcting_import_killed_at_random_leaves_the_store_before_or_after(
        tmp_path: Path) -> None:
    from mscohort.synthetic import make_synthetic_cohort, write_study_folder

    folder = tmp_path / "study"
    write_study_folder(make_synthetic_cohort(1500, seed=3), folder)
    base = tmp_path / "base.duckdb"
    import_folder(folder, base)
    edss = pl.read_csv(folder / "edss.csv", infer_schema=False)
    changed = edss.with_columns(  # every 7th EDSS corrected by one step, every 50th gone
        pl.when(pl.int_range(pl.len()) % 7 == 0)
        .then(pl.col("edss").cast(pl.Float64).map_elements(
            lambda v: 1.0 if v == 0 else (v - 0.5 if v >= 1.5 else v + 0.5),
            return_dtype=pl.Float64).cast(pl.String))
        .otherwise(pl.col("edss")).alias("edss"),
    ).filter(pl.int_range(pl.len()) % 50 != 1)
    changed.write_csv(folder / "edss.csv")
    before = _state(base)

    done = tmp_path / "done.duckdb"
    shutil.copy(base, done)
    proc, started = _start(folder, done)
    with proc:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "done"
        duration = time.monotonic() - started  # from the first write to the commit
        assert proc.wait(timeout=600) == 0
    after = _state(done)
    assert after[0] == before[0] + 1 and after[1]["edss"] != before[1]["edss"]

    rng = random.Random(19)
    outcomes = []
    for attempt in range(4):  # bounded: four kills at seeded random moments
        db = tmp_path / f"kill{attempt}.duckdb"
        shutil.copy(base, db)
        proc, _ = _start(folder, db)
        with proc:  # killed while the transaction writes, or just after it committed
            time.sleep(rng.uniform(0.0, duration * 1.2))
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=60)
        state = _state(db)
        assert state in (before, after), f"kill {attempt}: neither before nor after"
        outcomes.append("after" if state == after else "before")
        with StudyStore(db) as store:  # the store stays usable
            assert store.version() == state[0]
    print(f"kill -9 outcomes ({duration:.2f} s from first write to commit): {outcomes}")

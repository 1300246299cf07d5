"""Benchmark: what closing a study store costs, and what its checkpoint writes (issue #23).

DuckDB writes a store's changes into its file when the last connection closes (the
checkpoint). A store opened read-only has nothing to write; an import's rows are written
into the file during its transaction (DuckDB's optimistic writes) and the checkpoint then
makes them part of the tables. Works on a copy of ``--db`` (the original is not touched)
and prints, for each use, the CPU time (user + system, every thread of this process) and
the wall time of the close, the file's size and DuckDB's blocks (total, used, free; 256
KiB each) before and after, whether a write-ahead log is left, and whether the file's
bytes changed (SHA-256):

* ``read``: opened read-only, every table and the derived scores read (what ``analyse``,
  ``report`` and the web app's pages do), closed;
* ``open``: opened to write with nothing to write (``mscohort upgrade`` of a current store);
* ``import``: a small import of ``--new-patients`` synthetic patients not in the store
  (their ids after the store's), which recomputes the derived scores of the whole cohort;
* ``folder``: with ``--folder DIR``, that study folder imported into a new store (the
  registry's first import; ``mscohort synth --patients 300000 --seed 1 --out DIR``).

    .venv/bin/python benchmarks/bench_store_close.py --db /tmp/bench300k/study.duckdb
    .venv/bin/python benchmarks/bench_store_close.py --db study.duckdb --steps import
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from mscohort.store import StudyStore, import_folder
from mscohort.store import duckdb_store as D
from mscohort.synthetic import make_synthetic_cohort, write_study_folder

STEPS = ("read", "open", "import", "folder")


def cpu_s() -> float:
    """CPU seconds (user + system) of this process, every thread."""
    return time.process_time()


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def blocks(path: Path) -> tuple[int, int, int]:
    """DuckDB's (total, used, free) blocks of the store file, read read-only."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        row = con.sql("PRAGMA database_size").fetchall()[0]
    finally:
        con.close()
    return int(row[3]), int(row[4]), int(row[5])


class CloseTimer:
    """Times every :meth:`StudyStore.close` of this process (the benchmark's measurement
    only: the store's own close is called unchanged)."""

    def __init__(self) -> None:
        self.closes: list[tuple[float, float, int]] = []  # CPU, wall, WAL bytes before
        self._close = D.StudyStore.close

    def __enter__(self) -> CloseTimer:
        timer = self

        def close(store: StudyStore) -> None:
            wal = Path(f"{store.path}.wal")
            wal_bytes = wal.stat().st_size if wal.exists() else 0
            c, t = cpu_s(), time.perf_counter()
            timer._close(store)
            timer.closes.append((cpu_s() - c, time.perf_counter() - t, wal_bytes))

        D.StudyStore.close = close  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        D.StudyStore.close = self._close  # type: ignore[method-assign]


def report(step: str, db: Path, run: Callable[[], object]) -> None:
    before_sha, before_size, before_blocks = sha256(db), db.stat().st_size, blocks(db)
    c, t = cpu_s(), time.perf_counter()
    with CloseTimer() as timer:
        run()
    total_cpu, total_wall = cpu_s() - c, time.perf_counter() - t
    close_cpu, close_wall, wal = timer.closes[-1]
    after_size = db.stat().st_size
    print(f"| {step} | {total_cpu:.2f} | {total_wall:.2f} | **{close_cpu:.2f}** | "
          f"{close_wall:.2f} | {wal / 2**20:.2f} | {before_size / 2**20:.0f} -> "
          f"{after_size / 2**20:.0f} | {before_blocks} -> {blocks(db)} | "
          f"{Path(f'{db}.wal').exists()} | {sha256(db) != before_sha} | "
          f"{os.getloadavg()[0]:.1f} |", flush=True)


def read_everything(db: Path) -> None:
    with StudyStore(db, read_only=True) as store:
        store.study()
        store.derived("edss")
        store.derived("msfc")


def open_to_write(db: Path) -> None:
    with StudyStore(db):
        pass


def new_patients(db: Path, n: int, folder: Path) -> Path:
    """A study folder of ``n`` synthetic patients whose ids follow the store's."""
    with StudyStore(db, read_only=True) as store:
        first = store.counts()["patients"]
    write_study_folder(make_synthetic_cohort(n, seed=7, first_id=first + 1_000_000),
                       folder)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="study store (copied)")
    parser.add_argument("--steps", default="read,open,import",
                        help=f"comma-separated, of {', '.join(STEPS)}")
    parser.add_argument("--new-patients", type=int, default=3)
    parser.add_argument("--folder", type=Path, default=None,
                        help="study folder for the `folder` step")
    parser.add_argument("--work", type=Path, default=None,
                        help="folder for the copies (default: a temporary folder)")
    args = parser.parse_args()
    steps = args.steps.split(",")
    if not set(steps) <= set(STEPS):
        parser.error(f"`--steps` must be of {', '.join(STEPS)}; got {args.steps}")
    if "folder" in steps and args.folder is None:
        parser.error("`--folder` must be given with the folder step; got none")
    with tempfile.TemporaryDirectory(dir=args.work) as tmp:
        db = Path(tmp) / "study.duckdb"
        shutil.copy(args.db, db)
        print(f"{args.db} ({args.db.stat().st_size / 2**20:.0f} MB), copied to {db}")
        print("| use | CPU (s) | wall (s) | close: CPU (s) | close: wall (s) | WAL before "
              "close (MB) | file (MB) | blocks (total, used, free) | WAL left | file "
              "changed | load |\n|---|---:|---:|---:|---:|---:|---|---|---|---|---:|")
        for step in steps:
            if step == "read":
                report("read-only: every table and the derived scores", db,
                       lambda: read_everything(db))
            elif step == "open":
                report("opened to write, nothing written", db, lambda: open_to_write(db))
            elif step == "import":
                new = new_patients(db, args.new_patients, Path(tmp) / "new")
                report(f"import of {args.new_patients} new patients", db,
                       lambda new=new: import_folder(new, db))  # type: ignore[misc]
            else:
                fresh = Path(tmp) / "fresh.duckdb"
                c, t = cpu_s(), time.perf_counter()
                with CloseTimer() as timer:
                    import_folder(args.folder, fresh)
                close_cpu, close_wall, wal = timer.closes[-1]
                print(f"| first import of {args.folder} | {cpu_s() - c:.2f} | "
                      f"{time.perf_counter() - t:.2f} | **{close_cpu:.2f}** | "
                      f"{close_wall:.2f} | {wal / 2**20:.2f} | -> "
                      f"{fresh.stat().st_size / 2**20:.0f} | -> {blocks(fresh)} | "
                      f"{Path(f'{fresh}.wal').exists()} | | {os.getloadavg()[0]:.1f} |",
                      flush=True)


if __name__ == "__main__":
    main()

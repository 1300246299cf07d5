"""Benchmark: the memory of the import's derived-scores step (issue #23).

Imports a study folder (``mscohort synth --patients N --out DIR --seed 1``) into a new
store in this process, sampling RSS (``/proc/self/status`` VmRSS) every 0.5 s in a thread,
and prints the peak RSS of each import stage (the ``progress`` stages of
:func:`mscohort.store.import_folder`), DuckDB's memory settings, and ``duckdb_memory()``
by component as the derived step reads its batches (sampled on the store's connection
between batches).

    .venv/bin/python benchmarks/bench_derived_memory.py DIR
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import threading
import time
from pathlib import Path

import mscohort.store.derived as derived
from mscohort.store import import_folder


def rss_mb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    raise RuntimeError("no VmRSS")  # pragma: no cover


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--db", type=Path, default=None,
                        help="store to create and keep (default: a temporary file)")
    args = parser.parse_args()
    stage = ["start"]
    peaks: dict[str, int] = {}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peaks[stage[0]] = max(peaks.get(stage[0], 0), rss_mb())
            time.sleep(0.5)

    shown = [False]
    rows = derived._rows

    def rows_logged(con, table, lo, hi):  # type: ignore[no-untyped-def]
        if not shown[0]:
            shown[0] = True
            for name, value in con.sql(
                    "SELECT name, value FROM duckdb_settings() WHERE name LIKE '%memory%' "
                    "OR name LIKE '%temp%' OR name = 'preserve_insertion_order'").fetchall():
                print(f"setting {name} = {value}")
        if table == "patients":
            used = con.sql("SELECT tag, memory_usage_bytes // 1048576 FROM duckdb_memory() "
                           "WHERE memory_usage_bytes > 0").fetchall()
            print(f"{stage[0]}: RSS {rss_mb():,} MB; duckdb " + ", ".join(
                f"{tag} {mb:,} MB" for tag, mb in used), flush=True)
        return rows(con, table, lo, hi)

    derived._rows = rows_logged  # type: ignore[assignment]
    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    t0 = time.perf_counter()

    def progress(name: str) -> None:
        stage[0] = name.split(":")[0]
        print(f"{time.perf_counter() - t0:7.1f} s  {name}  RSS {rss_mb():,} MB", flush=True)

    with tempfile.TemporaryDirectory(dir=args.folder.parent) as tmp:
        import_folder(args.folder, args.db or Path(tmp) / "study.duckdb", as_of=dt.date(2026, 1, 1),
                      by="bench", progress=progress)
    stage[0] = "done"
    time.sleep(0.6)
    stop.set()
    thread.join()
    print(f"{time.perf_counter() - t0:7.1f} s  done; load average {os.getloadavg()}")
    for name, mb in peaks.items():
        print(f"peak RSS during {name}: {mb:,} MB")


if __name__ == "__main__":
    main()

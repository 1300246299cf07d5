"""Benchmark: where an import's time and memory go, stage by stage (issue #23 item 2).

Imports a study folder (e.g. ``mscohort synth --patients 100000 --out DIR``) into a new
store in this process and prints, as each import stage begins (the ``progress`` stages of
:func:`mscohort.store.import_folder`: reading, validating, comparing with the store,
writing, deriving scores), the time so far, the resident memory (RSS) and the peak RSS so
far (Linux ``/proc/self/status``: ``VmRSS``, ``VmHWM``); the step whose stage raises the
peak is the one to work on. ``bench_scale.py`` gives the whole import's time and peak as
its own process.

    .venv/bin/python benchmarks/bench_import_stages.py DIR [--db study.duckdb]
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

from mscohort.store import import_folder


def memory_mb() -> tuple[int, int]:
    """(RSS, peak RSS) of this process in MB."""
    values = {}
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, value = line.split(":")
                values[key] = int(value.split()[0]) // 1024
    return values["VmRSS"], values["VmHWM"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="study folder to import")
    parser.add_argument("--db", type=Path, default=None,
                        help="store to create (default: a temporary file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "study.duckdb"
        if db.exists():
            parser.error(f"`--db` must be a store that does not exist yet; got {db}")
        t0 = time.perf_counter()
        print("| stage begins | time (s) | RSS (MB) | peak RSS so far (MB) |\n|---|---:|---:|---:|")

        def progress(stage: str) -> None:
            rss, peak = memory_mb()
            print(f"| {stage} | {time.perf_counter() - t0:.1f} | {rss:,} | {peak:,} |",
                  flush=True)

        import_folder(args.folder, db, as_of=dt.date(2026, 1, 1), by="bench",
                      progress=progress)
        rss, peak = memory_mb()
        print(f"| (done) | {time.perf_counter() - t0:.1f} | {rss:,} | {peak:,} |")


if __name__ == "__main__":
    main()

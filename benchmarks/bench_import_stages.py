"""Benchmark: where an import's time and memory go, stage by stage (issue #23 item 2).

Imports a study folder (e.g. ``mscohort synth --patients 100000 --out DIR``) into a new
store in this process and prints, as each import stage begins (the ``progress`` stages of
:func:`mscohort.store.import_folder`: reading, validating, comparing with the store,
writing, deriving scores), the time so far, the CPU time so far (user + system, of this
process's threads and of its finished child processes: what a stage costs whatever else
the machine runs), the resident memory (RSS) and the peak RSS so far (Linux
``/proc/self/status``: ``VmRSS``, ``VmHWM``); the step whose stage raises the peak is the
one to work on. The last line gives each stage's own time and CPU. ``bench_scale.py``
gives the whole import's time and peak as its own process.

    .venv/bin/python benchmarks/bench_import_stages.py DIR [--db study.duckdb]
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import os
import resource
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


def cpu_s() -> float:
    """CPU seconds (user + system) of this process and its waited-for children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


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
        t0, c0 = time.perf_counter(), cpu_s()
        print(f"load average {os.getloadavg()[0]:.2f}")
        print("| stage begins | time (s) | CPU (s) | RSS (MB) | peak RSS so far (MB) |\n"
              "|---|---:|---:|---:|---:|")
        marks: list[tuple[str, float, float]] = []

        def progress(stage: str) -> None:
            rss, peak = memory_mb()
            wall, cpu = time.perf_counter() - t0, cpu_s() - c0
            if ": batch " not in stage:
                marks.append((stage, wall, cpu))
            print(f"| {stage} | {wall:.1f} | {cpu:.1f} | {rss:,} | {peak:,} |", flush=True)

        import_folder(args.folder, db, as_of=dt.date(2026, 1, 1), by="bench",
                      progress=progress)
        rss, peak = memory_mb()
        wall, cpu = time.perf_counter() - t0, cpu_s() - c0
        print(f"| (done) | {wall:.1f} | {cpu:.1f} | {rss:,} | {peak:,} |")
        marks.append(("(done)", wall, cpu))
        print("per stage (wall s / CPU s): " + "; ".join(
            f"{a[0]} {b[1] - a[1]:.1f} / {b[2] - a[2]:.1f}"
            for a, b in itertools.pairwise(marks)))
        print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

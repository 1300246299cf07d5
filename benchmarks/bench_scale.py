"""Benchmark: the registry pipeline end to end, one child process per step (issue #23).

Runs ``mscohort synth``, ``import`` (full validation, one transaction), ``events``,
``analyse``, ``report`` (HTML) and ``report`` as Word (step ``word``) on a synthetic cohort
of ``--patients`` patients, each as its own ``mscohort`` process, and prints the wall time,
the CPU time (user + system: what the step costs whatever else the machine runs) and the
peak resident memory (RSS) of each step, and the load average before and after: the CPU
time and RSS are the child's own (``os.wait4``), so steps do not mask each other.
``--steps`` picks a subset (later steps need the earlier ones' files); ``--store`` runs the
steps that read a store (events, analyse, report, word) on an existing one, opened read
only, so that a 3,000,000-patient import need not be repeated. Example:

    .venv/bin/python benchmarks/bench_scale.py --patients 300000
    .venv/bin/python benchmarks/bench_scale.py --patients 100000 --steps synth,import
    .venv/bin/python benchmarks/bench_scale.py --patients 3000000 --steps events,analyse \
        --store /tmp/bench3m/study.duckdb

The analysis and report use the toy study definition (every synthetic patient treated with
alemtuzumab is analysed). ``--keep DIR`` keeps the files (the store, events, report).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from importlib.resources import files
from pathlib import Path

STEPS = ("synth", "import", "events", "analyse", "report", "word")


#: The steps that only read the store (``--store``).
READING_STEPS = ("events", "analyse", "report", "word")


def commands(n: int, work: Path, store: Path | None = None) -> dict[str, list[str]]:
    """The ``mscohort`` arguments of each step (``store``: an existing store to read)."""
    study = str(Path(str(files("mscohort") / "datasets" / "toy")) / "study.toml")
    db = str(store or work / "study.duckdb")
    return {
        "synth": ["synth", "--patients", str(n), "--out", str(work / "synth"), "--seed", "1"],
        "import": ["import", str(work / "synth"), "--db", db, "--by", "bench",
                   "--as-of", "2026-01-01"],
        "events": ["events", "--db", db, "--out", str(work / "events.csv")],
        "analyse": ["analyse", "--study", study, "--db", db, "--out", str(work / "results")],
        "report": ["report", "--study", study, "--db", db, "--out", str(work / "report.html")],
        "word": ["report", "--study", study, "--db", db, "--out", str(work / "report.docx")],
    }


def run_step(args: list[str], log: Path) -> tuple[float, float, float, int]:
    """Run ``mscohort args`` as a child process: (seconds, CPU seconds, peak RSS in MB,
    exit code)."""
    exe = Path(sys.executable).with_name("mscohort")
    t0 = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen([str(exe), *args], stdout=out, stderr=subprocess.STDOUT,
                                env=os.environ | {"COLUMNS": "120"})
        _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--steps", default=",".join(STEPS),
                        help=f"comma-separated subset of {', '.join(STEPS)}")
    parser.add_argument("--keep", type=Path, default=None,
                        help="work in this folder and keep it (default: a temporary one)")
    parser.add_argument("--store", type=Path, default=None,
                        help="an existing store for the steps that read one "
                             f"({', '.join(READING_STEPS)}); it is not written")
    args = parser.parse_args()
    steps = [s.strip() for s in args.steps.split(",") if s.strip()]
    unknown = [s for s in steps if s not in STEPS]
    if unknown:
        parser.error(f"`--steps` must be among {', '.join(STEPS)}; got {', '.join(unknown)}")
    writing = [s for s in steps if s not in READING_STEPS]
    if args.store is not None and writing:
        parser.error(f"`--steps` must be among {', '.join(READING_STEPS)} with --store; got "
                     f"{', '.join(writing)}")
    if args.store is not None and not args.store.is_file():
        parser.error(f"`--store` must be an existing store; got {args.store}")
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        todo = commands(args.patients, work, args.store)
        print(f"{args.patients:,} patients; {os.cpu_count()} cores; work folder {work}; "
              f"load average {os.getloadavg()[0]:.2f}")
        print("| step | time (s) | CPU (s) | peak RSS (MB) | exit |\n|---|---:|---:|---:|---:|")
        for step in steps:
            seconds, cpu, rss, code = run_step(todo[step], work / f"{step}.log")
            print(f"| {step} | {seconds:,.1f} | {cpu:,.1f} | {rss:,.0f} | {code} |",
                  flush=True)
            if code != 0:
                print((work / f"{step}.log").read_text()[-3000:])
                break
        if (work / "synth").exists():
            rows = {p.stem: sum(1 for _ in p.open()) - 1
                    for p in sorted((work / "synth").glob("*.csv"))}
            print("rows: " + ", ".join(f"{t} {n:,}" for t, n in rows.items()))
        print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

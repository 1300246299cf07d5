"""Benchmark: start-up of the ``mscohort`` command, ``mscohort --help`` and a command's
``--help`` (issue #23: about 3.5 s of CPU before the commands imported their stack lazily;
target under 0.5 s for ``--help``).

    .venv/bin/python benchmarks/bench_cli_startup.py [--repeat 7] [--command events]

Each call runs the installed console script in a fresh process; the CPU time (user +
system, from ``resource.getrusage(RUSAGE_CHILDREN)``) and the wall time of each are taken,
and the median and minimum printed. CPU time is the figure to compare: the wall time of a
shared machine grows with its load (printed beside it).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def console_script() -> list[str]:
    """The ``mscohort`` console script beside this interpreter (else on PATH)."""
    beside = Path(sys.executable).with_name("mscohort")
    found = str(beside) if beside.exists() else shutil.which("mscohort")
    if found is None:
        raise SystemExit("mscohort is not installed (pip install -e .)")
    return [found]


def timed(argv: list[str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one run of ``argv`` to completion."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--command", default="events", help="whose --help to time")
    args = parser.parse_args()
    script = console_script()
    print(f"load average {os.getloadavg()[0]:.1f}; {args.repeat} runs each; python "
          f"{sys.version.split()[0]}")
    baseline = [sys.executable, "-c", "pass"]
    for label, argv in (("python -c pass (interpreter alone)", baseline),
                        ("mscohort --help", [*script, "--help"]),
                        (f"mscohort {args.command} --help", [*script, args.command, "--help"]),
                        ("mscohort --version", [*script, "--version"])):
        timed(argv)  # warm the file cache and the byte-code
        runs = [timed(argv) for _ in range(args.repeat)]
        cpu = [c for c, _ in runs]
        wall = [w for _, w in runs]
        print(f"{label:40} CPU median {statistics.median(cpu):.3f} s (min {min(cpu):.3f}); "
              f"wall median {statistics.median(wall):.3f} s (min {min(wall):.3f})")


if __name__ == "__main__":
    main()

"""Benchmark: a patient's page, first view (it draws the patient's timeline), at registry
scale (issue #23).

Serves the web app as ``benchmarks/bench_scale_web.py`` does (waitress on 127.0.0.1, the
store ``--db`` copied into its workspace, or a synthetic store of ``--patients``), warms the
analysis, then asks for ``/patient?id=...`` of ``--views`` patients, each once (a first
view: the page draws the timeline; a view again is served from the 64 kept), and prints
the median and largest time to the first byte and CPU time of the serving process
(``time.process_time`` around the request), for two ways of writing the timeline's SVG:
``savefig`` with the constrained layout engine (two draws of the figure: the layout's,
then the SVG's; how the page drew it before) and ``timeline_svg`` (laid out once, one draw:
the page now). The same patients are viewed both ways (the kept timelines are dropped in
between); the two SVGs are the same bytes (``tests/report/test_timeline.py``).

    .venv/bin/python benchmarks/bench_patient_page.py --db /tmp/bench300k/study.duckdb
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_scale_web import first_byte, follow_jobs, served

from mscohort.report.plots import Drawn
from mscohort.store import StudyStore
from mscohort.web import views_patient
from mscohort.web.results import Memo

WAYS: dict[str, Callable[[Drawn], str]] = {
    "savefig with the layout engine (before)": lambda drawn: drawn.svg(),
    "laid out once, drawn once (now)": views_patient.timeline_svg,
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=20_000)
    ap.add_argument("--db", type=Path, default=None, help="an existing store (copied)")
    ap.add_argument("--views", type=int, default=20, help="patients viewed each way")
    args = ap.parse_args()
    with served(args.db, args.patients) as (app, port):
        with StudyStore(Path(app.extensions["mscohort"]["workspace"].db),
                        read_only=True) as store:
            n = store.counts()["patients"]
        print(f"warming: analysis and report {follow_jobs(port, '/cohort'):,.1f} s",
              flush=True)
        cache = app.extensions["mscohort"]["results"]
        ids: list[str] = []
        k = 0
        while len(ids) < args.views:  # patients the analysis has (the others are 404)
            pid = f"S{k * 7919 % n:07d}"  # spread over the synthetic ids S0000000...
            k += 1
            if first_byte(port, f"/patient?id={pid}")[1] == 200:
                ids.append(pid)
        print("| SVG of the timeline | first byte, median (s) | largest (s) | CPU, "
              "median (s) | largest (s) | load |\n|---|---:|---:|---:|---:|---:|")
        for name, way in (*WAYS.items(), *WAYS.items()):  # each way twice, in turn
            views_patient.timeline_svg = way  # type: ignore[assignment]
            for r in cache._items.values():  # the benchmark's own reach: drop the kept
                r.timelines = Memo(r.timelines.size)
            runs = [first_byte(port, f"/patient?id={pid}") for pid in ids]
            assert all(r[1] == 200 for r in runs), [r[1] for r in runs]
            times, cpu = [r[0] for r in runs], [r[4] for r in runs]
            print(f"| {name} | {statistics.median(times):.3f} | {max(times):.3f} | "
                  f"{statistics.median(cpu):.3f} | {max(cpu):.3f} | "
                  f"{os.getloadavg()[0]:.1f} |", flush=True)


if __name__ == "__main__":
    main()

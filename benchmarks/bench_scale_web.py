"""Benchmark: the web app's pages at registry scale once the analysis is cached (issue #23).

Serves the app with the settings of ``mscohort serve`` (waitress on 127.0.0.1) on a study
store of ``--patients`` synthetic patients (made with ``mscohort synth`` and ``mscohort
import`` in a child process, or an existing store given with ``--db``, which is copied into
the app's workspace), warms the analysis and the report (the background jobs the first
cohort page starts, followed like the progress page does), then asks for every page
``--repeat`` times, one request at a time, and prints per page the time to the first byte
of the answer (``http.client``: status line and headers received), the median and the
largest, the CPU time the process spent on it (``time.process_time`` around the request:
the server's threads and DuckDB's, plus the client's reading of the answer; the figure
that does not depend on how busy the machine is), the status and the size of the page,
and the load average. Target: every page under 2 s. Example:

    nice -n 5 .venv/bin/python benchmarks/bench_scale_web.py --patients 300000
    .venv/bin/python benchmarks/bench_scale_web.py --db big/study.duckdb
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask

from mscohort.web import WebConfig, create_app

#: Pages that read the store only (no analysis): ``--store-pages-only`` times just these.
STORE_PAGES = ("/", "/load", "/versions/1", "/patient/history?id=S0000042", "/definition")
#: Every page a user reads, with a patient and a store version of the synthetic cohort.
PAGES = (
    ("home", "/"),
    ("load (imports)", "/load"),
    ("store version 1", "/versions/1"),
    ("cohort", "/cohort"),
    ("patients, page 1", "/patients"),
    ("patients, page 500", "/patients?patients_page=500"),
    ("patients, sorted by EDSS change", "/patients?patients_sort=edss_change&patients_desc=1"),
    ("patients, filtered", "/patients?patients_cohort=alemtuzumab"),
    ("patient page", "/patient?id=S0000042"),
    ("patient history", "/patient/history?id=S0000042"),
    ("safety", "/safety"),
    ("safety, page 100", "/safety?late_page=100&screening_page=100"),
    ("definition", "/definition"),
)


def first_byte(port: int, path: str) -> tuple[float, int, int, str, float]:
    """(seconds to the first byte of the answer, status, bytes, Location, CPU seconds of
    this process, the server's included) of ``GET path``."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        cpu = time.process_time()
        t0 = time.perf_counter()
        conn.request("GET", path)
        r = conn.getresponse()
        took = time.perf_counter() - t0
        body = r.read()
        cpu = time.process_time() - cpu
        return took, r.status, len(body), r.getheader("Location", ""), cpu
    finally:
        conn.close()


def follow_jobs(port: int, path: str) -> float:
    """Ask for ``path`` until it answers with a page, not a background job's progress (the
    analysis, then the report's figures); returns the seconds it took."""
    t0 = time.perf_counter()
    while True:
        _, status, _, location, _ = first_byte(port, path)
        if status == 302 and location.startswith("/jobs/"):
            while True:
                _, s, _, _, _ = first_byte(port, location)
                if s == 302:  # done (or failed): on to where it leads
                    break
                time.sleep(1)
            continue
        if status != 200:
            raise SystemExit(f"{path} answered {status} {location}")
        return time.perf_counter() - t0


def make_store(n: int, work: Path) -> Path:
    """A store of ``n`` synthetic patients made by the command line (``synth``, ``import``)."""
    exe = Path(sys.executable).with_name("mscohort")
    db = work / "study.duckdb"
    for args in (["synth", "--patients", str(n), "--out", str(work / "synth"), "--seed", "1"],
                 ["import", str(work / "synth"), "--db", str(db), "--by", "bench",
                  "--as-of", "2026-01-01"]):
        t0 = time.perf_counter()
        subprocess.run([str(exe), *args], check=True, stdout=subprocess.DEVNULL,
                       env=os.environ | {"COLUMNS": "120"})
        print(f"{args[0]}: {time.perf_counter() - t0:,.1f} s", flush=True)
    shutil.rmtree(work / "synth")
    return db


@contextmanager
def served(db: Path | None, patients: int) -> Iterator[tuple[Flask, int]]:
    """The web app served by waitress on 127.0.0.1 over a temporary workspace whose store is
    a copy of ``db``, or a new one of ``patients`` synthetic patients: (app, port). The
    server and the app's background jobs are shut down on leaving."""
    import waitress

    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp) / "ws"
        ws.mkdir()
        if db is not None:
            shutil.copyfile(db, ws / "study.duckdb")
        else:
            make_store(patients, ws)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        config = WebConfig(ws, port=port)
        app = create_app(config)
        server = waitress.create_server(app, host="127.0.0.1", port=port,
                                        **config.server_options)
        threading.Thread(target=server.run, daemon=True).start()
        try:
            print(f"store {db or f'{patients:,} synthetic patients'}; "
                  f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}")
            yield app, port
        finally:
            server.task_dispatcher.shutdown(timeout=30)
            app.extensions["mscohort"]["jobs"].shutdown()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=300_000)
    ap.add_argument("--db", type=Path, default=None, help="an existing store (copied)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--store-pages-only", action="store_true",
                    help="time only the pages that need no analysis (no warming)")
    args = ap.parse_args()
    with served(args.db, args.patients) as (_, port):
        pages = PAGES
        if args.store_pages_only:
            pages = tuple((n, p) for n, p in PAGES if p in STORE_PAGES)
        else:
            print(f"warming: analysis and report {follow_jobs(port, '/cohort'):,.1f} s",
                  flush=True)
        print("| page | first byte, median (s) | largest (s) | CPU, median (s) | "
              "largest (s) | status | size (KB) | load |\n"
              "|---|---:|---:|---:|---:|---:|---:|---:|")
        for name, path in pages:
            runs = [first_byte(port, path) for _ in range(args.repeat)]
            times, cpu = [r[0] for r in runs], [r[4] for r in runs]
            print(f"| {name} (`{path}`) | {statistics.median(times):.3f} | "
                  f"{max(times):.3f} | {statistics.median(cpu):.3f} | {max(cpu):.3f} | "
                  f"{runs[-1][1]} | {runs[-1][2] / 1024:,.0f} | "
                  f"{os.getloadavg()[0]:.1f} |", flush=True)
        print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

"""Benchmark: do the web app's pages keep answering during a large import and the first
analysis (issue #16, web item 6)? The app is served by waitress on 127.0.0.1 with the
settings of ``mscohort serve``; a registry-sized study is uploaded, checked and imported,
which leads to the cohort page (the first analysis and report), then the safety page as of
another day (another analysis); meanwhile 8 clients keep asking for other pages, each pausing
0.2 s between two (they run in the server's process: they slow the jobs down somewhat).

Prints how long each job took and, per job, how many page requests were answered, their
median and largest answer time, and how many took longer than 60 s. Example:

    .venv/bin/python benchmarks/bench_web.py --patients 20000
"""

from __future__ import annotations

import argparse
import http.client
import re
import socket
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from mscohort.synthetic import make_synthetic_cohort, write_study_folder
from mscohort.web import WebConfig, create_app

PAGES = ("/", "/load", "/static/app.css", "/assets/report.js", "/login")
CLIENTS = 8
THINK_SECONDS = 0.2  #: each client's pause between two pages
TIMEOUT_SECONDS = 60


class Client:
    def __init__(self, port: int) -> None:
        self.port = port
        self.cookie = ""

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, str, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT_SECONDS)
        head = {"Cookie": self.cookie} if self.cookie else {}
        head |= headers or {}
        try:
            conn.request(method, path, body=body, headers=head)
            r = conn.getresponse()
            text = r.read().decode("utf-8", "replace")
            if r.getheader("Set-Cookie"):
                self.cookie = r.getheader("Set-Cookie", "").split(";", 1)[0]
            return r.status, r.getheader("Location", ""), text
        finally:
            conn.close()

    def csrf(self) -> str:
        text = self.request("GET", "/load")[2]
        return re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)  # type: ignore[union-attr]

    def upload(self, folder: Path) -> str:
        b = "bench-boundary"
        parts = [f'--{b}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
                 f"{self.csrf()}\r\n".encode()]
        for p in sorted(folder.iterdir()):
            parts.append(f'--{b}\r\nContent-Disposition: form-data; name="files"; '
                         f'filename="{p.name}"\r\n\r\n'.encode() + p.read_bytes() + b"\r\n")
        parts.append(f"--{b}--\r\n".encode())
        return self.request("POST", "/load", b"".join(parts),
                            {"Content-Type": f"multipart/form-data; boundary={b}"})[1]


def through_job(c: Client, location: str, port: int) -> dict[str, float]:
    """Follow ``location`` to its job, and while the job runs let CLIENTS clients ask for
    PAGES; the job's seconds and the answer times."""
    if not location.startswith("/jobs/"):
        location = c.request("GET", location)[1]
    job = location if location.startswith("/jobs/") else None
    last = ""
    times: list[float] = []
    slow = [0]
    stop = threading.Event()

    def ask(i: int) -> None:
        k = i
        while not stop.is_set():
            t0 = time.perf_counter()
            try:
                Client(port).request("GET", PAGES[k % len(PAGES)])
                times.append(time.perf_counter() - t0)
            except TimeoutError:
                slow[0] += 1
            k += 1
            stop.wait(THINK_SECONDS)

    t0 = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        for i in range(CLIENTS):
            pool.submit(ask, i)
        while job is not None:  # as the progress page does, and on to the next job if any
            status, location, _ = c.request("GET", job)
            if status == 302:
                status, next_location, text = c.request("GET", location)
                last = f"{status} {location} " + " ".join(re.findall(r"<h1>([^<]+)</h1>", text))
                job = (next_location if status == 302 and next_location.startswith("/jobs/")
                       else None)
            else:
                time.sleep(0.5)
        stop.set()
    took = time.perf_counter() - t0
    print("  ended on:", last)
    return {"job_s": took, "answered": len(times), "median_s": statistics.median(times)
            if times else float("nan"), "max_s": max(times, default=float("nan")),
            "over_60_s": slow[0]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=20_000)
    args = ap.parse_args()
    import waitress

    with tempfile.TemporaryDirectory() as tmp:
        study = Path(tmp) / "study"
        study.mkdir()
        cohort = make_synthetic_cohort(args.patients, seed=1)
        write_study_folder(cohort, study)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        config = WebConfig(Path(tmp) / "ws", port=port, max_upload_mb=1000)
        app = create_app(config)
        server = waitress.create_server(app, host="127.0.0.1", port=port,
                                        **config.server_options)
        threading.Thread(target=server.run, daemon=True).start()
        c = Client(port)
        print(f"{args.patients} patients ({cohort.edss.height} EDSS visits); {CLIENTS} clients "
              f"asking for {', '.join(PAGES)} while each job runs")
        upload = c.upload(study)
        stats = through_job(c, upload, port)
        print("check  ", {k: round(v, 3) for k, v in stats.items()})
        text = c.request("GET", upload)[2]
        action = re.search(r'action="(/load/[^"]+/import)"', text)
        assert action, "the check found errors"
        location = c.request("POST", action.group(1), f"csrf_token={c.csrf()}".encode(),
                             {"Content-Type": "application/x-www-form-urlencoded"})[1]
        stats = through_job(c, location, port)  # and on: the first analysis and report
        print("import + first analysis + report", {k: round(v, 3) for k, v in stats.items()})
        stats = through_job(c, "/safety?as_of=2020-01-01", port)
        print("analysis as of another day", {k: round(v, 3) for k, v in stats.items()})
        server.task_dispatcher.shutdown(timeout=30)
        app.extensions["mscohort"]["jobs"].shutdown()


if __name__ == "__main__":
    main()

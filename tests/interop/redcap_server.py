"""A stand-in for a REDCap server's API, for the tests: a real HTTP server on a loopback
port that answers the export requests PyCap makes (``content=record`` as flat CSV,
``content=metadata`` as CSV or JSON) from the fixture files, and refuses any other token with
403, as REDCap does. (REDCap itself cannot be installed here: it is licensed software.)"""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import polars as pl

TOKEN = "0123456789ABCDEF0123456789ABCDEF"
API_HEADERS = {
    "Variable / Field Name": "field_name", "Form Name": "form_name",
    "Section Header": "section_header", "Field Type": "field_type",
    "Field Label": "field_label",
    "Choices, Calculations, OR Slider Labels": "select_choices_or_calculations",
}


def api_metadata(dictionary: Path) -> pl.DataFrame:
    """The data dictionary as the API's metadata export gives it (API column names)."""
    frame = pl.read_csv(dictionary, infer_schema=False)
    keep = [c for c in frame.columns if c in API_HEADERS]
    return frame.select(keep).rename(API_HEADERS).fill_null("")


@contextmanager
def redcap_server(export: Path, dictionary: Path) -> Iterator[tuple[str, list[dict]]]:
    """The API URL and the list of requests it received (their forms, without the token)."""
    seen: list[dict] = []
    metadata = api_metadata(dictionary)
    bodies = {("record", "csv"): export.read_text(), ("metadata", "csv"): metadata.write_csv(),
              ("metadata", "json"): json.dumps(metadata.to_dicts())}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
            token = form.pop("token", None)
            seen.append(form)
            if token != TOKEN:
                self._send(403, '{"error": "You do not have permissions to use the API"}')
            elif (form.get("content"), form.get("format")) in bodies:
                kind = "text/csv" if form["format"] == "csv" else "application/json"
                self._send(200, bodies[form["content"], form["format"]], kind)
            else:
                self._send(400, '{"error": "unsupported request in the test server"}')

        def _send(self, code: int, body: str, kind: str = "application/json") -> None:
            data = body.encode()
            self.send_response(code)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/", seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)

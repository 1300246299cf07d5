"""Which reader a study file needs, from its suffix (shared by the readers and the
encoding check)."""

from __future__ import annotations

from pathlib import Path

SUFFIXES = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx",
            ".parquet": "parquet", ".pq": "parquet"}


def file_kind(path: Path) -> str | None:
    """"csv", "xlsx" or "parquet" by the file's suffix (any case); None for another file."""
    return SUFFIXES.get(path.suffix.lower())

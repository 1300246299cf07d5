"""Shared fixtures: the bundled toy study, a broken study, and a writer for small studies."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path

import pytest

#: Every test validates "as of" this day, so no test depends on today's date.
AS_OF = dt.date(2026, 1, 1)
DATA = Path(__file__).parent / "data"

PATIENTS = """patient_id,sex,birth_date,onset_date
P1,F,1970-01-01,1995-01-01
P2,M,1980-06-15,2001-03-01
"""
EDSS = """patient_id,date,edss
P1,2010-01-01,3.0
P1,2011-01-01,3.5
P2,2012-05-05,2.0
"""


@pytest.fixture
def toy_dir(tmp_path: Path) -> Path:
    """A copy of the bundled toy study (8 patients, each an edge case)."""
    src = Path(str(files("mscohort") / "datasets" / "toy"))
    dest = tmp_path / "toy"
    shutil.copytree(src, dest)
    return dest


@pytest.fixture
def broken_dir(tmp_path: Path) -> Path:
    """A study with mistakes in five files (see tests/data/broken)."""
    dest = tmp_path / "broken"
    shutil.copytree(DATA / "broken", dest)
    return dest


StudyWriter = Callable[..., Path]


@pytest.fixture
def write_study(tmp_path: Path) -> StudyWriter:
    """Write a study folder from CSV texts: ``write_study(edss="...")``.

    ``patients`` and ``edss`` default to two clean patients; pass ``None`` to leave a file out.
    """
    counter = iter(range(1_000_000))

    def write(name: str | None = None, **tables: str | None) -> Path:
        folder = tmp_path / (name or f"study{next(counter)}")
        folder.mkdir()
        tables = {"patients": PATIENTS, "edss": EDSS} | tables
        for table, text in tables.items():
            if text is not None:
                (folder / f"{table}.csv").write_text(text, encoding="utf-8")
        return folder

    return write

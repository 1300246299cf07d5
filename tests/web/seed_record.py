"""The bundled example's records the web tests correct, read from the shipped files, so a
regenerated seed cohort (``mscohort calibrate``) needs no new pins: TRMS01's first EDSS
visit, its baseline visit (the last in the year up to its first alemtuzumab infusion, the
index date) and its last visit in the year before screening, and the EDSS steps next to a
value."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass

from mscohort.web.workspace import SEED

PATIENT = "TRMS01"


@dataclass(frozen=True)
class Visit:
    """One EDSS record of the seed's ``edss.csv``."""

    patient_id: str
    date: str  #: YYYY-MM-DD, as in the file
    edss: float
    row: int  #: the file's row number (the header is row 1)

    @property
    def text(self) -> str:
        """The value as the pages print it."""
        return f"{self.edss:.1f}"

    @property
    def line(self) -> bytes:
        """The record's line in ``edss.csv``."""
        return f"{self.patient_id},{self.date},{self.text}\n".encode()

    @property
    def key(self) -> str:
        """The record's key as the pages show it ("TRMS01 / 2005-12-20")."""
        return f"{self.patient_id} / {self.date}"


def step_up(edss: float) -> float:
    """The next EDSS step above ``edss`` (0 -> 1.0; 9.5 has none, so 9.0)."""
    return 1.0 if edss == 0 else 9.0 if edss == 9.5 else edss + 0.5


def step_down(edss: float) -> float:
    """The EDSS step below ``edss`` (1.0 -> 0; 0 has none, so 1.0)."""
    return 1.0 if edss == 0 else 0.0 if edss == 1.0 else edss - 0.5


def _rows(name: str) -> list[dict[str, str]]:
    return list(csv.DictReader((SEED / name).read_text("utf-8").splitlines()))


def visits(patient: str = PATIENT) -> list[Visit]:
    """The patient's EDSS visits in file order."""
    return [Visit(r["patient_id"], r["date"], float(r["edss"]), k)
            for k, r in enumerate(_rows("edss.csv"), 2) if r["patient_id"] == patient]


def first_visit(patient: str = PATIENT) -> Visit:
    """The patient's first EDSS record (row 2 of the file for TRMS01)."""
    return visits(patient)[0]


def index_date(patient: str = PATIENT) -> str:
    """The first alemtuzumab infusion (the seed's index date)."""
    return min(r["date"] for r in _rows("infusions.csv") if r["patient_id"] == patient)


def baseline_visit(patient: str = PATIENT) -> Visit:
    """The last EDSS visit in the year up to the index date (the seed's baseline EDSS:
    ``[baseline] window_days = 365, after_index_days = 0`` in its study.toml)."""
    index = index_date(patient)
    year_before = (dt.date.fromisoformat(index) - dt.timedelta(days=365)).isoformat()
    return [v for v in visits(patient) if year_before <= v.date <= index][-1]


def screening_visit(patient: str = PATIENT) -> tuple[str, Visit]:
    """(screening date, the last EDSS visit on or before it within a year): the visit the
    screening reads for "EDSS 3-7"."""
    screened = next(r["enrolment_date"] for r in _rows("patients.csv")
                    if r["patient_id"] == patient)
    year_before = (dt.date.fromisoformat(screened) - dt.timedelta(days=365)).isoformat()
    return screened, [v for v in visits(patient) if year_before <= v.date <= screened][-1]

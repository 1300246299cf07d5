"""Hand-built studies for the secondary-outcome tests: one patient per rule."""

from __future__ import annotations

import datetime as dt

import polars as pl

from mscohort.schema import TABLES
from mscohort.study import Study

D0 = dt.date(2020, 1, 1)  #: index date (first infusion) of every hand-built patient


def day(k: float) -> dt.date:
    return D0 + dt.timedelta(days=int(k))


def frame(name: str, rows: list[dict]) -> pl.DataFrame:
    schema = TABLES[name].stored_schema()
    return pl.DataFrame([{c: r.get(c) for c in schema} for r in rows], schema=schema)


def study(patients: list[str], edss: dict[str, list[tuple[int, float]]] | None = None,
          **tables: list[dict]) -> Study:
    """Patients with an alemtuzumab infusion on :data:`D0` and EDSS visits by day offset
    (default: 3.0 on days -10 and 800); other tables as rows."""
    edss = edss or {p: [(-10, 3.0), (800, 3.0)] for p in patients}
    out = {
        "patients": frame("patients", [
            {"patient_id": p, "sex": "F", "birth_date": dt.date(1980, 1, 1),
             "onset_date": dt.date(2005, 1, 1), "cohort": "A" if i % 2 == 0 else "B"}
            for i, p in enumerate(patients)]),
        "infusions": frame("infusions", [{"patient_id": p, "drug": "alemtuzumab",
                                          "date": D0, "dose_mg": 12.0} for p in patients]),
        "edss": frame("edss", [{"patient_id": p, "date": day(k), "edss": x}
                               for p, visits in edss.items() for k, x in visits]),
    }
    out |= {name: frame(name, rows) for name, rows in tables.items()}
    return Study(out)

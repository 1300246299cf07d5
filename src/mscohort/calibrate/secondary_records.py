"""Synthetic MSFC, OCT and MRI records for the prospective arm of a calibrated cohort.

The seed's prospective phase (the ALE-naive arm) collects MSFC, OCT and MRI besides EDSS;
the interim tables print none of them, so nothing here is calibrated: the records only make
the secondary-outcome sections of the example report show real computations. Seeded (its
own random stream, so the calibrated tables are untouched) and tied to each patient's EDSS:

* **Dates**: at the baseline EDSS assessment, then at the first EDSS visit at least 150
  days after the previous one, up to the last EDSS (about every six months).
* **MSFC**: T25FW = 4.5 s x exp(0.25 x max(EDSS - 2, 0)) (about 12 s at EDSS 6; an EDSS of
  7.0 or more cannot walk it: 777, not completed); 9-HPT 19 s + 2.5 s per EDSS point above
  3 (the other hand 1.5 s slower); each trial +/- 5%; PASAT-3 = 50 - 2 per EDSS point above
  3, +/- 4 correct, within 0-60.
* **OCT** (both eyes at each date): RNFL 88 +/- 8 um and GCIPL 72 +/- 5 um at baseline;
  a quarter of patients have had optic neuritis in one eye (15 um thinner RNFL, 8 um
  GCIPL); thinning 0.6 um (RNFL) and 0.4 um (GCIPL) a year, +/- 1 um per scan.
* **MRI**: a scan 30 days before the index date (no new/enlarging count on a first scan;
  Poisson(0.8) enhancing lesions) and one at each later date: new or enlarging T2
  Poisson(0.3), enhancing Poisson(0.1).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from mscohort.definition import StudyDefinition
from mscohort.schema import TABLES
from mscohort.study import Study
from mscohort.units import DAYS_PER_YEAR

PROSPECTIVE_COHORT = "ALE-naive"


def _dates(visits: list[tuple[dt.date, float]], baseline: dt.date) -> list[tuple[dt.date, float]]:
    out = [v for v in visits if v[0] == baseline]
    for d, e in visits:
        if d > baseline and (d - out[-1][0]).days >= 150:
            out.append((d, e))
    return out


def _msfc(pid: str, d: dt.date, edss: float, rng: np.random.Generator) -> dict[str, object]:
    trial = lambda x: round(float(x * rng.uniform(0.95, 1.05)), 1)  # noqa: E731
    walk = 4.5 * np.exp(0.25 * max(edss - 2, 0))
    hand = 19 + 2.5 * max(edss - 3, 0)
    row: dict[str, object] = {"patient_id": pid, "date": d}
    row |= ({"t25fw_1_s": 777.0, "t25fw_2_s": 777.0} if edss >= 7.0 else
            {"t25fw_1_s": trial(walk), "t25fw_2_s": trial(walk)})
    row |= {"nhpt_dom_1_s": trial(hand), "nhpt_dom_2_s": trial(hand),
            "nhpt_nondom_1_s": trial(hand + 1.5), "nhpt_nondom_2_s": trial(hand + 1.5),
            "pasat3": int(np.clip(round(50 - 2 * max(edss - 3, 0) + rng.integers(-4, 5)), 0,
                                  60))}
    return row


def secondary_records(study: Study, definition: StudyDefinition,
                      seed: int) -> dict[str, pl.DataFrame]:
    """``msfc``, ``oct`` and ``mri`` tables for the prospective arm (module docstring), with
    the index date and baseline EDSS of ``definition``."""
    from mscohort.derive.outcomes import patient_outcomes

    o = patient_outcomes(study, definition)
    index = dict(zip(o["patient_id"], o["index_date"], strict=True))
    baseline = {p: b for p, b in zip(o["patient_id"], o["baseline_date"], strict=True)
                if b is not None}
    rng = np.random.default_rng(seed)
    rows: dict[str, list[dict[str, object]]] = {"msfc": [], "oct": [], "mri": []}
    edss = study.edss.sort("patient_id", "date")
    arm = study.patients.filter(pl.col("cohort") == PROSPECTIVE_COHORT)["patient_id"]
    for pid in arm.sort():
        if index.get(pid) is None or pid not in baseline:
            continue
        visits = [(r["date"], r["edss"]) for r in edss.filter(pl.col("patient_id") == pid)
                  .iter_rows(named=True)]
        dates = _dates(visits, baseline[pid])
        on_eye = str(rng.choice(["OD", "OS"])) if rng.random() < 0.25 else None
        eyes = {eye: (rng.normal(88, 8) - (15 if eye == on_eye else 0),
                      rng.normal(72, 5) - (8 if eye == on_eye else 0)) for eye in ("OD", "OS")}
        rows["mri"].append({"patient_id": pid, "date": index[pid] - dt.timedelta(days=30),
                            "new_enlarging_t2": None, "gd_enhancing": int(rng.poisson(0.8))})
        for k, (d, e) in enumerate(dates):
            rows["msfc"].append(_msfc(pid, d, e, rng))
            years = (d - dates[0][0]).days / DAYS_PER_YEAR
            for eye, (rnfl, gcipl) in eyes.items():
                rows["oct"].append({
                    "patient_id": pid, "date": d, "eye": eye,
                    "rnfl_um": round(float(rnfl - 0.6 * years + rng.normal(0, 1)), 1),
                    "gcipl_um": round(float(gcipl - 0.4 * years + rng.normal(0, 1)), 1),
                    "optic_neuritis": eye == on_eye})
            if k > 0:
                rows["mri"].append({"patient_id": pid, "date": d,
                                    "new_enlarging_t2": int(rng.poisson(0.3)),
                                    "gd_enhancing": int(rng.poisson(0.1))})
    out = {}
    for name, data in rows.items():
        schema = TABLES[name].stored_schema()
        out[name] = pl.DataFrame([{c: r.get(c) for c in schema} for r in data], schema=schema)
    return out

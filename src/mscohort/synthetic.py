"""Registry-scale synthetic cohorts in the canonical tables, for benchmarks and teaching.

:func:`make_synthetic_cohort` draws, per patient (all seeded, vectorised):

* sex (70 % female), birth 1940-1974, onset at age 18-45, phenotype RRMS 70 %, SPMS 20 %,
  PPMS 10 %, regular corticosteroids 5 %;
* EDSS visits every 120-240 days from 0-3 years after onset (4-24 visits): a random walk on
  the EDSS steps with a drift by phenotype, a bump of 0.5-1.5 at a visit 1-60 days after a
  relapse, and partial recovery afterwards;
* relapses at a Poisson rate by phenotype (RRMS 0.5, SPMS 0.2, PPMS 0.05 a year), at least
  30 days apart;
* one to three disease-modifying drugs in sequence with gaps, from 1995 on, each drawn among
  the drugs approved by its start date, and for 40 % an alemtuzumab regimen after the last
  (12 mg x 5 days, then 12 mg x 3 days 12 months later).

Every record is valid under mscohort's rules (dates before ``end``, EDSS on valid steps), so
the cohort imports cleanly; it is not calibrated to any publication (the seed's calibrated
example is a separate dataset).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl

from mscohort.errors import bad_argument
from mscohort.schema import EDSS_STEPS, TABLES
from mscohort.study import Study
from mscohort.units import DAYS_PER_YEAR

_STEPS = np.array([s for s in EDSS_STEPS if s < 10])  # 0 .. 9.5
#: Drugs and the year from which the cohort may receive them (first approvals for MS).
_DRUGS = np.array(["interferon beta", "glatiramer acetate", "natalizumab", "fingolimod",
                   "teriflunomide", "dimethyl fumarate"])
_APPROVED = np.array(["1993-07-23", "1996-12-20", "2004-11-23", "2010-09-21", "2012-09-12",
                      "2013-03-27"], dtype="datetime64[D]")


def _table(name: str, frame: pl.DataFrame) -> pl.DataFrame:
    schema = TABLES[name].stored_schema()
    missing = [pl.lit(None, dtype=t).alias(c) for c, t in schema.items() if c not in frame.columns]
    return frame.with_columns(missing).select(list(schema)).cast(pl.Schema(schema))


def make_synthetic_cohort(n_patients: int, seed: int = 0,
                          end: dt.date = dt.date(2025, 12, 31), *, first_id: int = 0) -> Study:
    """A cohort of ``n_patients`` in the canonical tables (see the module docstring), with
    patient ids ``S<first_id>`` onwards (zero-padded to 7 digits)."""
    if not isinstance(n_patients, int) or n_patients < 1:
        raise bad_argument("n_patients", "a whole number >= 1", n_patients)
    if not isinstance(first_id, int) or first_id < 0:
        raise bad_argument("first_id", "a whole number >= 0", first_id)
    rng = np.random.default_rng(seed)
    n = n_patients
    day = np.timedelta64(1, "D")
    end64 = np.datetime64(end, "D")
    ids = np.char.add("S", np.char.zfill(np.arange(first_id, first_id + n).astype(str), 7))
    birth = np.datetime64("1940-01-01") + rng.integers(0, 35 * 365, n) * day
    onset = birth + rng.integers(18 * 365, 45 * 365, n) * day
    phenotype = rng.choice(np.array(["RRMS", "SPMS", "PPMS"]), n, p=[0.7, 0.2, 0.1])
    drift = np.select([phenotype == "SPMS", phenotype == "PPMS"], [0.35, 0.45], 0.1)
    rate = np.select([phenotype == "SPMS", phenotype == "PPMS"], [0.2, 0.05], 0.5)
    # visits
    nv = rng.integers(4, 25, n)
    pid = np.repeat(np.arange(n), nv)
    first = np.r_[0, np.cumsum(nv)[:-1]]
    k = np.arange(pid.size) - np.repeat(first, nv)
    start = onset + rng.integers(0, 3 * 365, n) * day
    gaps = rng.integers(120, 241, pid.size)
    gaps[first] = 0
    offset = np.cumsum(gaps) - np.repeat(np.cumsum(gaps)[first], nv)
    vdate = start[pid] + offset * day
    # relapses: Poisson counts over the observed span, spaced >= 30 days
    span = (vdate[first + nv - 1] - start) / day + 1
    nr = rng.poisson(rate * span / DAYS_PER_YEAR)
    rp = np.repeat(np.arange(n), nr)
    rday = np.sort(rng.random(rp.size) * np.repeat(span, nr) + rp * 1e6) - rp * 1e6
    rday = np.floor(rday).astype(np.int64)
    rfirst = np.r_[0, np.cumsum(nr)[:-1]]
    prev = np.r_[-10**9, rday[:-1]]
    prev[rfirst[nr > 0]] = -10**9
    keep = rday - prev >= 30
    rp, rday = rp[keep], rday[keep]
    rdate = start[rp] + rday * day
    # EDSS: drifting random walk on step indices, with relapse bumps
    level0 = rng.integers(0, 9, n)
    steps = rng.normal(drift[pid] * np.minimum(k, 1), 0.8)
    walk = np.cumsum(np.where(k == 0, 0, steps)) - np.repeat(np.cumsum(np.where(
        k == 0, 0, steps))[first], nv)
    level = np.clip(np.round(level0[pid] + walk), 0, len(_STEPS) - 1).astype(np.int64)
    # a visit 1-60 days after a relapse gets a bump of 1-3 steps
    vday = (vdate - start[pid]) / day
    order = np.lexsort((rday, rp))
    rp_s, rday_s = rp[order], rday[order]
    key_r = rp_s * 10**6 + rday_s
    key_v = pid * 10**6 + vday.astype(np.int64)
    idx = np.searchsorted(key_r, key_v, side="right") - 1
    near = (idx >= 0) & (rp_s[np.clip(idx, 0, None)] == pid) & (
        key_v - key_r[np.clip(idx, 0, None)] <= 60) if rp_s.size else np.zeros(pid.size, bool)
    level = np.clip(level + near * rng.integers(1, 4, pid.size), 0, len(_STEPS) - 1)
    ok = vdate <= end64
    edss = pl.DataFrame({"patient_id": ids[pid][ok], "date": vdate[ok],
                         "edss": _STEPS[level][ok]})
    relapses = pl.DataFrame({"patient_id": ids[rp], "onset_date": rdate}).filter(
        pl.col("onset_date") <= end)
    # drugs in sequence, then maybe alemtuzumab
    nd = rng.integers(1, 4, n)
    dp = np.repeat(np.arange(n), nd)
    dfirst = np.r_[0, np.cumsum(nd)[:-1]]
    dur = rng.integers(180, 1500, dp.size)
    gap = rng.integers(0, 200, dp.size)
    dgap = dur + gap
    before = np.cumsum(dgap) - dgap  # the exposures and gaps before each one
    dstart_off = before - np.repeat(before[dfirst], nd)
    first_drug = np.maximum(start + rng.integers(0, 300, n) * day, np.datetime64("1995-01-01"))
    dstart = first_drug[dp] + dstart_off * day
    dstop = dstart + dur * day
    available = np.searchsorted(_APPROVED, dstart, side="right")  # drugs approved by then
    drug = _DRUGS[np.floor(rng.random(dp.size) * available).astype(np.int64)]
    dkeep = dstart <= end64
    treatments = pl.DataFrame({
        "patient_id": ids[dp][dkeep], "drug": drug[dkeep], "start_date": dstart[dkeep],
        "stop_date": np.where(dstop <= end64, dstop, np.datetime64("NaT", "D"))[dkeep],
    }).unique(["patient_id", "drug", "start_date"])
    last_stop = dstop[dfirst + nd - 1]
    ale = (rng.random(n) < 0.4) & (last_stop + 400 * day <= end64)
    ap = np.flatnonzero(ale)
    course1 = last_stop[ap] + 30 * day
    inf_p = np.r_[np.repeat(ap, 5), np.repeat(ap, 3)]
    inf_d = np.r_[np.repeat(course1, 5) + np.tile(np.arange(5), ap.size) * day,
                  np.repeat(course1 + 365 * day, 3) + np.tile(np.arange(3), ap.size) * day]
    infusions = pl.DataFrame({"patient_id": ids[inf_p], "drug": "alemtuzumab",
                              "date": inf_d, "dose_mg": 12.0})
    patients = pl.DataFrame({
        "patient_id": ids, "sex": rng.choice(np.array(["F", "M"]), n, p=[0.7, 0.3]),
        "birth_date": birth, "birth_date_precision": "day", "onset_date": onset,
        "onset_date_precision": "day", "phenotype": phenotype,
        "regular_corticosteroids": rng.random(n) < 0.05,
    })
    return Study({"patients": _table("patients", patients), "edss": _table("edss", edss),
                  "relapses": _table("relapses", relapses),
                  "treatments": _table("treatments", treatments),
                  "infusions": _table("infusions", infusions)})


def write_study_folder(study: Study, folder: str | Path) -> list[Path]:
    """Write each non-empty table as ``<table>.csv`` (canonical columns, ISO dates)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in TABLES:
        frame = study.table(name)
        if frame.height == 0:
            continue
        cols = [c for c in frame.columns if not c.endswith("_precision")
                and frame[c].null_count() < frame.height]
        path = folder / f"{name}.csv"
        frame.select(cols).write_csv(path)
        written.append(path)
    return written


# -- a registry-scale cohort written a batch of patients at a time (issue #23) -------------
# ``mscohort synth --patients 3000000`` holds one batch in memory, not the cohort. Batch
# ``k`` (patients ``k * batch_patients`` onwards) is make_synthetic_cohort with its own seed:
# batch 0 uses ``seed`` itself, so a cohort of at most one batch is exactly the cohort of
# make_synthetic_cohort (and of write_study_folder); batch ``k > 0`` uses the first word of
# ``numpy.random.SeedSequence((seed, k))``. Each batch's rows are appended to the table's
# CSV file: the files hold the patients in id order, each patient's records together.

#: Patients generated and written at a time (about 0.4 GB of memory).
BATCH_PATIENTS = 100_000


def batch_seed(seed: int, k: int) -> int:
    """The seed of batch ``k``: ``seed`` for the first, then from ``SeedSequence``."""
    if k == 0:
        return seed
    return int(np.random.SeedSequence((seed, k)).generate_state(1)[0])


def write_synthetic_folder(n_patients: int, folder: str | Path, seed: int = 0, *,
                           batch_patients: int = BATCH_PATIENTS,
                           progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Write a synthetic cohort of ``n_patients`` as ``<table>.csv`` files in ``folder``,
    ``batch_patients`` at a time; returns the rows written per table. ``progress`` is told
    the patients written so far after each batch."""
    if not isinstance(n_patients, int) or n_patients < 1:
        raise bad_argument("n_patients", "a whole number >= 1", n_patients)
    if not isinstance(batch_patients, int) or batch_patients < 1:
        raise bad_argument("batch_patients", "a whole number >= 1", batch_patients)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    columns: dict[str, list[str]] = {}
    rows = dict.fromkeys(TABLES, 0)
    for k, first in enumerate(range(0, n_patients, batch_patients)):
        size = min(batch_patients, n_patients - first)
        study = make_synthetic_cohort(size, seed=batch_seed(seed, k), first_id=first)
        for name in TABLES:
            frame = study.table(name)
            if frame.height == 0:
                continue
            if name not in columns:  # as write_study_folder chooses them, from the first rows
                columns[name] = [c for c in frame.columns if not c.endswith("_precision")
                                 and frame[c].null_count() < frame.height]
            left_out = [c for c in frame.columns if c not in columns[name]
                        and not c.endswith("_precision") and frame[c].null_count() < frame.height]
            if left_out:  # pragma: no cover - a generator change
                raise RuntimeError(f"batch {k} of {name} has values in {left_out}, which the "
                                   "first rows left out of the file")
            with (folder / f"{name}.csv").open("ab" if rows[name] else "wb") as out:
                frame.select(columns[name]).write_csv(out, include_header=rows[name] == 0)
            rows[name] += frame.height
        if progress is not None:
            progress(first + size)
    return {name: n for name, n in rows.items() if n}


def make_model_cohort(n_patients: int, seed: int = 0, *, slope_before: float = 0.15,
                      slope_change: float = -0.3, rate_before: float = 0.8,
                      rate_ratio: float = 0.3, dispersion: float = 0.5,
                      visits: tuple[int, int] = (6, 12)) -> Study:
    """A cohort with a known truth for the models of ``mscohort.analyse.models``.

    Every patient starts alemtuzumab (12 mg x 5 days; the index date) between 2008 and
    2015, with disease onset 5-15 years before it. EDSS at ``visits`` (low, high) visits,
    uniform from 3 years before to 4 years after the index date (one at most 300 days before
    it), follows the piecewise mixed model
    ``3.5 + u0 + (slope_before + u1) t + slope_change max(t, 0) + e`` (t in years since the
    index date; u0 ~ N(0, 1), u1 ~ N(0, 0.15^2), e ~ N(0, 0.5^2)), rounded to the nearest
    EDSS step and kept within 0-9.5 (rounding a normal of SD 0.5 to steps of 0.5 is unbiased
    to 1e-8; Sheppard 1898). Relapses are Poisson with a gamma frailty of variance
    ``dispersion`` shared by both periods (so the counts are negative binomial with
    alpha = ``dispersion``), at ``rate_before`` a year over the 2 years before the index date
    and ``rate_before * rate_ratio`` from the day after it to the last EDSS.
    """
    if not isinstance(n_patients, int) or n_patients < 1:
        raise bad_argument("n_patients", "a whole number >= 1", n_patients)
    if not dispersion > 0 or not rate_before > 0 or not rate_ratio > 0:
        raise bad_argument("dispersion, rate_before and rate_ratio", "numbers > 0",
                           (dispersion, rate_before, rate_ratio))
    rng = np.random.default_rng(seed)
    n, day = n_patients, np.timedelta64(1, "D")
    ids = np.char.add("M", np.char.zfill(np.arange(n).astype(str), 6))
    index = np.datetime64("2008-01-01") + rng.integers(0, 8 * 365, n) * day
    onset = index - rng.integers(5 * 365, 15 * 365, n) * day
    birth = onset - rng.integers(18 * 365, 45 * 365, n) * day
    # visits: one within 300 days before the index date (the baseline), the rest uniform
    nv = rng.integers(visits[0], visits[1] + 1, n)
    pid = np.repeat(np.arange(n), nv)
    first = np.r_[0, np.cumsum(nv)[:-1]]
    vday = rng.integers(-3 * 365, 4 * 365, pid.size)
    vday[first] = -rng.integers(1, 300, n)
    _, keep = np.unique(pid * 10**5 + vday, return_index=True)  # one visit a day
    pid, vday = pid[keep], vday[keep]
    t = vday / DAYS_PER_YEAR
    u0, u1 = rng.normal(0, 1, n), rng.normal(0, 0.15, n)
    latent = (3.5 + u0[pid] + (slope_before + u1[pid]) * t + slope_change * np.maximum(t, 0)
              + rng.normal(0, 0.5, pid.size))
    edss = np.clip(np.round(latent * 2) / 2, 0, 9.5)
    last = np.maximum.reduceat(vday, np.r_[0, np.flatnonzero(np.diff(pid)) + 1])
    # relapses: gamma frailty (mean 1, variance dispersion), Poisson in each period
    frailty = rng.gamma(1 / dispersion, dispersion, n)
    years_after = np.maximum(last, 0) / DAYS_PER_YEAR
    n_before = rng.poisson(rate_before * frailty * 730 / DAYS_PER_YEAR)
    n_after = rng.poisson(rate_before * rate_ratio * frailty * years_after)
    rb = np.repeat(np.arange(n), n_before)
    ra = np.repeat(np.arange(n), n_after)
    rday = np.r_[-rng.integers(1, 731, rb.size),
                 1 + np.floor(rng.random(ra.size) * np.repeat(np.maximum(last, 1), n_after)
                              ).astype(np.int64)]
    rp = np.r_[rb, ra]
    rday = np.minimum(rday, np.maximum(last[rp], rday.clip(max=0)))
    inf_p = np.repeat(np.arange(n), 5)
    patients = pl.DataFrame({
        "patient_id": ids, "sex": rng.choice(np.array(["F", "M"]), n, p=[0.7, 0.3]),
        "birth_date": birth, "birth_date_precision": "day", "onset_date": onset,
        "onset_date_precision": "day", "phenotype": "RRMS",
        "regular_corticosteroids": False,
        "cohort": rng.choice(np.array(["A", "B"]), n)})
    return Study({
        "patients": _table("patients", patients),
        "edss": _table("edss", pl.DataFrame({"patient_id": ids[pid],
                                             "date": index[pid] + vday * day, "edss": edss})),
        "relapses": _table("relapses", pl.DataFrame({"patient_id": ids[rp],
                                                     "onset_date": index[rp] + rday * day})),
        "infusions": _table("infusions", pl.DataFrame({
            "patient_id": ids[inf_p], "drug": "alemtuzumab",
            "date": index[inf_p] + np.tile(np.arange(5), n) * day, "dose_mg": 12.0}))})

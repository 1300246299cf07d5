"""Calibrate a synthetic cohort to published tables, and the bundled seed study.

>>> result = calibrate(SEED / "published.toml", SEED / "design.toml")   # doctest: +SKIP
>>> result.comparison.filter(~pl.col("match"))                         # the residuals
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import numpy as np
import polars as pl

from mscohort.analyse.study import StudyAnalysis, analyse_study
from mscohort.calibrate.conflicts import Conflict, load_conflicts, member_numbers, verdict
from mscohort.calibrate.design import Design, load_design
from mscohort.calibrate.fit import (
    LIGHT,
    MEASURES,
    STEPS,
    Bounds,
    Model,
    Patients,
    anneal,
    targets_for,
)
from mscohort.calibrate.published import compare, load_published
from mscohort.calibrate.records import build_records
from mscohort.calibrate.repair import repair
from mscohort.calibrate.secondary_records import secondary_records
from mscohort.definition import StudyDefinition, load_definition
from mscohort.ingest import read_study
from mscohort.study import Study
from mscohort.synthetic import write_study_folder
from mscohort.validate import load_study

SEED = Path(str(files("mscohort") / "datasets" / "seed"))
#: the protocol repair's rounds and neighbourhood size (the patient and 20 of their cohort)
PROTOCOL_ROUNDS, PROTOCOL_SIZE = 2, 21


@dataclass(frozen=True)
class Calibration:
    study: Study
    analysis: StudyAnalysis
    comparison: pl.DataFrame  #: every published number against the analysis (``match``)
    cost: float  #: the fit's final cost (0: every target printed alike)
    conflicts: tuple[Conflict, ...] = ()  #: the proved conflicts the fit was told of


def _start(design: Design, members: np.ndarray, rng: np.random.Generator,
           unit_days: float) -> tuple[Patients, Bounds]:
    profiles = design.patients()
    n = len(profiles)
    lo = np.array([round(design.cohorts[p.cohort].followup_lunar_months[0] * 28)
                   for p in profiles])
    hi = np.array([round(design.cohorts[p.cohort].followup_lunar_months[1] * 28 + 13)
                   for p in profiles])
    base = rng.integers(6, 14, n)
    p = Patients(age=rng.integers(35, 60, n), followup_days=rng.integers(lo, hi + 1),
                 base_step=base, last_step=np.clip(base + rng.integers(-3, 2, n), 0,
                                                   STEPS.size - 1),
                 duration=rng.integers(3, 15, n), end_offset_days=rng.integers(0, 91, n))
    return p, Bounds((lo, hi), base_step=_screening_steps(design))


def _screening_steps(design: Design) -> tuple[np.ndarray, np.ndarray]:
    """Each patient's lowest and highest baseline EDSS step: their cohort's screening EDSS
    range, every step for its declared deviations and in a cohort without one."""
    profiles = design.patients()
    low = np.zeros(len(profiles), dtype=np.int64)
    high = np.full(len(profiles), STEPS.size - 1, dtype=np.int64)
    for i, p in enumerate(profiles):
        c = design.cohorts[p.cohort]
        if c.screening_edss is not None and i + 1 not in c.screening_edss_deviations:
            low[i] = np.searchsorted(STEPS, c.screening_edss[0] - 1e-9)
            high[i] = np.searchsorted(STEPS, c.screening_edss[1] + 1e-9) - 1
    return low, high


def calibrate(published: str | Path = SEED / "published.toml",
              design_path: str | Path = SEED / "design.toml",
              definition: str | Path | StudyDefinition = SEED / "study.toml",
              steps: int = 8_000_000, t_start: float = 3.0,
              conflicts: str | Path | None = SEED / "conflicts.toml",
              repair_rounds: int = 1,
              progress: Callable[[str], None] | None = None) -> Calibration:
    """Fit a cohort to the published cells; analyse it with ``definition`` and compare.

    The members of the proved ``conflicts`` (:mod:`mscohort.calibrate.conflicts`; None:
    none) weigh little in the fit, so it meets every other published number first; then
    the members are annealed at a low temperature and the numbers still missed repaired
    by :func:`mscohort.calibrate.repair.repair` (``repair_rounds`` neighbourhoods each;
    needs OR-Tools, the ``exact`` extra), then the protocol's screening EDSS is imposed by
    the same repair (0 rounds: a draft, with neither). ``progress`` is told of each
    stage."""
    def say(message: str) -> None:
        if progress is not None:
            progress(message)

    cells = load_published(published)
    proved = load_conflicts(conflicts, cells) if conflicts is not None else ()
    design = load_design(design_path)
    d = definition if isinstance(definition, StudyDefinition) else load_definition(definition)
    groups = design.groups
    profiles = design.patients()
    members = np.array([[g in p.member_of or g == f"by follow-up cohort/{p.cohort}"
                         for p in profiles] for g in groups])
    rng = np.random.default_rng(design.seed)
    p, bounds = _start(design, members, rng, d.unit_days)
    targets = targets_for(cells, groups, member_numbers(proved))
    model = Model(targets, members, design.interim_date, design.baseline_days_before_index,
                  d.unit_days)
    # ages, follow-up and EDSS to their targets first, then everything
    first = Model([t for t in targets if MEASURES[t.measure] not in ("baseline MSSS",
                                                                      "change MSSS")],
                  members, design.interim_date, design.baseline_days_before_index,
                  d.unit_days)
    # the fit runs free of the protocol's screening EDSS, which the repair then imposes
    free = dataclasses.replace(bounds, base_step=None)
    say("annealing: age, follow-up and EDSS")
    anneal(first, p, free, rng, steps=steps // 4, t_start=5.0, t_end=0.01,
           moves=("age", "follow-up", "baseline EDSS", "follow-up EDSS", "both EDSS"))
    say("annealing: every published number (members of a proved conflict weigh little)")
    cost = anneal(model, p, free, rng, steps=steps, t_start=t_start, t_end=0.01)
    if proved:
        # the members, once the others are met: a temperature at which a miss of another
        # number (at least 0.45) is never accepted, a member's printed digit (LIGHT) is
        say("annealing: the members of the proved conflicts")
        cost = anneal(model, p, free, rng, steps=steps // 4, t_start=20 * LIGHT,
                      t_end=0.2 * LIGHT)
        say("repair: CP-SAT on neighbourhoods of the numbers still missed")
        repair(model, p, free, rng, rounds=repair_rounds, members=False, progress=say)
    low, high = bounds.base_steps(p.age.size)
    if repair_rounds == 0:
        say("no repair: a draft; the protocol's screening EDSS is not imposed")
    elif ((p.base_step < low) | (p.base_step > high)).any():
        # the protocol's screening EDSS (design.toml): a patient the fit left outside it
        # is brought inside by CP-SAT with a neighbourhood of their cohort, every number
        # met kept, the onset month among the choices (a year of disease gained or not)
        say("repair: the screening EDSS of the protocol")
        light = np.array([t.weight < 1 for t in model.targets])
        before = int((model.errors(model.values(p))[light] > 0).sum())
        repair(model, p, bounds, rng, rounds=PROTOCOL_ROUNDS, size=PROTOCOL_SIZE,
               deterministic_time=60.0, members=False, step_radius=2, year_radius=5,
               onsets=True, progress=say)
        if proved:
            # the conflicts' members the bound cost, sought again inside it until as few
            # are missed as before it
            say("repair: the members of the proved conflicts, inside the screening EDSS")
            repair(model, p, bounds, rng, rounds=1, members=True, onsets=True,
                   until=before, progress=say)
    cost = float(model.errors(model.values(p)).sum())
    say("records, analysis and comparison")
    records = build_records(design, model, p)
    # MSFC, OCT and MRI (not calibrated) follow from the records as read back
    records = Study(records.tables | secondary_records(_read_back(records), d,
                                                       design.seed + 2))
    study = _read_back(records)
    analysis = analyse_study(study, d)
    return Calibration(records, analysis, compare(analysis.tables, cells), cost, proved)


def _read_back(records: Study) -> Study:
    """The records as a user's analysis reads them: written, read and validated."""
    with tempfile.TemporaryDirectory() as tmp:
        write_study_folder(records, tmp)
        return load_study(read_study(tmp))


RESIDUALS_START = "<!-- residuals: written by mscohort calibrate -->"
RESIDUALS_END = "<!-- /residuals -->"


def residuals(comparison: pl.DataFrame, conflicts: tuple[Conflict, ...]) -> pl.DataFrame:
    """The published numbers the cohort misses, each with its ``verdict``: the proved
    conflicts it is a member of (:func:`mscohort.calibrate.conflicts.verdict`)."""
    misses = comparison.filter(~pl.col("match"))
    return misses.with_columns(pl.Series("verdict", [
        verdict((r["table"], r["group"], r["measure"], r["stat"]), conflicts)
        for r in misses.iter_rows(named=True)], dtype=pl.String))


def residual_table(comparison: pl.DataFrame, conflicts: tuple[Conflict, ...] = ()) -> str:
    """The Markdown table of the residuals, each with its distance in printed units and
    its verdict."""
    lines = ["| table | group | measure | stat | published | cohort | off by (last printed "
             "digits) | verdict |", "|---|---|---|---|---|---|---|---|"]
    for r in residuals(comparison, conflicts).iter_rows(named=True):
        digits = len(r["published"].split(".")[1]) if "." in r["published"] else 0
        off = abs(float(r["ours"]) - float(r["published"])) * 10 ** digits
        lines.append(f"| {r['table']} | {r['group']} | {r['measure']} | {r['stat']} | "
                     f"{r['published']} | {r['ours']} | {off:.0f} | {r['verdict']} |")
    return "\n".join(lines)


def write_seed_study(result: Calibration, folder: str | Path) -> list[Path]:
    """The study's CSV files, ``residuals.csv`` (every published number that the cohort
    does not reproduce at printed precision) and, when the folder has a README.md with the
    residual markers, its residual table."""
    folder = Path(folder)
    written = write_study_folder(result.study, folder)
    listed = folder / "residuals.csv"
    residuals(result.comparison, result.conflicts).write_csv(listed)
    readme = folder / "README.md"
    if readme.exists() and RESIDUALS_START in (text := readme.read_text()):
        head, rest = text.split(RESIDUALS_START, 1)
        tail = rest.split(RESIDUALS_END, 1)[1]
        readme.write_text(f"{head}{RESIDUALS_START}\n"
                          f"{residual_table(result.comparison, result.conflicts)}\n"
                          f"{RESIDUALS_END}{tail}")
    return [*written, listed]

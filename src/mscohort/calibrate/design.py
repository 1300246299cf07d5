"""A calibration design: cohorts and patient profiles (``datasets/seed/design.toml``).

A profile is a group of patients who share a cohort, a drug history (placeholders such as
``IFN`` drawn from the design's drug lists; start and stop in days before the index date) and
so their memberships of the published groups ("table/group").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from mscohort.errors import UsageError, bad_usage, read_toml


@dataclass(frozen=True)
class Cohort:
    name: str  #: the follow-up cohort group of the published tables
    label: str  #: the ``cohort`` column of the records
    followup_lunar_months: tuple[float, float]
    regimens: tuple[str, ...]
    min_courses: int
    relapses_per_year_before: float
    relapses_per_year_after: float
    #: the arm asks for a relapse on therapy in the two years before the index date (the
    #: records put one there: :mod:`mscohort.calibrate.protocol_records`)
    relapse_on_therapy: bool = False
    #: the arm's screening EDSS range (the protocol's "EDSS 3-7"): every patient's baseline
    #: EDSS is fitted inside it (None: any step) ...
    screening_edss: tuple[float, float] | None = None
    #: ... except these patients (numbers in the design's order, 1-based, as the records'
    #: ids): deviations the published numbers force, declared in the study definition
    screening_edss_deviations: tuple[int, ...] = ()


@dataclass(frozen=True)
class Profile:
    name: str
    cohort: str
    count: int
    member_of: tuple[str, ...]
    history: tuple[tuple[str, int, int], ...]


@dataclass(frozen=True)
class Design:
    interim_date: dt.date
    baseline_days_before_index: int
    visit_every_days: int
    seed: int
    cohorts: dict[str, Cohort]
    drugs: dict[str, tuple[str, ...]]
    profiles: tuple[Profile, ...]

    @property
    def groups(self) -> list[str]:
        """Every "table/group" a patient can belong to: the cohorts and the profiles'."""
        out = [f"by follow-up cohort/{c}" for c in self.cohorts]
        for p in self.profiles:
            out += [g for g in p.member_of if g not in out]
        return out

    def patients(self) -> list[Profile]:
        """One profile per patient, in order."""
        return [p for p in self.profiles for _ in range(p.count)]


def _pair(value: object) -> tuple[float, float] | None:
    if value is None:
        return None
    low, high = list(value)  # type: ignore[call-overload]
    return float(low), float(high)


def load_design(path: str | Path) -> Design:
    path = Path(path)
    raw = read_toml(path, "calibration design")
    try:
        study = raw["study"]
        cohorts = {name: Cohort(name, c["label"], tuple(c["followup_lunar_months"]),
                                tuple(c["regimens"]), int(c["min_courses"]),
                                float(c["relapses_per_year_before"]),
                                float(c["relapses_per_year_after"]),
                                bool(c.get("relapse_on_therapy", False)),
                                _pair(c.get("screening_edss")),
                                tuple(int(k) for k in c.get("screening_edss_deviations", ())))
                   for name, c in raw["cohorts"].items()}
        drugs = {k: tuple(v) for k, v in raw["drugs"].items()}
        profiles = tuple(
            Profile(p["name"], p["cohort"], int(p["count"]), tuple(p["member_of"]),
                    tuple((str(d), int(a), int(b)) for d, a, b in p["history"]))
            for p in raw["profile"])
        design = Design(dt.date.fromisoformat(study["interim_date"]),
                        int(study["baseline_days_before_index"]),
                        int(study["visit_every_days"]), int(study["seed"]), cohorts, drugs,
                        profiles)
    except (KeyError, TypeError, ValueError) as exc:
        raise UsageError(f"calibration design {path}: missing or malformed {exc}.") from None
    for c in cohorts.values():
        if c.screening_edss is not None and not c.screening_edss[0] <= c.screening_edss[1]:
            raise bad_usage(f"cohort {c.name!r}: screening_edss", "[lowest, highest] EDSS",
                            list(c.screening_edss), where=f"calibration design {path}")
    for p in profiles:
        if p.cohort not in cohorts:
            raise UsageError(f"calibration design {path}: profile {p.name!r} names the cohort "
                             f"{p.cohort!r}; the cohorts are {', '.join(cohorts)}.")
        for drug, start, stop in p.history:
            if drug not in drugs or start <= stop:
                raise bad_usage(f"profile {p.name!r}: history entry",
                                f"[drug list, start, stop] with a drug list of "
                                f"{', '.join(drugs)} and start before it stops",
                                [drug, start, stop], where=f"calibration design {path}")
    return design

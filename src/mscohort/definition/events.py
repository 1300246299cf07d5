"""The ``[events]`` section of a study definition: how confirmed disability worsening is
detected for the study's outcomes (time to first CDW, NEDA-3, milestones, the patient
timeline and the methods paragraph).

::

    [events]
    preset = "msprog"          # msprog, clinical_trial, observational, kappos2020(_strict),
                               # muller2023
    conf_days = 168            # then any option of `mscohort events`, by its snake_case name
    relapse_to_conf = [30, 0]  # pairs as [after, before]
    relapse_indep = { prec = [0, 0], event = [90, 30], conf = [90, 30], prec_type = "baseline" }

The allowed values of the event options are declared here, once, and used both by this parser
and by :class:`mscohort.derive.events.settings.EventSettings`; each option's meaning and
source: ``docs/events/options.md``. The settings object itself is built in the derive stage
(:func:`mscohort.derive.events.presets.study_event_settings`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TypeGuard

from mscohort.errors import bad_usage

#: Which events are reported (msprog's ``event``).
EVENTS = ("firstCDW", "firstCDI", "first", "firstPIRA", "firstRAW", "multiple")
#: When the reference moves (msprog's ``baseline``).
BASELINES = ("fixed", "roving_impr", "roving_wors", "roving")
PROCEED = ("firstconf", "event")
SUB_THRESHOLD = ("none", "event", "improvement", "worsening")
SKIP = ("none", "strict", "all")
PREC_TYPES = ("baseline", "last", "last_delta")
#: Named thresholds of a clinically meaningful change (the ``delta`` of msprog).
DELTAS = ("edss", "edss_5.5", "relative_20", "sdmt")
#: Names of the cited presets (:data:`mscohort.derive.events.presets.PRESETS`).
PRESET_NAMES = ("msprog", "clinical_trial", "observational", "kappos2020", "kappos2020_strict",
                "muller2023")
#: Events a study may use: its outcome is confirmed worsening, so not ``firstCDI``.
STUDY_EVENTS = tuple(e for e in EVENTS if e != "firstCDI")
#: Thresholds defined on the EDSS (the study's events are EDSS events).
EDSS_DELTAS = ("edss", "edss_5.5")

#: Each option of ``[events]`` and the kind of value it takes (a tuple: one of those values).
EVENT_OPTIONS: dict[str, str | tuple[str, ...]] = {
    "event": STUDY_EVENTS, "baseline": BASELINES, "proceed_from": PROCEED,
    "sub_threshold_rebl": SUB_THRESHOLD, "skip_local_extrema": SKIP, "delta": EDSS_DELTAS,
    "raw_pira": "bool", "bl_geq": "bool", "relapse_rebl": "bool",
    "check_intermediate": "bool", "msprog_compat": "bool", "relapse_end_dates": "bool",
    "conf_days": "days_list", "conf_tol_days": "pair", "require_sust_days": "days",
    "relapse_to_bl": "pair", "relapse_to_event": "pair", "relapse_to_conf": "pair",
    "relapse_assoc": "pair", "relapse_indep": "indep", "impute_last_visit": "days",
}
KIND_TEXT = {
    "bool": "true or false",
    "days": "a number >= 0 (inf allowed)",
    "days_list": "a number of days > 0 or a list of them",
    "pair": "a pair [after, before] of days >= 0 (or one number)",
    "indep": "a table with prec, event, conf (pairs; \"none\" for an open end) and prec_type",
}


@dataclass(frozen=True)
class EventOptions:
    """The study's event settings as written: a preset and the options changed from it."""

    preset: str = "msprog"
    options: dict[str, object] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {"preset": self.preset, **self.options}


def _is_number(v: object) -> TypeGuard[float]:
    return isinstance(v, int | float) and not isinstance(v, bool) and not math.isnan(v)


def _pair(v: object, allow_none: bool = False) -> tuple[float | None, float | None] | None:
    items = [v] if _is_number(v) else v if isinstance(v, list) else None
    if items is None or not 1 <= len(items) <= 2:
        return None
    out: list[float | None] = []
    for x in items:
        if allow_none and x == "none":
            out.append(None)
        elif _is_number(x) and x >= 0:
            out.append(float(x))
        else:
            return None
    return (out[0], out[1] if len(out) == 2 else 0.0)


def _value(name: str, kind: str | tuple[str, ...], v: object) -> object:
    """The option's value as :class:`EventSettings` takes it; ValueError when wrong."""
    if isinstance(kind, tuple):
        if v not in kind:
            raise ValueError(f"one of {', '.join(kind)}")
        return v
    if kind == "bool":
        if not isinstance(v, bool):
            raise ValueError(KIND_TEXT[kind])
        return v
    if kind == "days":
        if not _is_number(v) or v < 0:
            raise ValueError(KIND_TEXT[kind])
        return float(v)
    if kind == "days_list":
        items = v if isinstance(v, list) else [v]
        days = [x for x in items if _is_number(x) and x > 0 and not math.isinf(x)]
        if not items or len(days) < len(items):
            raise ValueError(KIND_TEXT[kind])
        return tuple(float(x) for x in days)
    if kind == "pair":
        pair = _pair(v)
        if pair is None:
            raise ValueError(KIND_TEXT[kind])
        if name == "conf_tol_days" and not isinstance(v, list):
            return (pair[0], pair[0])  # one number: the same tolerance either side
        return pair
    if not isinstance(v, dict) or set(v) - {"prec", "event", "conf", "prec_type"}:
        raise ValueError(KIND_TEXT["indep"])
    out: dict[str, object] = {}
    for k, w in v.items():
        if k == "prec_type":
            if w not in PREC_TYPES:
                raise ValueError(f"prec_type one of {', '.join(PREC_TYPES)}")
            out[k] = w
        else:
            pair = _pair(w, allow_none=True)
            if pair is None:
                raise ValueError(KIND_TEXT["indep"])
            out[k] = pair
    return out


def parse_events(raw: object, where: str, errors: list[str]) -> EventOptions:
    """The ``[events]`` section; every wrong key or value is appended to ``errors`` (the
    message names the key and the allowed values)."""
    if not isinstance(raw, dict):
        errors.append(str(bad_usage("[events]", "a table of settings", raw, where=where)))
        return EventOptions()
    preset = raw.get("preset", "msprog")
    if preset not in PRESET_NAMES:
        errors.append(str(bad_usage("events.preset", f"one of {', '.join(PRESET_NAMES)}",
                                    preset, where=where)))
        preset = "msprog"
    options: dict[str, object] = {}
    for name, value in raw.items():
        if name == "preset":
            continue
        kind = EVENT_OPTIONS.get(name)
        if kind is None:
            errors.append(f"{where}: [events] has unknown key {name}; allowed: preset, "
                          f"{', '.join(sorted(EVENT_OPTIONS))}.")
            continue
        try:
            options[name] = _value(name, kind, value)
        except ValueError as exc:
            errors.append(str(bad_usage(f"events.{name}", str(exc), value, where=where)))
    return EventOptions(str(preset), options)

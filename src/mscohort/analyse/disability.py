"""Confirmed disability events of a set of visits, as ``mscohort events`` runs them: the
settings from a cited preset and the options changed from it, the events, and the times to
confirmed milestones (docs/events/).

The CLI only parses its options and prints; the settings and every clinical step are here
and in :mod:`mscohort.derive.events`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import polars as pl

from mscohort.derive.events import (
    PRESETS,
    EventResult,
    EventSettings,
    RelapseIndependence,
    detect_events,
    milestone_times,
)
from mscohort.errors import bad_argument

#: The outcomes ``mscohort events`` detects events on; the non-EDSS ones default to a 20%
#: relative change (``delta = relative_20``; Kappos 2020 for T25FW and 9HPT).
OUTCOMES = ("edss", "t25fw", "nhpt")


def event_settings(preset: str = "msprog", changes: Mapping[str, object] | None = None,
                   outcome: str = "edss",
                   relapse_indep: Mapping[str, Any] | None = None) -> EventSettings:
    """The preset ``preset`` with ``changes`` (msprog's option names), named after both
    (e.g. "msprog, conf_days=168"); for ``outcome`` t25fw or nhpt the change threshold
    defaults to ``relative_20``. ``relapse_indep``: the PIRA windows as a dict of
    :class:`~mscohort.derive.events.RelapseIndependence`'s fields."""
    if preset not in PRESETS:
        raise bad_argument("preset", f"one of {', '.join(PRESETS)}", preset)
    if outcome not in OUTCOMES:
        raise bad_argument("outcome", f"one of {', '.join(OUTCOMES)}", outcome)
    options = dict(changes or {})
    if relapse_indep is not None:
        options["relapse_indep"] = replace(RelapseIndependence(), **relapse_indep)
    if outcome != "edss":
        options |= {"outcome": outcome, "delta": options.get("delta") or "relative_20"}
    settings = PRESETS[preset].with_(**options)
    return settings.with_(name=settings.label(PRESETS[preset]))


@dataclass(frozen=True)
class EventRun:
    """The events of one run, its settings, and the milestone times asked for."""

    settings: EventSettings
    result: EventResult  #: events, per-patient summary, methods() and explain()
    milestones: pl.DataFrame | None = None  #: one row per patient and milestone

    def methods(self) -> str:
        return self.result.methods()


def run_events(visits: pl.DataFrame, relapses: pl.DataFrame | None, settings: EventSettings,
               value: str = "edss", milestones: Sequence[float] = ()) -> EventRun:
    """Events of ``visits`` (column ``value``) with ``relapses`` under ``settings``, and
    the time to each confirmed ``milestones`` value."""
    result = detect_events(visits, relapses, settings, value=value)
    times = (pl.concat([milestone_times(visits, relapses, m, settings, value=value)
                        for m in milestones]) if milestones else None)
    return EventRun(settings, result, times)

"""Disability events: confirmed worsening (CDW) and improvement (CDI), PIRA and RAW."""

from mscohort.derive.events.milestones import milestone_times
from mscohort.derive.events.presets import PRESETS
from mscohort.derive.events.result import EventResult, detect_events
from mscohort.derive.events.settings import EventSettings, RelapseIndependence

__all__ = ["PRESETS", "EventResult", "EventSettings", "RelapseIndependence", "detect_events",
           "milestone_times"]

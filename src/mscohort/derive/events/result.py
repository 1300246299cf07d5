"""The event detection's entry point and its result: :func:`detect_events` prepares the
visits (:func:`mscohort.derive.events.detect.prepare`), runs the compiled scan and returns an
:class:`EventResult` that writes its methods paragraph and explains each patient's scan.

Kept apart from :mod:`mscohort.derive.events.detect` (the preparation and the scan) so that
the explanation, which re-runs the scan with a trace, imports the scan one-way.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from mscohort.derive.events.detect import (
    build_events,
    build_summary,
    build_unconfirmed,
    prepare,
    relapse_cut,
    run_scan,
)
from mscohort.derive.events.explain import explain_patient
from mscohort.derive.events.methods import methods_text
from mscohort.derive.events.settings import EventSettings


@dataclass(frozen=True)
class EventResult:
    """Events (one row each), per-patient summary, unconfirmed changes, and the settings."""

    events: pl.DataFrame
    summary: pl.DataFrame
    unconfirmed: pl.DataFrame
    settings: EventSettings
    value: str
    n_dropped: int
    visits: pl.DataFrame
    relapses: pl.DataFrame | None

    def methods(self) -> str:
        """The methods paragraph of a paper, stating every criterion applied."""
        return methods_text(self.settings, self.value)

    def explain(self, patient_id: str) -> str:
        """Why each event of one patient is an event: visits, relapses, baseline moves and
        confirmations, step by step."""
        return explain_patient(self, patient_id)


def detect_events(visits: pl.DataFrame, relapses: pl.DataFrame | None = None,
                  settings: EventSettings | None = None, *, value: str = "edss"
                  ) -> EventResult:
    """Confirmed disability events of every patient.

    Parameters
    ----------
    visits
        One row per assessment: ``patient_id``, ``date`` and the ``value`` column
        (e.g. ``edss``); optionally ``validconf`` (False: the visit may not confirm).
        Rows with a missing value are left out (counted in ``n_dropped``); two assessments
        of one patient on one day are an error.
    relapses
        ``patient_id`` and ``onset_date`` (or ``date``) of each relapse.
    settings
        An :class:`EventSettings` (msprog's defaults when omitted); see the presets.

    References
    ----------
    Montobbio N et al. Mult Scler 2024, doi:10.1177/13524585241243157 (msprog); Kappos L et
    al. JAMA Neurol 2020;77:1132-1140; Müller J et al. JAMA Neurol 2023 (harmonised PIRA).
    """
    settings = settings or EventSettings()
    prep = prepare(visits, relapses, value, relapse_cut(settings, settings.relapse_to_bl),
                   end_dates=settings.relapse_end_dates)
    raw = run_scan(prep, settings)
    events = build_events(prep, raw, settings)
    return EventResult(events, build_summary(prep, events, raw[0][:, 0]),
                       build_unconfirmed(prep, raw),
                       settings, value, prep.n_dropped, visits, relapses)



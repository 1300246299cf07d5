"""Confirmed disability events of a cohort too large for memory, a batch of patients at a
time (issue #23: ``mscohort events --db`` for 3 million patients within 8 GB).

Every event rule of :mod:`mscohort.derive.events` looks at one patient's assessments and
relapses only, so the events of a batch of whole patients are the rows of those patients in
the events of the whole cohort. :func:`stream_events` runs :func:`run_events` on each batch,
hands each batch's tables to a ``sink`` (which appends them to files) and keeps only the
counts the command prints. That holds for a scan that draws random numbers too
(``impute_last_visit`` strictly between 0 and 1): each patient's draw is computed from the
seed and its identifier alone (:mod:`mscohort.derive.events.draws`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import polars as pl

from mscohort.analyse.disability import EventRun, run_events
from mscohort.derive.events import EventSettings
from mscohort.derive.events.methods import methods_text


@dataclass
class EventTotals:
    """The counts of a batched run, as :func:`stream_events` sums them over the batches."""

    settings: EventSettings
    value: str = "edss"
    patients: int = 0  #: patients with at least one assessment with a value
    with_cdw: int = 0
    cdw: int = 0
    pira: int = 0
    raw: int = 0
    with_cdi: int = 0
    cdi: int = 0
    events: int = 0  #: rows of the events table
    n_dropped: int = 0  #: assessments without a value, left out
    batches: int = 0
    #: per milestone: (patients who reached it confirmed, patients)
    milestones: dict[float, tuple[int, int]] = field(default_factory=dict)

    def add(self, run: EventRun) -> None:
        """Add one batch's events and milestone times."""
        s = run.result.summary
        self.batches += 1
        self.patients += s.height
        self.with_cdw += int((s["cdw"] > 0).sum())
        self.with_cdi += int((s["cdi"] > 0).sum())
        for name in ("cdw", "pira", "raw", "cdi"):
            setattr(self, name, getattr(self, name) + int(s[name].sum()))
        self.events += run.result.events.height
        self.n_dropped += run.result.n_dropped
        if run.milestones is not None:
            for m, part in run.milestones.group_by("milestone", maintain_order=True):
                seen, n = self.milestones.get(float(m[0]), (0, 0))
                self.milestones[float(m[0])] = (seen + int(part["observed"].sum()),
                                                n + part.height)

    def methods(self) -> str:
        """The methods paragraph (:meth:`EventResult.methods`)."""
        return methods_text(self.settings, self.value)


def stream_events(batches: Iterable[tuple[pl.DataFrame, pl.DataFrame | None]],
                  settings: EventSettings, value: str = "edss",
                  milestones: Sequence[float] = (),
                  sink: Callable[[EventRun], None] | None = None) -> EventTotals:
    """Events of each batch ``(visits, relapses)`` of whole patients, in patient order,
    each batch's :class:`EventRun` passed to ``sink``; returns the summed counts.

    A patient's rows must all be in one batch, and the batches in the order of the
    identifiers, for the concatenated tables to be those of one run over every patient.
    """
    totals = EventTotals(settings, value)
    for visits, relapses in batches:
        run = run_events(visits, relapses, settings, value, milestones)
        totals.add(run)
        if sink is not None:
            sink(run)
    return totals


__all__ = ["EventTotals", "stream_events"]

"""Where ``mscohort events`` reads its visits: EDSS (and relapse) files as one batch, or a
study store a batch of patients at a time (issue #23), with the stages of its progress bar,
the ``--explain`` text, and the counts it prints."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from mscohort.analyse.disability import EventSettings, run_events
from mscohort.analyse.event_stream import EventTotals
from mscohort.cli.common import out


@dataclass
class VisitSource:
    """The batches ``(visits, relapses)`` of a run, the progress bar's stage of each, and
    ``patient(id)``: one patient's visits and relapses (for ``--explain``)."""

    batches: Iterable[tuple[pl.DataFrame, pl.DataFrame | None]]
    stages: tuple[str, ...]
    patient: Callable[[str], tuple[pl.DataFrame, pl.DataFrame | None]] = field(repr=False)


@contextmanager
def batches_of(edss: Path | None, relapses: Path | None, db: Path | None, outcome: str,
               batch_patients: int | None = None) -> Iterator[VisitSource]:
    """The visits of ``mscohort events``: from the store ``db`` by batches of
    ``batch_patients`` patients (:data:`~mscohort.store.visit_batches.BATCH_PATIENTS` when
    None), else from the files, read once."""
    from mscohort.loading import load_visits

    if db is None:
        loaded = load_visits(edss, relapses, None, outcome)

        def one(pid: str) -> tuple[pl.DataFrame, pl.DataFrame | None]:
            mine = pl.col("patient_id").cast(pl.String) == pid
            rel = loaded.relapses
            return loaded.visits.filter(mine), None if rel is None else rel.filter(mine)

        yield VisitSource([(loaded.visits, loaded.relapses)], ("detecting events",), one)
        return
    from mscohort.store import StudyStore
    from mscohort.store.visit_batches import BATCH_PATIENTS, VisitBatches

    size = batch_patients or BATCH_PATIENTS
    with StudyStore(db, read_only=True) as store:
        batches = VisitBatches(store, outcome, size)
        n, first = len(batches), 1
        stages = []
        for i, count in enumerate(batches.sizes, start=1):
            stages.append(f"batch {i} of {n}: patients {first:,}-{first + count - 1:,} "
                          f"of {batches.n_patients:,}")
            first += count
        yield VisitSource(batches, tuple(stages), batches.patient)


def explanation(source: VisitSource, settings: EventSettings, outcome: str,
                patient_id: str) -> str:
    """``--explain``: the scan of one patient, told step by step (its own visits and
    relapses are all the scan reads)."""
    visits, relapses = source.patient(patient_id)
    return run_events(visits, relapses, settings, outcome).result.explain(patient_id)


def print_totals(totals: EventTotals, outcome: str) -> None:
    """The counts ``mscohort events`` prints."""
    out.print(f"{totals.patients} patients: {totals.with_cdw} with CDW "
              f"({totals.cdw} events; PIRA {totals.pira}, RAW "
              f"{totals.raw}), {totals.with_cdi} with CDI "
              f"({totals.cdi} events); settings: {totals.settings.name}")
    if totals.n_dropped:
        out.print(f"{totals.n_dropped} assessments without a value were left out")
    for m, (seen, n) in totals.milestones.items():
        out.print(f"milestone {outcome.upper()} >= {m:g}: reached (confirmed) by "
                  f"{seen} of {n} patients")


__all__ = ["VisitSource", "batches_of", "explanation", "print_totals"]

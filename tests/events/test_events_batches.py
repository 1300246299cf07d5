"""Issue #23 item 3: the event scan split into batches of patients on several threads gives
exactly the events, summary and unconfirmed changes of one scan of every patient."""

from __future__ import annotations

import itertools

import numpy as np
import polars as pl
import pytest

from mscohort.derive.events import EventSettings, detect_events
from mscohort.derive.events import batches as B
from mscohort.derive.events.presets import PRESETS
from tests.events.cohorts import make_cohort


def test_batches_cover_every_patient_once_in_order_with_balanced_visits() -> None:
    offsets = np.r_[0, np.cumsum([3, 20, 1, 1, 15, 2, 30, 4])]  # 8 patients, 76 visits
    bounds = B.batch_bounds(offsets, 3)
    assert bounds[0][0] == 0 and bounds[-1][1] == 8
    assert all(a[1] == b[0] for a, b in itertools.pairwise(bounds))
    visits = [int(offsets[p1] - offsets[p0]) for p0, p1 in bounds]
    assert sum(visits) == 76 and max(visits) <= 76 * 2 / 3  # no batch holds two thirds
    assert B.batch_bounds(offsets, 20)[-1] == (7, 8)  # more batches than patients: one each


@pytest.mark.parametrize("preset", ["observational", "kappos2020", "muller2023"])
def test_scanning_in_batches_on_threads_finds_what_one_scan_finds(
        preset: str, monkeypatch: pytest.MonkeyPatch) -> None:
    visits, relapses = make_cohort(400, seed=23)
    settings = PRESETS[preset].with_(event="multiple", baseline="roving")
    monkeypatch.setattr(B, "MIN_PARALLEL_VISITS", 10**12)
    one = detect_events(visits, relapses, settings)
    monkeypatch.setattr(B, "MIN_PARALLEL_VISITS", 0)
    monkeypatch.setattr(B.numba, "get_num_threads", lambda: 7)  # seven batches
    seven = detect_events(visits, relapses, settings)
    assert one.events.height > 100  # the cohort has events of every kind to compare
    assert set(one.events["event_type"]) == {"CDW", "CDI"}
    for a, b in ((one.events, seven.events), (one.summary, seven.summary),
                 (one.unconfirmed, seven.unconfirmed)):
        assert a.equals(b)


def test_a_scan_that_draws_random_numbers_finds_the_same_events_in_batches(
        monkeypatch: pytest.MonkeyPatch) -> None:
    visits, relapses = make_cohort(300, seed=5)
    settings = EventSettings(event="multiple", impute_last_visit=0.5, seed=11)
    monkeypatch.setattr(B, "MIN_PARALLEL_VISITS", 10**12)
    one = detect_events(visits, relapses, settings)
    monkeypatch.setattr(B, "MIN_PARALLEL_VISITS", 0)
    monkeypatch.setattr(B.numba, "get_num_threads", lambda: 4)
    again = detect_events(visits, relapses, settings)
    assert again.events.equals(one.events)
    assert one.events.filter(pl.col("conf84_date").is_null()).height > 0  # imputed events

"""Issue #23: probabilistic last-visit imputation (``0 < impute_last_visit < 1``) draws one
number per patient from the seed and the patient identifier alone (derive/events/draws.py),
so the events do not depend on batches, threads or the other patients."""

from __future__ import annotations

import datetime as dt
import hashlib

import numpy as np
import polars as pl
import pytest
from scipy import stats

from mscohort.analyse.disability import EventRun, run_events
from mscohort.analyse.event_stream import stream_events
from mscohort.derive.events import EventSettings, detect_events
from mscohort.derive.events.draws import patient_uniforms
from mscohort.errors import InvalidArgumentError
from tests.events.cohorts import make_cohort

N_PATIENTS = 3000


def _last_visit_worsenings(n: int) -> pl.DataFrame:
    """``n`` patients, each with EDSS 2.0, 2.0, 3.5 (days 0, 200, 400): one worsening of
    1.5 (>= the 1.0 needed from 2.0) at the last visit, never confirmed."""
    start = dt.date(2020, 1, 1)
    return pl.DataFrame({
        "patient_id": [f"P{i:05d}" for i in range(n) for _ in range(3)],
        "date": [start + dt.timedelta(days=d) for _ in range(n) for d in (0, 200, 400)],
        "edss": [2.0, 2.0, 3.5] * n,
    })


def test_each_patients_draw_is_the_documented_hash_of_seed_and_identifier() -> None:
    ids = ["P00001", "SYN0000042", "émile-7", ""]
    got = patient_uniforms(ids, 17)
    # the rule of docs/events/options.md written out: BLAKE2b-64 of "seed:id", top 53 bits
    expected = [(int.from_bytes(hashlib.blake2b(f"17:{pid}".encode(), digest_size=8)
                                .digest(), "big") >> 11) / 2**53 for pid in ids]
    assert got.tolist() == expected
    assert ((got >= 0) & (got < 1)).all()
    assert patient_uniforms(ids[::-1], 17).tolist() == expected[::-1]  # order-free


@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_imputed_fraction_is_within_a_binomial_bound_of_the_probability(
        p: float, seed: int) -> None:
    visits = _last_visit_worsenings(N_PATIENTS)
    settings = EventSettings(impute_last_visit=p, seed=seed)
    imputed = detect_events(visits, None, settings).events
    assert imputed["conf84_date"].is_null().all()  # every event is an imputed one
    k = imputed.height
    # each patient is imputed independently with probability p: k ~ Binomial(3000, p); the
    # bound is the central 1 - 1e-6 interval, scipy.stats.binom.interval(1 - 1e-6, 3000, p)
    # (about +-4.9 standard deviations: 1,366 to 1,634 imputed patients at p = 0.5)
    low, high = stats.binom.interval(1 - 1e-6, N_PATIENTS, p)
    assert low <= k <= high, (k, low, high)
    # the patients imputed are exactly those whose own draw is below p
    u = patient_uniforms(visits["patient_id"].unique(maintain_order=True).to_list(), seed)
    assert k == int((u < p).sum())


def test_a_patients_draw_counts_alike_for_its_events_and_its_milestones() -> None:
    visits = _last_visit_worsenings(400)
    run = run_events(visits, None, EventSettings(impute_last_visit=0.4, seed=3),
                     milestones=(3.5,))
    assert run.milestones is not None
    reached = run.milestones.filter(pl.col("observed"))["patient_id"].sort()
    assert 0 < reached.len() < 400
    assert reached.equals(run.result.events["patient_id"].sort())


def test_the_same_seed_gives_the_same_events_and_another_seed_other_ones() -> None:
    visits, relapses = make_cohort(600, seed=8)
    settings = EventSettings(event="multiple", impute_last_visit=0.5, seed=5)
    first = detect_events(visits, relapses, settings)
    again = detect_events(visits, relapses, settings)
    other = detect_events(visits, relapses, settings.with_(seed=6))
    assert first.events.equals(again.events) and first.summary.equals(again.summary)
    assert first.events.filter(pl.col("conf84_date").is_null()).height > 10  # imputed ones
    assert not first.events.equals(other.events)
    assert "with probability 0.5 (one draw per patient, from seed 5 and the patient " \
        "identifier)" in first.methods()
    # only the imputed events change with the seed: the confirmed ones stay
    confirmed = pl.col("conf84_date").is_not_null()
    assert first.events.filter(confirmed).equals(other.events.filter(confirmed))


def test_events_of_any_split_of_the_patients_are_those_of_one_run() -> None:
    visits, relapses = make_cohort(N_PATIENTS, seed=31)
    settings = EventSettings(event="multiple", impute_last_visit=0.5, seed=2)
    one = detect_events(visits, relapses, settings)
    assert one.events.filter(pl.col("conf84_date").is_null()).height > 50  # imputed ones
    ids = np.array(sorted(visits["patient_id"].unique().to_list()))
    for n_batches in (5, 31):
        parts = []
        for chunk in np.array_split(ids, n_batches):
            mine = pl.col("patient_id").is_in(chunk.tolist())
            parts.append((visits.filter(mine), relapses.filter(mine)))
        runs: list[EventRun] = []
        totals = stream_events(parts, settings, sink=runs.append)
        assert totals.batches == n_batches
        assert pl.concat([run.result.events for run in runs]).equals(one.events)
        assert pl.concat([run.result.summary for run in runs]).equals(one.summary)


def test_one_patients_explanation_tells_what_the_cohorts_run_found() -> None:
    visits = _last_visit_worsenings(50)
    settings = EventSettings(impute_last_visit=0.5, seed=9)
    cohort = detect_events(visits, None, settings).events["patient_id"].to_list()
    assert 0 < len(cohort) < 50
    for pid in visits["patient_id"].unique().to_list():
        alone = detect_events(visits.filter(pl.col("patient_id") == pid), None, settings)
        assert (alone.events.height == 1) == (pid in cohort)


def test_a_seed_that_is_not_an_integer_is_refused() -> None:
    with pytest.raises(InvalidArgumentError, match=r"`seed` must be an integer; got 0\.5"):
        EventSettings(seed=0.5)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="`seed` must be an integer; got True"):
        patient_uniforms(["P1"], True)

"""Issue #23 item 1: the preparation of the event scan numbers patients through hashes and
orders visits by one integer key (derive/events/ordering.py). It must give exactly what a
sort of the identifiers as text gives, whatever order the rows come in."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from mscohort.derive.events import EventSettings, detect_events
from mscohort.derive.events import ordering as O
from mscohort.derive.events.detect import prepare
from mscohort.derive.events.presets import PRESETS
from mscohort.errors import InvalidArgumentError
from tests.events.cohorts import make_cohort

#: identifiers whose text order differs from their numeric and their Python str order
IDS = ["P10", "P9", "p1", "P1", "Ä2", "Z", "A/1", "a b", "10", "9", "MS-0005", "é", "e",
       "Zürich", "zz", "ß", "1", "01", "A?B#1", "50%"]


def _byte_order(ids: list[str]) -> list[str]:
    """Distinct identifiers in the byte order of their UTF-8 text (polars' string order),
    worked out in Python, independently of polars."""
    return sorted(set(ids), key=lambda s: s.encode("utf-8"))


def _reference_numbers(visit_ids: list[str], relapse_ids: list[str]
                       ) -> tuple[np.ndarray, np.ndarray, int]:
    order = {p: i for i, p in enumerate(_byte_order(visit_ids))}
    return (np.array([order[p] for p in visit_ids]),
            np.array([order.get(p, -1) for p in relapse_ids]), len(order))


def test_patients_are_numbered_in_the_byte_order_of_their_identifiers() -> None:
    rng = np.random.default_rng(23)
    visit_ids = list(rng.choice(IDS[:15], 400))
    relapse_ids = list(rng.choice(IDS, 120))  # five identifiers have no visit: -1
    want_v, want_r, want_n = _reference_numbers(visit_ids, relapse_ids)
    v, r = pl.Series(visit_ids, dtype=pl.String), pl.Series(relapse_ids, dtype=pl.String)
    for got in (O.patient_numbers(v, r), O.numbers_by_rank(v, r)):
        assert got.n == want_n
        assert np.array_equal(got.visits, want_v)
        assert np.array_equal(got.relapses, want_r)
    assert (O.numbers_by_rank(v, r).relapses == -1).sum() > 0


def test_identifiers_that_share_a_hash_are_numbered_exactly(
        monkeypatch: pytest.MonkeyPatch) -> None:
    visit_ids = ["B", "A", "C", "A", "BB", "C"]
    relapse_ids = ["C", "D", "A", "BB"]
    v, r = pl.Series(visit_ids), pl.Series(relapse_ids)
    # a hash that sends every identifier of one length to one value: "A", "B", "C" share
    monkeypatch.setattr(pl.Series, "hash", lambda s: s.str.len_bytes().cast(pl.UInt64))
    assert O.numbers_by_hash(v, r) is None
    got = O.patient_numbers(v, r)
    want_v, want_r, want_n = _reference_numbers(visit_ids, relapse_ids)
    assert got.n == want_n == 4
    assert np.array_equal(got.visits, want_v) and np.array_equal(got.relapses, want_r)


def test_no_visits_number_no_patient() -> None:
    got = O.patient_numbers(pl.Series([], dtype=pl.String), pl.Series(["A", "B"]))
    assert got.n == 0 and got.visits.size == 0 and list(got.relapses) == [-1, -1]


def test_rows_are_ordered_by_patient_then_day_keeping_the_order_of_a_shared_day() -> None:
    patient = np.array([2, 0, 1, 0, 2, 0])
    day = np.array([5, 9, -3, 1, 5, -20])
    order = O.order_by_patient_day(patient, day)
    assert list(order) == [5, 3, 1, 2, 0, 4]  # numpy lexsort would say the same
    assert list(order) == list(np.lexsort((day, patient)))
    assert list(O.order_by_patient_day(np.array([0, 0, 1]), np.array([1, 2, 0]))) == [0, 1, 2]
    assert list(O.offsets_of(patient[order], 3)) == [0, 3, 4, 6]
    assert list(O.shared_days(patient[order], day[order])) == [False] * 4 + [True, True]


def _reference_prepare(visits: pl.DataFrame, relapses: pl.DataFrame
                       ) -> dict[str, np.ndarray | list[str]]:
    """The scan's input arrays by a polars sort of the text identifiers (the way of
    mscohort before issue #23, kept here as the reference)."""
    v = visits.drop_nulls().sort("patient_id", "date")
    ids = v["patient_id"].unique(maintain_order=True).to_list()
    counts = v.group_by("patient_id", maintain_order=True).len()["len"].to_numpy()
    index = pl.DataFrame({"patient_id": ids, "_p": np.arange(len(ids))})
    r = relapses.join(index, on="patient_id", how="inner").sort("_p", "onset_date")
    rcounts = np.bincount(r["_p"].to_numpy(), minlength=len(ids))
    return {"ids": ids, "offsets": np.r_[0, np.cumsum(counts)],
            "days": v["date"].cast(pl.Int64).to_numpy().astype(float),
            "values": v["edss"].to_numpy(),
            "roffsets": np.r_[0, np.cumsum(rcounts)],
            "rdays": r["onset_date"].cast(pl.Int64).to_numpy().astype(float)}


def _cohort_with_text_ids(seed: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    visits, relapses = make_cohort(60, seed=seed)
    names = {f"S{i:05d}": IDS[i % len(IDS)] + f"-{i}" for i in range(60)}
    names["S00007"] = "S10"  # and one whose text order is not its numeric order
    rename = pl.col("patient_id").replace_strict(names, default=pl.col("patient_id"))
    stranger = pl.DataFrame({"patient_id": ["no visits"], "onset_date": [dt.date(2016, 1, 1)]})
    return (visits.with_columns(rename),
            pl.concat([relapses.with_columns(rename), stranger]))


def test_prepared_arrays_equal_a_sort_of_the_identifiers_as_text() -> None:
    visits, relapses = _cohort_with_text_ids(seed=4)
    want = _reference_prepare(visits, relapses)
    shuffled = visits.sample(fraction=1.0, shuffle=True, seed=1)
    for v, r in ((visits, relapses), (shuffled, relapses.sample(fraction=1.0, shuffle=True,
                                                                seed=2))):
        got = prepare(v, r, "edss")
        assert got.ids == want["ids"]
        for name in ("offsets", "days", "values", "roffsets", "rdays"):
            assert np.array_equal(getattr(got, name), want[name]), name


@pytest.mark.parametrize("preset", ["observational", "kappos2020", "muller2023"])
def test_events_do_not_depend_on_the_order_of_the_rows(preset: str) -> None:
    visits, relapses = _cohort_with_text_ids(seed=9)
    settings = PRESETS[preset].with_(event="multiple", baseline="roving")
    a = detect_events(visits, relapses, settings)
    b = detect_events(visits.sample(fraction=1.0, shuffle=True, seed=3),
                      relapses.sample(fraction=1.0, shuffle=True, seed=4), settings)
    assert a.events.height > 20
    for x, y in ((a.events, b.events), (a.summary, b.summary),
                 (a.unconfirmed, b.unconfirmed)):
        assert x.equals(y)


@pytest.mark.parametrize("raw_pira", [True, False])
def test_the_summary_equals_grouping_the_events_by_identifier(raw_pira: bool) -> None:
    visits, relapses = _cohort_with_text_ids(seed=12)
    r = detect_events(visits, relapses, EventSettings(event="multiple", baseline="roving",
                                                       raw_pira=raw_pira))
    # the reference: the events grouped by their identifier text (mscohort before #23)
    labels = r.events.with_columns(
        pl.when(pl.col("event_type") == "CDI").then(pl.lit("CDI"))
        .when(pl.col("cdw_type") == "undefined").then(pl.lit("CDW"))
        .otherwise(pl.col("cdw_type")).alias("_label"))
    per = labels.group_by("patient_id").agg(
        pl.col("_label").sort_by("nevent").str.join(", ").alias("event_sequence"),
        (pl.col("event_type") == "CDI").sum().alias("cdi"),
        (pl.col("event_type") == "CDW").sum().alias("cdw"),
        (pl.col("cdw_type") == "RAW").sum().alias("raw"),
        (pl.col("cdw_type") == "PIRA").sum().alias("pira"))
    want = (r.summary.select("patient_id", "total_fu_days")
            .join(per, on="patient_id", how="left", maintain_order="left")
            .with_columns(pl.col("event_sequence").fill_null(""),
                          *(pl.col(c).fill_null(0).cast(pl.Int64)
                            for c in ("cdi", "cdw", "raw", "pira")))
            .select(r.summary.columns))
    assert r.summary.equals(want)
    assert r.summary["patient_id"].to_list() == _byte_order(visits["patient_id"].to_list())
    assert (r.summary["cdw"] > 1).sum() > 0 and (r.summary["cdw"] == 0).sum() > 0


def test_same_day_assessments_are_named_in_the_error() -> None:
    visits, _ = _cohort_with_text_ids(seed=1)
    twice = pl.concat([visits, visits.filter(pl.col("patient_id") == "S10").head(2)])
    with pytest.raises(InvalidArgumentError,
                       match=r"one assessment per patient and day.*4 rows on shared days: "
                             r"S10 \d{4}-\d\d-\d\d, S10 \d{4}"):
        detect_events(twice.sample(fraction=1.0, shuffle=True, seed=5))

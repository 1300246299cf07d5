"""The time point attrition table of the federated run equals the pooled analysis'
``timepoints`` (:func:`mscohort.analyse.timepoints.timepoint_table`, ``mscohort analyse``) at
the researcher's data cut, or is suppressed where a centre has a box of 1 to 4 patients;
without a data cut each centre classifies against its own latest record."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from scipy import stats

from mscohort.analyse.study import latest_record
from mscohort.analyse.timepoints import timepoint_table
from mscohort.definition import load_definition
from mscohort.errors import UsageError
from mscohort_federated.algorithm import _frame
from mscohort_federated.extract import analysis_frame
from mscohort_federated.timepoints import (
    parse_data_cut,
    timepoint_counts,
    timepoint_cuts,
    timepoint_rows,
)

from .conftest import Network

TOL = {"abs": 1e-9, "rel": 1e-9}
COUNTS = ("with_baseline", "due", "assessed", "missed", "lost", "lost_in_interval",
          "not_yet_due")


def _federated(net: Network, k: int, data_cut: dt.date | None) -> tuple[list[dict], list]:
    """Each centre's partial (through the session frame's pandas round trip, as a node
    keeps it) and the combined table."""
    d = load_definition(net.definition)
    parts = [timepoint_counts(_frame(analysis_frame(s, d, data_cut).to_pandas()), k)
             for s in net.studies]
    return timepoint_rows(parts), parts


def _assert_row_equal(got: dict, want: dict) -> None:
    for c in COUNTS:
        assert got[c] == want[c], (c, got, want)
    for c in ("mean_change", "ci_low", "ci_high"):
        if want[c] is None:
            assert got[c] is None, (c, got)
        else:
            assert got[c] == pytest.approx(want[c], **TOL), (c, got, want)


def test_timepoint_table_equals_the_pooled_analysis_at_the_researchers_data_cut(
        net: Network) -> None:
    # k = 1 (nothing small): every row is compared with `mscohort analyse` on the pooled
    # data, whose data cut is the pooled latest record the researcher sent
    rows, _ = _federated(net, 1, net.data_cut)
    pooled = net.pooled.timepoints.to_dicts()
    assert [r["months"] for r in rows] == [r["months"] for r in pooled] == [12, 24, 36, 48]
    for got, want in zip(rows, pooled, strict=True):
        assert got["status"] == "exact"
        _assert_row_equal(got, want)
    assert sum(r["lost"] for r in pooled) > 0  # the cut matters: patients are lost


def test_mean_change_at_a_time_point_against_scipy(seed_network: Network) -> None:
    rows, _ = _federated(seed_network, 1, seed_network.data_cut)
    # independent: the EDSS closest to 12 months (+/- 91 days) minus baseline, by hand
    out = seed_network.pooled.outcomes.filter(pl.col("baseline_edss").is_not_null()
                                              & pl.col("index_date").is_not_null())
    edss = pl.concat([s.edss.select("patient_id", "date", "edss")
                      for s in seed_network.studies])
    changes = []
    for p in out.iter_rows(named=True):
        v = edss.filter(pl.col("patient_id") == p["patient_id"]).with_columns(
            ((pl.col("date") - p["index_date"]).dt.total_days() - 365.25).abs().alias("gap"))
        v = v.filter(pl.col("gap") <= 91).sort("gap", "date")
        if v.height:
            changes.append(v["edss"][0] - p["baseline_edss"])
    x = np.round(np.asarray(changes, dtype=float), 9)
    low, high = stats.t.interval(0.95, x.size - 1, loc=x.mean(), scale=stats.sem(x))
    assert rows[0]["assessed"] == x.size
    assert rows[0]["mean_change"] == pytest.approx(float(x.mean()), **TOL)
    assert (rows[0]["ci_low"], rows[0]["ci_high"]) == (pytest.approx(low, **TOL),
                                                       pytest.approx(high, **TOL))


def test_timepoint_rows_of_the_network_are_pooled_or_suppressed_where_a_centre_is_small(
        net: Network) -> None:
    fed = net.result["timepoints"]
    pooled = net.pooled.timepoints.to_dicts()
    assert net.result["data_cut"] == net.data_cut.isoformat()
    assert set(net.result["timepoint_cuts"].values()) == {"the task's data cut"}
    centres = [timepoint_table(o, s.edss, net.data_cut).to_dicts()
               for o, s in zip(net.centres, net.studies, strict=True)]
    for i, (got, want) in enumerate(zip(fed, pooled, strict=True)):
        small = any(0 < c[i][box] < 5 for c in centres for box in COUNTS)
        if got["status"] == "suppressed":
            assert small, (got, [c[i] for c in centres])
            assert all(got[c] is None for c in (*COUNTS, "mean_change"))
            continue
        assert not small
        if i and fed[i - 1]["status"] == "suppressed":
            want = want | {"lost_in_interval": None}  # only between two released rows
        _assert_row_equal(got, want)


def test_a_centre_suppresses_a_whole_time_point_with_a_small_box(net: Network) -> None:
    parts = [p["timepoints"] for p in net.partials if "timepoints" in p]
    assert len(parts) == 3
    for part in parts:
        lost: int | None = 0  # None after a suppressed time point
        for r in part["rows"]:
            if r.get("suppressed"):
                assert set(r) == {"months", "suppressed"}
                lost = None
                continue
            boxes = [r[c] for c in ("with_baseline", "assessed", "missed", "lost",
                                    "not_yet_due")]
            boxes += [r["with_baseline"] - r["not_yet_due"]]
            boxes += [] if lost is None else [r["lost"] - lost]  # newly lost
            assert all(b == 0 or b >= 5 for b in boxes), r
            lost = r["lost"]


def test_without_a_data_cut_each_centre_classifies_against_its_own_latest_record(
        seed_network: Network) -> None:
    net = seed_network
    rows, parts = _federated(net, 1, None)
    assert timepoint_cuts(parts, ["a", "b", "c"]) == dict.fromkeys(
        "abc", "the centre's own latest record")
    own = [timepoint_table(o, s.edss, latest_record(s)).to_dicts()
           for o, s in zip(net.centres, net.studies, strict=True)]
    for i, got in enumerate(rows):
        for c in ("with_baseline", "due", "assessed", "missed", "lost", "not_yet_due"):
            assert got[c] == sum(t[i][c] for t in own), (c, got)
        # who is assessed does not depend on the cut: the pooled mean change
        want = net.pooled.timepoints.row(i, named=True)
        assert got["mean_change"] == pytest.approx(want["mean_change"], **TOL)
    # a centre whose data end earlier has patients not yet due the pooled cut sees as due
    assert sum(r["not_yet_due"] for r in rows) >= sum(
        net.pooled.timepoints["not_yet_due"].to_list())


def test_a_pooled_time_point_built_on_a_suppressed_one_is_suppressed() -> None:
    shown = {"months": 12, "with_baseline": 20, "assessed": 10, "missed": 0, "lost": 5,
             "not_yet_due": 5, "change": {"n": 10, "sum": 5.0, "m2": 2.5}}
    hidden = {"months": 24, "suppressed": True}
    later = shown | {"months": 24, "lost": 10, "not_yet_due": 0, "assessed": 10}
    rows = timepoint_rows([{"cut": "task", "rows": [shown, later]},
                           {"cut": "task", "rows": [shown, hidden]}])
    assert rows[0]["status"] == "exact" and rows[0]["with_baseline"] == 40
    assert rows[0]["due"] == 30 and rows[0]["lost_in_interval"] == 10
    assert rows[0]["mean_change"] == pytest.approx(0.5, **TOL)
    assert rows[1]["status"] == "suppressed" and rows[1]["lost"] is None


def test_a_bad_data_cut_is_refused_with_the_template() -> None:
    assert parse_data_cut("2020-02-29") == dt.date(2020, 2, 29)
    assert parse_data_cut(None) is None
    with pytest.raises(UsageError, match=r"`data_cut` must be a date \(YYYY-MM-DD\); "
                                         r"got '2020-13-01'"):
        parse_data_cut("2020-13-01")

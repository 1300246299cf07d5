"""The federated EDSS milestones' Kaplan-Meier curves equal the pooled analysis'
``km_milestones`` (``mscohort analyse``) to 1e-9, time by time (numbers at risk, events,
censored, survival and its interval), and the figure data equal what the pooled report's
milestone figure draws (:func:`mscohort.report.secondary_figures.km_milestones`); a milestone
with a small centre is suppressed, a small cohort leaves the curve of all patients only."""

from __future__ import annotations

import math

import pytest

from mscohort.definition import load_definition
from mscohort.report.secondary_figures import km_milestones
from mscohort_federated.algorithm import _frame
from mscohort_federated.extract import analysis_frame
from mscohort_federated.milestone_curves import milestone_curves, milestone_figure
from mscohort_federated.secondary import secondary_sums

from .conftest import Network

TOL = {"abs": 1e-9, "rel": 1e-9}
CURVE = ("time", "at_risk", "events", "censored", "survival", "ci_low", "ci_high")


def close(got: object, want: object) -> bool:
    if want is None or (isinstance(want, float) and math.isnan(want)):
        return got is None
    return got == pytest.approx(want, **TOL)


def _parts(net: Network, k: int) -> list[dict]:
    d = load_definition(net.definition)
    return [secondary_sums(_frame(analysis_frame(s, d, net.data_cut).to_pandas()), None,
                           k)["milestones"] for s in net.studies]


def test_milestone_curves_equal_the_pooled_kaplan_meier(net: Network) -> None:
    got = milestone_curves(_parts(net, 1))
    pooled = net.pooled.secondary.km_milestones.to_dicts()  # type: ignore[union-attr]
    assert pooled and len(got) == len(pooled)
    assert "all" in {r["group"] for r in pooled}
    for g, w in zip(got, pooled, strict=True):
        assert (g["milestone"], g["group"], g["status"]) == (w["milestone"], w["group"],
                                                             "exact")
        for c in CURVE:
            assert close(g[c], w[c]), (c, g, w)


def test_the_seeds_cohort_curves_are_compared(seed_network: Network) -> None:
    pooled = seed_network.pooled.secondary.km_milestones  # type: ignore[union-attr]
    assert set(pooled["group"]) - {"all"}  # the seed has cohorts: their curves are checked
    test_milestone_curves_equal_the_pooled_kaplan_meier(seed_network)


def test_milestone_figure_data_equal_the_pooled_figure(net: Network) -> None:
    parts = _parts(net, 1)
    fig = milestone_figure(parts, milestone_curves(parts), net.pooled.definition.unit_days)
    pooled = km_milestones(net.pooled)
    assert pooled is not None
    want = pooled.frames["curves"].to_dicts()
    assert len(fig["km_milestones_figure"]) == len(want)
    for g, w in zip(fig["km_milestones_figure"], want, strict=True):
        assert g["group"] == w["group"] and (g["events"], g["at_risk"]) == (w["events"],
                                                                             w["at_risk"])
        assert close(g["time"], w["time"]) and close(g["survival"], w["survival"])
    # one tick per censored patient in the pooled figure: the same times, counted
    ticks = sorted((r["group"], r["time"]) for r in pooled.frames["censored"].to_dicts())
    counted = sorted((r["group"], r["time"]) for r in fig["km_milestones_censored"]
                     for _ in range(r["censored"]))
    assert ticks and len(counted) == len(ticks)
    for (ga, ta), (gb, tb) in zip(counted, ticks, strict=True):
        assert ga == gb and close(ta, tb)


def test_network_milestone_curves_are_pooled_or_suppressed(net: Network) -> None:
    centres = [p["secondary"]["milestones"] for p in net.partials if "secondary" in p]
    assert len(centres) == 3
    exact = milestone_curves(_parts(net, 1))
    got = net.result["km_milestones"]
    for m in dict.fromkeys(r["milestone"] for r in exact):
        cells = [c.get(f"{m:g}") for c in centres]
        rows = [r for r in got if r["milestone"] == m]
        if any(c == {"suppressed": True} for c in cells):
            assert rows == [{"milestone": m, "group": "all", "status": "suppressed"}]
            continue
        split = all(c is None or c["cohorts"] is not None for c in cells)
        want = [r for r in exact if r["milestone"] == m and (split or r["group"] == "all")]
        assert [{k: v for k, v in r.items() if k != "status"} for r in rows] == [
            {k: v for k, v in r.items() if k != "status"} for r in want]
        assert {r["status"] for r in rows} == {
            "exact" if split else "exact (cohorts suppressed)"}
    shown = {r["milestone"] for r in got if r["status"] != "suppressed"}
    assert {float(r["group"].removeprefix("EDSS >= ")) for r in
            net.result["km_milestones_figure"]} == shown  # the figure: released curves only
    assert {float(r["group"].removeprefix("EDSS >= ")) for r in
            net.result["km_milestones_censored"]} <= shown


def test_a_small_cohort_leaves_the_curve_of_all_patients_only() -> None:
    table = {"time": [100.0, 200.0, 300.0], "events": [1, 0, 2], "censored": [2, 3, 2]}
    a = {"4": {"at_risk": 10, "all": table, "cohorts": None}}
    b = {"4": {"at_risk": 10, "all": table, "cohorts": {"x": table, "y": table}}}
    rows = milestone_curves([a, b])
    assert {r["group"] for r in rows} == {"all"}
    assert {r["status"] for r in rows} == {"exact (cohorts suppressed)"}
    # by hand: 20 at risk, 2 events at 100 -> 18/20; 20-6 = 14 at 200 with no event;
    # 20-6-6 = 8 at risk at 300, 4 events -> 0.9 * 4/8
    assert [(r["time"], r["at_risk"], r["events"]) for r in rows] == [(100.0, 20, 2),
                                                                      (300.0, 8, 4)]
    assert [r["survival"] for r in rows] == pytest.approx([0.9, 0.45], abs=1e-12)
    fig = milestone_figure([a, b], rows, 30.0)
    assert fig["km_milestones_censored"] == [
        {"group": "EDSS >= 4.0", "time": t / 30.0, "censored": n}
        for t, n in ((100.0, 4), (200.0, 6), (300.0, 4))]
    assert milestone_curves([a, {"4": {"suppressed": True}}]) == [
        {"milestone": 4.0, "group": "all", "status": "suppressed"}]

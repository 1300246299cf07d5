"""The federated safety monitoring table and retreatment rule equal the pooled analysis'
(``mscohort analyse``: its ``safety`` schedule and ``retreatment`` frames, judged on the
pooled latest record, counted here as the core report's ``safety_table`` counts them, and
that table as printed); a centre's small panel, statuses or rule outcomes are suppressed,
and the pooled cells with them."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from mscohort.definition import load_definition
from mscohort.derive.safety import NO_LAB_DATA
from mscohort.report.tables import STATUSES, safety_table
from mscohort_federated.algorithm import _frame
from mscohort_federated.central import _safety
from mscohort_federated.extract import analysis_frame
from mscohort_federated.partials import counts_at
from mscohort_federated.safety import (
    RETREATMENT,
    retreatment_rows,
    safety_counts,
    safety_rows,
)

from .conftest import Network

_FRAMES: dict[int, list[pl.DataFrame]] = {}


def _frames(net: Network) -> list[pl.DataFrame]:
    """Each centre's analysis frame at the pooled data cut, through the session frame's
    pandas round trip (as a node keeps it); built once per network."""
    if id(net) not in _FRAMES:
        d = load_definition(net.definition)
        _FRAMES[id(net)] = [_frame(analysis_frame(s, d, net.data_cut).to_pandas())
                            for s in net.studies]
    return _FRAMES[id(net)]


def _federated(net: Network, k: int) -> tuple[dict, list[dict]]:
    frames = _frames(net)
    parts = [safety_counts(f, k) for f in frames]
    return _safety(parts, lambda queries: [counts_at(f, queries, k) for f in frames]), parts


def _pooled_safety(net: Network) -> list[dict]:
    """The pooled schedule counted as ``safety_table`` counts it; the median days overdue
    by numpy (the mean of the two middle values for an even number)."""
    out = []
    for (panel,), part in net.pooled.safety.group_by("panel", maintain_order=True):
        late = part["days_overdue"].drop_nulls().to_numpy()
        out.append({"panel": panel, "patients": part.height}
                   | {s: part.filter(pl.col("status") == s).height for s in STATUSES}
                   | {"median_days_overdue": float(np.median(late)) if late.size else None,
                      "baseline_done": int(part["baseline_test"].is_not_null().sum())})
    return out


def test_safety_table_equals_the_pooled_schedule(net: Network) -> None:
    assert net.pooled.as_of == net.data_cut  # judged on the same day
    got, _ = _federated(net, 1)
    want = _pooled_safety(net)
    assert want and len(want) == len(got["safety"])
    for g, w in zip(got["safety"], want, strict=True):
        assert g["status"] == "exact"
        assert {c: g[c] for c in w} == w
    if net.pooled.safety["last_test"].is_null().all():
        # no lab result in the network (the synthetic centres have no labs table): no
        # schedule is called overdue or due, the ongoing ones are "no lab data"
        assert sum(w["overdue"] + w["due"] for w in want) == 0
        assert (net.pooled.safety["status"] == NO_LAB_DATA).any()
    else:
        assert sum(w["overdue"] for w in want) > 0  # the medians were found, not skipped


def test_safety_table_prints_as_the_core_report_table(seed_network: Network) -> None:
    got, _ = _federated(seed_network, 1)
    printed = safety_table(seed_network.pooled).rows
    mine = [(r["panel"], *(str(r[s]) for s in STATUSES),
             "-" if r["median_days_overdue"] is None else f"{r['median_days_overdue']:.0f}",
             f"{r['baseline_done']}/{r['patients']}") for r in got["safety"]]
    assert mine == list(printed)


def test_retreatment_rule_equals_the_pooled_rule(net: Network) -> None:
    got, _ = _federated(net, 1)
    r = net.pooled.retreatment
    assert r.height
    meets = int(r["meets_rule"].sum())
    early = r.filter(~pl.col("meets_rule") & (pl.col("relapses_since") > 0)).height
    none = r.filter(pl.col("relapses_since") == 0).height
    assert meets + early + none == r.height
    (row,) = got["retreatment"]
    assert row == {"rule": "a relapse after the last infusion of alemtuzumab and at least 365 "
                   "days since it", "treated": r.height, RETREATMENT[0]: meets,
                   RETREATMENT[1]: early, RETREATMENT[2]: none, "status": "exact"}
    # the count the core report's safety table prints
    assert any(f"{meets} of {r.height} treated patients meet it" in note
               for note in safety_table(net.pooled).footnotes)


def test_network_safety_rows_are_pooled_or_suppressed_where_a_centre_is_small(
        net: Network) -> None:
    exact, _ = _federated(net, 1)
    centres = [p["safety"] for p in net.partials if "safety" in p]
    assert len(centres) == 3
    for c in centres:  # nothing small leaves a centre
        for cell in c["panels"].values():
            if cell.get("suppressed"):
                continue
            assert cell["n"] == 0 or cell["n"] >= 5
            for block in (cell["statuses"], cell["baseline"]):
                assert block.get("suppressed") or all(v == 0 or v >= 5
                                                      for v in block.values())
        assert c["retreatment"].get("suppressed") or all(
            v == 0 or v >= 5 for v in c["retreatment"].values())
    for got, want in zip(net.result["safety"], exact["safety"], strict=True):
        cells = [c["panels"].get(got["panel"], {"n": 0}) for c in centres]
        if any(c.get("suppressed") for c in cells):
            assert got == {"panel": got["panel"], "status": "suppressed"}
            continue
        statuses = any(c["n"] and c["statuses"].get("suppressed") for c in cells)
        baseline = any(c["n"] and c["baseline"].get("suppressed") for c in cells)
        assert ("statuses" in got["status"]) == statuses
        assert ("baseline" in got["status"]) == baseline
        shown = {"panel", "patients", "status"} | (set() if statuses else {
            *STATUSES, "median_days_overdue"}) | (set() if baseline else {"baseline_done"})
        assert set(got) == shown
        assert all(got[c] == want[c] for c in shown - {"status"})
    (rule,) = net.result["retreatment"]
    if any(c["retreatment"].get("suppressed") for c in centres):
        assert set(rule) == {"rule", "status"} and rule["status"] == "suppressed"
    else:
        assert rule == exact["retreatment"][0]


def test_a_small_status_suppresses_the_panels_statuses_at_the_centre() -> None:
    frame = pl.DataFrame({
        "sfs|blood count": ["up to date"] * 6 + ["overdue"] * 2 + [None],
        "sf|blood count|overdue": [None] * 6 + [10.0, 30.0] + [None],
        "sf|blood count|baseline": [1.0] * 8 + [None],
        "sfs|thyroid": ["due"] * 3 + [None] * 6,
        "sf|thyroid|overdue": [None] * 9, "sf|thyroid|baseline": [0.0] * 3 + [None] * 6,
        "rt|status": [RETREATMENT[0]] * 5 + [RETREATMENT[2]] * 3 + [None]})
    got = safety_counts(frame, 5)
    assert got["panels"]["blood count"] == {
        "n": 8, "statuses": {"suppressed": True},
        "baseline": {"done": 8, "not done": 0}}
    assert got["panels"]["thyroid"] == {"suppressed": True}  # 3 treated patients
    assert got["retreatment"] == {"suppressed": True}  # 3 without a relapse
    assert safety_counts(frame, 2)["retreatment"] == {
        RETREATMENT[0]: 5, RETREATMENT[1]: 0, RETREATMENT[2]: 3}


def test_a_pooled_cell_built_on_a_suppressed_one_is_suppressed() -> None:
    full = {"n": 10, "statuses": dict(zip(STATUSES, (5, 0, 5, 0), strict=True)),
            "baseline": {"done": 10, "not done": 0}}
    hidden = full | {"statuses": {"suppressed": True}}
    a, b = {"panels": {"p": full}}, {"panels": {"p": hidden}}
    assert safety_rows([a, a], {"p": {"median": 12.5}}) == [
        {"panel": "p", "patients": 20, "up to date": 10, "due": 0, "overdue": 10,
         "completed": 0, "median_days_overdue": 12.5, "baseline_done": 20, "status": "exact"}]
    assert safety_rows([a, b], {}) == [
        {"panel": "p", "patients": 20, "baseline_done": 20,
         "status": "exact (statuses suppressed)"}]
    assert safety_rows([a, {"panels": {"p": {"suppressed": True}}}], {}) == [
        {"panel": "p", "status": "suppressed"}]
    rule = {RETREATMENT[0]: 5, RETREATMENT[1]: 0, RETREATMENT[2]: 7}
    assert retreatment_rows([{"retreatment": rule}, {"retreatment": {"suppressed": True}}]
                            )[0]["status"] == "suppressed"
    assert retreatment_rows([{"panels": {}}]) == []


@pytest.mark.parametrize("k", [1, 5])
def test_median_days_overdue_is_asked_only_where_no_centre_hid_the_statuses(
        seed_network: Network, k: int) -> None:
    asked: list[list[dict]] = []
    frames = _frames(seed_network)
    parts = [safety_counts(f, k) for f in frames]

    def counts(queries: list[dict]) -> list[list[object]]:
        asked.append(queries)
        return [counts_at(f, queries, k) for f in frames]

    rows = _safety(parts, counts)["safety"]
    panels = {str(q["group"]) for qs in asked for q in qs}
    released = {r["panel"] for r in rows if r["status"] == "exact" and r["overdue"]}
    assert panels == released

"""The federated protocol tables' counts equal the pooled analysis' (``mscohort analyse``:
its ``screening``, ``aesi`` and ``courses`` frames, counted here as the pooled report's
tables count them); a centre's small row is suppressed, and the pooled row with it."""

from __future__ import annotations

import polars as pl

from mscohort.definition import load_definition
from mscohort.derive.safety import AESI_PERIODS
from mscohort_federated.algorithm import _frame
from mscohort_federated.extract import analysis_frame
from mscohort_federated.protocol_counts import DECISIONS, protocol_counts, protocol_rows

from .conftest import Network


def _federated(net: Network, k: int) -> tuple[dict, list[dict]]:
    d = load_definition(net.definition)
    parts = [protocol_counts(_frame(analysis_frame(s, d, net.data_cut).to_pandas()), k)
             for s in net.studies]
    return protocol_rows(parts), parts


def test_screening_counts_by_arm_equal_the_pooled_screening(seed_network: Network) -> None:
    got, _ = _federated(seed_network, 1)
    s = seed_network.pooled.screening
    assert s.height
    want = [{"arm": arm} | {d: part.filter(pl.col("decision") == d).height for d in DECISIONS}
            for (arm,), part in s.group_by("arm", maintain_order=True)]
    assert [{c: r[c] for c in ("arm", *DECISIONS)} for r in got["screening_counts"]] == want


def test_aesi_counts_equal_the_pooled_events_and_patients(seed_network: Network) -> None:
    got, _ = _federated(seed_network, 1)
    a = seed_network.pooled.aesi
    assert a.height
    want = [{"aesi": g} | {p: part.filter(pl.col("period") == p).height for p in AESI_PERIODS}
            | {"events": part.height, "patients": part["patient_id"].n_unique()}
            for (g,), part in a.group_by("aesi", maintain_order=True)]
    cols = ("aesi", *AESI_PERIODS, "events", "patients")
    assert [{c: r.get(c, 0) for c in cols} for r in got["aesi_counts"]] == want


def test_course_counts_equal_the_pooled_courses(seed_network: Network) -> None:
    got, _ = _federated(seed_network, 1)
    c = seed_network.pooled.courses
    want = (c.group_by("regimen", "course").agg(
        pl.len().alias("n"), (pl.col("n_deviations") > 0).sum().alias("off"),
        pl.col("expected").first()).sort("regimen", "course").to_dicts())
    cols = ("regimen", "course", "expected", "n", "off")
    assert [{k: r[k] for k in cols} for r in got["course_counts"]] == [
        {k: r[k] for k in cols} for r in want]


def test_network_rows_are_pooled_or_suppressed_where_a_centre_is_small(
        seed_network: Network) -> None:
    exact, _ = _federated(seed_network, 1)
    centres = [p["protocol"] for p in seed_network.partials if "protocol" in p]
    assert len(centres) == 3
    for name, table, key in (("screening_counts", "screening", "arm"),
                             ("aesi_counts", "aesi", "aesi")):
        for got, want in zip(seed_network.result[name], exact[name], strict=True):
            assert got[key] == want[key]
            if got["status"] == "suppressed":
                assert any(c.get(table, {}).get(got[key], {}).get("suppressed")
                           for c in centres)
                continue
            assert got == want
    for c in centres:
        for row in c.get("screening", {}).values():
            assert row.get("suppressed") or all(v == 0 or v >= 5 for v in row.values())
        for row in c.get("aesi", {}).values():
            assert row.get("suppressed") or row["patients"] >= 5


def test_a_pooled_row_built_on_a_suppressed_one_is_suppressed() -> None:
    a = {"screening": {"arm A": {"eligible": 10, "not eligible": 0}}}
    b = {"screening": {"arm A": {"suppressed": True}}}
    assert protocol_rows([a, a])["screening_counts"] == [
        {"arm": "arm A", "eligible": 20, "not eligible": 0, "status": "exact"}]
    assert protocol_rows([a, b])["screening_counts"] == [
        {"arm": "arm A", "status": "suppressed"}]

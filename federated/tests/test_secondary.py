"""The federated secondary outcomes equal the pooled analysis' (``mscohort analyse``:
:func:`mscohort.analyse.secondary.secondary_outcomes` inside
:func:`mscohort.analyse.study.analyse_study`) to 1e-9: the MSFC and OCT tables by every
split, their paired tests, the MSFC mean changes and the EDSS milestones' Kaplan-Meier
summary; cells are suppressed where a centre has 1 to 4 patients."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from mscohort.definition import load_definition
from mscohort.stratify.splits import analysed
from mscohort_federated.algorithm import _frame
from mscohort_federated.extract import analysis_frame
from mscohort_federated.secondary import milestone_rows, secondary_result, secondary_sums

from .conftest import Network

TOL = {"abs": 1e-9, "rel": 1e-9}


def close(got: object, want: object) -> bool:
    if want is None or (isinstance(want, float) and math.isnan(want)):
        return got is None
    return got == pytest.approx(want, **TOL)


def _median(net: Network) -> float:
    out = net.pooled.outcomes
    return float(out.filter(analysed(out))["followup"].median())


def _federated(net: Network, k: int) -> tuple[dict, list[dict]]:
    d = load_definition(net.definition)
    parts = [secondary_sums(_frame(analysis_frame(s, d, net.data_cut).to_pandas()),
                            _median(net), k) for s in net.studies]
    return secondary_result(parts, {}, d), parts


@pytest.fixture(scope="module")
def exact(seed_network: Network) -> dict:
    """The seed's three centres at cell size 1: nothing suppressed, everything compared."""
    return _federated(seed_network, 1)[0]


def test_msfc_and_oct_tables_equal_the_pooled_tables(seed_network: Network, exact: dict
                                                     ) -> None:
    sec = seed_network.pooled.secondary
    assert sec is not None and {"MSFC", "OCT"} <= set(sec.tables)
    fed = {(r["table"], r["split"], r["group"], r["measure"]): r
           for r in exact["secondary_tables"]}
    compared = 0
    for name in ("MSFC", "OCT"):
        for want in sec.tables[name].iter_rows(named=True):
            got = fed.pop((want["table"], want["split"], want["group"], want["measure"]))
            assert got["status"].startswith("exact"), got
            assert got["n_group"] == want["n_group"] and got["n"] == want["n"], (got, want)
            for c in ("mean", "sd", "ci_low", "ci_high", "p_t", "d_z"):
                if c in got or want.get(c) is not None:
                    assert close(got.get(c), want[c]), (c, got, want)
            if want["count"] is not None:
                assert got["count"] == want["count"]
            compared += 1
    assert compared > 100 and not fed  # every split of both tables, nothing extra


def test_secondary_paired_tests_equal_the_pooled_tests(seed_network: Network, exact: dict
                                                       ) -> None:
    pooled = seed_network.pooled.secondary.tests.to_dicts()  # type: ignore[union-attr]
    assert [r["measure"] for r in exact["secondary_tests"]] == [r["measure"] for r in pooled]
    for got, want in zip(exact["secondary_tests"], pooled, strict=True):
        assert got["n"] == want["n"], (got, want)
        for c in ("mean_before", "mean_after", "mean_difference", "ci_low", "ci_high", "p_t",
                  "d_z"):
            assert close(got.get(c), want[c]), (c, got, want)


def test_msfc_mean_changes_against_scipy(seed_network: Network, exact: dict) -> None:
    pooled = seed_network.pooled.secondary.msfc_means.to_dicts()  # type: ignore[union-attr]
    assert [r["measure"] for r in exact["msfc_means"]] == [r["measure"] for r in pooled]
    patients = seed_network.pooled.secondary.patients  # type: ignore[union-attr]
    for got, want in zip(exact["msfc_means"], pooled, strict=True):
        x = np.round(patients[got["column"]].drop_nulls().to_numpy(), 9)
        low, high = stats.t.interval(0.95, x.size - 1, loc=x.mean(), scale=stats.sem(x))
        assert got["n"] == want["n"] == x.size
        assert got["mean"] == pytest.approx(x.mean(), **TOL)
        assert (got["ci_low"], got["ci_high"]) == (pytest.approx(low, **TOL),
                                                   pytest.approx(high, **TOL))


def test_milestone_summary_equals_the_pooled_kaplan_meier(net: Network) -> None:
    got = _federated(net, 1)[0]["milestone_summary"]
    pooled = net.pooled.secondary.milestone_summary.to_dicts()  # type: ignore[union-attr]
    assert pooled and len(got) == len(pooled)
    for g, w in zip(got, pooled, strict=True):
        assert (g["milestone"], g["group"]) == (w["milestone"], w["group"])
        for c, v in w.items():
            if c not in ("milestone", "group"):
                assert close(g[c], v), (c, g, w)


def test_network_secondary_cells_are_pooled_or_suppressed_where_a_centre_is_small(
        seed_network: Network) -> None:
    net = seed_network
    got = {(r["table"], r["split"], r["group"], r["measure"]): r
           for r in net.result["secondary_tables"]}
    exact, _ = _federated(net, 1)
    sizes = [{(t, p["split_names"][s], g): c for t, split in p["tables"].items()
              for s, groups in split.items() for g, c in groups.items()}
             for p in _federated(net, 1)[1]]
    shown = hidden = 0
    for want in exact["secondary_tables"]:
        r = got[(want["table"], want["split"], want["group"], want["measure"])]
        table = "MSFC" if want["table"].startswith("MSFC") else "OCT"
        groups = [s.get((table, want["split"], want["group"])) for s in sizes]
        small_group = any(c is not None and 0 < c["n_group"] < 5 for c in groups)
        if r["status"] == "suppressed":
            hidden += 1
            continue
        assert not small_group, r
        shown += 1
        assert r["n"] == want["n"] and close(r.get("mean"), want.get("mean"))
    assert hidden and shown  # the small centre (7 patients) hides some cells only
    assert [t["status"] for t in net.result["secondary_tests"]].count("suppressed") >= 1


def test_a_milestone_with_a_small_cohort_sends_only_all_its_patients() -> None:
    table = {"time": [100.0, 200.0], "events": [1, 0], "censored": [4, 5]}
    a = {"4": {"at_risk": 10, "all": table, "cohorts": None}}
    b = {"4": {"at_risk": 10, "all": table, "cohorts": {"x": table}}}
    rows = milestone_rows([a, b])
    assert [r["group"] for r in rows] == ["all"]
    assert rows[0]["at_risk"] == 20 and rows[0]["reached"] == 2
    assert rows[0]["status"] == "exact (cohorts suppressed)"
    assert milestone_rows([a, {"4": {"suppressed": True}}]) == [
        {"milestone": 4.0, "group": "all", "status": "suppressed"}]


def test_secondary_partials_hold_no_patient_level_column(seed_network: Network) -> None:
    parts = [p["secondary"] for p in seed_network.partials if "secondary" in p]
    assert len(parts) == 3
    # the frame's own column names never leave (the walk over values is test_disclosure's)
    text = str(parts)
    for column in ("patient_id", "index_date", "'s|", "'ms|", "tps|"):
        assert column not in text

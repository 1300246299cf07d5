"""Holm-adjusted p-values of the federated tests: equal to the pooled analysis' when the
family is the pooled family; otherwise Holm over the tests done (statsmodels'
``multipletests(method="holm")`` as the independent reference), with the suppressed tests
counted out of the family and said so."""

from __future__ import annotations

import pytest
from statsmodels.stats.multitest import multipletests

from .conftest import Network

TOL = {"abs": 1e-9, "rel": 1e-9}


def _holm_reference(p: list[float | None]) -> list[float | None]:
    """statsmodels.stats.multitest.multipletests(p, method="holm") over the non-missing p."""
    done = [x for x in p if x is not None]
    if not done:
        return [None] * len(p)
    adjusted = iter(multipletests(done, method="holm")[1])
    return [None if x is None else float(next(adjusted)) for x in p]


def test_paired_tests_are_adjusted_as_the_pooled_family(net: Network) -> None:
    fed = net.result["tests"]
    pooled = {r["measure"]: r for r in net.pooled.tests.iter_rows(named=True)}
    family = net.result["multiplicity"][0]
    assert family["family"] == "paired tests"
    exploratory = [r for r in fed if r["role"] == "exploratory"]
    want = _holm_reference([r.get("p_t") for r in exploratory])
    for r, w in zip(exploratory, want, strict=True):
        assert (r["p_holm"] is None) == (w is None) and (w is None or r["p_holm"] ==
                                                          pytest.approx(w, **TOL))
    suppressed = sum(r["status"] == "suppressed" for r in exploratory)
    assert family["suppressed"] == suppressed
    assert family["tests"] == sum(w is not None for w in want)
    for r in fed:
        assert r["role"] == pooled[r["measure"]]["role"]
        if r["role"] == "primary":
            assert r["p_holm"] is None
    if suppressed == 0:  # the pooled family: the pooled adjusted p-values
        assert family["note"] == "the family of the pooled analysis"
        for r in fed:
            want_p = pooled[r["measure"]]["p_holm"]
            assert (r["p_holm"] is None) == (want_p is None), r["measure"]
            if want_p is not None:
                assert r["p_holm"] == pytest.approx(want_p, **TOL), r["measure"]
    else:
        assert "out of the family" in family["note"]


def test_table_tests_are_one_family_without_the_suppressed_cells(net: Network) -> None:
    rows = net.result["tables"]
    family = net.result["multiplicity"][1]
    assert family["family"] == "group tables"
    want = _holm_reference([r.get("p_t") for r in rows])
    for r, w in zip(rows, want, strict=True):
        assert (r["p_holm"] is None) == (w is None)
        if w is not None:
            assert r["p_holm"] == pytest.approx(w, **TOL)
    left = sum(r["status"] == "suppressed" and r["measure"] in ("change EDSS", "change MSSS")
               for r in rows)
    assert family["suppressed"] == left and family["tests"] == sum(
        w is not None for w in want)
    pooled_p = [p for f in net.pooled.tables.values() for p in f["p_t"].to_list()
                if p is not None]
    if left == 0 and net.result["median_followup"] is not None:
        assert len(pooled_p) == family["tests"]  # the same family as the pooled analysis
        pooled = {(key, r["group"], r["measure"]): r["p_holm"]
                  for key, f in net.pooled.tables.items() for r in f.iter_rows(named=True)}
        for r in rows:
            want_p = pooled[(r["split"], r["group"], r["measure"])]
            assert (r["p_holm"] is None) == (want_p is None)
            if want_p is not None:
                assert r["p_holm"] == pytest.approx(want_p, **TOL)
    else:  # suppressed tests leave the family, and the output says so
        assert "out of the family" in family["note"]
        assert family["tests"] < len(pooled_p)

"""The between-group contrasts (Welch and ANCOVA) of the federated run equal the pooled
analysis' ``contrasts`` table (:func:`mscohort.analyse.contrasts.contrast_table`) to 1e-9,
or are suppressed exactly where some centre has 1 to 4 patients in a group of the split."""

from __future__ import annotations

import polars as pl
import pytest

from mscohort.analyse.tables import study_splits
from mscohort.definition import load_definition
from mscohort.stratify.splits import analysed

from .conftest import Network
from .test_pooled_equality import close

MEASURES = {"change EDSS": ("edss_change", "baseline_edss"),
            "change MSSS": ("msss_change", "baseline_msss")}


def _expected_suppressed(net: Network, name: str, label: str) -> bool:
    change, baseline = MEASURES[label]
    d = load_definition(net.definition)
    median = net.pooled.outcomes.filter(analysed(net.pooled.outcomes))["followup"].median()
    for out in net.centres:
        if name == "follow-up":
            ok = analysed(out)
            groups = {"long-term": ok & (out["followup"] > median),
                      "short-term": ok & (out["followup"] <= median)}
        else:
            splits = {s.name: s for s in study_splits(out, d).values()}
            groups = splits[name].groups if name in splits else {}
        for mask in groups.values():
            n = out.filter(mask).select(change, baseline, "followup_days").drop_nulls().height
            if 0 < n < 5:
                return True
    return False


def test_contrasts_equal_the_pooled_analysis_or_are_suppressed(net: Network) -> None:
    fed = net.result["contrasts"]
    suppressed = {(r["split"], r["measure"]) for r in fed if r["status"] == "suppressed"}
    got = {(r["split"], r["measure"], r["group"], r["adjustment"]): r for r in fed
           if r["status"] != "suppressed"}
    pooled = net.pooled.contrasts
    assert pooled.height > 0
    compared = 0
    for row in pooled.iter_rows(named=True):
        key = (row["split"], row["measure"])
        if key in suppressed:
            assert _expected_suppressed(net, *key), key
            continue
        if row["split"] == "follow-up" and net.result["median_followup"] is None:
            continue  # no pooled median: the cohorts are suppressed (test_pooled_equality)
        assert not _expected_suppressed(net, *key), key
        r = got.pop((row["split"], row["measure"], row["group"], row["adjustment"]))
        for field in ("reference", "n_group", "n_reference", "test", "note"):
            assert r[field] == row[field], (field, r, row)
        for field in ("estimate", "ci_low", "ci_high", "p"):
            assert close(r[field], row[field]), (field, r[field], row[field])
        compared += 1
    assert not got  # nothing federated that the pooled analysis does not have
    assert compared > 0 or suppressed  # the seed's small centre suppresses every split
    for split, measure in suppressed:
        assert _expected_suppressed(net, split, measure)


def test_contrast_families_are_adjusted_as_the_pooled_ones_when_nothing_is_suppressed(
        net: Network) -> None:
    fed = net.result["contrasts"]
    families = {f["family"]: f for f in net.result["multiplicity"]}
    pooled = {(r["split"], r["measure"], r["group"], r["adjustment"]): r["p_holm"]
              for r in net.pooled.contrasts.iter_rows(named=True)}
    whole = (not any(r["status"] == "suppressed" for r in fed)
             and net.result["median_followup"] is not None)
    for r in fed:
        if r["status"] == "suppressed":
            continue
        fam = families[f"contrasts, {r['adjustment']}"]
        if whole:
            assert fam["note"] == "the family of the pooled analysis"
            assert close(r["p_holm"], pooled[(r["split"], r["measure"], r["group"],
                                              r["adjustment"])])
        else:
            assert "out of the family" in fam["note"] or fam["suppressed"] == 0


def test_the_synthetic_cohorts_contrasts_are_compared_not_all_suppressed(
        synthetic_network: Network) -> None:
    exact = [r for r in synthetic_network.result["contrasts"] if r["status"] == "exact"]
    assert {r["adjustment"] for r in exact} == {"none (Welch)", "baseline",
                                                "baseline and follow-up"}


def test_suppressed_groups_suppress_the_whole_split_and_measure() -> None:
    from mscohort_federated.contrasts import contrast_rows

    cell = {"n": 6, "zz": [[6.0, 12.0, 6.0], [12.0, 30.0, 12.0], [6.0, 12.0, 8.0]],
            "zy": [3.0, 7.0, 3.5], "yy": 4.0, "sum": 3.0, "m2": 2.5}
    parts = [{"by x|change EDSS": {"a": cell, "b": cell}},
             {"by x|change EDSS": {"a": cell, "b": {"suppressed": True}}}]
    assert contrast_rows(parts) == [{"split": "by x", "measure": "change EDSS",
                                     "status": "suppressed"}]
    assert pl.DataFrame(contrast_rows(parts[:1])).height == 3  # Welch and two ANCOVAs


def test_equal_groups_give_a_zero_difference_against_a_hand_calculation() -> None:
    """Two groups with the same sums: Welch difference 0, p 1 (t = 0)."""
    from mscohort_federated.contrasts import contrast_rows

    cell = {"n": 6, "zz": [[6.0, 12.0, 6.0], [12.0, 30.0, 12.0], [6.0, 12.0, 8.0]],
            "zy": [3.0, 7.0, 3.5], "yy": 4.0, "sum": 3.0, "m2": 2.5}
    rows = contrast_rows([{"s|change EDSS": {"a": cell, "b": cell}}])
    welch = next(r for r in rows if r["adjustment"] == "none (Welch)")
    assert welch["estimate"] == 0.0 and welch["p"] == pytest.approx(1.0, abs=1e-12)

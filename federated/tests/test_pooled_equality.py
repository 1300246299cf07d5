"""Every exactly-combinable number of the federated run equals the pooled analysis.

Reference: ``mscohort analyse`` on the 60 seed patients in one place
(:func:`mscohort.analyse.study.analyse_study`), or the pooled outcomes through mscohort's
own rate functions where the pooled frame holds text. Tolerance 1e-9. A cell is expected to
be suppressed exactly when some centre has between 1 and 4 patients in it (computed here
from each centre's own outcomes, independently of the algorithm).
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from mscohort.analyse.rates import pooled_rate, rate_ratio, relapse_population
from mscohort.analyse.stats import paired
from mscohort.analyse.tables import study_splits
from mscohort.definition import load_definition
from mscohort.stratify.splits import analysed, by_conditions

from .conftest import Network

TOL = {"abs": 1e-9, "rel": 1e-9}
COLUMNS = {"age at index": "age_at_index", "baseline EDSS": "baseline_edss",
           "change EDSS": "edss_change", "baseline MSSS": "baseline_msss",
           "change MSSS": "msss_change"}


def close(got: object, want: object) -> bool:
    if want is None or (isinstance(want, float) and math.isnan(want)):
        return got is None
    return got == pytest.approx(want, **TOL)


def centre_outcomes(net: Network) -> list[pl.DataFrame]:
    return net.centres


def expected_suppressed(net: Network, key: str, group: str, column: str) -> bool:
    """Some centre has 1-4 patients in the group, or 1-4 values of the measure."""
    median = net.pooled.outcomes.filter(analysed(net.pooled.outcomes))["followup"].median()
    d = load_definition(net.definition)
    for out in centre_outcomes(net):
        if key == "by follow-up cohort":
            ok = analysed(out)
            mask = ok & ((out["followup"] > median) if group == "long-term"
                         else (out["followup"] <= median))
        else:
            mask = study_splits(out, d)[key].groups.get(group, pl.Series([False] * out.height))
        sub = out.filter(mask)
        n = sub[column].drop_nulls().drop_nans().len()
        if 0 < sub.height < 5 or 0 < n < 5:
            return True
    return False


def test_every_table_cell_equals_the_pooled_analysis_or_is_suppressed(
        net: Network) -> None:
    fed = {(r["split"], r["group"], r["measure"]): r for r in net.result["tables"]}
    compared = suppressed = 0
    for key, frame in net.pooled.tables.items():
        for row in frame.iter_rows(named=True):
            got = fed.pop((key, row["group"], row["measure"]), None)
            if got is None:  # no pooled median: some centre has 1-4 analysed patients
                assert key == "by follow-up cohort" and net.result["median_followup"] is None
                assert any(0 < analysed(o).sum() < 5 for o in net.centres)
                suppressed += 1
                continue
            column = COLUMNS.get(row["measure"], "followup")
            if got["status"] == "suppressed":
                assert expected_suppressed(net, key, row["group"], column), got
                suppressed += 1
                continue
            assert not expected_suppressed(net, key, row["group"], column), row
            assert got["n_group"] == row["n_group"] and got["n"] == row["n"], (got, row)
            fields = ["mean", "sd", "ci_low", "ci_high"]
            if row["measure"].startswith("follow-up"):
                fields.append("median")
            if row["p_t"] is not None or row["measure"].startswith("change"):
                fields += ["p_t", "d_z", "d_z_ci_low", "d_z_ci_high"]
            for f in fields:
                assert close(got.get(f), row[f]), (key, row["group"], row["measure"], f,
                                                   got.get(f), row[f])
            compared += 1
    assert fed == {}, "rows the pooled analysis does not have"
    assert compared >= 20 and suppressed >= 1, (compared, suppressed)


def _pairs(out: pl.DataFrame, measure: str) -> int:
    """Complete pairs of a paired test at one centre (mscohort.analyse.tables.paired_tests)."""
    if measure in ("EDSS", "MSSS"):
        stem = measure.lower()
        sub, cols = out.filter(analysed(out)), (f"baseline_{stem}", f"followup_{stem}")
    elif measure == "ARR":
        sub = out.filter(pl.col("in_relapse_analysis") & pl.col("arr_during").is_not_null())
        cols = ("arr_before", "arr_during")
    else:
        slug = measure.removeprefix("EDSS at ").replace(" ", "_")
        sub, cols = out.filter(pl.col("baseline_edss").is_not_null()), (
            "baseline_edss", next(c for c in out.columns if c == f"edss_{slug}"))
    return sub.filter(pl.col(cols[0]).is_not_null() & pl.col(cols[1]).is_not_null()).height


def test_paired_tests_equal_the_pooled_t_tests(net: Network) -> None:
    fed = {r["measure"]: r for r in net.result["tests"]}
    compared = 0
    for row in net.pooled.tests.iter_rows(named=True):
        got = fed[row["measure"]]
        small = any(0 < _pairs(o, row["measure"]) < 5 for o in net.centres)
        assert (got["status"] == "suppressed") == small, (row["measure"], got["status"])
        if small:
            continue
        for f in ("n", "mean_before", "mean_after", "mean_difference", "ci_low", "ci_high",
                  "t", "df", "p_t", "d_z", "d_z_ci_low", "d_z_ci_high"):
            assert close(got.get(f), row[f]), (row["measure"], f, got.get(f), row[f])
        assert "Wilcoxon" in got["status"]  # ranks across centres: not combinable
        compared += 1
    assert compared >= 3


def test_improved_stable_worsened_counts_equal_the_pooled_ones(net: Network) -> None:
    fed = {r["category"]: r for r in net.result["categories"]}
    for row in net.pooled.categories.iter_rows(named=True):
        got = fed[row["category"]]
        if got["status"] == "suppressed":
            counts = [o.filter(analysed(o) & (pl.col("change_category") == row["category"])
                               ).height for o in centre_outcomes(net)]
            assert any(0 < c < 5 for c in counts)
            continue
        for f in ("n", "of", "percent", "mean_change"):
            assert close(got[f], row[f]), (row["category"], f)


def test_relapse_rates_and_rate_ratio_equal_the_pooled_model(net: Network) -> None:
    out = net.pooled.outcomes
    d = load_definition(net.definition)
    base = out.select(relapse_population()).to_series()
    groups = {"all": base} | {n: base & m for n, m in
                              by_conditions(out, d.subgroups).groups.items()}
    fed = {r["group"]: r for r in net.result["relapses"]}
    assert set(fed) == set(groups)
    checked = 0
    for name, mask in groups.items():
        g = out.filter(mask)
        got = fed[name]
        if got["status"] == "suppressed":
            sizes = [o.filter(o.select(relapse_population()).to_series()).height
                     for o in centre_outcomes(net)]
            assert name != "all" or any(0 < s < 5 for s in sizes)
            continue
        y0, t0 = g["relapses_before"].to_numpy(), g["years_before"].to_numpy()
        y1, t1 = g["relapses_during"].to_numpy(), g["years_during"].to_numpy()
        pb, pd_, rr = pooled_rate(y0, t0), pooled_rate(y1, t1), rate_ratio(y0, t0, y1, t1)
        test = paired(g["arr_before"], g["arr_during"])
        assert got["n"] == g.height
        for f, want in (("pooled_before", pb.rate), ("pooled_before_ci_low", pb.ci_low),
                        ("pooled_before_ci_high", pb.ci_high), ("pooled_during", pd_.rate),
                        ("pooled_during_ci_low", pd_.ci_low),
                        ("pooled_during_ci_high", pd_.ci_high), ("rate_ratio", rr.ratio),
                        ("rate_ratio_ci_low", rr.ci_low), ("rate_ratio_ci_high", rr.ci_high),
                        ("p_rate_ratio", rr.p), ("p_paired_t", test.p_t),
                        ("mean_arr_before", g["arr_before"].mean()),
                        ("mean_arr_during", g["arr_during"].mean())):
            assert close(got.get(f), want), (name, f, got.get(f), want)
        checked += 1
    assert checked >= 1
    assert net.result["rounds"]["newton_iterations"] >= 3  # iterated, not closed form


def test_kaplan_meier_and_log_rank_equal_the_pooled_curves(net: Network) -> None:
    km = pl.DataFrame(net.result["km_cdw"])
    pooled = net.pooled.km_cdw
    median = net.result["median_followup"]
    assert median is not None, "no pooled median: the tests need a centre mix that has one"
    small = []
    for group in ("long-term", "short-term"):
        sizes = [(analysed(o) & ((o["followup"] > median) if group == "long-term" else
                                 (o["followup"] <= median))).sum() for o in net.centres]
        want = pooled.filter(pl.col("group") == group)
        got = km.filter(pl.col("group") == group) if km.height else km
        if any(0 < s < 5 for s in sizes):
            assert got.height == 0, group  # suppressed
            small.append(group)
            continue
        assert got.height == want.height > 0
        for f in ("time", "at_risk", "events", "censored", "survival", "ci_low", "ci_high"):
            for g, w in zip(got[f].to_list(), want[f].to_list(), strict=True):
                assert close(g, w), (group, f)
    lr, want = net.result["logrank_cdw"], net.pooled.logrank_cdw
    if small:
        assert lr == {"status": "suppressed"}
    else:
        assert close(lr["chi2"], want.chi2) and close(lr["p"], want.p)
        assert lr["observed"] == want.observed


def test_median_follow_up_is_exact(net: Network) -> None:
    out = net.pooled.outcomes
    want = out.filter(analysed(out))["followup"].median()
    assert want is not None
    assert net.result["median_followup"] == want  # exact, not within a tolerance
    # three bisections (the follow-up median; the group medians; the safety panels' days
    # overdue, once some panel is released, as at 30,000 patients), each at most 17 rounds:
    # one for the pooled n, 16 cutting the 2^64 order keys 16 ways (bisection.py)
    assert net.result["rounds"]["count_rounds"] <= 3 * 17


def test_neda_counts_equal_the_pooled_secondary_table(net: Network) -> None:
    fed = {(r["split"], r["group"], r["measure"]): r for r in net.result["neda"]}
    table = net.pooled.secondary.tables["NEDA-3"]
    split_key = {"all": "all"} | {s.name: k for k, s in study_splits(
        net.pooled.outcomes, load_definition(net.definition)).items()}
    compared = 0
    for row in table.iter_rows(named=True):
        got = fed[(split_key[row["split"]], row["group"], row["measure"])]
        if got["status"] == "suppressed":
            continue
        assert got["n"] == row["n"], (row["group"], row["measure"])
        for f, want in (("share", row["mean"]), ("ci_low", row["ci_low"]),
                        ("ci_high", row["ci_high"])):
            assert close(got[f], want), (row["group"], row["measure"], f)
        compared += 1
    assert compared >= 4


def test_centres_side_by_side_and_random_effects_against_statsmodels(
        net: Network) -> None:
    from statsmodels.stats.meta_analysis import combine_effects

    *rows, pooled = net.result["per_centre"]
    assert [r["centre"] for r in rows] == ["mock-1", "mock-2", "mock-3"]  # vantage6's names
    everyone = net.pooled.outcomes.filter(analysed(net.pooled.outcomes))["edss_change"]
    assert pooled["centre"] == "pooled" and close(pooled["edss_change_mean"], everyone.mean())
    effects, variances = [], []
    for row, out in zip(rows, centre_outcomes(net), strict=True):
        change = out.filter(analysed(out))["edss_change"].drop_nulls().to_numpy()
        if change.size < 5:  # the small centre: suppressed
            assert row["edss_change_mean"] == "suppressed"
            continue
        assert close(row["edss_change_mean"], float(np.round(change, 9).mean()))
        assert close(row["edss_change_sd"], float(np.round(change, 9).std(ddof=1)))
        effects.append(row["edss_change_mean"])
        variances.append(row["edss_change_sd"] ** 2 / change.size)
    het = {h["outcome"]: h for h in net.result["heterogeneity"]}["mean EDSS change"]
    ref = combine_effects(np.array(effects), np.array(variances), method_re="dl")
    assert het["k"] == len(effects) >= 2
    assert close(het["i2"], float(ref.i2))
    assert close(het["tau2"], float(ref.tau2))
    assert close(het["random"], float(ref.mean_effect_re))
    assert close(het["random_se"], float(ref.sd_eff_w_re))
    assert close(het["fixed"], float(ref.mean_effect_fe))
    assert close(het["q"], float(ref.q))

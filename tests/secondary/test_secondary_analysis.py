"""Secondary outcomes in the study analysis: milestone Kaplan-Meier by hand, shares and
paired tests against scipy, and tables by every split."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from scipy import stats

from mscohort.analyse.secondary import secondary_outcomes
from mscohort.analyse.study import analyse_study
from mscohort.definition import StudyDefinition
from mscohort.derive.outcomes import patient_outcomes
from tests.secondary.build import day, study

EDSS = {"A": [(-10, 3.0), (200, 4.0), (300, 4.0), (800, 4.0)],   # EDSS 4 at day 200
        "B": [(-10, 3.0), (400, 3.5), (800, 3.5)],                # never: censored at 800
        "C": [(-10, 3.0), (400, 4.5), (500, 4.5), (800, 4.5)],   # EDSS 4 at day 400
        "D": [(-10, 4.5), (300, 6.0), (400, 6.0), (800, 6.0)]}   # above 4 at baseline


def _results(s, d: StudyDefinition | None = None):
    d = d or StudyDefinition()
    return secondary_outcomes(s, patient_outcomes(s, d), d)


def test_milestone_kaplan_meier_by_hand() -> None:
    r = _results(study(list(EDSS), EDSS))
    m4 = r.milestones.filter(pl.col("milestone") == 4.0)
    assert m4["patient_id"].to_list() == ["A", "B", "C"]  # D is at 4.5 at baseline
    assert m4["time_from_index_days"].to_list() == [200, 800, 400]
    assert m4["observed"].to_list() == [True, False, True]
    s = r.milestone_summary.filter((pl.col("milestone") == 4.0) & (pl.col("group") == "all"))
    row = s.row(0, named=True)
    # S(200) = 2/3, S(400) = 2/3 * 1/2 = 1/3
    assert row["at_risk"] == 3 and row["reached"] == 2
    assert row["reached_by_1_year"] == pytest.approx(1 / 3)
    assert row["reached_by_2_years"] == pytest.approx(2 / 3)
    assert row["median_days"] == 400
    curve = r.km_milestones.filter((pl.col("milestone") == 4.0) & (pl.col("group") == "all"))
    assert curve["survival"].to_list() == pytest.approx([2 / 3, 1 / 3])
    m6 = r.milestone_summary.filter((pl.col("milestone") == 6.0) & (pl.col("group") == "all"))
    assert m6.row(0, named=True)["at_risk"] == 4 and m6.row(0, named=True)["reached"] == 1


def _msfc_rows() -> list[dict]:
    rng = np.random.default_rng(3)
    rows = []
    for i, pid in enumerate("ABCD"):
        for k, t in ((-7, 5.0 + i), (700, 5.0 + i + rng.uniform(-0.5, 2.0))):
            rows.append({"patient_id": pid, "date": day(k), "t25fw_1_s": t, "t25fw_2_s": t,
                         "nhpt_dom_1_s": 20.0, "nhpt_dom_2_s": 20.0, "nhpt_nondom_1_s": 21.0,
                         "nhpt_nondom_2_s": 21.0, "pasat3": 50 - (k > 0) * i})
    return rows


def test_msfc_paired_tests_equal_scipy_and_shares_count_known_patients() -> None:
    s = study(list(EDSS), EDSS, msfc=_msfc_rows())
    r = _results(s)
    p = r.patients.sort("patient_id")
    test = r.tests.filter(pl.col("measure") == "T25FW time (s)").row(0, named=True)
    ref = stats.ttest_rel(p["t25fw_s_followup"].to_numpy(), p["t25fw_s_baseline"].to_numpy())
    assert test["n"] == 4 and test["p_t"] == pytest.approx(ref.pvalue)
    assert test["t"] == pytest.approx(ref.statistic)
    table = r.tables["MSFC"]
    share = table.filter((pl.col("group") == "all analysed")
                         & pl.col("measure").str.starts_with("T25FW >= 20% slower"))
    k = int(((p["t25fw_s_followup"] / p["t25fw_s_baseline"] - 1) >= 0.2).sum())
    assert share["text"].to_list() == [f"{k}/4 ({100 * k / 4:.0f}%)"]
    change = table.filter((pl.col("group") == "all analysed")
                          & (pl.col("measure") == "change MSFC z")).row(0, named=True)
    assert change["mean"] == pytest.approx(p["msfc_z_change"].mean())
    assert change["p_t"] == pytest.approx(stats.ttest_1samp(p["msfc_z_change"].to_numpy(),
                                                            0).pvalue)
    # every split of the study's tables is there
    assert {"all", "follow-up", "drug immediately before", "cohort"} <= set(table["split"])


def test_neda_shares_by_group_and_the_components_named() -> None:
    s = study(list(EDSS), EDSS, relapses=[{"patient_id": "B", "onset_date": day(100)}])
    t = _results(s).tables["NEDA-3"]
    overall = t.filter(pl.col("group") == "all analysed")
    texts = dict(zip(overall["measure"], overall["text"], strict=True))
    # A: CDW at 200; B: relapse; C: CDW at 400; D: CDW (+1.5 from 4.5) at 300
    assert texts["NEDA (no MRI data), n/N (%)"] == "0/4 (0%)"
    assert texts["no relapse, n/N (%)"] == "3/4 (75%)"
    assert texts["no confirmed worsening, n/N (%)"] == "1/4 (25%)"
    by_cohort = t.filter((pl.col("split") == "cohort")
                         & pl.col("measure").str.starts_with("no relapse"))
    assert dict(zip(by_cohort["group"], by_cohort["text"], strict=True)) == {
        "A": "2/2 (100%)", "B": "1/2 (50%)"}


def test_the_study_analysis_writes_the_secondary_results(tmp_path) -> None:
    s = study(list(EDSS), EDSS, msfc=_msfc_rows())
    a = analyse_study(s, StudyDefinition())
    written = {p.name for p in a.write(tmp_path)}
    assert {"secondary.csv", "secondary_tables.csv", "secondary_tests.csv",
            "km_milestones.csv", "milestone_summary.csv"} <= written
    assert "NEDA-3 over 730.5 days" in a.methods()


@pytest.mark.parametrize(("raw", "message"), [
    ({"neda": {"window": 365}}, r"\[neda\] has unknown key\(s\) window"),
    ({"milestones": {"edss": [4.2]}}, r"milestones.edss` must be a list of EDSS steps"),
    ({"msfc": {"worsening_percent": 0}}, r"msfc.worsening_percent` must be a number >= 0.01"),
    ({"neda": {"window_days": "2y"}}, r"neda.window_days` must be a number"),
])
def test_secondary_settings_are_checked(raw: dict, message: str) -> None:
    from mscohort.definition import parse_definition
    from mscohort.errors import UsageError

    with pytest.raises(UsageError, match=message):
        parse_definition(raw, "study.toml")


def test_milestone_shares_reached_have_the_kaplan_meier_interval(tmp_path) -> None:
    """The interval of 1 - S(t) is 1 minus the Greenwood log-log bounds of S(t)
    (statsmodels check of the bounds: tests/reviewer/test_estimates.py)."""
    import numpy as np

    from mscohort.analyse.estimates import km_at
    from mscohort.analyse.secondary import _km

    milestones = pl.DataFrame({
        "patient_id": [f"P{i}" for i in range(8)], "milestone": [4.0] * 8,
        "time_from_index_days": [100.0, 200, 300, 400, 500, 800, 900, 1000],
        "observed": [True, False, True, True, False, True, False, False]})
    outcomes = pl.DataFrame({"patient_id": [f"P{i}" for i in range(8)], "cohort": ["A"] * 8})
    _, summary = _km(milestones, outcomes)
    row = summary.row(0, named=True)
    s1 = km_at(milestones["time_from_index_days"].to_numpy(),
               milestones["observed"].to_numpy(), 365.25)
    # S(365.25) = (1 - 1/8)(1 - 1/6) = 0.729167; reached = 0.270833
    assert row["reached_by_1_year"] == pytest.approx(1 - 7 / 8 * 5 / 6)
    assert (row["reached_by_1_year_ci_low"], row["reached_by_1_year_ci_high"]) == (
        pytest.approx(1 - s1.ci_high), pytest.approx(1 - s1.ci_low))
    assert row["reached_by_1_year_ci_low"] < row["reached_by_1_year"] < row[
        "reached_by_1_year_ci_high"]
    assert np.isfinite(row["reached_by_2_years_ci_high"])

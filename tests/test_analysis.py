"""Study analysis: the definition, per-patient outcomes on the toy cohort (by hand), splits,
and the statistics against independent references."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import polars as pl
import pytest

from mscohort.analyse.stats import Describe, format_p, paired
from mscohort.analyse.tables import change_categories, paired_tests, study_tables
from mscohort.definition import StudyDefinition, load_definition, parse_definition
from mscohort.derive.outcomes import patient_outcomes
from mscohort.errors import UsageError
from mscohort.ingest import read_study
from mscohort.stratify.splits import by_median_followup, by_prior_drug, by_prior_window
from mscohort.validate import check_study
from tests.conftest import AS_OF

D = dt.date


@pytest.fixture
def outcomes(toy_dir: Path) -> pl.DataFrame:
    study, _ = check_study(read_study(toy_dir), as_of=AS_OF)
    return patient_outcomes(study, load_definition(toy_dir / "study.toml"))


def row(outcomes: pl.DataFrame, pid: str) -> dict:
    return outcomes.filter(pl.col("patient_id") == pid).row(0, named=True)


def test_index_courses_baseline_and_follow_up_of_p01(outcomes) -> None:
    r = row(outcomes, "P01")
    # Campath 5 x 12 mg from 2005-06-20, 3 x 12 mg from 2006-06-19: 2 courses, 8 infusions
    assert (r["index_date"], r["n_infusions"], r["n_courses"]) == (D(2005, 6, 20), 8, 2)
    # closest EDSS within 365 days before: 2005-03-10, EDSS 5.5; last after: 2013-09-05, 4.5
    assert (r["baseline_date"], r["baseline_edss"]) == (D(2005, 3, 10), 5.5)
    assert (r["followup_date"], r["followup_edss"], r["edss_change"]) == (D(2013, 9, 5), 4.5,
                                                                          -1.0)
    days = (D(2013, 9, 5) - D(2005, 6, 20)).days
    assert r["followup_days"] == days and r["followup"] == pytest.approx(days / 28)
    assert r["change_category"] == "improved"
    assert r["age_at_index"] == 44  # born 1961-05-12


def test_relapse_rates_before_and_during_follow_up(outcomes) -> None:
    r = row(outcomes, "P01")
    # relapses 2004-01-20 and 2005-06-02 in the 730.5 days before 2005-06-20: 2 / 2 years
    assert r["relapses_before"] == 2 and r["arr_before"] == pytest.approx(1.0)
    # 2008-11-11 during follow-up
    years = (D(2013, 9, 5) - D(2005, 6, 20)).days / 365.25
    assert r["relapses_during"] == 1 and r["arr_during"] == pytest.approx(1 / years)
    assert not row(outcomes, "P04")["in_relapse_analysis"]  # regular corticosteroids


def test_prior_drugs_and_sequence(outcomes) -> None:
    p02 = row(outcomes, "P02")  # Rebif stopped 2008, NAT 2009-2011, FTY 2011-2012, ALE 2012
    assert (p02["prior_drug"], p02["prior_group"]) == ("fingolimod", "FTY")
    assert p02["prior_window_drugs"] == ["natalizumab", "fingolimod"]
    assert p02["sequence"] == "NAT -> FTY -> ALE"
    p05 = row(outcomes, "P05")  # Betaseron to 2010-09-30 overlaps the window from 2010-09-24
    assert p05["prior_window_groups"] == ["IFN-GA", "FTY"]


def test_a_patient_without_a_baseline_edss_is_not_analysed(outcomes) -> None:
    assert row(outcomes, "P03")["excluded_reason"] == "no baseline EDSS"


def test_median_split_and_its_tie_rule(outcomes) -> None:
    split = by_median_followup(outcomes)
    fu = outcomes.filter(pl.col("excluded_reason").is_null())["followup"].sort().to_list()
    median = fu[3]  # 7 analysed patients
    assert split.groups["long-term"].sum() == 3 and split.groups["short-term"].sum() == 4
    assert outcomes.filter(split.groups["short-term"])["followup"].max() == median


def test_exclusive_and_non_exclusive_prior_drug_groups(outcomes) -> None:
    d = StudyDefinition()
    exclusive = by_prior_drug(outcomes, d)
    sizes = {g: int(m.sum()) for g, m in exclusive.groups.items()}
    assert exclusive.exclusive and sum(sizes.values()) == 7
    window = by_prior_window(outcomes, d)
    assert not window.exclusive
    assert int(window.groups["NAT -> FTY -> ALE"].sum()) == 2  # P02 and P06
    assert sum(int(m.sum()) for m in window.groups.values()) > 7


def test_tables_say_whether_groups_are_exclusive(outcomes) -> None:
    tables = study_tables(outcomes, StudyDefinition())
    assert tables["by immediate prior DMD"]["exclusive"].all()
    assert not tables["by DMD within prior window"]["exclusive"].any()
    cell = tables["by follow-up cohort"].filter(
        (pl.col("group") == "long-term") & (pl.col("measure") == "change EDSS"))
    assert cell["text"][0].startswith("-0.8 ± 0.3 (-1.0 to -0.5)")


def test_change_categories_count_every_analysed_patient(outcomes) -> None:
    c = change_categories(outcomes)
    assert c["n"].sum() == 7 and c["n"].to_list() == [5, 1, 1]


# -- statistics against independent references -------------------------------------------
def _t_two_sided_p(t: float, df: int) -> float:
    """Two-sided p of Student's t by Simpson integration of its density (a second method,
    independent of scipy)."""
    c = math.gamma((df + 1) / 2) / (math.sqrt(df * math.pi) * math.gamma(df / 2))
    pdf = lambda x: c * (1 + x * x / df) ** (-(df + 1) / 2)  # noqa: E731
    a, b, n = 0.0, abs(t), 20_000
    h = (b - a) / n
    area = pdf(a) + pdf(b) + sum((4 if i % 2 else 2) * pdf(a + i * h) for i in range(1, n))
    return 1 - 2 * area * h / 3


def test_paired_t_by_formula() -> None:
    before = [5.5, 4.5, 6.0, 3.5, 5.0, 6.5, 6.0]
    after = [4.5, 3.5, 5.5, 3.5, 4.0, 5.5, 6.5]
    d = [a - b for a, b in zip(after, before, strict=True)]
    n = len(d)
    mean = sum(d) / n
    sd = math.sqrt(sum((x - mean) ** 2 for x in d) / (n - 1))
    t = mean / (sd / math.sqrt(n))
    r = paired(pl.Series(before), pl.Series(after))
    assert r.mean_difference == pytest.approx(mean) == pytest.approx(-4 / 7)
    assert r.t == pytest.approx(t) and r.df == 6
    assert r.p_t == pytest.approx(_t_two_sided_p(t, 6), abs=1e-7)
    # the 95% CI half-width is t_crit * sd / sqrt(n), with t_crit where p = 0.05
    lo, hi = 0.0, 10.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if _t_two_sided_p(mid, 6) > 0.05 else (lo, mid)
    half = lo * sd / math.sqrt(n)
    assert (r.ci_low, r.ci_high) == (pytest.approx(mean - half, abs=1e-6),
                                     pytest.approx(mean + half, abs=1e-6))


def test_wilcoxon_exact_small_sample() -> None:
    # differences 1..5 all positive: V = 15, exact two-sided p = 2 / 2^5 = 0.0625
    r = paired(pl.Series([0.0] * 5), pl.Series([1.0, 2, 3, 4, 5]))
    # scipy reports the smaller rank sum (0 here; R's V is the positive one, 15)
    assert r.wilcoxon_statistic == 0.0
    assert r.p_wilcoxon == pytest.approx(0.0625)


@pytest.mark.parametrize(("before", "after", "note"), [
    ([1.0], [2.0], "fewer than 2 pairs"), ([1.0, 2.0], [2.0, 3.0], "all differences are equal"),
])
def test_undefined_tests_are_reported_not_computed(before, after, note) -> None:
    r = paired(pl.Series(before), pl.Series(after))
    assert r.p_t is None and r.p_wilcoxon is None and note in r.note


def test_p_values_print_with_two_significant_digits() -> None:
    assert [format_p(p) for p in (0.04725, 0.66, 0.00009, None)] == [
        "0.047", "0.66", "< 0.0001", "not tested"]


def test_describe_prints_the_seed_cell_formats() -> None:
    s = Describe.of(pl.Series([-4.0, -1.0, 0.0, 2.0]))
    assert s.mean_sd_range(1, signed=True) == "-0.8 ± 2.5 (-4.0 to +2.0), n=4"
    assert Describe.of(pl.Series([2.0, 7.5])).mean_sd_range(1) == "4.8 ± 3.9 (2.0-7.5), n=2"


def test_paired_tests_table_uses_the_relapse_analysis_set(outcomes) -> None:
    t = paired_tests(outcomes)
    assert t.filter(pl.col("measure") == "ARR")["n"][0] == 7  # 8 less P04 (corticosteroids)


# -- the definition file -------------------------------------------------------------------
@pytest.mark.parametrize(("raw", "match"), [
    ({"studdy": {}}, r"`\[section\]` must be one of .*; got '\[studdy\]'"),
    ({"index": {"drug": "Tysabry"}}, "index.drug` must be a drug of the vocabulary"),
    ({"follow_up": {"unit": "weeks"}}, "follow_up.unit` must be one of"),
    ({"follow_up": {"end": "cutoff"}}, "cutoff_date` must be given"),
    ({"baseline": {"window_days": -1}}, "baseline.window_days` must be a number of days"),
    ({"change": {"rule": "big"}}, "change.rule` must be"),
    ({"index": {"drugs": "x"}}, "unknown key"),
])
def test_bad_definitions_are_usage_errors(raw: dict, match: str) -> None:
    with pytest.raises(UsageError, match=match):
        parse_definition(raw)


def test_the_shipped_definition_loads(toy_dir: Path) -> None:
    d = load_definition(toy_dir / "study.toml")
    assert d.index_drug == "alemtuzumab" and d.unit_days == 28
    assert d.transitions == (("natalizumab", "fingolimod"),)


def test_subgroups_by_condition_and_the_relapse_table(outcomes) -> None:
    from mscohort.analyse.tables import relapse_table

    d = StudyDefinition(subgroups={"ARR before >= 1": "arr_before >= 1"})
    table = relapse_table(outcomes, d)
    assert table["group"].to_list() == ["all", "ARR before >= 1"]
    # P01, P02, P06 had 2 relapses in the 2 years before (P04 is on corticosteroids)
    assert table["n"].to_list() == [7, 3]
    assert table["pooled_before"][1] == pytest.approx(1.0)


def test_subgroup_conditions_are_checked() -> None:
    with pytest.raises(UsageError, match=r"subgroups\.x` must be 'column op number'"):
        parse_definition({"subgroups": {"x": "arr_before about 2"}})
    with pytest.raises(UsageError, match="a condition on an outcome column"):
        parse_definition({"subgroups": {"x": "relapse_count > 2"}})


def test_time_to_first_confirmed_worsening_from_index(write_study) -> None:
    from mscohort.analyse.tables import cdw_survival
    from mscohort.stratify.splits import by_column

    folder = write_study(
        edss="patient_id,date,edss\nP1,2010-01-01,3.0\nP1,2010-06-01,4.0\nP1,2010-10-01,4.0\n"
             "P2,2012-01-01,2.0\nP2,2012-06-01,2.0\nP2,2013-01-01,2.0\n",
        infusions="patient_id,drug,date,dose_mg\nP1,alemtuzumab,2010-01-10,12\n"
                  "P2,alemtuzumab,2012-01-05,12\n")
    study, _ = check_study(read_study(folder), as_of=AS_OF)
    out = patient_outcomes(study, StudyDefinition())
    p1, p2 = row(out, "P1"), row(out, "P2")
    # P1: +1.0 on 2010-06-01 confirmed on 2010-10-01 (122 days later): 142 days from index
    assert (p1["cdw_observed"], p1["time_to_cdw_days"]) == (True, 142)
    # P2: no worsening; censored at the follow-up end, 2013-01-01 (362 days)
    assert (p2["cdw_observed"], p2["time_to_cdw_days"]) == (False, 362)
    curves, test = cdw_survival(out, by_column(out, "sex"))
    assert set(curves["group"]) == {"F"} and test.observed == {"F": 1, "M": 0}


def test_edss_at_time_points(outcomes) -> None:
    # P02: index 2012-05-07; 12 months = 2013-05-07 +/- 90 days -> 2013-05-20, EDSS 3.5
    p02 = row(outcomes, "P02")
    assert (p02["date_12_months"], p02["edss_12_months"]) == (D(2013, 5, 20), 3.5)
    assert p02["edss_change_12_months"] == -1.0
    # P01: no assessment within 90 days of 2006-06-20; the last one after 12 months: 4.5
    p01 = row(outcomes, "P01")
    assert p01["edss_12_months"] is None
    assert (p01["date_more_than_12_months"], p01["edss_more_than_12_months"]) == (
        D(2013, 9, 5), 4.5)


@pytest.mark.parametrize(("tps", "match"), [
    ([{"name": "x"}], "either days"),
    ([{"name": "x", "days": 365, "after_days": 1}], "either days"),
    ([{"name": "x", "days": 365, "wndow": 1}], "keys name, days"),
    ([{"name": "a b", "days": 1}, {"name": "a-b", "days": 2}], "distinct names"),
])
def test_bad_time_points_are_usage_errors(tps: list, match: str) -> None:
    with pytest.raises(UsageError, match=match):
        parse_definition({"timepoints": tps})


def test_baseline_edss_bands_and_cohort_split(outcomes) -> None:
    from mscohort.stratify.splits import by_band, by_column

    bands = by_band(outcomes, "baseline_edss", (0, 3, 6, 10))
    sizes = {g: int(m.sum()) for g, m in bands.groups.items()}
    # baselines: 5.5, 4.5, 6.0, 3.5, 5.0, 6.5, 6.0 (P03 has none)
    assert sizes == {"0 to <3": 0, "3 to <6": 4, "6 to 10": 3}
    cohorts = by_column(outcomes, "cohort")
    assert {g: int(m.sum()) for g, m in cohorts.groups.items()} == {
        "ALE-experienced": 3, "ALE-naive": 4}


def test_analyse_study_writes_every_result_with_settings_and_methods(toy_dir: Path,
                                                                    tmp_path: Path) -> None:
    from mscohort.analyse.study import analyse_study

    study, _ = check_study(read_study(toy_dir), as_of=AS_OF)
    result = analyse_study(study, load_definition(toy_dir / "study.toml"))
    files = {p.name for p in result.write(tmp_path / "out")}
    assert {"outcomes.csv", "tables.json", "relapses.csv", "settings.json",
            "methods.txt"} <= files
    text = result.methods()
    for phrase in ("first infusion of alemtuzumab", "lunar months of 28 days",
                   "730.5 days", "Wilcoxon", "Kaplan-Meier"):
        assert phrase in text
    assert pl.read_json(tmp_path / "out" / "tables.json").height == sum(
        t.height for t in result.tables.values())
    # Parquet keeps the types, and the per-patient drug lists as lists
    back = pl.read_parquet(tmp_path / "out" / "outcomes.parquet")
    assert back.equals(result.outcomes)
    assert back.schema["prior_window_drugs"] == pl.List(pl.String)


def test_index_date_may_be_the_enrolment_date(write_study) -> None:
    folder = write_study(
        patients="patient_id,sex,birth_date,onset_date,enrolment_date\n"
                 "P1,F,1970-01-01,1995-01-01,2010-02-01\nP2,M,1980-06-15,2001-03-01,\n",
        infusions="patient_id,drug,date,dose_mg\nP1,alemtuzumab,2010-03-01,12\n")
    study, _ = check_study(read_study(folder), as_of=AS_OF)
    out = patient_outcomes(study, parse_definition({"index": {"date": "enrolment_date"}}))
    p1, p2 = row(out, "P1"), row(out, "P2")
    assert p1["index_date"] == D(2010, 2, 1) and p1["n_courses"] == 1
    assert p2["excluded_reason"] == "no index treatment"


def test_outcome_msss_equals_the_stored_derived_msss(toy_dir: Path) -> None:
    from mscohort.derive.assessments import derive_edss
    from mscohort.derive.outcomes import _edss_with_msss

    study, _ = check_study(read_study(toy_dir), as_of=AS_OF)
    light = _edss_with_msss(study).sort("patient_id", "date")
    full = derive_edss(study).select("patient_id", "date", "edss", "msss")
    assert light.equals(full, null_equal=True)

"""Report tables: the seed's layout and number formats, checked by hand and against scipy."""

from __future__ import annotations

import polars as pl
import pytest
from scipy import stats

from mscohort.analyse.stats import one_sample_t
from mscohort.analyse.tables import TABLE_SCHEMA, with_text
from mscohort.report.markdown import markdown_table
from mscohort.report.sections import report_tables
from mscohort.report.tables import ReportTable, cohort_table, group_table


def _row(**kw: object) -> dict[str, object]:
    base = {"table": "Outcome by follow-up cohort", "split": "follow-up", "exclusive": True,
            "rule": "long-term: above the median", "n_group": 30, "n": 30, "mean": None,
            "sd": None, "median": None, "min": None, "max": None, "p_t": None}
    return base | kw


def test_group_table_prints_one_row_per_group_in_the_seed_layout() -> None:
    # the report prints each cell from the row's numbers (``text`` is their rendering)
    edss = {"decimals": 1, "signed": True, "by_median": False}
    msss = {"decimals": 2, "signed": False, "by_median": False}
    frame = pl.DataFrame([
        _row(group="long-term", measure="change EDSS", text="-1.0 ± 1.4 (-4.0 to +2.0), n=30",
             p_t=0.0004, mean=-1.0, sd=1.4, min=-4.0, max=2.0, **edss),
        _row(group="long-term", measure="baseline MSSS",
             text="6.49 ± 2.09 (1.70-9.63), n=28", n=28, mean=6.49, sd=2.09, min=1.70,
             max=9.63, **msss),
        _row(group="short-term", measure="change EDSS", text="-0.4 ± 1.4 (-4.5 to +1.5), n=30",
             p_t=0.12, mean=-0.4, sd=1.4, min=-4.5, max=1.5, **edss),
        _row(group="short-term", measure="baseline MSSS",
             text="6.09 ± 2.16 (1.28-9.90), n=30", mean=6.09, sd=2.16, min=1.28, max=9.90,
             **msss),
    ], schema=TABLE_SCHEMA)
    assert frame["text"].to_list() == with_text(frame)["text"].to_list()
    t = group_table("by follow-up cohort", frame)
    assert t.columns == ("Group", "Change EDSS, mean ± SD (range)",
                         "Baseline MSSS, mean ± SD (range)")
    assert t.rows == (("long-term, n=30", "-1.0 ± 1.4 (-4.0 to +2.0)",
                       "6.49 ± 2.09 (1.70-9.63); n=28"),
                      ("short-term, n=30", "-0.4 ± 1.4 (-4.5 to +1.5)",
                       "6.09 ± 2.16 (1.28-9.90)"))
    assert t.footnotes[0] == ("N.B. These groups are exclusive (long-term: above the "
                              "median).")
    assert "long-term change EDSS: p = 0.0004; short-term change EDSS: p = 0.12" in t.footnotes[2]
    assert "Student's paired t-test" in t.footnotes[2]


def test_non_exclusive_groups_are_footnoted_as_such(toy) -> None:
    _, analysis = toy
    t = group_table("w", analysis.tables["by DMD within prior window"])
    assert t.footnotes[0].startswith("N.B. These groups are not exclusive")
    assert [r[0] for r in t.rows][-1] == "NAT -> FTY -> ALE, n=2"


def test_within_group_p_equals_the_paired_t_test_of_follow_up_against_baseline(toy) -> None:
    _, analysis = toy
    out = analysis.outcomes.filter(pl.col("excluded_reason").is_null())
    # scipy's paired test on the two time points is a second method for the one-sample test
    expected = stats.ttest_rel(out["followup_edss"], out["baseline_edss"]).pvalue
    assert one_sample_t(out["edss_change"]) == pytest.approx(expected, rel=1e-12)
    assert one_sample_t(pl.Series([0.5, 0.5])) is None
    assert one_sample_t(pl.Series([0.5, None])) is None


def test_cohort_table_by_hand(toy) -> None:
    _, analysis = toy
    t = cohort_table(analysis)
    assert t.columns == ("Characteristic", "All, n=7", "Long-term, n=3", "Short-term, n=4")
    rows = {r[0]: r[1:] for r in t.rows}
    # analysed: P01 F, P02 F, P04 F, P05 M, P06 F, P07 F, P08 M; long-term P01, P04, P07
    assert rows["female, n (%)"] == ("5 (71%)", "3 (100%)", "2 (50%)")
    # long-term baseline EDSS: P01 5.5, P04 6.0, P07 6.5 -> mean 6.0, SD 0.5
    assert rows["baseline EDSS, mean ± SD (range)"][1] == "6.0 ± 0.5 (5.5-6.5)"
    assert rows["2 courses, n (%)"] == ("3 (43%)", "2 (67%)", "1 (25%)")


def test_summary_table_states_counts_shares_and_the_test(toy_report) -> None:
    t = next(t for t in toy_report.tables if t.key == "summary")
    rows = dict(t.rows)
    # EDSS changes of the 7 analysed: -1.0, -1.0, -0.5, 0.0, -1.0, -1.0, +0.5
    assert rows["EDSS improved"].startswith("5/7 (71%), mean change -0.9")
    assert rows["EDSS stable"].startswith("1/7 (14%)")
    assert rows["EDSS worsened"] == ("1/7 (14%), mean change +0.5, median +0.5, range +0.5 to "
                                     "+0.5")
    assert rows["EDSS change, baseline to follow-up"].startswith(
        "-0.6 ± 0.6 (median -1.0), range -1.0 to +0.5; n=7; p = ")


def test_every_table_has_a_title_headers_and_rows_of_its_width(toy) -> None:
    _, analysis = toy
    tables = report_tables(analysis)
    assert [t.key for t in tables] == ["cohort", "table_one", *analysis.tables, "summary",
                                       "paired",
                                       "relapses", "estimates", "within_groups", "contrasts",
                                       "timepoints", "flow", "sensitivity", "courses",
                                       "safety", "aesi", "msfc", "oct", "neda",
                                       "oct_eyes", "secondary_paired", "milestones",
                                       "models_trajectory", "models_rate_ratios",
                                       "models_relapse_time"]
    for t in tables:
        assert t.title and t.rows
        assert all(len(r) == len(t.columns) for r in t.rows), t.key
        assert t.to_frame().height == len(t.rows)


def test_markdown_tables_escape_pipes() -> None:
    t = ReportTable("k", "T", ("a|b", "c"), (("1|2", "3"),), ("note",))
    text = markdown_table(t, 4)
    assert "| a\\|b | c |" in text and "| 1\\|2 | 3 |" in text
    assert text.startswith("**Table 4.** T")


def test_p_values_read_as_clauses() -> None:
    from mscohort.analyse.stats import format_p, p_clause

    assert p_clause(format_p(0.00001)) == "p < 0.0001"
    assert p_clause(format_p(0.0312)) == "p = 0.031"
    assert p_clause(format_p(None)) == "not tested"


def test_course_table_counts_courses_by_regimen(toy) -> None:
    from mscohort.report.tables import course_table

    _, analysis = toy
    t = course_table(analysis)
    # toy: P04 on the older regimen (2 courses); P01 and P06 two approved courses, 5 with one
    assert [r[:2] + r[3:] for r in t.rows] == [
        ("approved", "1", "7", "0"), ("approved", "2", "2", "0"),
        ("older cohort (10-20-30 mg)", "1", "1", "0"), ("older cohort (10-20-30 mg)", "2", "1",
                                                        "0")]


def test_safety_and_aesi_tables_of_the_toy_study(toy) -> None:
    from mscohort.report.tables import aesi_report_table, safety_table

    _, analysis = toy
    # the toy study's latest record is the EDSS of 2013-09-05
    t = safety_table(analysis)
    assert t.title == "Safety monitoring as of 2013-09-05"
    assert {r[0] for r in t.rows} == {"blood count with differential", "serum creatinine",
                                      "urinalysis", "thyroid function"}
    assert all(sum(int(c) for c in r[1:5]) == 8 for r in t.rows)  # 8 treated patients
    a = aesi_report_table(analysis)
    # toy: P02 infusion rash 1 day after course 1, P06 Graves disease 2013-03-11 (course 2
    # began 2012-09-17: 175 days), P01 ITP 2007-09-02 (course 2 began 2006-06-19: 440 days)
    rows = {r[0]: r[1:] for r in a.rows}
    assert rows["infusion reaction"][0] == "1"
    assert rows["thyroid disorder"][1] == "1"
    assert rows["immune thrombocytopenia"][2] == "1"

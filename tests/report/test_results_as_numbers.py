"""The analysis returns numbers; text is only their rendering (issue #18): each printed cell
is rebuilt from its row's numbers, and the numbers are checked by hand and against scipy.
Patient timelines are the analysis's: the same events and MSSS as computed independently."""

from __future__ import annotations

import statistics

import polars as pl
import pytest
from scipy import stats

from mscohort.analyse import formatting as F
from mscohort.analyse.study import analyse_study
from mscohort.definition import parse_definition
from mscohort.derive.assessments import derive_edss
from mscohort.derive.events import detect_events
from mscohort.derive.events.presets import study_event_settings
from mscohort.report.timeline import patient_timeline


def test_formatting_prints_the_seed_cells_from_numbers() -> None:
    # [-4, -1, 0, 2]: mean -0.75, sample SD 2.5 (hand: squares 10.5625 + 0.0625 + 0.5625
    # + 7.5625 = 18.75, / 3 = 6.25)
    assert F.mean_sd_range(-0.75, 2.5, -4.0, 2.0, 1, signed=True) == "-0.8 ± 2.5 (-4.0 to +2.0)"
    assert F.mean_sd_range(4.75, 3.89, 2.0, 7.5, 1) == "4.8 ± 3.9 (2.0-7.5)"
    assert F.mean_sd_range(2.0, None, 2.0, 2.0, 1) == "2.0 (2.0-2.0)"
    assert F.mean_sd_range(None, None, None, None, 1) == "no data"
    assert F.median_range(3.0, 1.0, 6.5, 1) == "3.0 (1.0-6.5)"
    assert F.with_n("3.0 (1.0-6.5)", 4) == "3.0 (1.0-6.5), n=4"
    assert F.with_n("no data", 0) == "no data"
    assert F.bounds(0.214, 0.4849) == "0.21-0.48"
    assert F.bounds(None, 0.5) is None
    assert F.summary({"decimals": None, "count": 7, "n": 28}) == "7/28 (25%)"
    assert F.summary({"decimals": None, "count": None, "n": 0}) == "no data"
    assert F.unit_label("lunar_month") == "lunar months"


def test_every_group_cell_is_the_rendering_of_its_numbers(toy) -> None:
    _, a = toy
    for frame in a.tables.values():
        for r in frame.iter_rows(named=True):
            assert r["text"] == F.with_n(F.summary(r), r["n"]), r
    long = a.tables["by follow-up cohort"].filter(
        (pl.col("group") == "long-term") & (pl.col("measure") == "baseline EDSS")).row(
        0, named=True)
    # long-term baseline EDSS: P01 5.5, P04 6.0, P07 6.5 -> mean 6.0, SD 0.5
    assert (long["mean"], long["sd"], long["min"], long["max"]) == pytest.approx(
        (6.0, 0.5, 5.5, 6.5), abs=1e-6)
    assert (long["decimals"], long["signed"], long["by_median"]) == (1, False, False)
    assert long["text"] == "6.0 ± 0.5 (5.5-6.5), n=3"


def test_relapse_table_holds_the_numbers_behind_its_text(toy) -> None:
    _, a = toy
    r = a.relapses.filter(pl.col("group") == "all").row(0, named=True)
    rel = a.outcomes.filter(pl.col("in_relapse_analysis").fill_null(False)
                            & (pl.col("years_before") > 0) & (pl.col("years_during") > 0))
    before = rel["arr_before"].drop_nulls().to_list()
    assert r["n_before"] == len(before)
    assert r["mean_before"] == pytest.approx(statistics.fmean(before), abs=1e-6)
    assert r["sd_before"] == pytest.approx(statistics.stdev(before), abs=1e-6)
    assert (r["min_before"], r["max_before"]) == (min(before), max(before))
    pairs = rel.drop_nulls(["arr_before", "arr_during"])
    # scipy.stats.ttest_rel(during, before): Student's paired t-test, two-sided
    p = stats.ttest_rel(pairs["arr_during"], pairs["arr_before"]).pvalue
    assert r["p_paired_t_value"] == pytest.approx(p, abs=1e-6)
    assert r["p_paired_t"] == F.format_p(r["p_paired_t_value"])
    assert r["arr_before"] == F.with_n(F.mean_sd_range(
        r["mean_before"], r["sd_before"], r["min_before"], r["max_before"], 2), r["n_before"])
    assert r["rate_ratio_ci"] == F.bounds(r["rate_ratio_ci_low"], r["rate_ratio_ci_high"])
    assert r["pooled_before_ci_low"] < r["pooled_before"] < r["pooled_before_ci_high"]


def test_change_summary_is_the_analysed_patients_change(toy) -> None:
    _, a = toy
    edss = a.changes.filter(pl.col("measure") == "EDSS").row(0, named=True)
    changes = [-1.0, -1.0, -0.5, 0.0, -1.0, -1.0, 0.5]  # the 7 analysed toy patients
    assert edss["n"] == 7
    assert edss["mean"] == pytest.approx(-4.0 / 7, abs=1e-6)
    assert edss["sd"] == pytest.approx(statistics.stdev(changes), abs=1e-6)
    assert (edss["median"], edss["min"], edss["max"]) == (-1.0, -1.0, 0.5)


def test_cohort_rows_hold_their_counts_and_summaries(toy) -> None:
    _, a = toy
    rows = {(r["characteristic"], r["group"]): r for r in a.cohort.iter_rows(named=True)}
    female = rows[("female, n (%)", "all")]
    assert (female["count"], female["n"]) == (5, 7)
    assert female["percent"] == pytest.approx(500 / 7, abs=1e-6)
    edss = rows[("baseline EDSS, mean ± SD (range)", "long-term")]
    assert (edss["mean"], edss["sd"], edss["min"], edss["max"]) == pytest.approx(
        (6.0, 0.5, 5.5, 6.5), abs=1e-6)
    assert edss["text"] == "6.0 ± 0.5 (5.5-6.5)"


def test_followup_groups_are_the_one_median_split(toy) -> None:
    _, a = toy
    groups = dict(a.followup_groups.iter_rows())
    # analysed: P01, P02, P04, P05, P06, P07, P08; long-term (above the median) P01, P04, P07
    assert {p for p, g in groups.items() if g == "long-term"} == {"P01", "P04", "P07"}
    assert {p for p, g in groups.items() if g == "short-term"} == {"P02", "P05", "P06", "P08"}


def test_a_timeline_shows_the_events_of_the_study_settings(toy) -> None:
    study, a = toy
    for pid in study.patients["patient_id"]:
        t = patient_timeline(a, pid)
        one = detect_events(study.edss.filter(pl.col("patient_id") == pid)
                            .select("patient_id", "date", "edss"),
                            study.table("relapses").filter(pl.col("patient_id") == pid),
                            study_event_settings(a.definition.events)).events
        assert t.events.drop("time").equals(one.select(t.events.drop("time").columns)), pid


def test_timeline_msss_is_the_analysis_msss_of_the_definitions_table(toy) -> None:
    study, _ = toy
    d = parse_definition({"msss": {"table": "manouchehrinia2017"}})
    a = analyse_study(study, d, sensitivity=False)
    derived = derive_edss(study)  # the store's scores: msss_updated is Manouchehrinia 2017
    for pid in ("P01", "P05"):
        t = patient_timeline(a, pid)
        want = derived.filter(pl.col("patient_id") == pid).sort("date")["msss_updated"]
        assert t.figure.frames["edss"]["msss"].equals(want, null_equal=True)
        row = a.outcomes.filter(pl.col("patient_id") == pid).row(0, named=True)
        edss = t.figure.frames["edss"]
        at_baseline = edss.filter(pl.col("date") == row["baseline_date"])["msss"][0]
        assert at_baseline == row["baseline_msss"]

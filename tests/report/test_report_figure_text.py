"""Each figure in words (the SVG ``<desc>`` after the caption, report/figure_text.py): every
figure key has its words, and the numbers they give are those of the analysis, counted by
hand from the per-patient outcomes and the records."""

from __future__ import annotations

import polars as pl
import pytest

from mscohort.errors import InvalidArgumentError
from mscohort.report.figure_text import DESCRIBE, describe
from mscohort.report.figures import FigureData, arr_pairs, km_cdw, waterfall
from mscohort.report.sections import DRAW, report_figures
from mscohort.report.timeline import patient_timeline


def test_every_figure_key_has_its_words() -> None:
    # every figure the report can draw, and the web app's patient timeline
    assert set(DRAW) | {"timeline"} <= set(DESCRIBE)


def test_every_toy_figure_is_described_with_numbers(toy) -> None:
    study, a = toy
    for d in report_figures(study, a):
        text = describe(d)
        assert text.endswith(".") and any(ch.isdigit() for ch in text), (d.key, text)


def test_waterfall_words_count_the_categories_by_hand(toy) -> None:
    _, a = toy
    analysed = a.outcomes.filter(pl.col("excluded_reason").is_null()
                                 & pl.col("edss_change").is_not_null())
    cats = analysed["change_category"].to_list()
    n = len(cats)
    assert (n, cats.count("worsened"), cats.count("stable"), cats.count("improved")) == (
        7, 1, 1, 5)  # toy: 7 analysed, 1 worsened, 1 stable, 5 improved
    changes = analysed["edss_change"].to_list()
    assert (min(changes), max(changes)) == (-1.0, 0.5)
    assert describe(waterfall(a)) == (
        "7 patients: 1/7 (14%) worsened, 1/7 (14%) stable, 5/7 (71%) improved; "
        "EDSS change from -1.0 to +0.5.")


def test_km_words_give_the_risk_set_the_censored_and_the_last_estimate(toy) -> None:
    _, a = toy
    groups = a.followup_groups.group_by("group", maintain_order=True).len()
    sizes = dict(groups.iter_rows())
    assert sizes == {"long-term": 3, "short-term": 4}
    # toy: no confirmed worsening, so every patient is censored and S stays 1
    assert describe(km_cdw(a)) == (
        "long-term: 3 patients at risk at time 0, 3 censored; no events (the estimate "
        "stays 1); short-term: 4 patients at risk at time 0, 4 censored; no events (the "
        "estimate stays 1).")
    # a curve with events: its last step's value and time, in the axis's unit
    d = FigureData("km_cdw", "", "", {
        "curves": pl.DataFrame({"group": ["a", "a"], "time": [3.0, 7.5],
                                "survival": [0.75, 0.5]}),
        "censored": pl.DataFrame({"group": ["a", "a"], "patient_id": ["p3", "p4"],
                                  "time": [8.0, 9.0]}),
        "at_risk": pl.DataFrame({"group": ["a", "a"], "time": [0.0, 6.0],
                                 "n_at_risk": [4, 3]})},
        "time from index (months)")
    assert describe(d) == ("a: 4 patients at risk at time 0, 2 censored; estimate 0.50 at "
                           "7.5 months.")


def test_arr_words_give_the_means_of_the_pairs_by_hand(toy) -> None:
    _, a = toy
    pairs = arr_pairs(a).frames["pairs"]
    before, during = pairs["arr_before"].to_list(), pairs["arr_during"].to_list()
    # hand: the mean of the seven patients' rates, printed to 2 decimals
    assert describe(arr_pairs(a)) == (
        f"7 patients; mean ARR {sum(before) / 7:.2f} before and {sum(during) / 7:.2f} "
        "during follow-up.")


def test_timeline_words_count_the_patients_records(toy) -> None:
    study, a = toy
    edss = study.edss.filter(pl.col("patient_id") == "P02").sort("date")
    relapses = study.table("relapses").filter(pl.col("patient_id") == "P02")
    drugs = study.table("treatments").filter(pl.col("patient_id") == "P02")
    text = describe(patient_timeline(a, "P02").figure)
    assert text.startswith(f"{edss.height} EDSS assessments from {edss['date'][0]} to "
                           f"{edss['date'][-1]}, EDSS {edss['edss'][0]:.1f} first and "
                           f"{edss['edss'][-1]:.1f} last; {relapses.height} relapses;")
    assert text.endswith(f"; {drugs.height} drug exposures.")


def test_a_figure_without_words_is_refused() -> None:
    with pytest.raises(InvalidArgumentError, match=r"`figure key` must be one of "
                       r"trajectories, .*; got 'no-such-figure'"):
        describe(FigureData("no-such-figure", "", "", {}))


def test_comparison_words_from_hand_built_frames() -> None:
    love = FigureData("comparison_love", "", "", {"balance": pl.DataFrame({
        "covariate": ["age", "EDSS"], "smd_before": [-0.4125, 0.2], "smd_after": [0.05, -0.0]})})
    assert describe(love) == ("age: SMD 0.412 before, 0.050 after; EDSS: SMD 0.200 before, "
                              "0.000 after.")
    overlap = FigureData("comparison_overlap", "", "", {
        "before": pl.DataFrame({"treatment": [1, 1, 0, 0, 0]}),
        "after": pl.DataFrame({"treatment": [1, 1, 0, 0]}),
        "groups": pl.DataFrame({"treatment": [1, 0], "label": ["NAT", "FTY"]})})
    assert describe(overlap) == "NAT: 2 episodes before, 2 after; FTY: 3 episodes before, 2 after."
    # cumulative incidence: the last step of each group, its time in years (730.5 days = 2)
    incidence = FigureData("comparison_ci_cdw", "", "", {
        "curves": pl.DataFrame({"group": ["NAT", "NAT", "FTY"], "time_days": [100.0, 730.5, 50.0],
                                "cumulative_incidence": [0.1, 0.25, 0.05]}),
        "at_risk": pl.DataFrame({"group": ["NAT", "NAT", "FTY"], "year": [0, 1, 0],
                                 "at_risk": [40, 30, 35]})})
    assert describe(incidence) == (
        "NAT: 40 episodes at risk at the start; cumulative incidence 0.25 at 2.0 years; "
        "FTY: 35 episodes at risk at the start; cumulative incidence 0.05 at 0.1 years.")


def test_model_and_trajectory_words_give_the_first_and_last_means() -> None:
    model = FigureData("models_trajectory", "", "", {
        "points": pl.DataFrame({"patient_id": ["a", "a", "b"], "group": ["g"] * 3}),
        "curve": pl.DataFrame({"group": ["g"] * 3, "time": [-1.0, 0.0, 2.25],
                               "fit": [3.0, 3.1, 3.54], "ci_low": [2.5, 2.6, 2.96],
                               "ci_high": [3.5, 3.6, 4.0]})},
        "years from the index date")
    # 3.54 prints 3.5 and 2.25 prints 2.2 (round half to even, as Python formats them)
    assert describe(model) == ("g: 2 patients; fitted mean 3.0 (2.5 to 3.5) at -1.0 years "
                               "from the index date and 3.5 (3.0 to 4.0) at 2.2 years from "
                               "the index date.")


def test_model_words_without_a_fitted_curve_give_the_patients_only() -> None:
    # the models section draws the points alone when no curve was fitted (an empty frame,
    # as a REDCap import of a few patients gives); found by the REDCap browser test
    model = FigureData("models_trajectory", "", "", {
        "points": pl.DataFrame({"patient_id": ["a", "a", "b"], "group": ["g"] * 3}),
        "curve": pl.DataFrame()}, "years from the index date")
    assert describe(model) == "g: 2 patients."

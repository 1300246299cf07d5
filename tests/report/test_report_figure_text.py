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

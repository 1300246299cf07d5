"""Splits that put the same patients in the same groups give the same contrasts: both rows
are kept, the second marked, and the Holm family counts the test once."""

from __future__ import annotations

import polars as pl
import pytest

from mscohort.analyse.contrasts import WELCH, contrast_table
from mscohort.analyse.multiplicity import holm, holm_distinct
from mscohort.analyse.primary import adjust_contrasts
from mscohort.analyse.same_tests import coinciding_note, label_map
from mscohort.stratify.splits import Split

MEASURES = [("edss_change", "baseline_edss", "change EDSS")]
OUT = pl.DataFrame({
    "edss_change": [-1.0, 0.0, -0.5, -1.5, 1.0, 0.5, 0.0, 0.5, 0.0],
    "baseline_edss": [5.0, 4.0, 6.0, 6.5, 3.0, 3.5, 4.5, 4.0, None],
    "followup_days": [400, 700, 300, 650, 900, 365, 500, 420, 800]})


def _split(name: str, labels: list[str | None], order: str = "") -> Split:
    s = pl.Series(labels, dtype=pl.String)
    names = list(order) or list(dict.fromkeys(x for x in labels if x is not None))
    return Split(name, {g: (s == g).fill_null(False) for g in names}, True, name)


def _splits() -> list[Split]:
    # A: x = patients 0-3, y = 4-7; B: the same partition, other names and q first (so the
    # reference of the 4/4 tie is q, and B compares p with q where A compares y with x); the
    # last patient has no baseline, so is not in the contrasts whatever group B puts it in.
    # C: another partition.
    return [_split("A", ["x"] * 4 + ["y"] * 4 + [None]),
            _split("B", ["p"] * 4 + ["q"] * 4 + ["p"], order="qp"),
            _split("C", ["u", "u", "u", "v", "u", "u", "v", "v", None])]


def test_a_coinciding_split_keeps_its_rows_marked_as_the_same_test() -> None:
    t = contrast_table(OUT, _splits(), MEASURES)
    assert t.height == 9  # three splits, one comparison each, three adjustments
    a, b, c = (t.filter(pl.col("split") == s) for s in "ABC")
    assert a["same_test_as"].is_null().all() and c["same_test_as"].is_null().all()
    assert b["same_test_as"].to_list() == ["A"] * 3
    assert b["test_id"].to_list() == a["test_id"].to_list()
    assert set(c["test_id"]).isdisjoint(a["test_id"])
    # the same data in the same model: the same p (B compares p with q, A y with x)
    assert b["p"].to_list() == pytest.approx(a["p"].to_list(), rel=1e-12)
    assert b["estimate"].to_list() == pytest.approx([-e for e in a["estimate"]], rel=1e-12)


def test_holm_counts_a_repeated_contrast_once_against_a_hand_calculation() -> None:
    t = adjust_contrasts(contrast_table(OUT, _splits(), MEASURES))
    welch = t.filter(pl.col("adjustment") == WELCH)
    p_a, p_b, p_c = welch["p"].to_list()
    # by hand, Holm over the two distinct tests (A = B, C): m = 2; the smaller p times 2,
    # the larger times 1 (not below the first adjusted value), each at most 1
    low, high = sorted((p_a, p_c))
    adj = {low: min(1.0, 2 * low)}
    adj[high] = min(1.0, max(adj[low], high))
    assert welch["p_holm"].to_list() == pytest.approx([adj[p_a], adj[p_a], adj[p_c]],
                                                      rel=1e-12)
    assert adj[p_a] != pytest.approx(holm([p_a, p_b, p_c])[0])  # m = 3 would differ


def test_a_split_differing_in_one_patient_is_not_the_same_test() -> None:
    splits = [_split("A", ["x"] * 4 + ["y"] * 4 + [None]),
              _split("D", ["p"] * 3 + ["q"] * 5 + [None])]
    t = contrast_table(OUT, splits, MEASURES)
    assert t["same_test_as"].is_null().all() and t["test_id"].n_unique() == 6


def test_label_map_is_one_to_one_on_the_same_patients() -> None:
    a = pl.Series(["x", "x", "y", None])
    assert label_map(a, pl.Series(["p", "p", "q", None])) == {"p": "x", "q": "y"}
    assert label_map(a, pl.Series(["p", "p", "q", "q"])) is None  # another patient in
    assert label_map(a, pl.Series(["p", "q", "q", None])) is None  # x split in two
    assert label_map(a, pl.Series(["p", "p", "p", None])) is None  # x and y merged


def test_holm_distinct_adjusts_over_the_first_row_of_each_test() -> None:
    # by hand: distinct tests 1 (p 0.01), 2 (p 0.04), 3 (p 0.03): m = 3, sorted 0.01, 0.03,
    # 0.04 -> 0.03, 0.06, 0.06; the repeated row of test 1 gets 0.03, a test not done None
    got = holm_distinct([0.01, 0.04, 0.01, 0.03, None], [1, 2, 1, 3, 4])
    assert got == pytest.approx([0.03, 0.06, 0.03, 0.06, None])


def test_the_report_note_names_the_coinciding_splits() -> None:
    t = contrast_table(OUT, _splits(), MEASURES)
    note = coinciding_note(t)
    assert note is not None and "B and A" in note and "counted once" in note
    assert coinciding_note(t.filter(pl.col("split") != "B")) is None


def test_the_example_counts_its_cohort_contrasts_once_with_the_follow_up_split() -> None:
    from importlib.resources import files
    from pathlib import Path

    from mscohort.analyse.study import analyse_study
    from mscohort.definition import load_definition
    from mscohort.ingest import read_study
    from mscohort.report.reviewer_tables import contrasts_table
    from mscohort.validate import check_study
    from tests.oracles import oracle

    multitest = oracle("statsmodels.stats.multitest")
    seed = Path(str(files("mscohort") / "datasets" / "seed"))
    study, _ = check_study(read_study(seed))
    a = analyse_study(study, load_definition(seed / "study.toml"), sensitivity=False)
    c = a.contrasts
    # the seed's follow-up cohorts and its ALE-naive / ALE-experienced cohorts: one 30/30
    # partition, so the cohort rows repeat the follow-up rows
    assert set(c.filter(pl.col("split") == "cohort")["same_test_as"]) == {"follow-up"}
    assert c.filter(pl.col("split") != "cohort")["same_test_as"].is_null().all()
    welch = c.filter(pl.col("adjustment") == WELCH)
    distinct = welch.filter(pl.col("same_test_as").is_null())
    assert distinct.height == welch.height - 2 == 16
    # statsmodels.stats.multitest.multipletests(p of the 16 distinct tests, method="holm")
    ref = dict(zip(distinct["test_id"], multitest.multipletests(distinct["p"].to_list(),
                                                                 method="holm")[1],
                   strict=True))
    assert welch["p_holm"].to_list() == pytest.approx([ref[t] for t in welch["test_id"]],
                                                      rel=1e-9)
    table = contrasts_table(a)
    assert any("cohort and follow-up" in note for note in table.footnotes)
    assert any("the same test as in follow-up" in row[2] for row in table.rows)

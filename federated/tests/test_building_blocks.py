"""The combination rules on their own: moments, order statistics by counting, the
random-effects meta-analysis, each against an independent reference."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mscohort_federated.bisection import (
    key_value,
    median_ranks,
    order_key,
    order_statistics,
    pooled_n,
)
from mscohort_federated.combine import add_moments, cell_stats, paired_stats
from mscohort_federated.meta import dersimonian_laird
from mscohort_federated.partials import counts_at, moments


def test_order_key_keeps_the_order_of_doubles() -> None:
    rng = np.random.default_rng(26)
    xs = np.concatenate([rng.normal(0, 1e3, 500), rng.normal(0, 1e-300, 20),
                         [0.0, -0.0, 5e-324, -5e-324, math.inf, -math.inf, 1.0, -1.0]])
    keys = [order_key(float(x)) for x in xs]
    for x, k in zip(xs, keys, strict=True):
        assert key_value(k) == x
    order = np.argsort(keys, kind="stable")
    assert np.all(np.diff(xs[order]) >= 0)


def _ask_over(centres: list[np.ndarray]):
    """count queries answered by centres holding these values (no suppression)."""
    def ask(queries):
        return [[{"n": int(v.size), "counts": np.searchsorted(
            np.sort(v), np.asarray(q["thresholds"], dtype=float), side="right").tolist()}
                 for q in queries] for v in centres]
    return ask


def test_bisection_finds_every_order_statistic_exactly() -> None:
    rng = np.random.default_rng(7)
    centres = [rng.gamma(2.0, 13.7, 40), np.round(rng.normal(3, 2, 25), 1),
               rng.integers(0, 9, 3).astype(float)]
    pooled = np.sort(np.concatenate(centres))
    target = {"column": "x"}
    ranks = [1, 2, 34, 35, 68]
    found, rounds = order_statistics(_ask_over(centres), [(target, r) for r in ranks])
    assert found == [pooled[r - 1] for r in ranks]  # exact, not within a tolerance
    assert rounds <= 17
    assert pooled_n(_ask_over(centres), [target]) == [68]


def test_median_ranks_are_those_of_numpy_and_the_order_statistic_interval() -> None:
    # n = 10: B(10, 1/2) has P(B <= 1) = 0.0107 <= 0.025 < P(B <= 2) = 0.0547: r = 2,
    # the interval x_(2) to x_(9); the median (x_(5) + x_(6)) / 2
    assert median_ranks(10) == ([5, 6], [2, 9])
    assert median_ranks(5) == ([3], [])  # fewer than 6 values: no interval
    assert median_ranks(7) == ([4], [1, 7])  # P(B <= 0) = 0.0078


def test_moments_of_centres_combine_to_the_pooled_mean_sd_and_t_test() -> None:
    from scipy import stats

    rng = np.random.default_rng(11)
    parts = [np.round(rng.normal(0.3, 1.1, n), 1) for n in (31, 12, 6)]
    pooled = np.concatenate(parts)
    m = add_moments([moments(p, 5, False) for p in parts])
    assert m is not None and m.n == 49
    assert m.mean == pytest.approx(pooled.mean(), abs=1e-12)
    assert m.sd == pytest.approx(pooled.std(ddof=1), abs=1e-12)
    cell = cell_stats(m, signed=True)
    assert cell["p_t"] == pytest.approx(stats.ttest_1samp(pooled, 0.0).pvalue, abs=1e-12)
    half = stats.t.ppf(0.975, 48) * pooled.std(ddof=1) / math.sqrt(49)
    assert cell["ci_low"] == pytest.approx(pooled.mean() - half, abs=1e-12)


def test_a_small_cell_suppresses_the_pooled_cell() -> None:
    parts = [moments(np.arange(8.0), 5, False), moments(np.arange(3.0), 5, False)]
    assert parts[1] == {"suppressed": True}
    assert add_moments(parts) is None
    assert cell_stats(None, signed=False) == {"status": "suppressed"}


def test_equal_differences_are_not_tested() -> None:
    cells = [{"n": 6, "before": 12.0, "after": 15.0, "sum": 3.0, "m2": 0.0},
             {"n": 5, "before": 10.0, "after": 12.5, "sum": 2.5, "m2": 0.0}]
    out = paired_stats(cells)
    assert out["note"] == "all differences are equal: no test" and out["p_t"] is None
    assert out["mean_difference"] == pytest.approx(0.5)


def test_dersimonian_laird_against_a_hand_calculation() -> None:
    # y = (0.1, 0.5, 0.9), v = (0.04, 0.04, 0.04): w = 25 each; fixed = 0.5;
    # Q = 25 * (0.16 + 0 + 0.16) = 8; I^2 = (8 - 2) / 8 = 0.75;
    # tau^2 = 6 / (75 - 1875 / 75) = 6 / 50 = 0.12; w* = 1 / 0.16 = 6.25;
    # RE = 0.5, SE = 1 / sqrt(18.75)
    m = dersimonian_laird([0.1, 0.5, 0.9], [0.04, 0.04, 0.04])
    assert m.fixed == pytest.approx(0.5) and m.q == pytest.approx(8.0)
    assert m.i2 == pytest.approx(0.75) and m.tau2 == pytest.approx(0.12)
    assert m.random == pytest.approx(0.5)
    assert m.random_se == pytest.approx(1 / math.sqrt(18.75))
    assert dersimonian_laird([0.2], [0.01]).note.startswith("fewer than 2 centres")


def test_counts_at_suppresses_a_small_target() -> None:
    import polars as pl

    frame = pl.DataFrame({"analysed": [True] * 4 + [False], "followup": [1.0, 2, 3, 4, 5]})
    q = [{"split": "all", "group": "all analysed", "column": "followup",
          "thresholds": [2.5]}]
    assert counts_at(frame, q, 5) == [{"suppressed": True}]
    assert counts_at(frame, q, 3) == [{"n": 4, "counts": [2]}]


def test_a_centre_whose_data_fail_validation_says_how_many_errors_and_nothing_else(
        tmp_path) -> None:
    import polars as pl

    from mscohort_federated.extract import CentreDataError, load_centre_study

    from .conftest import split_seed

    folders, patients = split_seed(tmp_path)
    edss = pl.read_csv(folders[2] / "edss.csv", infer_schema=False)
    edss.with_columns(pl.lit("11.5").alias("edss")).write_csv(folders[2] / "edss.csv")
    with pytest.raises(CentreDataError, match=r"the centre's data have \d+ validation "
                       r"error\(s\) \(.+: \d+\); run `mscohort validate`") as info:
        load_centre_study(str(folders[2]))
    assert not any(p in str(info.value) for p in patients[2])
    assert "11.5" not in str(info.value)
    with pytest.raises(CentreDataError, match=r"is neither a \.duckdb store nor a folder"):
        load_centre_study(str(tmp_path / "absent"))

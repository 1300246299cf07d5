"""Issue #23: the local MSSS/ARMSS counted a batch at a time (cells of whole year and EDSS
step) equal the compiled whole-cohort kernel (Roxburgh 2005 recipe) float for float."""

from __future__ import annotations

import itertools

import numpy as np
import polars as pl
import pytest

from mscohort.derive.local_rank_cells import cell_scores, count_cells, score_of
from mscohort.derive.severity import local_score


def _cohort(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    edss = rng.integers(0, 20, n) / 2.0
    edss[rng.random(n) < 0.05] = 0.5  # not a step: never ranked
    edss[rng.random(n) < 0.05] = np.nan
    years = rng.uniform(-2.0, 45.0, n)  # negative: never ranked
    years[rng.random(n) < 0.05] = np.nan
    return edss, years


@pytest.mark.parametrize("window", [0, 2, 5])
def test_scores_counted_in_batches_equal_the_whole_cohort_kernel(window: int) -> None:
    edss, years = _cohort(20_000, seed=23)
    whole = local_score(edss, years, window_years=window)
    cuts = [0, 1, 777, 5_000, 13_333, 20_000]
    counts = pl.concat([count_cells(edss[a:b], years[a:b])
                        for a, b in itertools.pairwise(cuts)])
    cells = cell_scores(counts, window)
    ours = np.concatenate([score_of(edss[a:b], years[a:b], cells)
                           for a, b in itertools.pairwise(cuts)])
    assert np.array_equal(np.isnan(ours), np.isnan(whole))
    assert np.isnan(whole).sum() > 1_000
    assert np.array_equal(ours[~np.isnan(ours)], whole[~np.isnan(whole)])  # same floats


def test_a_cell_score_by_hand() -> None:
    # one year, window 0: EDSS 2, 2, 4 -> EDSS 2 has average rank 1.5 of n = 3:
    # 1.5 / 4 x 10 = 3.75; EDSS 4 has rank 3: 3 / 4 x 10 = 7.5
    edss, years = np.array([2.0, 2.0, 4.0]), np.array([5.2, 5.9, 5.0])
    cells = cell_scores(count_cells(edss, years), 0)
    assert score_of(edss, years, cells) == pytest.approx([3.75, 3.75, 7.5], abs=1e-6)


def test_no_ranked_assessment_scores_nothing() -> None:
    edss, years = np.array([0.5, np.nan]), np.array([3.0, 4.0])
    cells = cell_scores(count_cells(edss, years))
    assert np.isnan(score_of(edss, years, cells)).all()


def test_window_years_must_be_a_whole_number() -> None:
    with pytest.raises(ValueError, match="`window_years` must be a whole number >= 0; got -1"):
        cell_scores(count_cells(np.array([1.0]), np.array([1.0])), -1)

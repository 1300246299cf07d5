"""Local MSSS and ARMSS: hand-computed examples and the ms.sev 1.0.4 sample oracle."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from mscohort import scores
from mscohort.errors import InvalidArgumentError

REF = Path(__file__).parent / "data" / "reference" / "ms.sev_sample_scores.csv"


def test_local_score_by_hand_average_ranks() -> None:
    # assessments (EDSS, whole year): (2.0, 5), (3.0, 5), (3.0, 7), (6.0, 9)
    # year 5 pools years 3..7 = {2.0, 3.0, 3.0}, n = 3:
    #   EDSS 2.0 rank 1 -> 1 / 4 * 10 = 2.5; EDSS 3.0 ranks 2, 3 -> 2.5 / 4 * 10 = 6.25
    # year 7 pools years 5..9 = {2.0, 3.0, 3.0, 6.0}, n = 4: EDSS 3.0 -> 2.5 / 5 * 10 = 5.0
    # year 9 pools years 7..11 = {3.0, 6.0}, n = 2: EDSS 6.0 rank 2 -> 2 / 3 * 10
    got = scores.local_score([2.0, 3.0, 3.0, 6.0], [5, 5.9, 7, 9.5])
    assert got.tolist() == pytest.approx([2.5, 6.25, 5.0, 20 / 3])


def test_local_score_window_zero_ranks_each_year_alone() -> None:
    got = scores.local_score([1.0, 2.0, 1.0], [3, 3, 4], window_years=0)
    assert got.tolist() == pytest.approx([1 / 3 * 10, 2 / 3 * 10, 5.0])


def test_local_score_leaves_out_invalid_edss_and_missing_years() -> None:
    got = scores.local_score([2.0, 0.5, 10.0, 3.0, 4.0], [5, 5, 5, np.nan, -1])
    assert got[0] == pytest.approx(5.0)  # alone in its pool: 1 / 2 * 10
    assert np.isnan(got[1:]).all()


def test_local_msss_counts_durations_over_30_as_30() -> None:
    a = scores.local_msss([2.0, 4.0], [30, 45])
    b = scores.local_score([2.0, 4.0], [30, 30])
    np.testing.assert_array_equal(a, b)


@pytest.fixture(scope="module")
def sample() -> pl.DataFrame:
    return pl.read_csv(REF, null_values="NA")


def test_local_msss_equals_ms_sev(sample: pl.DataFrame) -> None:
    # ms.sev: ms_sev(data, type = "local_msss"); values rounded to 2 decimals
    got = np.round(scores.local_msss(sample["edss"], sample["dd"]), 2)
    np.testing.assert_allclose(got, sample["lMSSS"].to_numpy(), rtol=0, atol=1e-9)


def test_local_armss_equals_ms_sev(sample: pl.DataFrame) -> None:
    # ms.sev: ms_sev(data, type = "local_armss"); values rounded to 2 decimals
    got = np.round(scores.local_armss(sample["edss"], sample["ageatedss"]), 2)
    np.testing.assert_allclose(got, sample["lARMSS"].to_numpy(), rtol=0, atol=1e-9)


def test_local_score_equals_a_direct_rank_computation() -> None:
    # a second method: scipy-free average ranks computed pool by pool
    rng = np.random.default_rng(7)
    steps = np.array([0, 1, 1.5, 2, 3, 4, 6, 6.5, 8])
    edss = rng.choice(steps, 300)
    years = rng.integers(0, 15, 300).astype(float)
    got = scores.local_score(edss, years)
    for i in range(0, 300, 37):
        pool = edss[np.abs(years - years[i]) <= 2]
        rank = (pool < edss[i]).sum() + ((pool == edss[i]).sum() + 1) / 2
        assert got[i] == pytest.approx(rank / (pool.size + 1) * 10)


def test_window_must_be_a_whole_number() -> None:
    with pytest.raises(InvalidArgumentError, match="`window_years` must be a whole number"):
        scores.local_score([1.0], [1], window_years=1.5)  # type: ignore[arg-type]


@pytest.mark.parametrize(("fn", "years", "col"), [
    (scores.local_msss, "dd", "lMSSS"), (scores.local_armss, "ageatedss", "lARMSS")])
def test_local_ms_sev_convention_equals_ms_sev(sample: pl.DataFrame, fn, years: str, col: str
                                              ) -> None:
    # ms.sev: ms_sev(data, type = "local_msss" / "local_armss"); rounded to 2 decimals there
    got = np.round(fn(sample["edss"], sample[years], convention="ms.sev"), 2)
    np.testing.assert_allclose(got, sample[col].to_numpy(), rtol=0, atol=1e-9)


def test_local_ms_sev_convention_pools_continuous_years_and_ranks_edss_half() -> None:
    # (EDSS, duration): (2.0, 1.0), (0.5, 1.5), (3.0, 3.0), (4.0, 3.5), (1.0, 0.5)
    # duration 0.5 < 1: neither pooled nor scored (ms.sev starts at year 1)
    # year 1 pools durations in [1, 3] = {2.0, 0.5, 3.0} (3.5 is outside), n = 3:
    #   EDSS 2.0 rank 2 -> 2 / 4 * 10 = 5.0; EDSS 0.5 rank 1 -> 2.5
    # year 3 pools [1, 5] = {2.0, 0.5, 3.0, 4.0}, n = 4: 3.0 -> 3 / 5 * 10 = 6.0; 4.0 -> 8.0
    got = scores.local_msss([2.0, 0.5, 3.0, 4.0, 1.0], [1.0, 1.5, 3.0, 3.5, 0.5],
                            convention="ms.sev")
    np.testing.assert_allclose(got[:4], [5.0, 2.5, 6.0, 8.0], rtol=0, atol=1e-12)
    assert np.isnan(got[4])


def test_local_ms_sev_convention_equals_a_direct_rank_computation() -> None:
    # second method: the pool of each whole year i >= 1 is every continuous year in
    # [max(1, i - 2), i + 2], ranked with ties averaged (R rank(ties.method = "average"))
    rng = np.random.default_rng(11)
    edss = rng.choice(np.array([0, 0.5, 1, 1.5, 2, 3.25, 4, 6, 10]), 400)
    years = rng.uniform(0, 12, 400)
    got = scores.local_score(edss, years, convention="ms.sev")
    for i in range(400):
        if years[i] < 1:
            assert np.isnan(got[i])
            continue
        y = np.floor(years[i])
        pool = edss[(years >= max(1, y - 2)) & (years <= y + 2)]
        rank = (pool < edss[i]).sum() + ((pool == edss[i]).sum() + 1) / 2
        assert got[i] == pytest.approx(rank / (pool.size + 1) * 10, abs=1e-12)


def test_unknown_convention_is_refused() -> None:
    with pytest.raises(InvalidArgumentError, match="`convention` must be one of"):
        scores.local_score([1.0], [1], convention="R")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="`convention` must be one of"):
        scores.armss([1.0], [30], convention="R")  # type: ignore[arg-type]

"""A propensity model that cannot be fitted (#25 follow-up, item 5): the error names the
rule broken, the covariate(s) that separate the arms and what to do (Albert & Anderson
1984). Each data set is built so that the separating covariate is known by construction."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from mscohort.analyse.comparative.propensity import SeparationError, propensity_score


def test_a_covariate_that_alone_separates_the_arms_is_named_with_its_cut() -> None:
    rng = np.random.default_rng(5)
    # every treated episode has EDSS 3 or more, every comparator 2.5 or less; age overlaps
    data = pl.DataFrame({"treatment": [0] * 20 + [1] * 20,
                         "edss": np.r_[rng.choice([1.0, 1.5, 2.0, 2.5], 20),
                                       rng.choice([3.0, 3.5, 4.0], 20)],
                         "age": rng.uniform(20, 60, 40)})
    with pytest.raises(SeparationError) as info:
        propensity_score(data, ("age", "edss"))
    text = str(info.value)
    assert "separation of the arms" in text and "Albert & Anderson 1984" in text
    assert ("`edss` separates the arms alone: every episode with edss above 2.5 is in arm 1 "
            "(treated), every one with edss below 3 in arm 0 (comparator)") in text
    assert "`age`" not in text  # age does not separate: not named
    assert "Leave `edss` out of [comparison] covariates" in text


def test_a_tie_at_the_cut_is_quasi_complete_separation_and_says_so() -> None:
    # treated EDSS >= 3, comparator <= 3: only EDSS 3 is in both arms
    data = pl.DataFrame({"treatment": [0, 0, 0, 0, 1, 1, 1, 1],
                         "edss": [1.0, 2.0, 3.0, 2.5, 3.0, 4.0, 5.0, 4.5]})
    with pytest.raises(SeparationError, match=r"`edss` separates the arms alone: .*"
                       r"only episodes with 3 are in both"):
        propensity_score(data, ("edss",))


def test_a_combination_that_separates_names_each_covariate_it_needs() -> None:
    rng = np.random.default_rng(7)
    # treated exactly when x1 + x2 > 0 (both ranges overlap between the arms); z is noise
    x1, x2 = rng.normal(0, 1, 200), rng.normal(0, 1, 200)
    x1, x2 = x1[np.abs(x1 + x2) > 0.3], x2[np.abs(x1 + x2) > 0.3]  # a clear margin
    data = pl.DataFrame({"treatment": (x1 + x2 > 0).astype(int), "x1": x1, "x2": x2,
                         "z": rng.normal(0, 1, x1.size)})
    with pytest.raises(SeparationError) as info:
        propensity_score(data, ("x1", "x2", "z"))
    text = str(info.value)
    assert "The model can be fitted without `x1` or without `x2`" in text
    assert "the separation needs each of them" in text
    assert "Leave one of `x1`, `x2` out of [comparison] covariates" in text
    assert "`z`" not in text  # every covariate named is in backticks: z is not named


def test_a_level_in_one_arm_names_the_covariate_and_what_to_do() -> None:
    data = pl.DataFrame({"treatment": [1, 1, 0, 0, 1, 0], "x": [1.0, 2, 3, 4, 5, 6],
                         "site": ["A", "B", "B", "C", "C", "B"]})
    with pytest.raises(SeparationError, match=r"site=A \(all in arm 1\).*quasi-complete "
                       r"separation.*Merge rare levels of `site` or leave it out of "
                       r"\[comparison\] covariates"):
        propensity_score(data, ("x", "site"), ("site",))

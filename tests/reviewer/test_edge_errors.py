"""Issue #17 errors 2, 5 and 6, each from its minimal case."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from scipy import stats

from mscohort.analyse.stats import at_precision, one_sample_t, paired
from mscohort.analyse.tables import paired_row

B = np.array([40, 45, 50, 38, 52, 47, 44, 41], dtype=float)
A = B + np.array([1, -1, 2, -2, 1, 3, -1, 1], dtype=float)


def test_equal_msss_changes_computed_apart_are_no_test() -> None:
    # 5.093 - 0.167 and 9.956 - 5.030 are both 4.926 on paper (t was 7.8e15 before)
    r = paired(pl.Series([0.167, 5.030]), pl.Series([5.093, 9.956]))
    assert r.t is None and r.p_t is None and r.p_wilcoxon is None
    assert r.note == "all differences are equal: no test"
    assert r.mean_difference == pytest.approx(4.926, abs=1e-12)


def test_a_change_equal_in_every_patient_but_for_noise_is_not_tested() -> None:
    # "Change RNFL -1.0 ± 0.0 (-1.0 to -1.0); n=2; p < 0.0001" with an SD of 5e-15
    changes = np.array([(-0.7 + -1.3) / 2, -1.0 + 5e-15])
    assert changes.std(ddof=1) > 0  # the noise is there
    assert one_sample_t(changes) is None


def test_wilcoxon_p_does_not_change_when_scores_are_z_scored() -> None:
    z = lambda x: (x - B.mean()) / B.std(ddof=1)  # noqa: E731
    raw, scored = paired(B, A), paired(z(B), z(A))
    assert raw.p_wilcoxon == pytest.approx(scored.p_wilcoxon, abs=1e-12)
    # both equal scipy on the integer differences, whose ties are exact:
    # scipy.stats.wilcoxon(A - B, zero_method="wilcox")
    ref = stats.wilcoxon(A - B, zero_method="wilcox")
    assert raw.p_wilcoxon == pytest.approx(float(ref.pvalue), abs=1e-12)
    assert raw.wilcoxon_statistic == float(ref.statistic)


def test_the_precision_rounds_noise_but_keeps_real_differences() -> None:
    assert at_precision(np.array([4.926000000000001, 4.925999999999999]))[0] == 4.926
    assert at_precision(np.array([1e-6]))[0] == 1e-6  # far above the noise
    assert str(at_precision(np.array([-1e-15]))[0]) == "0.0"  # no negative zero


def test_paired_means_are_over_the_pairs_tested() -> None:
    # "EDSS at 12 months 5.25 -> 5.04" printed all baselines against the 45 pairs
    before = pl.Series([1.0, 2.0, 3.0, None])
    after = pl.Series([2.0, None, 5.0, 7.0])
    r = paired(before, after)
    assert (r.n, r.mean_before, r.mean_after) == (2, 2.0, 3.5)
    row = paired_row("x", before, after)
    assert (row["mean_before"], row["mean_after"], row["mean_difference"]) == (2.0, 3.5, 1.5)
    assert row["mean_after"] - row["mean_before"] == row["mean_difference"]


def test_log_rank_of_follow_up_cohorts_is_flagged(toy_dir) -> None:
    from mscohort.analyse.study import analyse_study
    from mscohort.definition import load_definition
    from mscohort.ingest import read_study
    from mscohort.validate import check_study
    from tests.conftest import AS_OF

    study, _ = check_study(read_study(toy_dir), as_of=AS_OF)
    a = analyse_study(study, load_definition(toy_dir / "study.toml"), sensitivity=False)
    assert a.logrank_cdw is not None
    assert "biased by design" in a.logrank_cdw.caveat

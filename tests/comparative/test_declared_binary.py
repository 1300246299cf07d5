"""A covariate's kind in the balance table is declared, not read from its values (#25
follow-up, item 4): a numeric covariate (here ``relapses_12m``) whose values happen to be
only 0 and 1 stays continuous; level and missing indicators are binary. Hand calculations
in the comments (Austin 2009, eq. 1 and 2)."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from mscohort.analyse.comparative.balance import (
    balance_columns,
    balance_table,
    covariate_balance,
)

TABLE = pl.DataFrame({"treatment": [1, 1, 1, 0, 0, 0],
                      "relapses_12m": [1, 0, 1, 0, 0, 1],
                      "sex": ["F", "M", "F", "M", "M", "F"],
                      "edss_missing": [0, 1, 0, 0, 0, 0]})
T = TABLE["treatment"].to_numpy()
W = np.ones(6)


def _row(table: pl.DataFrame, name: str) -> dict[str, object]:
    return table.filter(pl.col("covariate") == name).row(0, named=True)


def test_a_numeric_covariate_with_values_0_and_1_is_continuous_as_declared() -> None:
    table = covariate_balance(TABLE, ("relapses_12m", "sex", "edss_missing"), ("sex",), T, W)
    r = _row(table, "relapses_12m")
    # treated 1, 0, 1: mean 2/3, sample variance (1/9 + 4/9 + 1/9) / 2 = 1/3; comparator
    # 0, 0, 1: mean 1/3, variance 1/3; SMD = (2/3 - 1/3) / sqrt((1/3 + 1/3) / 2) = sqrt(1/3)
    assert r["binary"] is False
    assert r["smd_before"] == pytest.approx(math.sqrt(1 / 3), abs=1e-12)
    # weighted variances with unit weights: (2/3) / (3 - 3/3) = 1/3 in each arm: ratio 1
    assert r["variance_ratio_before"] == pytest.approx(1.0, abs=1e-12)
    for name in ("sex=F", "sex=M", "edss_missing"):  # indicators: binary, no variance ratio
        row = _row(table, name)
        assert row["binary"] is True and math.isnan(row["variance_ratio_before"])
    # sex=F: p1 = 2/3, p0 = 1/3; s = sqrt((2/9 + 2/9) / 2) = sqrt(2/9); SMD = (1/3) / s
    assert _row(table, "sex=F")["smd_before"] == pytest.approx((1 / 3) / math.sqrt(2 / 9),
                                                               abs=1e-12)


def test_without_a_declaration_a_0_1_column_is_read_as_binary_as_matchit_does() -> None:
    columns = balance_columns(TABLE, ("relapses_12m",))
    r = _row(balance_table(columns, T, W), "relapses_12m")
    # binary: p1 (1 - p1) = 2/9 = p0 (1 - p0); SMD = (1/3) / sqrt(2/9) = 1 / sqrt(2)
    assert r["binary"] is True
    assert r["smd_before"] == pytest.approx(1 / math.sqrt(2), abs=1e-12)
    assert math.isnan(r["variance_ratio_before"])

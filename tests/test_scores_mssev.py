"""Scores against the Python package mssev 0.5.2 (test-only oracle) on generated data.

mssev is installed by scripts/run-tests.sh with ``--no-deps`` (it pins numpy 1.23 and
pandas 1.4); its functions used here run on current pandas. Calls:
``mssev.MSSS(df, ref="roxburgh" | "manouchehrinia", ds="edss", duration="dd")``,
``mssev.ARMSS(df, ds="edss", age="ageatedss")`` and ``mssev.irreversible_ds(df, ...)``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import polars as pl
import pytest

from mscohort import scores
from tests.oracles import oracle

STEPS = np.array([0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7, 7.5, 8, 8.5, 9,
                  9.5, 10])


@pytest.fixture(scope="module")
def mssev():
    return oracle("mssev")


@pytest.fixture(scope="module")
def generated() -> pd.DataFrame:
    rng = np.random.default_rng(20261125)
    n = 20_000
    return pd.DataFrame({
        "edss": rng.choice(STEPS, n),
        "dd": rng.uniform(-1, 45, n),
        "ageatedss": rng.uniform(10, 90, n),
    })


@pytest.mark.parametrize(("table", "ref"), [("roxburgh2005", "roxburgh"),
                                            ("manouchehrinia2017", "manouchehrinia")])
def test_global_msss_equals_mssev(mssev, generated: pd.DataFrame, table: str, ref: str) -> None:
    want = mssev.MSSS(generated, ref=ref).to_numpy(dtype=float)
    got = scores.msss(generated["edss"], generated["dd"], table=table)
    # both: NaN for EDSS 0.5 and 10, durations under one year; 30+ years read row 30
    assert np.array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got[~np.isnan(got)], want[~np.isnan(want)], rtol=0, atol=1e-12)


def test_global_armss_equals_mssev_up_to_age_75(mssev, generated: pd.DataFrame) -> None:
    want = mssev.ARMSS(generated).to_numpy(dtype=float)
    got = scores.armss(generated["edss"], generated["ageatedss"])
    # documented difference: mssev scores ages over 75 with the age-75 row; mscohort
    # returns NaN (age_outside_table), as ms.sev does
    upto75 = generated["ageatedss"].to_numpy() < 76
    assert np.isnan(got[~upto75]).all()
    assert np.array_equal(np.isnan(got[upto75]), np.isnan(want[upto75]))
    ok = upto75 & ~np.isnan(want)
    np.testing.assert_allclose(got[ok], want[ok], rtol=0, atol=1e-12)


def test_irreversible_edss_equals_mssev(mssev) -> None:
    rng = np.random.default_rng(3)
    n = 3_000
    frame = pd.DataFrame({
        "pid": rng.integers(0, 200, n).astype(str),
        "date": [dt.date(2000, 1, 1) + dt.timedelta(days=int(d))
                 for d in rng.choice(20_000, n, replace=False)],
        "edss": rng.choice(STEPS[:-1], n),
    })
    want = mssev.irreversible_ds(frame, pid="pid", ds="edss", t="date").to_numpy(dtype=float)
    got = scores.irreversible(pl.from_pandas(frame), patient="pid").to_numpy()
    np.testing.assert_array_equal(got, want)

"""Global MSSS and ARMSS against the published tables and the outputs of ms.sev 1.0.4.

Oracle: tests/data/reference/ms.sev_sample_scores.csv, the 2,000-row sample shipped with
the R package ms.sev 1.0.4 with the scores it computes (R 4.2):
``ms_sev(data, type = "global_msss", omsss = TRUE)`` and ``type = "global_armss"``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest

from mscohort import scores
from mscohort.derive.tables import edss_column
from mscohort.errors import InvalidArgumentError

REF = Path(__file__).parent / "data" / "reference" / "ms.sev_sample_scores.csv"
SHARED = Path(__file__).parents[2] / "shared" / "reference"


@pytest.fixture(scope="module")
def sample() -> pl.DataFrame:
    return pl.read_csv(REF, null_values="NA")


def test_published_cells_are_returned() -> None:
    # Roxburgh 2005 Table: 5 completed years, EDSS 3.0 -> 5.790; 12 years, EDSS 6.5 -> 7.920
    assert scores.msss([3.0, 6.5], [5, 12]).tolist() == [5.79, 7.92]
    # 30 completed years, EDSS 9.5 -> 9.911 (last row, last column); 47 years reads it too
    assert scores.msss([9.5, 9.5], [30, 47]).tolist() == [9.911, 9.911]
    # updated table, row dd1 (1 completed year), EDSS 0 -> 0.91
    assert scores.msss([0.0], [1.2], table="manouchehrinia2017").tolist() == [0.91]
    # ARMSS, age 18, EDSS 0 -> 1.5; age 75, EDSS 6.0 -> 3.44
    assert scores.armss([0.0, 6.0], [18, 75.9]).tolist() == [1.5, 3.44]


@pytest.mark.parametrize("name", ["msss_global_roxburgh2005.csv",
                                  "msss_global_updated_manouchehrinia2017.csv",
                                  "armss_global_manouchehrinia2017.csv"])
def test_shipped_tables_equal_the_shared_reference(name: str) -> None:
    if not (SHARED / name).is_file():
        pytest.skip("shared/reference is not beside this checkout")
    shipped = Path(__file__).parents[1] / "src" / "mscohort" / "datasets" / "reference" / name
    assert shipped.read_bytes() == (SHARED / name).read_bytes()


def test_roxburgh_global_msss_equals_ms_sev(sample: pl.DataFrame) -> None:
    # ms.sev convention: row floor(dd) up to 28 years, then dd29
    got = scores.msss(sample["edss"], sample["dd"], convention="ms.sev")
    np.testing.assert_allclose(got, sample["oGMSSS"].to_numpy(), rtol=0, atol=1e-12)


def test_updated_global_msss_equals_ms_sev(sample: pl.DataFrame) -> None:
    # ms.sev reads the updated table at row floor(dd) + 1 (ddN = N-th year of disease)
    got = scores.msss(sample["edss"], sample["dd"], table="manouchehrinia2017",
                      convention="ms.sev")
    np.testing.assert_allclose(got, sample["uGMSSS"].to_numpy(), rtol=0, atol=1e-12)


def test_global_armss_equals_ms_sev_including_missing_ages(sample: pl.DataFrame) -> None:
    got = scores.armss(sample["edss"], sample["ageatedss"])
    want = sample["gARMSS"].to_numpy()
    assert np.array_equal(np.isnan(got), np.isnan(want))  # NA outside ages 18-75
    np.testing.assert_allclose(got[~np.isnan(got)], want[~np.isnan(want)], rtol=0, atol=1e-12)


def test_standard_convention_differs_from_ms_sev_only_where_documented(
    sample: pl.DataFrame,
) -> None:
    dd = sample["dd"].to_numpy()
    std = scores.msss(sample["edss"], dd)
    # Roxburgh 2005: the conventions differ only at >= 30 years (standard: dd30)
    differs = ~np.isclose(std, sample["oGMSSS"].to_numpy())
    assert differs.any() and (dd[differs] >= 30).all()
    # updated table: the standard reading is one row earlier (ddN = N completed years)
    upd = scores.msss(sample["edss"], dd, table="manouchehrinia2017")
    shifted = scores.msss(sample["edss"], np.maximum(dd - 1, 0), table="manouchehrinia2017",
                          convention="ms.sev")
    below_30 = dd < 30
    np.testing.assert_allclose(upd[below_30], shifted[below_30])


@pytest.mark.parametrize(("edss", "years", "reason"), [
    (0.5, 5, "edss_not_in_table"), (10.0, 5, "edss_not_in_table"),
    (3.25, 5, "edss_not_in_table"), (np.nan, 5, "edss_missing"),
    (3.0, 0.99, "duration_under_one_year"), (3.0, -1, "duration_negative"),
    (3.0, np.nan, "duration_missing"),
])
def test_undefined_msss_is_missing_with_its_reason(edss: float, years: float,
                                                   reason: str) -> None:
    detail = severity_detail_row(edss, duration_years=years)
    assert detail["score"] is None and detail["missing_reason"] == reason
    assert np.isnan(scores.msss([edss], [years])[0])


def severity_detail_row(edss: float, **kw: float) -> dict:
    return scores.severity_detail([edss], **{k: [v] for k, v in kw.items()}).row(0, named=True)


def test_durations_over_30_years_use_the_last_row() -> None:
    detail = severity_detail_row(4.0, duration_years=47.5)
    assert detail["table_row"] == 30 and detail["score"] == 2.226


@pytest.mark.parametrize(("age", "reason"), [(17.9, "age_outside_table"),
                                             (76, "age_outside_table"),
                                             (np.nan, "age_missing")])
def test_armss_outside_ages_18_to_75_is_missing(age: float, reason: str) -> None:
    detail = scores.severity_detail([3.0], age_years=[age], table="armss2017").row(0, named=True)
    assert detail["score"] is None and detail["missing_reason"] == reason


def test_inputs_may_be_lists_numpy_pandas_or_polars() -> None:
    want = scores.msss([3.0, 6.5], [5, 12])
    for edss, dd in [(np.array([3.0, 6.5]), np.array([5, 12])),
                     (pd.Series([3.0, 6.5]), pd.Series([5, 12])),
                     (pl.Series([3.0, 6.5]), pl.Series([5, 12]))]:
        np.testing.assert_array_equal(scores.msss(edss, dd), want)
    nulls = scores.msss(pl.Series([3.0, None]), pl.Series([5, 12]))
    assert nulls[0] == 5.79 and np.isnan(nulls[1])


@pytest.mark.parametrize(("call", "match"), [
    (lambda: scores.msss([3.0], [5], table="roxburgh"), "`table` must be one of"),
    (lambda: scores.msss([3.0], [5], convention="R"), "`convention` must be one of"),
    (lambda: scores.msss([3.0, 4.0], [5]), "`duration_years` must be as long as"),
    (lambda: scores.msss(["three"], [5]), "`edss` must be numbers"),
    (lambda: scores.severity_detail([3.0], table="armss2017"), "`age_years` must be given"),
])
def test_bad_arguments_use_the_argument_template(call, match: str) -> None:
    with pytest.raises(InvalidArgumentError, match=match):
        call()


def test_edss_column_index() -> None:
    cols = edss_column(np.array([0, 0.5, 1, 1.5, 9.5, 10, 3.3, np.nan]))
    assert cols.tolist() == [0, -1, 1, 2, 18, -1, -1, -1]


@pytest.mark.parametrize("table", ["roxburgh2005", "manouchehrinia2017"])
@pytest.mark.parametrize("convention", ["standard", "ms.sev"])
def test_compiled_lookup_equals_the_explained_lookup(table: str, convention: str) -> None:
    # two implementations: the compiled kernel of msss() and the step-by-step
    # severity_detail() that also gives reasons
    rng = np.random.default_rng(11)
    edss = np.concatenate([rng.choice(np.arange(-1, 12, 0.5), 5000), [np.nan, 3.3, 28.0]])
    years = np.concatenate([rng.uniform(-2, 45, 5000), [5, np.nan, 28.5]])
    fast = scores.msss(edss, years, table=table, convention=convention)
    slow = scores.severity_detail(edss, duration_years=years, table=table,
                                  convention=convention)["score"].to_numpy()
    np.testing.assert_array_equal(fast, slow.astype(float))


def test_compiled_armss_equals_the_explained_lookup() -> None:
    rng = np.random.default_rng(12)
    edss = rng.choice(np.arange(-1, 12, 0.5), 5000)
    ages = rng.uniform(0, 100, 5000)
    fast = scores.armss(edss, ages)
    slow = scores.severity_detail(edss, age_years=ages, table="armss2017")["score"]
    np.testing.assert_array_equal(fast, slow.to_numpy().astype(float))

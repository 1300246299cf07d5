"""The comparison cohort's contract between the design and the outcome stages (#25)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from mscohort.analyse.comparative.cohort import COHORT_SCHEMA, ComparisonCohort
from mscohort.errors import InvalidArgumentError


def _episodes() -> pl.DataFrame:
    day = dt.date(2020, 1, 1)
    row = {"episode_id": "e1", "patient_id": "p1", "treatment": 1, "drug": "alemtuzumab",
           "start_date": day, "stop_date": None, "end_date": day, "pair_id": 1,
           "weight": 1.0, "ps": 0.4, "age": 35.0}
    return pl.DataFrame([row], schema={**COHORT_SCHEMA, "age": pl.Float64})


def test_cohort_accepts_the_documented_columns_and_covariates() -> None:
    cohort = ComparisonCohort(_episodes(), "match", "alemtuzumab", "natalizumab", ("age",))
    assert cohort.episodes.height == 1


def test_cohort_names_a_missing_covariate_column() -> None:
    with pytest.raises(InvalidArgumentError, match="without sex"):
        ComparisonCohort(_episodes(), "match", "alemtuzumab", "natalizumab", ("age", "sex"))


def test_cohort_refuses_an_unknown_design() -> None:
    with pytest.raises(InvalidArgumentError, match="`design` must be one of match, iptw"):
        ComparisonCohort(_episodes(), "pairs", "alemtuzumab", "natalizumab")

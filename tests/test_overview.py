"""The study overview against hand calculations on the toy study."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest

from mscohort.analyse.overview import Describe, overview
from mscohort.ingest import read_study
from mscohort.validate import check_study
from tests.conftest import AS_OF


@pytest.fixture
def view(toy_dir: Path):
    study, _ = check_study(read_study(toy_dir), as_of=AS_OF)
    return overview(study)


def test_counts_by_sex_phenotype_and_cohort(view) -> None:
    assert view.n_patients == 8
    assert view.sex == {"F": 5, "M": 3}
    assert view.phenotype == {"RRMS": 3, "SPMS": 3, "PPMS": 1, "PRMS": 1}
    assert view.cohort == {"ALE-experienced": 4, "ALE-naive": 4}


def test_edss_assessments_per_patient(view) -> None:
    # P01 6, P02 4, P03 1, P04 4, P05 4, P06 3 (one exact repeat stored once), P07 4, P08 3
    counts = sorted([6, 4, 1, 4, 4, 3, 4, 3])
    assert view.edss_per_patient.median == (counts[3] + counts[4]) / 2 == 4
    assert (view.edss_per_patient.minimum, view.edss_per_patient.maximum) == (1, 6)


def test_first_edss_mean_and_sample_sd_by_hand(view) -> None:
    first = [5.5, 4.0, 6.5, 6.0, 3.0, 5.0, 6.5, 6.0]
    mean = sum(first) / 8  # 5.3125
    sd = math.sqrt(sum((x - mean) ** 2 for x in first) / 7)  # 10.96875 / 7
    assert view.first_edss.mean == pytest.approx(5.3125)
    assert view.first_edss.sd == pytest.approx(sd) == pytest.approx(1.251784, abs=1e-6)
    assert view.first_edss.mean_sd_range(1) == "5.3 ± 1.3 (3.0-6.5), n=8"


def test_observation_span_in_julian_years(view) -> None:
    longest = (dt.date(2013, 9, 5) - dt.date(2005, 3, 10)).days / 365.25  # P01
    assert view.observation_years.maximum == pytest.approx(longest)
    assert view.observation_years.minimum == 0.0  # P03, a single visit


def test_patients_per_drug_count_each_patient_once(view) -> None:
    # interferon beta: P01, P02, P03, P05, P07; P07's is "interferon beta-1b"
    assert view.patients_per_drug["interferon beta"] == 5
    assert view.infusions_per_drug == {"alemtuzumab": 47}


def test_describe_of_one_value_has_no_sd_and_of_none_has_no_data() -> None:
    import polars as pl

    one = Describe.of(pl.Series([2.0]))
    assert one.sd is None and one.mean_sd_range(1) == "2.0 (2.0-2.0), n=1"
    assert Describe.of(pl.Series([], dtype=pl.Float64)).median_range() == "no data"

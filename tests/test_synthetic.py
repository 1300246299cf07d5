"""The synthetic cohort generator: seeded, valid under every rule, plausible."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from mscohort.errors import InvalidArgumentError
from mscohort.ingest import read_study
from mscohort.synthetic import make_synthetic_cohort, write_study_folder
from mscohort.validate import check_study
from tests.conftest import AS_OF


def test_same_seed_same_cohort_other_seed_other_cohort() -> None:
    a, b = make_synthetic_cohort(50, seed=3), make_synthetic_cohort(50, seed=3)
    c = make_synthetic_cohort(50, seed=4)
    assert all(a.table(t).equals(b.table(t)) for t in ("patients", "edss", "relapses"))
    assert not a.table("edss").equals(c.table("edss"))


def test_written_cohort_validates_without_errors(tmp_path: Path) -> None:
    write_study_folder(make_synthetic_cohort(300, seed=1), tmp_path / "s")
    _, report = check_study(read_study(tmp_path / "s"), as_of=AS_OF)
    assert report.n_errors == 0, report.format_text(limit=10)
    assert set(report.warnings["rule"]) <= {"edss_during_relapse"}


def test_cohort_is_plausible() -> None:
    s = make_synthetic_cohort(2000, seed=2)
    per = s.edss.group_by("patient_id").len()["len"]
    assert per.min() >= 1 and per.max() <= 24
    female = (s.patients["sex"] == "F").mean()
    assert 0.65 < female < 0.75
    t = s.table("treatments")
    # no drug before its first approval (fingolimod: 2010-09-21)
    assert t.filter((pl.col("drug") == "fingolimod")
                    & (pl.col("start_date") < pl.date(2010, 9, 21))).height == 0
    # exposures of one patient do not overlap
    ordered = t.sort("patient_id", "start_date").with_columns(
        pl.col("stop_date").shift(1).over("patient_id").alias("prev_stop"))
    assert ordered.filter(pl.col("start_date") < pl.col("prev_stop")).height == 0
    inf = s.table("infusions").group_by("patient_id").len()["len"]
    assert set(inf.to_list()) == {8}  # 5 + 3 days


def test_bad_size_uses_the_argument_template() -> None:
    with pytest.raises(InvalidArgumentError, match="`n_patients` must be a whole number"):
        make_synthetic_cohort(0)

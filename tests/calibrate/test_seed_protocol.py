"""The bundled seed cohort against its own protocol, as the shipped records stand
(datasets/seed/README.md, "The cohort against its own protocol")."""

from __future__ import annotations

import polars as pl
import pytest

from mscohort.calibrate.seed import SEED
from mscohort.definition import load_definition
from mscohort.derive.screening import parse_eligibility, screen
from mscohort.ingest import read_study
from mscohort.validate import check_study
from tests.conftest import AS_OF


@pytest.fixture(scope="module")
def own_arm() -> pl.DataFrame:
    study, _ = check_study(read_study(SEED), as_of=AS_OF)
    d = load_definition(SEED / "study.toml")
    dec, _ = screen(study, parse_eligibility(d.eligibility), course_gap_days=d.course_gap_days)
    return (dec.join(study.table("patients").select("patient_id", "cohort"), on="patient_id")
            .filter(pl.col("arm") == pl.col("cohort")))


def test_the_autoimmunity_exclusion_reads_status_so_none_is_excluded_for_it(own_arm) -> None:
    assert not own_arm["reasons"].str.contains("Uncontrolled autoimmunity").any()
    unknown = own_arm.filter(pl.col("missing").str.contains("Uncontrolled autoimmunity"))
    assert sorted(unknown["patient_id"]) == ["TRMS08", "TRMS09"]
    assert set(unknown["decision"]) == {"cannot tell"}


def test_the_declared_deviations_are_listed_apart(own_arm) -> None:
    dev = own_arm.filter(pl.col("decision") == "protocol deviation")
    assert sorted(dev["patient_id"]) == ["TRMS43", "TRMS44"]
    assert dev["deviations"].str.contains("forced by the fingolimod rows").all()


def test_the_readme_table_matches_the_screening(own_arm) -> None:
    counts = dict(own_arm.group_by("decision").len().iter_rows())
    assert counts == {"eligible": 49, "protocol deviation": 2, "not eligible": 7,
                      "cannot tell": 2}
    readme = (SEED / "README.md").read_text()
    for pid in own_arm.filter(pl.col("decision") != "eligible")["patient_id"]:
        assert pid in readme, pid

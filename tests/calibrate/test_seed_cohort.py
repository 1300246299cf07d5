"""The bundled seed study: the shipped files are what `mscohort calibrate` writes, they pass
validation, follow the seed's regimens and cohorts, and their analysis reproduces every
published number or lists it in residuals.csv."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from mscohort.analyse.study import analyse_study
from mscohort.calibrate.published import compare, load_published
from mscohort.calibrate.seed import SEED, calibrate, write_seed_study
from mscohort.definition import load_definition
from mscohort.ingest import read_study
from mscohort.validate import check_study
from tests.conftest import AS_OF


@pytest.fixture(scope="module")
def seed_study():
    study, report = check_study(read_study(SEED), as_of=AS_OF)
    return study, report, analyse_study(study, load_definition(SEED / "study.toml"))


def test_the_seed_study_is_clean_and_has_sixty_patients(seed_study) -> None:
    study, report, analysis = seed_study
    assert report.ok and report.errors.height == 0
    assert study.patients.height == 60
    assert analysis.outcomes["excluded_reason"].is_null().all()
    cohorts = study.patients.group_by("cohort").len().sort("cohort").rows()
    assert cohorts == [("ALE-experienced", 30), ("ALE-naive", 30)]


def test_every_published_number_is_reproduced_or_listed_as_a_residual(seed_study) -> None:
    _, _, analysis = seed_study
    comparison = compare(analysis.tables, load_published(SEED / "published.toml"))
    misses = comparison.filter(~pl.col("match"))
    listed = pl.read_csv(SEED / "residuals.csv", schema_overrides={"published": pl.String,
                                                                    "ours": pl.String})
    assert misses.drop("match").rows() == listed.select(misses.drop("match").columns).rows()
    # every group has its published size, exactly
    assert comparison.filter(pl.col("stat") == "n")["match"].all()
    # and each residual is documented with its reason
    readme = (SEED / "README.md").read_text()
    for r in listed.iter_rows(named=True):
        assert f"| {r['table']} | {r['group']} | {r['measure']} | {r['stat']} |" in readme


def test_follow_up_cohorts_are_the_two_arms(seed_study) -> None:
    _, _, analysis = seed_study
    out = analysis.outcomes
    lt = out.filter(pl.col("cohort") == "ALE-experienced")["followup"]
    st = out.filter(pl.col("cohort") == "ALE-naive")["followup"]
    assert lt.min() > st.max()  # the median split puts each arm in its own cohort


def test_infusions_follow_the_seed_regimens(seed_study) -> None:
    study, _, analysis = seed_study
    from mscohort.derive.outcomes import numbered_infusions

    courses = (numbered_infusions(study.table("infusions"), analysis.definition)
               .group_by("patient_id", "course", maintain_order=True)
               .agg(pl.col("dose_mg"), pl.col("date").min()))
    regimens = {tuple(d) for d in courses["dose_mg"]}
    assert regimens <= {(12.0,) * 5, (12.0,) * 3, (10.0, 20.0, 30.0), (10.0,) * 3}
    first = courses.filter(pl.col("course") == 1)
    assert set(map(tuple, first["dose_mg"])) <= {(12.0,) * 5, (10.0, 20.0, 30.0)}
    gaps = (courses.sort("patient_id", "course")
            .with_columns(pl.col("date").diff().over("patient_id").dt.total_days())
            .drop_nulls("date"))
    assert gaps["date"].min() >= 365  # retreatment at least 12 months after the last course
    n_courses = analysis.outcomes.select("cohort", "n_courses")
    assert n_courses.filter(pl.col("cohort") == "ALE-experienced")["n_courses"].min() >= 2


def test_every_edss_is_a_valid_step_and_baseline_precedes_the_index(seed_study) -> None:
    study, _, analysis = seed_study
    edss = study.edss["edss"]
    assert ((edss * 2).round(0) == edss * 2).all() and edss.max() <= 9.5
    out = analysis.outcomes
    assert (out["baseline_date"] < out["index_date"]).all()


@pytest.mark.slow
def test_shipped_files_equal_the_regenerated_ones(tmp_path: Path) -> None:
    written = write_seed_study(calibrate(), tmp_path)
    for path in written:
        assert path.read_bytes() == (SEED / path.name).read_bytes(), path.name


def test_the_seed_example_shows_screening_courses_and_safety(seed_study) -> None:
    from mscohort.report.tables import (
        aesi_report_table,
        course_table,
        safety_table,
        screening_table,
    )

    _, _, analysis = seed_study
    screening = dict((r[0], r[1:]) for r in screening_table(analysis).rows)
    assert set(screening) == {"ALE-experienced", "ALE-naive"}
    # every patient is judged for both arms
    assert all(sum(int(x) for x in v) == 60 for v in screening.values())
    # nobody is eligible for both arms: the arms' alemtuzumab criteria exclude each other
    both = (analysis.screening.filter(analysis.screening["decision"] == "eligible")
            .group_by("patient_id").len())
    assert both.filter(both["len"] > 1).height == 0
    assert course_table(analysis).rows and safety_table(analysis).rows
    assert aesi_report_table(analysis).rows


def test_the_seed_example_shows_the_secondary_outcomes_of_the_prospective_arm(
        seed_study) -> None:
    study, _, analysis = seed_study
    arm = set(study.patients.filter(pl.col("cohort") == "ALE-naive")["patient_id"])
    for table in ("msfc", "oct", "mri"):
        assert set(study.table(table)["patient_id"]) <= arm, table
        assert study.table(table).height > 0, table
    sec = analysis.secondary
    msfc = sec.tables["MSFC"].filter(pl.col("group") == "all analysed")
    change = msfc.filter(pl.col("measure") == "change MSFC z").row(0, named=True)
    with_change = sec.patients["msfc_z_change"].drop_nulls()
    assert change["n"] == with_change.len() >= 15
    assert change["mean"] == pytest.approx(with_change.mean())
    neda = sec.tables["NEDA-3"]["measure"].unique().to_list()
    assert "NEDA-3, n/N (%)" in neda and "no MRI activity, n/N (%)" in neda
    # RNFL thins in the synthetic arm (0.6 um a year): the mean annualised change is negative
    oct_ = sec.tables["OCT"].filter((pl.col("group") == "all analysed") & (
        pl.col("measure") == "annualised change RNFL (\u00b5m/year)")).row(0, named=True)
    assert oct_["mean"] < 0 and oct_["n"] >= 15

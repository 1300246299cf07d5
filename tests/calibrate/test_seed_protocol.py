"""The bundled seed cohort against its own protocol, as the shipped records stand
(datasets/seed/README.md, "The cohort against its own protocol"): every enrolled patient is
eligible for their arm or a declared deviation the published numbers force, each decision
pinned here with the record behind it."""

from __future__ import annotations

import polars as pl
import pytest

from mscohort.calibrate.seed import SEED
from mscohort.definition import load_definition
from mscohort.derive.screening import parse_eligibility, screen
from mscohort.ingest import read_study
from mscohort.validate import check_study
from tests.conftest import AS_OF

#: every enrolled patient not simply eligible for their own arm, and why
NOT_ELIGIBLE = {
    "TRMS42": ("protocol deviation", "baseline MSSS minimum 1.28"),
    "TRMS43": ("protocol deviation", "forced by the fingolimod rows"),
    "TRMS44": ("protocol deviation", "forced by the fingolimod rows"),
}


@pytest.fixture(scope="module")
def screened() -> tuple[pl.DataFrame, pl.DataFrame]:
    study, _ = check_study(read_study(SEED), as_of=AS_OF)
    d = load_definition(SEED / "study.toml")
    dec, det = screen(study, parse_eligibility(d.eligibility),
                      course_gap_days=d.course_gap_days)
    cohort = study.table("patients").select("patient_id", "cohort")
    return (dec.join(cohort, on="patient_id").filter(pl.col("arm") == pl.col("cohort")),
            det.join(cohort, on="patient_id").filter(pl.col("arm") == pl.col("cohort")))


@pytest.fixture(scope="module")
def own_arm(screened) -> pl.DataFrame:
    return screened[0]


def _evidence(screened, pid: str, criterion: str) -> tuple[str, str]:
    row = screened[1].filter((pl.col("patient_id") == pid)
                             & (pl.col("criterion") == criterion)).row(0, named=True)
    return row["status"], row["evidence"]


def test_each_enrolled_patient_has_the_pinned_decision_for_their_arm(own_arm) -> None:
    for r in own_arm.iter_rows(named=True):
        decision, why = NOT_ELIGIBLE.get(r["patient_id"], ("eligible", ""))
        assert r["decision"] == decision, r["patient_id"]
        assert why in f"{r['reasons']} {r['deviations']}", r["patient_id"]


def test_the_autoimmunity_exclusion_reads_status_so_none_is_excluded_for_it(
        own_arm, screened) -> None:
    assert not own_arm["reasons"].str.contains("Uncontrolled autoimmunity").any()
    assert not own_arm["missing"].str.contains("Uncontrolled autoimmunity").any()
    # the thyroid disease after alemtuzumab that has not resolved is controlled on treatment
    for pid in ("TRMS22",):
        status, evidence = _evidence(screened, pid, "Uncontrolled autoimmunity")
        assert status == "not met" and "Graves disease" in evidence
        assert "(controlled)" in evidence


def test_the_alemtuzumab_experienced_are_enrolled_after_their_second_course(
        screened) -> None:
    for pid in ("TRMS08", "TRMS28"):
        status, evidence = _evidence(screened, pid,
                                     "More than one prior course of alemtuzumab")
        assert status == "met" and evidence.startswith("2 course(s)"), pid


def test_the_alemtuzumab_naive_relapsed_on_a_drug_in_the_two_years_before(screened) -> None:
    # the relapse each had in those two years, on the drug they took then
    for pid, on in (("TRMS53", "2012-05-31 on teriflunomide"),
                    ("TRMS54", "2012-11-25 on teriflunomide")):
        status, evidence = _evidence(screened, pid,
                                     "Documented relapses on therapy in the prior two years")
        assert status == "met" and on in evidence, (pid, evidence)


def test_the_declared_deviations_are_listed_apart(own_arm) -> None:
    dev = own_arm.filter(pl.col("decision") == "protocol deviation")
    assert sorted(dev["patient_id"]) == ["TRMS42", "TRMS43", "TRMS44"]
    declared = parse_eligibility(load_definition(SEED / "study.toml").eligibility).deviations
    assert sorted(pid for pid, _ in declared) == ["TRMS42", "TRMS43", "TRMS44"]


def test_the_readme_table_matches_the_screening(own_arm) -> None:
    counts = dict(own_arm.group_by("decision").len().iter_rows())
    assert counts == {"eligible": 57, "protocol deviation": 3}
    readme = (SEED / "README.md").read_text()
    assert "57 are eligible for" in readme
    for pid in own_arm.filter(pl.col("decision") != "eligible")["patient_id"]:
        assert pid in readme, pid


def test_the_eligible_only_sensitivity_row_leaves_out_the_three_deviations(own_arm) -> None:
    from mscohort.analyse.study import analyse_study

    study, _ = check_study(read_study(SEED), as_of=AS_OF)
    sens = analyse_study(study, load_definition(SEED / "study.toml")).sensitivity
    n = dict(zip(sens["variant"], sens["n"], strict=True))
    assert n["eligible patients only"] == n["main analysis"] - len(NOT_ELIGIBLE) == 57


def test_the_nat_fty_ale_maximum_msss_change_starts_below_edss_3_when_a_year_is_gained(
        ) -> None:
    # README, "Screening EDSS 3-7": the maximum MSSS change +1.16 of NAT -> FTY -> ALE
    # within its EDSS change range (-2.0 to +1.0), over every step and 1-40 years at
    # baseline, from the global MSSS (Roxburgh 2005) as the fit computes it
    import datetime as dt

    from mscohort.calibrate.fit import MSSS_GRID, ONSET_MONTHS, STEPS, shift_months
    from mscohort.calibrate.fit import completed_years as years

    def starts(gained: tuple[int, ...]) -> set[float]:
        return {float(STEPS[b]) for b in range(STEPS.size) for f in range(STEPS.size)
                if -2.0 <= STEPS[f] - STEPS[b] <= 1.0 for d in range(1, 41)
                for k in gained if f"{MSSS_GRID[f, d + k] - MSSS_GRID[b, d]:.2f}" == "1.16"}

    assert starts((1, 2)) == {1.5, 2.5}  # 1.5 is below the cohort's minimum 2.5
    assert starts((0,)) == {3.0, 5.0}
    # and with the fit's onset (the 15th, ONSET_MONTHS off the baseline's month) a
    # follow-up of 6 lunar months or more (the short-term cohort's) gains a year: the
    # follow-up date is 30 + 168 days or more after the baseline
    for day in range(0, 366 * 4, 3):
        base = dt.date(2011, 1, 1) + dt.timedelta(days=day)
        onset = shift_months(base, -12 * 10 - ONSET_MONTHS)
        assert years(onset, base) == 10
        assert years(onset, base + dt.timedelta(days=30 + 168)) >= 11, base

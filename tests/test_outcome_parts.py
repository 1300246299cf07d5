"""A sensitivity row derives again only the outcome columns its rule moves (issue #23:
300,000 patients, eleven rows). The oracle is the whole derivation under the changed
definition (``patient_outcomes(study, changed)``, the implementation every row used
before), compared on the seed, the toy study, 2,500 synthetic patients and a hand-made
cohort where each patient is one edge case; and the whole sensitivity table is compared
with the table of the earlier implementation, kept here (:func:`_oracle_table`)."""

from __future__ import annotations

import math
from importlib.resources import files
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from mscohort.analyse.estimates import wilson
from mscohort.analyse.primary import primary_measure
from mscohort.analyse.sensitivity import (
    ANALYSIS_ONLY,
    SENSITIVITY_SCHEMA,
    VARIANTS,
    Context,
    Variant,
    _eligible,
    _ratio,
    sensitivity_table,
)
from mscohort.analyse.tables import paired_test, paired_tests
from mscohort.definition import StudyDefinition, load_definition
from mscohort.derive.outcome_parts import (
    MSSS_COLUMNS,
    PARTS,
    changed_fields,
    outcomes_again,
    parts_for,
)
from mscohort.derive.outcomes import patient_outcomes, scored_edss
from mscohort.ingest import read_study
from mscohort.stratify.splits import by_conditions
from mscohort.study import Study
from mscohort.synthetic import make_synthetic_cohort
from mscohort.validate import check_study, load_study
from mscohort.web.workspace import SEED
from tests.conftest import AS_OF

TOY = Path(str(files("mscohort") / "datasets" / "toy"))

#: One patient per edge case of the parts (dates chosen so each rule moves something).
EDGE_PATIENTS = """patient_id,sex,birth_date,onset_date,regular_corticosteroids
E01,F,1970-01-01,1995-01-01,no
E02,F,1975-01-01,2009-06-01,no
E03,M,1960-01-01,1975-01-01,no
E04,F,1980-01-01,2000-01-01,no
E05,M,1980-01-01,2000-01-01,no
E06,F,1980-01-01,2000-01-01,no
E07,F,1980-01-01,2000-01-01,yes
E08,M,1980-01-01,2000-01-01,no
E09,F,1980-01-01,2000-01-01,no
"""
# E01 a prior drug inside the window; E02 baseline in the first year of disease (ms.sev scores it,
# the standard convention does not); E03 30 years of disease or more; E04 baseline 0 -> 1.0
# (worsened by any step, stable by the threshold); E05 only an EDSS after the index (no
# baseline); E06 a single EDSS on the index day (no follow-up); E07 regular corticosteroids;
# E08 not treated with the index drug; E09 baseline 5.5 -> 6.0 and a relapse on the index day
EDGE_EDSS = """patient_id,date,edss
E01,2010-01-01,3.0
E01,2011-06-01,3.5
E02,2009-12-01,2.0
E02,2011-06-01,2.5
E03,2009-12-15,6.0
E03,2012-01-01,6.5
E04,2009-12-01,0.0
E04,2011-01-01,1.0
E05,2011-01-01,2.0
E06,2010-01-01,2.5
E07,2009-11-01,3.0
E07,2010-12-01,2.0
E08,2009-11-01,3.0
E08,2010-12-01,3.5
E09,2009-12-20,5.5
E09,2011-02-01,6.0
"""
EDGE_INFUSIONS = "patient_id,drug,date,dose_mg\n" + "".join(
    f"{p},alemtuzumab,2010-01-0{d},12\n" for p in ("E01", "E02", "E03", "E04", "E05",
                                                   "E06", "E07", "E09") for d in (1, 2, 3))
# E01 a drug stopped 400 days before the index (inside the window: immediately before
# whatever the gap limit); E02 one stopped 800 days before (outside the 730.5-day window:
# "none in window" with the window as the limit, chosen with no limit); E03 two drugs
# overlapping (stopped last vs longest vs started last differ)
EDGE_TREATMENTS = """patient_id,drug,start_date,stop_date
E01,interferon beta-1a,2005-01-01,2008-11-27
E02,glatiramer acetate,2004-01-01,2007-10-24
E03,interferon beta-1a,2002-01-01,2009-10-01
E03,fingolimod,2009-03-01,2009-06-01
E08,natalizumab,2008-01-01,2009-01-01
"""
EDGE_RELAPSES = """patient_id,onset_date
E01,2009-03-01
E02,2009-05-01
E04,2008-09-01
E04,2010-06-01
E07,2009-06-01
E09,2010-01-01
E09,2011-05-01
"""
# E09's relapse on 2011-05-01 is after its last EDSS, before its last lab (relapse
# follow-up to the last record counts it)
EDGE_LABS = """patient_id,date,test,value,unit
E09,2011-09-01,TSH,1.8,mIU/L
"""


@pytest.fixture(scope="module")
def edge_study(tmp_path_factory: pytest.TempPathFactory) -> Study:
    folder = tmp_path_factory.mktemp("edge")
    for name, text in (("patients", EDGE_PATIENTS), ("edss", EDGE_EDSS),
                       ("infusions", EDGE_INFUSIONS), ("treatments", EDGE_TREATMENTS),
                       ("relapses", EDGE_RELAPSES), ("labs", EDGE_LABS)):
        (folder / f"{name}.csv").write_text(text)
    study, report = check_study(read_study(folder), as_of=AS_OF)
    assert report.ok, report
    return study


@pytest.fixture(scope="module")
def cohorts(edge_study: Study) -> dict[str, tuple[Study, StudyDefinition]]:
    return {
        "seed": (load_study(read_study(SEED)), load_definition(SEED / "study.toml")),
        "toy": (load_study(read_study(TOY)), load_definition(TOY / "study.toml")),
        "synthetic": (make_synthetic_cohort(2_500, seed=60), load_definition(TOY / "study.toml")),
        "edge": (edge_study, StudyDefinition()),
    }


def _other(d: StudyDefinition, field: str) -> list[dict[str, object]]:
    """Changes of ``field`` to every other value a sensitivity row could give it."""
    values: dict[str, list[object]] = {
        "change_rule": ["threshold", "any_step"],
        "unit": ["month", "year", "day", "lunar_month"],
        "lunar_month": ["synodic", "28_days"],
        "msss_table": ["manouchehrinia2017", "roxburgh2005"],
        "msss_convention": ["ms.sev", "standard"],
        "immediate_gap_days": [None, math.inf, 30.0, d.prior_window_days],
        "immediate_rule": ["longest", "started_last", "stopped_last"],
        "prior_window_days": [365.25, 1_000.0],
        "prior_groups": [{"injectables": ("interferon beta-1a", "glatiramer acetate")}],
        "pre_index_end_days": [365.25, 0.0],
        "index_day_relapse": ["during", "neither", "before"],
        "relapse_end": ["last_contact", "last_edss"],
    }
    return [{field: v} for v in values[field] if v != getattr(d, field)]


FIELDS = sorted(f for p in PARTS for f in p.fields)


@pytest.mark.parametrize("cohort", ["seed", "toy", "synthetic", "edge"])
@pytest.mark.parametrize("field", FIELDS)
def test_a_part_derived_again_equals_the_whole_derivation(cohorts, cohort: str,
                                                          field: str) -> None:
    study, d = cohorts[cohort]
    main = patient_outcomes(study, d)
    for change in _other(d, field):
        changed = d.with_(**change)
        assert parts_for(changed_fields(d, changed)) is not None
        got = outcomes_again(study, main, d, changed)
        assert_frame_equal(got, patient_outcomes(study, changed))


@pytest.mark.parametrize("change, moved", [
    ({"change_rule": "threshold"}, ("change_category",)),
    ({"lunar_month": "synodic"}, ("followup",)),
    ({"msss_convention": "ms.sev"}, MSSS_COLUMNS),
    ({"immediate_gap_days": math.inf}, ("prior_drug", "prior_group")),
    ({"index_day_relapse": "during"}, ("relapses_before", "relapses_during")),
    ({"relapse_end": "last_contact"}, ("relapses_during", "years_during")),
])
def test_each_part_moves_its_columns_on_the_edge_cases(cohorts, change, moved) -> None:
    # the comparison above can fail: on the hand-made cohort each change moves its columns
    study, d = cohorts["edge"]
    main = patient_outcomes(study, d)
    got = outcomes_again(study, main, d, d.with_(**change))
    for column in moved:
        assert not got[column].equals(main[column], null_equal=True), column
    kept = [c for c in main.columns if c not in {p for part in PARTS for p in part.columns}]
    assert_frame_equal(got.select(kept), main.select(kept))


def test_edge_cases_move_as_the_rules_say(cohorts) -> None:
    # hand calculations: E04 0 -> 1.0 is worsened by any step, stable by the threshold
    # (1.5 from 0); E02's baseline 2009-12-01 is 0 completed years after onset 2009-06-01:
    # no standard MSSS, a score by ms.sev; E02's drug stopped 2007-10-24, 800 days before
    # 2010-01-01: none in window with the window (730.5 days) as the limit, chosen with none
    study, d = cohorts["edge"]
    main = patient_outcomes(study, d)
    row = {r["patient_id"]: r for r in main.iter_rows(named=True)}
    assert row["E04"]["change_category"] == "worsened"
    thr = {r["patient_id"]: r for r in outcomes_again(
        study, main, d, d.with_(change_rule="threshold")).iter_rows(named=True)}
    assert thr["E04"]["change_category"] == "stable"
    assert row["E02"]["baseline_msss"] is None and row["E01"]["baseline_msss"] is not None
    sev = {r["patient_id"]: r for r in outcomes_again(
        study, main, d, d.with_(msss_convention="ms.sev")).iter_rows(named=True)}
    assert sev["E02"]["baseline_msss"] is not None
    assert row["E02"]["prior_group"] == "none in window" and row["E02"]["prior_gap_days"] == 800
    gap = {r["patient_id"]: r for r in outcomes_again(
        study, main, d, d.with_(immediate_gap_days=math.inf)).iter_rows(named=True)}
    assert gap["E02"]["prior_drug"] == "glatiramer acetate"


@pytest.mark.parametrize("cohort", ["seed", "synthetic", "edge"])
def test_several_parts_changed_at_once_equal_the_whole_derivation(cohorts,
                                                                  cohort: str) -> None:
    study, d = cohorts[cohort]
    main = patient_outcomes(study, d)
    gap = d.prior_window_days if math.isinf(d.immediate_gap) else math.inf
    changed = d.with_(change_rule="threshold", lunar_month="synodic", msss_convention="ms.sev",
                      immediate_gap_days=gap, relapse_end="last_contact")
    assert len(parts_for(changed_fields(d, changed)) or ()) == 5
    assert_frame_equal(outcomes_again(study, main, d, changed),
                       patient_outcomes(study, changed))


@pytest.mark.parametrize("change", [{"baseline_window_days": 180.0},
                                    {"baseline_relapse_free_days": 30.0},
                                    {"course_gap_days": 10.0},
                                    {"change_rule": "threshold", "follow_up_min_days": 365.0}])
def test_a_rule_without_a_part_derives_everything_again(cohorts, change) -> None:
    study, d = cohorts["synthetic"]
    changed = d.with_(**change)
    assert parts_for(changed_fields(d, changed)) is None
    main = patient_outcomes(study, d)
    assert_frame_equal(outcomes_again(study, main, d, changed, scored_edss(study, d)),
                       patient_outcomes(study, changed))


def _oracle_key_results(out: pl.DataFrame, d: StudyDefinition) -> dict[str, Any]:
    """The earlier :func:`key_results`: every paired test computed, the primary one kept."""
    measure = primary_measure(d)
    t = paired_tests(out, d).filter(pl.col("measure") == measure).row(0, named=True)
    n_all, rr, lo, hi = _ratio(out, None)
    sub = next(iter(d.subgroups), None)
    n_sub, srr, slo, shi = (_ratio(out, by_conditions(out, {sub: d.subgroups[sub]})
                                   .groups[sub]) if sub else (None, None, None, None))
    cats = out.filter(pl.col("excluded_reason").is_null())["change_category"].drop_nulls()
    improved = wilson(int((cats == "improved").sum()), cats.len())
    return {"measure": measure, "n": t["n"], "estimate": t["mean_difference"],
            "improved": improved.estimate, "improved_ci_low": improved.ci_low,
            "improved_ci_high": improved.ci_high,
            "ci_low": t["ci_low"], "ci_high": t["ci_high"], "p": t["p_t"],
            "rate_ratio": rr, "rate_ratio_ci_low": lo, "rate_ratio_ci_high": hi,
            "n_relapse": n_all, "subgroup": sub, "subgroup_rate_ratio": srr,
            "subgroup_ci_low": slo, "subgroup_ci_high": shi, "n_subgroup": n_sub,
            "note": t["note"]}


def _oracle_row(v: Variant, outcomes: pl.DataFrame, c: Context) -> dict[str, Any]:
    """The earlier implementation of a row: every outcome derived again from the records
    under the changed definition (the MSSS scored again too)."""
    d, out = c.definition, outcomes
    if v.field is not None:
        value = v.value(d) if callable(v.value) else v.value
        d = d.with_(**{v.field: value})
        if v.field not in ANALYSIS_ONLY:
            out = patient_outcomes(c.study, d)
    if v.keep is not None:
        out = out.filter(v.keep(out, c))
    return _oracle_key_results(out, d)


def _oracle_table(study: Study, d: StudyDefinition, outcomes: pl.DataFrame,
                  screening: pl.DataFrame) -> pl.DataFrame:
    c = Context(study, d, screening)
    main = _oracle_key_results(outcomes, d)
    rows = [{"variant": "main analysis", "option": "as defined", **main, "shift": 0.0}]
    for v in VARIANTS:
        if v.keep is _eligible and screening.height == 0:
            continue
        r = _oracle_row(v, outcomes, c)
        shift = (None if r["estimate"] is None or main["estimate"] is None
                 else float(r["estimate"]) - float(main["estimate"]))
        rows.append({"variant": v.label, "option": v.option, **r, "shift": shift})
    return pl.DataFrame(rows, schema=SENSITIVITY_SCHEMA)


@pytest.mark.parametrize("cohort", ["seed", "toy", "synthetic", "edge"])
def test_the_sensitivity_table_equals_the_earlier_implementation(cohorts,
                                                                 cohort: str) -> None:
    from mscohort.analyse.protocol import screening as screen

    study, d = cohorts[cohort]
    scored = scored_edss(study, d)
    outcomes = patient_outcomes(study, d, scored)
    screening = screen(study, d).decisions if d.eligibility else pl.DataFrame()
    got = sensitivity_table(study, d, outcomes, screening, scored=scored)
    want = _oracle_table(study, d, outcomes, screening)
    assert got.height >= 11
    assert_frame_equal(got, want)


@pytest.mark.parametrize("cohort", ["seed", "toy", "synthetic", "edge"])
def test_one_paired_test_equals_its_row_of_every_paired_test(cohorts, cohort: str) -> None:
    study, d = cohorts[cohort]
    out = patient_outcomes(study, d)
    every = paired_tests(out, d)
    for row in every.iter_rows(named=True):
        assert paired_test(out, d, row["measure"]) == row

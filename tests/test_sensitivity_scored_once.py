"""The sensitivity table scores the EDSS once (issue #23: 300,000 patients, 4 million
assessments, eleven variants): variants that keep the definition's MSSS table and
convention reuse the main analysis's scored EDSS, the MSSS-convention variant scores them
again, and every row is the same as when each variant scores its own."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pytest
from polars.testing import assert_frame_equal

from mscohort.analyse.sensitivity import sensitivity_table
from mscohort.definition import load_definition
from mscohort.derive.outcomes import patient_outcomes, scored_edss
from mscohort.ingest import read_study
from mscohort.study import Study
from mscohort.synthetic import make_synthetic_cohort
from mscohort.validate import load_study
from mscohort.web.workspace import SEED

TOY_STUDY = Path(str(files("mscohort") / "datasets" / "toy")) / "study.toml"


@pytest.mark.parametrize("cohort", ["seed", "synthetic"])
def test_sensitivity_rows_are_the_same_with_the_scored_edss_passed(cohort: str) -> None:
    study: Study = (load_study(read_study(SEED)) if cohort == "seed"
                    else make_synthetic_cohort(2_000, seed=23))
    d = load_definition(SEED / "study.toml" if cohort == "seed" else TOY_STUDY)
    scored = scored_edss(study, d)
    outcomes = patient_outcomes(study, d, scored)
    screening = outcomes.clear()  # no eligibility rows: the screening variant is left out
    got = sensitivity_table(study, d, outcomes, screening, scored=scored)
    want = sensitivity_table(study, d, outcomes, screening)
    assert got.height >= 10
    assert "MSSS: the other convention" in got["variant"].to_list()
    assert_frame_equal(got, want)


@pytest.mark.parametrize("cohort", ["seed", "synthetic"])
@pytest.mark.parametrize("change", [{"pre_index_end_days": 365.25},
                                    {"index_day_relapse": "during"},
                                    {"relapse_end": "last_contact"},
                                    {"relapse_end": "last_contact", "index_day_relapse": "during",
                                     "pre_index_end_days": 365.25}])
def test_relapse_columns_derived_again_equal_the_outcomes_derived_again(
        cohort: str, change: dict[str, object]) -> None:
    # a relapse-only sensitivity row re-derives the relapse columns alone; the oracle is the
    # whole derivation under the changed definition
    from mscohort.derive.relapse_outcomes import RELAPSE_ONLY_FIELDS, with_relapse_outcomes

    assert set(change) <= RELAPSE_ONLY_FIELDS
    study: Study = (load_study(read_study(SEED)) if cohort == "seed"
                    else make_synthetic_cohort(2_000, seed=23))
    d = load_definition(SEED / "study.toml" if cohort == "seed" else TOY_STUDY)
    main = patient_outcomes(study, d)
    changed = d.with_(**change)
    got = with_relapse_outcomes(study, main, changed)
    want = patient_outcomes(study, changed)
    assert_frame_equal(got, want)
    if len(change) == 3:  # the rows differ from the main analysis's, so the check can fail
        assert not got["relapses_before"].equals(main["relapses_before"])

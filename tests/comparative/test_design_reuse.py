"""A design that differs from another only in how the scored episodes are matched or
weighted reuses that design's episodes, covariates and propensity score: every result is
the one derived from scratch."""

from __future__ import annotations

import pytest

from mscohort.analyse.comparative.design import comparison_design
from mscohort.definition import StudyDefinition
from mscohort.definition.comparison import ComparisonSettings
from mscohort.synthetic_comparative import make_comparative_cohort


@pytest.mark.parametrize("changes", [{"design": "iptw"}, {"design": "overlap"},
                                     {"caliper_sd": 0.2}, {"ratio": 2, "replacement": True}])
def test_a_reused_design_equals_the_design_from_scratch(changes: dict[str, object]) -> None:
    study = make_comparative_cohort(600, seed=3)
    base = ComparisonSettings()
    first = comparison_design(study, StudyDefinition(comparison=base))
    definition = StudyDefinition(comparison=base.with_(**changes))
    reused = comparison_design(study, definition, reuse=first)
    fresh = comparison_design(study, definition)
    assert reused.episodes is first.episodes and reused.model is first.model
    assert reused.cohort.episodes.equals(fresh.cohort.episodes)
    assert reused.balance.equals(fresh.balance)
    assert reused.flow == fresh.flow
    assert reused.dropped.equals(fresh.dropped)
    assert reused.settings == fresh.settings


def test_a_design_with_other_episodes_is_derived_again() -> None:
    study = make_comparative_cohort(600, seed=3)
    first = comparison_design(study, StudyDefinition(comparison=ComparisonSettings()))
    other = comparison_design(study, StudyDefinition(
        comparison=ComparisonSettings(age_min=30)), reuse=first)
    assert other.episodes is not first.episodes
    assert other.flow["candidate_episodes"] == first.flow["candidate_episodes"]
    assert other.flow["excluded_age"] > first.flow["excluded_age"]

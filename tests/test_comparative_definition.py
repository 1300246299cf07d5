"""The [comparison] section of the study definition (#25)."""

from __future__ import annotations

import pytest

from mscohort.definition import parse_definition
from mscohort.definition.comparison import ComparisonSettings, parse_comparison
from mscohort.definition.comparison_outcomes import OutcomeSettings
from mscohort.errors import UsageError


def test_a_definition_without_comparison_has_none() -> None:
    assert parse_definition({}).comparison is None


def test_comparison_keys_are_read_with_their_types() -> None:
    d = parse_definition({"comparison": {
        "treated": "Lemtrada", "comparators": ["natalizumab", "Gilenya"], "episodes": "all",
        "min_prior_relapses": 1, "age_min": 18, "age_max": 65, "design": "iptw",
        "estimand": "ATE", "trim_percentiles": [1, 99], "ps_bounds": [0.05, 0.95],
        "caliper_sd": 0.2, "ratio": 2, "replacement": True, "missing": "indicator",
        "covariates": ["age", "edss", "site"]}})
    s = d.comparison
    assert s is not None
    assert (s.treated, s.comparators) == ("alemtuzumab", ("natalizumab", "fingolimod"))
    assert (s.episodes, s.design, s.estimand, s.ratio, s.replacement) == (
        "all", "iptw", "ATE", 2, True)
    assert s.trim_percentiles == (1.0, 99.0) and s.ps_bounds == (0.05, 0.95)
    assert s.covariates == ("age", "edss", "site")
    assert s.control_label == "natalizumab or fingolimod"
    assert d.as_dict()["comparison"]["ratio"] == 2


def test_the_outcomes_sub_table_is_parsed_into_the_outcome_settings() -> None:
    d = parse_definition({"comparison": {"design": "overlap",
                                         "outcomes": {"pairwise_censoring": False}}})
    assert d.comparison == ComparisonSettings(
        design="overlap", outcomes=OutcomeSettings(pairwise_censoring=False))
    with pytest.raises(UsageError, match=r"\[comparison\.outcomes\] has unknown key\(s\) anything"):
        parse_definition({"comparison": {"outcomes": {"anything": 1}}})


def test_every_wrong_comparison_value_is_named_at_once() -> None:
    with pytest.raises(UsageError) as info:
        parse_definition({"comparison": {
            "treated": "aspirin", "comparators": ["alemtuzumab"], "design": "weights",
            "caliper_sd": -1, "ratio": 1.5, "replacement": "yes", "age_min": 60,
            "age_max": 50, "covariates": ["age", "bmi"], "trim_percentiles": [99, 1],
            "episode": "first"}}, "study definition s.toml")
    text = str(info.value)
    for part in (
            "`comparison.treated` must be a drug of the vocabulary",
            "`comparison.design` must be one of match, iptw, overlap; got 'weights'",
            "`comparison.caliper_sd` must be a number >= 0; got -1",
            "`comparison.ratio` must be a whole number >= 1; got 1.5",
            "`comparison.replacement` must be true or false; got 'yes'",
            "`comparison.age_max` must be at least age_min (60); got 50.0",
            "`comparison.covariates` must be a non-empty list of distinct values among age",
            "`comparison.trim_percentiles` must be [low, high] with 0 <= low < high <= 100",
            "[comparison] has unknown key(s) episode; allowed:"):
        assert part in text, part
    assert "study definition s.toml: " in text


def test_the_comparators_must_differ_from_the_treated_drug() -> None:
    with pytest.raises(UsageError, match=r"`comparison\.comparators` must be drugs other than"):
        parse_comparison({"treated": "natalizumab", "comparators": ["natalizumab"]}, "s")


def test_with_checks_the_changed_values() -> None:
    assert ComparisonSettings().with_(ratio=3).ratio == 3
    with pytest.raises(UsageError, match=r"`comparison\.order` must be one of largest"):
        ComparisonSettings().with_(order="random")

"""The [comparison.outcomes] sub-table of a study definition."""

from __future__ import annotations

import pytest

from mscohort.definition.comparison_outcomes import (
    OUTCOME_NAMES,
    OutcomeSettings,
    parse_comparison_outcomes,
)
from mscohort.errors import UsageError


def test_empty_table_gives_the_defaults() -> None:
    s = parse_comparison_outcomes({}, "study.toml")
    assert s == OutcomeSettings()
    assert s.outcomes == OUTCOME_NAMES and s.cdw_conf_days == 168.0


def test_values_are_read() -> None:
    s = parse_comparison_outcomes({"outcomes": ["relapse_rate", "cdw"], "cdw_conf_days": 84,
                                   "pairwise_censoring": False,
                                   "sensitivity_calipers": [0.05, 0.2],
                                   "sensitivity_designs": ["iptw"]}, "study.toml")
    assert s.outcomes == ("relapse_rate", "cdw") and s.cdw_conf_days == 84.0
    assert not s.pairwise_censoring and s.sensitivity_calipers == (0.05, 0.2)
    assert s.sensitivity_designs == ("iptw",)


def test_every_wrong_value_is_named_with_its_key() -> None:
    with pytest.raises(UsageError, match=r"(?s)`comparison.outcomes.pairwise_censoring` must "
                       r"be true or false; got 'yes'.*study.toml: `comparison.outcomes.outcomes` "
                       r"must be a list of distinct values among relapse_rate.*got \['arr'\]"
                       r".*`comparison.outcomes.cdw_conf_days` must be a number of days > 0; "
                       r"got 0"):
        parse_comparison_outcomes({"outcomes": ["arr"], "cdw_conf_days": 0,
                                   "pairwise_censoring": "yes"}, "study.toml")


def test_unknown_key_is_refused_with_the_allowed_ones() -> None:
    with pytest.raises(UsageError, match=r"unknown key\(s\) caliper; allowed: cdw_conf_days"):
        parse_comparison_outcomes({"caliper": 0.2}, "study.toml")
    with pytest.raises(UsageError, match=r"`comparison.outcomes.sensitivity_calipers` must be "
                       r"a list of numbers > 0; got"):
        parse_comparison_outcomes({"sensitivity_calipers": [-1]}, "study.toml")


def test_comparison_section_carries_its_outcomes_table() -> None:
    from mscohort.definition import parse_definition

    d = parse_definition({"comparison": {"outcomes": {"cdw_conf_days": 84,
                                                      "outcomes": ["cdw"]}}})
    assert d.comparison is not None
    assert d.comparison.outcomes == OutcomeSettings(cdw_conf_days=84.0, outcomes=("cdw",))
    # with_ round-trips the sub-table
    assert d.comparison.with_(design="iptw").outcomes == d.comparison.outcomes
    with pytest.raises(UsageError, match=r"`comparison\.outcomes\.cdw_conf_days` must be"):
        parse_definition({"comparison": {"outcomes": {"cdw_conf_days": "six months"}}})


def test_docs_list_every_outcomes_key() -> None:
    from pathlib import Path

    from mscohort.definition.comparison_outcomes import OUTCOME_KEY_ROWS

    docs = (Path(__file__).parents[2] / "docs" / "comparative.md").read_text()
    for name, *_ in OUTCOME_KEY_ROWS:
        assert f"`comparison.outcomes.{name}`" in docs, name

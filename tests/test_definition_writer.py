"""The study definition's TOML writer: what it writes, tomllib (the reader of every
definition) reads back to the same document and load_definition to the same definition."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import tomllib
from pathlib import Path

import pytest

from mscohort.definition import load_definition, parse_definition
from mscohort.definition.writer import dumps
from mscohort.errors import InvalidArgumentError
from mscohort.web.workspace import SEED


def test_the_seed_definition_is_written_and_read_back_unchanged(tmp_path: Path) -> None:
    doc = tomllib.loads((SEED / "study.toml").read_text("utf-8"))
    text = dumps(doc)
    assert tomllib.loads(text) == doc  # inf gap, inline groups, eligibility arms, time points
    (tmp_path / "s.toml").write_text(text, "utf-8")
    back = load_definition(tmp_path / "s.toml")
    seed = load_definition(SEED / "study.toml")
    assert dataclasses.replace(back, source=seed.source) == seed
    assert math.isinf(back.immediate_gap)


def test_awkward_values_survive_the_round_trip() -> None:
    doc = {"title": "top",
           "study": {"name": 'quote " back\\slash\nnew\tline é \x01 \x7f'},
           "subgroups": {"more than 2 relapses a year before": "arr_before > 2",
                         "a.b": "x"},
           "follow_up": {"cutoff_date": dt.date(2015, 6, 30), "n": -3, "big": 1e20,
                         "small": 1.5e-7, "neg": float("-inf"), "empty": {}, "list": []},
           "timepoints": [{"name": "12 months", "days": 365, "window_days": 90},
                          {"name": "later", "after_days": 365.0}]}
    back = tomllib.loads(dumps(doc))
    assert back == doc
    nan = tomllib.loads(dumps({"x": {"y": float("nan")}}))["x"]["y"]
    assert math.isnan(nan)


def test_a_written_definition_parses_to_the_same_definition() -> None:
    doc = {"index": {"drug": "natalizumab", "date": "enrolment_date"},
           "follow_up": {"end": "cutoff", "cutoff_date": dt.date(2020, 1, 1), "unit": "year"},
           "prior_treatment": {"groups": {"A": ["fingolimod"]}, "transitions": []},
           "timepoints": [{"name": "2 years", "days": 730, "window_days": 60}],
           "analysis": {"primary": "edss_change_2_years"}}
    first = parse_definition(doc, "x")
    assert parse_definition(tomllib.loads(dumps(doc)), "x") == first
    assert first.unit == "year" and first.primary == "edss_change_2_years"


def test_a_value_toml_cannot_hold_is_refused() -> None:
    with pytest.raises(InvalidArgumentError, match="`value` must be a TOML value"):
        dumps({"study": {"name": object()}})
    with pytest.raises(InvalidArgumentError, match="`document` must be a dict"):
        dumps([1])  # type: ignore[arg-type]

"""Result JSON written a slice of rows at a time is, byte for byte, polars' own
``write_json`` (issue #23: the whole frame's JSON is not held in memory)."""

from __future__ import annotations

import datetime as dt
from importlib.resources import files
from pathlib import Path

import polars as pl
import pytest

from mscohort.analyse.json_safe import write_json_rows
from mscohort.analyse.study import analyse_study
from mscohort.definition import load_definition
from mscohort.synthetic import make_synthetic_cohort

TOY_STUDY = Path(str(files("mscohort") / "datasets" / "toy" / "study.toml"))


def _edge_frame() -> pl.DataFrame:
    return pl.DataFrame({
        "text": ['a "quoted" one', None, "é ✓ \\ back", "", "line\nbreak"],
        "number": [1.5, float("nan"), None, float("inf"), -0.0],
        "count": [1, None, 3, 4, 5],
        "day": [dt.date(2020, 1, 2), None, dt.date(1999, 12, 31), dt.date(2020, 2, 29),
                dt.date(2001, 1, 1)],
        "drugs": [["interferon beta", "fingolimod"], [], None, ["x"], ["y", "z"]],
        "flag": [True, False, None, True, False],
    })


@pytest.mark.parametrize("slice_rows", [1, 2, 3, 5, 6, 50_000])
def test_sliced_json_is_polars_json_byte_for_byte(tmp_path: Path, slice_rows: int) -> None:
    frame = _edge_frame()
    frame.write_json(tmp_path / "want.json")
    write_json_rows(frame, tmp_path / "got.json", slice_rows)
    assert (tmp_path / "got.json").read_bytes() == (tmp_path / "want.json").read_bytes()


def test_sliced_json_of_the_outcomes_and_an_empty_frame(tmp_path: Path) -> None:
    result = analyse_study(make_synthetic_cohort(400, seed=9), load_definition(TOY_STUDY),
                           sensitivity=False, timelines=False)
    for name, frame in {"outcomes": result.outcomes, "safety": result.safety,
                        "empty": result.outcomes.head(0)}.items():
        frame.write_json(tmp_path / f"{name}-want.json")
        write_json_rows(frame, tmp_path / f"{name}-got.json", slice_rows=7)
        assert (tmp_path / f"{name}-got.json").read_bytes() \
            == (tmp_path / f"{name}-want.json").read_bytes(), name


def test_slice_rows_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"^`slice_rows` must be a positive number of rows; "
                                         r"got 0"):
        write_json_rows(_edge_frame(), tmp_path / "x.json", 0)

"""Result files written a slice of rows at a time are, byte for byte, those of the whole
frame: polars' ``write_json`` and ``write_safe_csv`` (issue #23: the whole frame's text is
not held in memory)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path

import polars as pl
import pytest

from mscohort.analyse.result_files import write_csv_rows, write_json_rows
from mscohort.analyse.study import analyse_study
from mscohort.definition import load_definition
from mscohort.ingest.formulas import write_safe_csv
from mscohort.synthetic import make_synthetic_cohort

TOY_STUDY = Path(str(files("mscohort") / "datasets" / "toy" / "study.toml"))
Writer = Callable[[pl.DataFrame, Path], None]
#: (sliced writer, the whole-frame writer it must equal)
WRITERS: dict[str, tuple[Callable[..., None], Writer]] = {
    "json": (write_json_rows, lambda frame, path: frame.write_json(path)),
    "csv": (write_csv_rows, write_safe_csv),
}


def _edge_frame() -> pl.DataFrame:
    return pl.DataFrame({
        "text": ['a "quoted", one', None, "é ✓ \\ back", "=1+2", "line\nbreak"],
        "number": [1.5, float("nan"), None, float("inf"), -0.0],
        "count": [1, None, 3, 4, 5],
        "day": [dt.date(2020, 1, 2), None, dt.date(1999, 12, 31), dt.date(2020, 2, 29),
                dt.date(2001, 1, 1)],
        "drugs": [["interferon beta", "fingolimod"], [], None, ["x"], ["-y", "z"]],
        "flag": [True, False, None, True, False],
    })


@pytest.mark.parametrize("fmt", WRITERS)
@pytest.mark.parametrize("slice_rows", [1, 2, 3, 5, 6, 50_000])
def test_a_sliced_file_is_the_whole_frames_byte_for_byte(tmp_path: Path, fmt: str,
                                                          slice_rows: int) -> None:
    sliced, whole = WRITERS[fmt]
    frame = _edge_frame()
    whole(frame, tmp_path / "want")
    sliced(frame, tmp_path / "got", slice_rows)
    assert (tmp_path / "got").read_bytes() == (tmp_path / "want").read_bytes()


def test_sliced_files_of_the_outcomes_and_an_empty_frame(tmp_path: Path) -> None:
    result = analyse_study(make_synthetic_cohort(400, seed=9), load_definition(TOY_STUDY),
                           sensitivity=False, timelines=False)
    frames = {"outcomes": result.outcomes, "safety": result.safety,
              "courses": result.courses, "empty": result.outcomes.head(0)}
    for fmt, (sliced, whole) in WRITERS.items():
        for name, frame in frames.items():
            assert frame.height > 7 or name == "empty"
            whole(frame, tmp_path / f"{name}-want.{fmt}")
            sliced(frame, tmp_path / f"{name}-got.{fmt}", slice_rows=7)
            assert (tmp_path / f"{name}-got.{fmt}").read_bytes() \
                == (tmp_path / f"{name}-want.{fmt}").read_bytes(), (name, fmt)


@pytest.mark.parametrize("fmt", WRITERS)
def test_slice_rows_must_be_a_positive_number(tmp_path: Path, fmt: str) -> None:
    with pytest.raises(ValueError, match=r"^`slice_rows` must be a positive number of rows; "
                                         r"got 0"):
        WRITERS[fmt][0](_edge_frame(), tmp_path / "x", 0)

"""``mscohort synth`` a batch of patients at a time (issue #23): the same files as the
whole cohort for one batch, and for several batches each batch's own seeded cohort."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from mscohort.errors import InvalidArgumentError
from mscohort.ingest import read_study
from mscohort.synthetic import (
    batch_seed,
    make_synthetic_cohort,
    write_study_folder,
    write_synthetic_folder,
)
from mscohort.validate import check_study
from tests.conftest import AS_OF


def test_one_batch_writes_the_files_of_the_whole_cohort(tmp_path: Path) -> None:
    write_study_folder(make_synthetic_cohort(120, seed=5), tmp_path / "whole")
    rows = write_synthetic_folder(120, tmp_path / "batched", seed=5, batch_patients=120)
    whole = sorted(p.name for p in (tmp_path / "whole").iterdir())
    assert sorted(p.name for p in (tmp_path / "batched").iterdir()) == whole
    for name in whole:
        assert (tmp_path / "batched" / name).read_bytes() == \
            (tmp_path / "whole" / name).read_bytes(), name
    assert rows["patients"] == 120
    assert rows["edss"] == (tmp_path / "whole" / "edss.csv").read_text().count("\n") - 1


def test_batches_are_consecutive_patients_each_drawn_with_its_own_seed(
        tmp_path: Path) -> None:
    done: list[int] = []
    rows = write_synthetic_folder(250, tmp_path / "s", seed=7, batch_patients=100,
                                  progress=done.append)
    assert done == [100, 200, 250]
    edss = pl.read_csv(tmp_path / "s" / "edss.csv", try_parse_dates=True)
    patients = pl.read_csv(tmp_path / "s" / "patients.csv", try_parse_dates=True)
    assert patients["patient_id"].to_list() == [f"S{i:07d}" for i in range(250)]
    assert (rows["patients"], rows["edss"]) == (250, edss.height)
    # the third batch (patients 200-249) is make_synthetic_cohort with batch 2's seed
    third = make_synthetic_cohort(50, seed=batch_seed(7, 2), first_id=200)
    assert edss.filter(pl.col("patient_id") >= "S0000200").equals(
        third.edss.select(edss.columns))
    assert batch_seed(7, 0) == 7 and len({batch_seed(7, k) for k in range(3)}) == 3
    _, report = check_study(read_study(tmp_path / "s"), as_of=AS_OF)
    assert report.n_errors == 0, report.format_text(limit=10)


def test_bad_batch_size_uses_the_argument_template(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError, match="`batch_patients` must be a whole number"):
        write_synthetic_folder(10, tmp_path, batch_patients=0)
    with pytest.raises(InvalidArgumentError, match="`first_id` must be a whole number"):
        make_synthetic_cohort(10, first_id=-1)

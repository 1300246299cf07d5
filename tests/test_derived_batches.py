"""Issue #23 item 2: ``derived_edss`` made a batch of patients at a time equals the scores
of the whole study at once (local MSSS and ARMSS rank within the whole cohort)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from mscohort.derive.assessments import derive_edss
from mscohort.store import StudyStore, import_folder
from mscohort.store import derived as D
from mscohort.synthetic import make_synthetic_cohort, write_study_folder


@pytest.mark.parametrize("batch", [1, 7, 10_000])
def test_derived_edss_in_batches_equals_the_whole_study_at_once(
        tmp_path: Path, batch: int, monkeypatch: pytest.MonkeyPatch) -> None:
    write_study_folder(make_synthetic_cohort(60, seed=8), tmp_path / "study")
    monkeypatch.setattr(D, "BATCH_PATIENTS", batch)
    import_folder(tmp_path / "study", tmp_path / "s.duckdb")
    with StudyStore(tmp_path / "s.duckdb", read_only=True) as store:
        stored = store.derived("edss")
        whole = derive_edss(store.study())
    assert stored.height == whole.height > 500
    assert stored.schema == whole.schema
    assert stored.equals(whole)
    # the local scores rank within the cohort: a batch of one patient alone would differ
    alone = derive_edss(store_study_of_one(tmp_path / "s.duckdb"))
    ours = stored.filter(pl.col("patient_id") == alone["patient_id"][0])
    assert not ours["local_msss"].equals(alone["local_msss"])


def store_study_of_one(db: Path):  # type: ignore[no-untyped-def]
    from mscohort.study import Study

    with StudyStore(db, read_only=True) as store:
        study = store.study()
    first = study.patients["patient_id"][0]
    return Study({name: study.table(name).filter(pl.col("patient_id") == first)
                  for name in ("patients", "edss")})

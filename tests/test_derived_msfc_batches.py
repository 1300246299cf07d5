"""Issue #23: ``derived_msfc`` made a batch of patients at a time (``store/derived.py``)
equals :func:`derive_msfc` of the whole stored study at once, the function the store used
before, on the seed study and on 5,000 synthetic patients with MSFC tests."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from mscohort.derive.assessments import derive_msfc
from mscohort.store import StudyStore, import_folder
from mscohort.store import derived as D
from mscohort.synthetic import write_synthetic_folder
from tests.conftest import AS_OF

SEED = Path(str(files("mscohort") / "datasets" / "seed"))


def _stored_and_whole(db: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    with StudyStore(db, read_only=True) as store:
        return store.derived("msfc"), derive_msfc(store.study())


@pytest.mark.parametrize("batch", [1, 7, 10_000])
def test_derived_msfc_in_batches_equals_the_whole_seed_study_at_once(
        tmp_path: Path, batch: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(D, "BATCH_PATIENTS", batch)
    import_folder(SEED, tmp_path / "s.duckdb", as_of=AS_OF)
    stored, whole = _stored_and_whole(tmp_path / "s.duckdb")
    assert stored.height == whole.height == 77  # the rows of the seed's msfc.csv
    assert stored.schema == whole.schema
    assert stored.equals(whole)
    # the seed's not-completed walks (777) and missing components are among them
    assert set(stored["msfc_missing_reason"].drop_nulls()) >= {"t25fw_not_completed"}


def _msfc_of(edss: Path, n_per_patient: int, seed: int) -> pl.DataFrame:
    """MSFC tests on some EDSS visit days of the patients (seeded): times, the manual's
    not-completed code 777, trials over the limits, missing trials, every PASAT score."""
    rng = np.random.default_rng(seed)
    visits = (pl.read_csv(edss, infer_schema=False).select("patient_id", "date")
              .filter(pl.int_range(pl.len()).over("patient_id") < n_per_patient))
    n = visits.height

    def trial(mean: float, limit: float) -> list[str]:
        values = np.round(rng.gamma(9.0, mean / 9.0, n), 1).astype(str)
        special = rng.random(n)
        values[special < 0.03] = "777"
        values[(special >= 0.03) & (special < 0.05)] = str(limit + 1.0)
        values[(special >= 0.05) & (special < 0.10)] = ""
        return values.tolist()

    return visits.with_columns(
        pl.Series("t25fw_1_s", trial(8.0, 180.0)), pl.Series("t25fw_2_s", trial(8.0, 180.0)),
        pl.Series("nhpt_dom_1_s", trial(25.0, 300.0)),
        pl.Series("nhpt_dom_2_s", trial(25.0, 300.0)),
        pl.Series("nhpt_nondom_1_s", trial(27.0, 300.0)),
        pl.Series("nhpt_nondom_2_s", trial(27.0, 300.0)),
        pl.Series("pasat3", rng.integers(0, 61, n).astype(str).tolist()),
    )


def test_derived_msfc_in_batches_equals_the_whole_study_for_5000_synthetic_patients(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "synth"
    write_synthetic_folder(5000, folder, seed=11)
    _msfc_of(folder / "edss.csv", 2, seed=11).write_csv(folder / "msfc.csv")
    monkeypatch.setattr(D, "BATCH_PATIENTS", 700)
    import_folder(folder, tmp_path / "s.duckdb", as_of=AS_OF, batch_patients=1500)
    stored, whole = _stored_and_whole(tmp_path / "s.duckdb")
    assert stored.height == whole.height > 9000
    assert stored.schema == whole.schema
    assert stored.equals(whole)
    reasons = set(stored["msfc_missing_reason"].drop_nulls())
    assert {"t25fw_not_completed", "t25fw_missing", "nhpt_missing"} <= reasons


def test_an_empty_msfc_table_derives_an_empty_table(tmp_path: Path) -> None:
    folder = tmp_path / "synth"
    write_synthetic_folder(30, folder, seed=3)
    import_folder(folder, tmp_path / "s.duckdb", as_of=AS_OF)
    stored, whole = _stored_and_whole(tmp_path / "s.duckdb")
    assert stored.height == whole.height == 0
    assert stored.schema == whole.schema

"""The MSFC manual's code 777 ("not completed because of disability", docs/scores/msfc.md)
is read as a code by the validator and the derivation, never as a time of 777 s; a real time
outside the bounds is still reported (docs/validation.md, "Plausibility bounds")."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import polars as pl
import pytest

from mscohort.derive.msfc import msfc_scores
from mscohort.ingest import read_study
from mscohort.validate import check_study
from tests.conftest import AS_OF

SEED = Path(str(files("mscohort") / "datasets" / "seed"))
M = "patient_id,date,t25fw_1_s,t25fw_2_s,nhpt_dom_1_s,nhpt_dom_2_s\n"


def _issues(write_study, row: str) -> pl.DataFrame:
    _, report = check_study(read_study(write_study(msfc=M + row + "\n")), as_of=AS_OF)
    return report.issues.filter(pl.col("file") == "msfc.csv")


def test_not_completed_code_777_is_not_an_implausible_time(write_study) -> None:
    assert _issues(write_study, "P1,2010-01-01,777,777,777,777").height == 0


def test_seed_study_has_no_implausible_value_for_its_not_completed_walks() -> None:
    msfc = pl.read_csv(SEED / "msfc.csv", infer_schema=False)
    assert (msfc["t25fw_1_s"].cast(pl.Float64) == 777).any()  # the case is really there
    _, report = check_study(read_study(SEED), as_of=AS_OF)
    assert "implausible_value" not in report.issues["rule"].to_list()


@pytest.mark.parametrize(("row", "column"), [
    ("P1,2010-01-01,650,6,20,21", "t25fw_1_s"),
    ("P1,2010-01-01,6,6,650,21", "nhpt_dom_1_s"),
    ("P1,2010-01-01,6,776,20,21", "t25fw_2_s"),
    ("P1,2010-01-01,6,6,20,777.5", "nhpt_dom_2_s"),
])
def test_a_time_beyond_the_limit_that_is_not_the_code_is_still_implausible(
        write_study, row: str, column: str) -> None:
    hits = _issues(write_study, row)
    assert hits.select("rule", "column").rows() == [("implausible_value", column)]


def test_a_negative_time_is_still_an_error(write_study) -> None:
    hits = _issues(write_study, "P1,2010-01-01,-5,6,20,21")
    # (reported by the schema's minimum and by the bound alike: both name the cell)
    assert set(hits.select("rule", "column", "severity").rows()) == {
        ("out_of_range", "t25fw_1_s", "error")}


def test_derivation_reads_the_seed_777_walks_as_not_completed() -> None:
    """Checked, not assumed: every seed assessment whose two walks are 777 has no walk time
    and no composite, with the reason ``t25fw_not_completed``."""
    study, _ = check_study(read_study(SEED), as_of=AS_OF)
    scored = msfc_scores(study.tables["msfc"])
    coded = scored.filter((pl.col("t25fw_1_s") == 777) & (pl.col("t25fw_2_s") == 777))
    assert coded.height > 0
    assert coded["t25fw_s"].null_count() == coded.height
    assert coded["msfc_z"].null_count() == coded.height
    assert set(coded["msfc_missing_reason"]) == {"t25fw_not_completed"}


def test_derivation_scores_a_777_hand_as_not_completed_not_as_777_s() -> None:
    row = pl.DataFrame({"t25fw_1_s": [6.0], "t25fw_2_s": [6.0], "nhpt_dom_1_s": [20.0],
                        "nhpt_dom_2_s": [20.0], "nhpt_nondom_1_s": [777.0],
                        "nhpt_nondom_2_s": [777.0], "pasat3": [50]})
    out = msfc_scores(row).row(0, named=True)
    assert out["nhpt_nondom_s"] is None
    assert out["nhpt_inverse"] == pytest.approx((1 / 20 + 0) / 2)

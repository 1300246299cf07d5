"""The toy study analysed once per module, and its report."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pytest

from mscohort.analyse.study import StudyAnalysis, analyse_study
from mscohort.definition import load_definition
from mscohort.ingest import read_study
from mscohort.report import InputCheck, Provenance, Report, build_report
from mscohort.study import Study
from mscohort.validate import check_study
from tests.conftest import AS_OF

TOY = Path(str(files("mscohort") / "datasets" / "toy"))


@pytest.fixture(scope="session")
def toy() -> tuple[Study, StudyAnalysis]:
    raw = read_study(TOY)
    study, _ = check_study(raw, as_of=AS_OF)
    return study, analyse_study(study, load_definition(TOY / "study.toml"))


@pytest.fixture(scope="session")
def toy_report(toy: tuple[Study, StudyAnalysis]) -> Report:
    import polars as pl

    raw = read_study(TOY)
    _, check = check_study(raw, as_of=AS_OF)
    files_ = pl.DataFrame([{"table": t.table, "file": t.source, "sha256": t.sha256,
                            "rows": t.frame.height} for t in raw.tables.values()])
    study, analysis = toy
    return build_report(study, analysis, input_check=InputCheck(str(TOY), check.issues),
                        provenance=Provenance.now(files_, TOY / "study.toml"))

"""``mscohort federate`` in the core package: without the federated package the command says
how to install it (exit 2). That the command line never imports vantage6 is tested where
vantage6 is installed (federated/tests/test_submit.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import mscohort
from mscohort.cli.main import app

SEED_STUDY = Path(mscohort.__file__).parent / "datasets" / "seed" / "study.toml"
runner = CliRunner()


def test_federate_without_the_federated_package_says_how_to_install_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "mscohort_federated", None)  # import fails as if absent
    result = runner.invoke(app, ["federate", "--study", str(SEED_STUDY)])
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert 'pip install "./federated[client]"' in text
    assert "missing: mscohort_federated" in text
    assert "Traceback" not in result.output


def test_federate_checks_the_study_definition_first(tmp_path: Path) -> None:
    bad = tmp_path / "study.toml"
    bad.write_text("[index]\ndrug = 'aspirin'\n")
    result = runner.invoke(app, ["federate", "--study", str(bad)])
    assert result.exit_code == 2
    assert "index.drug" in " ".join(result.output.split())


def test_federate_refuses_a_cell_size_below_1() -> None:
    result = runner.invoke(app, ["federate", "--study", str(SEED_STUDY),
                                 "--min-cell-size", "0"])
    assert result.exit_code == 2
    assert "`--min-cell-size` must be an integer >= 1; got 0" in " ".join(result.output.split())


def test_federate_has_help_with_an_example() -> None:
    result = runner.invoke(app, ["federate", "--help"])
    assert result.exit_code == 0
    assert "Example: mscohort federate --study study.toml" in " ".join(result.output.split())

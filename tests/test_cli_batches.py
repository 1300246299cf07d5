"""Issue #23: ``mscohort validate`` and ``mscohort import`` on a registry's folder (here any
folder, with the size threshold of batched validation set to 0): every issue in the file
asked for, the first of each rule shown, the stages (with the batches) on the progress bar."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl
import pytest
from rich.console import Console
from typer.testing import CliRunner

from mscohort.cli import progress as progress_module
from mscohort.cli.main import app
from mscohort.store import batched, importing

BROKEN = Path(__file__).parent / "data" / "broken"


@pytest.fixture()
def registry(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Every folder counts as a registry's (validated in batches of 2 patients); returns
    the stages each progress bar was told."""
    monkeypatch.setattr(batched, "BATCHED_MIN_BYTES", 0)
    monkeypatch.setattr(batched, "BATCH_PATIENTS", 2)
    monkeypatch.setattr(importing, "ISSUES_KEPT_PER_RULE", 1)
    told: list[list[str]] = []
    real = progress_module.stage_bar

    @contextmanager
    def recording(console: Console, title: str, stages: tuple[str, ...]
                  ) -> Iterator[Callable[[str], None]]:
        mine: list[str] = []
        terminal = Console(file=io.StringIO(), force_terminal=True, width=120)
        with real(terminal, title, stages) as tell:
            def both(stage: str) -> None:
                mine.append(stage)
                tell(stage)
            yield both
        told.append(mine)

    monkeypatch.setattr(progress_module, "stage_bar", recording)
    return told


def test_validate_writes_every_issue_and_shows_the_first_of_each_rule(
        registry: list[list[str]], tmp_path: Path) -> None:
    whole = CliRunner().invoke(app, ["validate", str(BROKEN), "--as-of", "2026-01-01",
                                     "--out", str(tmp_path / "whole.csv")])
    assert whole.exit_code == 1
    result = CliRunner().invoke(app, ["validate", str(BROKEN), "--as-of", "2026-01-01",
                                      "--out", str(tmp_path / "all.csv")])
    assert result.exit_code == 1, result.output
    every = pl.read_csv(tmp_path / "all.csv", infer_schema=False)
    n = every.height
    assert n > every["rule"].n_unique()  # some rule has more than one issue
    assert f"wrote {n} issues to" in result.output
    assert "issues are kept, the first of each rule" in result.output
    stages = registry[-1]
    assert stages[:2] == ["reading", "validating"]
    assert "validating: batch 1 of" in stages[2]


def test_import_writes_every_issue_with_issues_out(registry: list[list[str]],
                                                    tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    result = CliRunner().invoke(app, ["import", str(BROKEN), "--db", str(db), "--as-of",
                                      "2026-01-01", "--issues-out", str(tmp_path / "i.csv")])
    assert result.exit_code == 1, result.output
    assert "Nothing was imported" in result.output and not db.exists()
    every = pl.read_csv(tmp_path / "i.csv", infer_schema=False)
    assert every.height > every["rule"].n_unique()
    assert every["file"].null_count() == 0 or every["row"].null_count() < every.height


def test_issues_out_must_be_csv_or_xlsx(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["import", str(BROKEN), "--db", str(tmp_path / "s.db"),
                                      "--issues-out", str(tmp_path / "i.txt")])
    assert result.exit_code == 2
    assert "`--issues-out` must be a file ending in .csv or .xlsx; got 'i.txt'" in result.output

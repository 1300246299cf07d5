"""``mscohort synth`` and ``mscohort example`` tell their stages on the house progress bar
(#25 follow-up, item 8; ``cli/progress.py``) instead of a spinner: synth one stage per batch
of patients (or generating and writing, with ``--comparative``), example its own stages and
then the bars of the analysis and the report, one bar at a time."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from mscohort.cli import progress as progress_module
from mscohort.cli.analyse import ANALYSE_STAGES
from mscohort.cli.generate import COMPARATIVE_SYNTH_STAGES, EXAMPLE_STAGES, synth_stages
from mscohort.cli.main import app
from mscohort.cli.report import report_stages

Told = list[tuple[str, list[str], str]]


@pytest.fixture()
def told(monkeypatch: pytest.MonkeyPatch) -> Told:
    """Every bar a command opens (title, stages told, what a terminal was shown), drawn by
    the real bar on a console that says it is a terminal (as tests/test_cli_progress.py)."""
    bars: Told = []
    real = progress_module.stage_bar

    @contextmanager
    def recording(console: Console, title: str, stages: tuple[str, ...]
                  ) -> Iterator[Callable[[str], None]]:
        shown = io.StringIO()
        stages_told: list[str] = []
        terminal = Console(file=shown, force_terminal=True, width=120)
        with real(terminal, title, stages) as tell:
            def both(stage: str) -> None:
                stages_told.append(stage)
                tell(stage)
                terminal.print(f"now: {stage}")
            yield both
        bars.append((title, stages_told, shown.getvalue()))

    monkeypatch.setattr(progress_module, "stage_bar", recording)
    return bars


def test_synth_stages_are_its_batches_of_patients() -> None:
    assert synth_stages(250_000, 100_000) == (
        "patients 1-100,000", "patients 100,001-200,000", "patients 200,001-250,000")
    assert synth_stages(40, 100_000) == ("patients 1-40",)


def test_synth_tells_each_batch_on_its_bar(tmp_path: Path, told: Told,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import mscohort.synthetic

    monkeypatch.setattr(mscohort.synthetic, "BATCH_PATIENTS", 4)  # 10 patients: 3 batches
    result = CliRunner().invoke(app, ["synth", "--patients", "10", "--out",
                                      str(tmp_path / "s")])
    assert result.exit_code == 0, result.output
    ((title, stages, shown),) = told
    assert title == "Synthetic cohort"
    assert stages == ["patients 1-4", "patients 5-8", "patients 9-10"]
    assert "Synthetic cohort" in shown and "patients 9-10" in shown
    assert "patients 10" in result.output  # the rows written, as before


def test_synth_comparative_tells_generating_and_writing(tmp_path: Path, told: Told) -> None:
    result = CliRunner().invoke(app, ["synth", "--comparative", "--patients", "50",
                                      "--out", str(tmp_path / "c")])
    assert result.exit_code == 0, result.output
    assert told == [("Synthetic cohort", list(COMPARATIVE_SYNTH_STAGES), told[0][2])]


def test_example_tells_its_stages_then_the_analysis_and_report_bars(
        tmp_path: Path, told: Told) -> None:
    result = CliRunner().invoke(app, ["example", "--workdir", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    assert [(title, stages) for title, stages, _ in told] == [
        ("Example", list(EXAMPLE_STAGES)), ("Analysis", list(ANALYSE_STAGES)),
        ("Report", list(report_stages("html", False)))]
    assert "5/5 Report" in result.output

"""Issue #22: ``mscohort report`` and ``mscohort analyse`` tell their stages on the house
progress bar (``cli/progress.py``, as ``import`` and ``events`` do): on standard error, drawn
only on a terminal, so a pipe, a log file or ``--json``-style output stays clean."""

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
from mscohort.cli.main import app
from mscohort.cli.report import report_stages

Told = list[tuple[str, list[str], str]]


@pytest.fixture()
def told(monkeypatch: pytest.MonkeyPatch) -> Told:
    """Every bar a command opens (title, stages told, what a terminal was shown): the real
    bar, drawn on a console that says it is a terminal."""
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
                terminal.print(f"now: {stage}")  # rich redraws the bar around a print
            yield both
        bars.append((title, stages_told, shown.getvalue()))

    monkeypatch.setattr(progress_module, "stage_bar", recording)
    return bars


def test_report_tells_each_stage_in_order_on_its_bar(toy_dir: Path, tmp_path: Path,
                                                     told: Told) -> None:
    result = CliRunner().invoke(app, ["report", "--study", str(toy_dir / "study.toml"),
                                      "--data", str(toy_dir), "--out",
                                      str(tmp_path / "r.md"), "--figures",
                                      str(tmp_path / "fig"), "--quiet"])
    assert result.exit_code == 0, result.output
    ((title, stages, shown),) = told
    assert title == "Report"
    assert stages == list(report_stages("md", True)) == [
        "reading the study", "analysing", "drawing figures", "writing md",
        "writing figure files"]
    assert "Report" in shown and "writing figure files" in shown


def test_report_without_figure_files_has_four_stages(toy_dir: Path, tmp_path: Path,
                                                    told: Told) -> None:
    result = CliRunner().invoke(app, ["report", "--study", str(toy_dir / "study.toml"),
                                      "--data", str(toy_dir), "--out",
                                      str(tmp_path / "r.xlsx"), "--quiet"])
    assert result.exit_code == 0, result.output
    ((_, stages, _),) = told
    assert stages == list(report_stages("xlsx", False))
    assert stages[-1] == "writing xlsx"


def test_analyse_tells_its_stages_and_writing_only_with_out(toy_dir: Path, tmp_path: Path,
                                                           told: Told) -> None:
    args = ["analyse", "--study", str(toy_dir / "study.toml"), "--data", str(toy_dir)]
    assert CliRunner().invoke(app, args).exit_code == 0
    assert CliRunner().invoke(app, [*args, "--out", str(tmp_path / "res")]).exit_code == 0
    (first, second) = told
    assert first[:2] == ("Analysis", list(ANALYSE_STAGES[:2]))
    assert second[:2] == ("Analysis", list(ANALYSE_STAGES))
    assert "writing tables" in second[2]


def test_no_bar_is_drawn_when_stderr_is_not_a_terminal(toy_dir: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    for args in (["report", "--study", str(toy_dir / "study.toml"), "--data", str(toy_dir),
                  "--out", str(tmp_path / "r.md"), "--quiet"],
                 ["analyse", "--study", str(toy_dir / "study.toml"), "--data", str(toy_dir)]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        for stage in (*report_stages("md", False), *ANALYSE_STAGES):
            assert stage not in result.output  # no bar, not even its last state


@pytest.fixture()
def toy_store(toy_dir: Path, tmp_path: Path) -> Path:
    from mscohort.store import import_folder
    from tests.conftest import AS_OF

    db = tmp_path / "toy.duckdb"
    import_folder(toy_dir, db, as_of=AS_OF)
    return db


def test_store_commands_tell_their_stages(toy_store: Path, told: Told) -> None:
    """The other steps that take more than a few seconds at 20,000 patients (summary 35 s,
    scores 42 s, courses 45 s, safety 51 s, export 69 s on a busy 2-core machine) show the
    same bar."""
    from mscohort.cli.main import EXPORT_STAGES, SCORES_STAGES, SUMMARY_STAGES
    from mscohort.cli.protocol import STAGES
    from mscohort.web.workspace import SEED

    db = str(toy_store)
    runs = [(["summary", "--db", db], "Summary", SUMMARY_STAGES),
            (["scores", "--db", db], "Scores", SCORES_STAGES),
            (["export", "--db", db, "--out", str(toy_store.parent / "tables"), "--format",
              "csv"], "Export", EXPORT_STAGES),
            (["courses", "--db", db], "Courses", STAGES["courses"]),
            (["safety", "--db", db, "--as-of", "2014-06-30"], "Safety", STAGES["safety"]),
            (["retreatment", "--db", db, "--as-of", "2014-06-30"], "Retreatment",
             STAGES["retreatment"]),
            (["screen", "--study", str(SEED / "study.toml"), "--db", db], "Screening",
             STAGES["screen"])]  # the seed's definition has the [eligibility] criteria
    for args, title, stages in runs:
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, (args[0], result.output)
        assert told[-1][:2] == (title, list(stages)), args[0]
        assert title in told[-1][2]  # the bar drawn on the terminal (its title)
    assert len(told) == len(runs)

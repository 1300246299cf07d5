"""Issue #23 item 6: an import tells its stages as they begin (the CLI's progress bar), and
the bar shows them on a terminal only."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from mscohort.cli.progress import stage_bar
from mscohort.store import import_folder
from mscohort.store.writing import IMPORT_STAGES
from tests.conftest import AS_OF


def test_an_import_tells_every_stage_in_order(toy_dir: Path, tmp_path: Path) -> None:
    told: list[str] = []
    import_folder(toy_dir, tmp_path / "s.duckdb", as_of=AS_OF, progress=told.append)
    assert told == list(IMPORT_STAGES)
    again: list[str] = []  # nothing new: nothing is written (rolled back), no scores
    import_folder(toy_dir, tmp_path / "s.duckdb", as_of=AS_OF, progress=again.append)
    assert again == list(IMPORT_STAGES[:4])


def test_the_bar_shows_the_stage_on_a_terminal_and_nothing_elsewhere() -> None:
    shown = io.StringIO()
    terminal = Console(file=shown, force_terminal=True, width=100)
    with stage_bar(terminal, "Importing", ("reading", "writing")) as tell:
        tell("reading")
        tell("writing")
        terminal.print("writing is under way")  # rich redraws the bar around it
    assert "writing" in shown.getvalue() and "Importing" in shown.getvalue()
    piped = io.StringIO()
    with stage_bar(Console(file=piped, force_terminal=False), "Importing", ("a",)) as tell:
        tell("a")
    assert piped.getvalue() == ""  # not even an empty line

"""Progress bars of long CLI steps (issue #23): a rich bar over the named stages of a step
(reading, validating, writing, ...), with the stage being done and the time spent, on
standard error so that ``--json`` output stays clean. Silent when stderr is not a terminal
(a pipe, a log file, a test)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)


@contextmanager
def stage_bar(console: Console, title: str, stages: tuple[str, ...]
              ) -> Iterator[Callable[[str], None]]:
    """A bar of ``len(stages)`` steps; the yielded callable is told each stage as it
    begins (a stage not listed is shown, and counts as the next step). A stage told as
    ``"<current stage>: detail"`` (``validating: batch 3 of 30``) is shown in place of the
    current one without counting as a step."""
    if not console.is_terminal:  # a pipe, a log file, a test: nothing drawn
        yield lambda stage: None
        return
    progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                        MofNCompleteColumn(), TextColumn("{task.fields[stage]}"),
                        TimeElapsedColumn(), console=console, transient=True)
    task = progress.add_task(title, total=len(stages), stage="")
    begun: list[str] = []

    def advance(stage: str) -> None:
        if begun and stage.startswith(begun[-1] + ":"):  # within the current stage
            progress.update(task, stage=stage)
            return
        if begun:
            progress.advance(task)
        begun.append(stage)
        progress.update(task, stage=stage)

    with progress:
        yield advance
        progress.update(task, completed=len(stages))


__all__ = ["stage_bar"]

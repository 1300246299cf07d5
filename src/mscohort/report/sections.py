"""The report's sections and the numbers of its tables and figures, shared by every format.

Tables are numbered 1, 2, ... in the order they are printed, which is the order of
:func:`mscohort.report.tables.report_tables` (the sections below follow it), and figures
likewise; the HTML, Word, Excel and Markdown files therefore give every table the same number
(``docs/report.md`` lists them as numbered in the seed's report).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from mscohort.report.tables import ReportTable

if TYPE_CHECKING:
    from mscohort.report.document import Report

SAFETY = frozenset({"screening", "courses", "safety", "aesi"})
SECONDARY = frozenset({"msfc", "oct", "oct_eyes", "neda", "secondary_paired",
                       "secondary_within", "milestones"})


@dataclass(frozen=True)
class NumberedTable:
    number: int
    table: ReportTable


@dataclass(frozen=True)
class TableSection:
    """A heading of the report and its tables, with their numbers."""

    id: str
    title: str
    tables: tuple[NumberedTable, ...]


def _section_of(key: str, group_keys: set[str]) -> str:
    if key == "cohort":
        return "cohort"
    if key in group_keys:
        return "outcome-tables"
    if key in SAFETY:
        return "treatment-and-safety"
    if key in SECONDARY:
        return "secondary-outcomes"
    return "summary-and-tests"


TITLES = {"cohort": "Cohort", "outcome-tables": "Outcome tables",
          "summary-and-tests": "Summary and tests",
          "treatment-and-safety": "Screening, treatment and safety",
          "secondary-outcomes": "Secondary outcomes"}


def table_sections(report: Report) -> list[TableSection]:
    """The table sections of ``report`` in reading order, tables numbered from 1 in the
    order they are printed (a section without tables is kept, empty)."""
    group_keys = set(report.analysis.tables)
    keyed = [(_section_of(t.key, group_keys), t) for t in report.tables]
    order = list(TITLES)
    # the sections print in TITLES order; the tables of each in report order
    ordered = sorted(keyed, key=lambda st: order.index(st[0]))
    numbers = {id(t): i for i, (_, t) in enumerate(ordered, 1)}
    return [TableSection(s, TITLES[s], tuple(NumberedTable(numbers[id(t)], t)
                                            for key, t in ordered if key == s))
            for s in order]


def definition_label(report: Report) -> str:
    """The study definition as the report names it: its file when known, else where the
    analysis read it ("study definition <path>" without the repeated words)."""
    prov = report.provenance
    if prov is not None and prov.definition_file:
        return prov.definition_file
    source = report.analysis.definition.source
    return source.removeprefix("study definition").strip() or source


def numbered_tables(report: Report) -> list[NumberedTable]:
    """Every table of ``report`` with its number, in printing order."""
    return [nt for s in table_sections(report) for nt in s.tables]

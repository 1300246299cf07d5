"""The report's sections as data: every table and figure in reading order, each with the
heading it is printed under and the condition under which the report has it, and the drawing
function of every figure key; and the one numbering of tables and figures that every format
(HTML, Word, Excel, Markdown) prints.

:mod:`mscohort.report.document` iterates these registries; the table and figure modules
(main, reviewer, secondary, models) never import one another to assemble the report, so the
import graph stays one-way (``tests/test_layout.py``). A new section is one entry here.

Tables are numbered 1, 2, ... in the order of :data:`TABLES`, which is the order they are
printed in (the headings of :data:`HEADINGS` follow it), and figures likewise in the order of
:data:`FIGURES`. Sections a study may lack (screening, safety, secondary outcomes, models)
come after those every study has, so the numbers the seed's report cites stay put
(``docs/report.md``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import PurePath
from typing import TYPE_CHECKING

from mscohort.analyse.study import StudyAnalysis
from mscohort.report import tables as T
from mscohort.report.category_figure import category_bars, draw_categories
from mscohort.report.comparative_section import (
    DRAW_KEYS,
    comparative_figures,
    comparative_tables,
    draw_comparative,
)
from mscohort.report.figures import (
    FigureData,
    arr_pairs,
    forest,
    km_cdw,
    msss_change,
    swimmer,
    trajectories,
    waterfall,
)
from mscohort.report.flow_figure import draw_flow, flow_figure
from mscohort.report.forest_plot import draw_forest
from mscohort.report.km_plot import draw_km
from mscohort.report.models_section import draw_trajectory, model_figures, model_tables
from mscohort.report.plots import DRAW as MAIN_DRAW
from mscohort.report.plots import Drawn
from mscohort.report.reviewer_tables import reviewer_tables
from mscohort.report.secondary_figures import secondary_figures
from mscohort.report.secondary_plots import DRAW as SECONDARY_DRAW
from mscohort.report.secondary_tables import secondary_report_tables
from mscohort.report.table_one_table import table_one_tables
from mscohort.report.tables import ReportTable
from mscohort.study import Study

if TYPE_CHECKING:
    from mscohort.report.model import ReportData

#: The headings tables are printed under: id -> title, in printing order.
HEADINGS: dict[str, str] = {
    "cohort": "Cohort", "outcome-tables": "Outcome tables",
    "summary-and-tests": "Summary and tests",
    "treatment-and-safety": "Screening, treatment and safety",
    "secondary-outcomes": "Secondary outcomes", "models": "Models",
    "comparison": "Comparative effectiveness"}


@dataclass(frozen=True)
class TableSection:
    """Tables of the report: ``build`` gives them (none when ``shown`` says no), printed
    under the heading ``heading`` (a key of :data:`HEADINGS`)."""

    key: str
    build: Callable[[StudyAnalysis], list[ReportTable]]
    shown: Callable[[StudyAnalysis], bool] = lambda a: True
    heading: str = "summary-and-tests"


@dataclass(frozen=True)
class FigureSection:
    """Figures of the report: ``build(study, analysis, max_swimmer)`` gives their data."""

    key: str
    build: Callable[[Study, StudyAnalysis, int], list[FigureData]]


def _has(frame_name: str) -> Callable[[StudyAnalysis], bool]:
    return lambda a: getattr(a, frame_name).height > 0


#: Every table of the report, in reading order (a split without groups, such as cohort when
#: no patient has one, has no table).
TABLES: tuple[TableSection, ...] = (
    TableSection("cohort", lambda a: [T.cohort_table(a)], heading="cohort"),
    TableSection("table_one", table_one_tables, heading="cohort"),
    TableSection("groups", lambda a: [T.group_table(k, f) for k, f in a.tables.items()
                                      if f.height], heading="outcome-tables"),
    TableSection("summary", lambda a: [T.summary_table(a)]),
    TableSection("paired", lambda a: [T.paired_table(a)]),
    TableSection("relapses", lambda a: [T.relapse_table(a)]),
    TableSection("reviewer", reviewer_tables),
    TableSection("screening", lambda a: [T.screening_table(a)], _has("screening"),
                 "treatment-and-safety"),
    TableSection("courses", lambda a: [T.course_table(a)], _has("courses"),
                 "treatment-and-safety"),
    TableSection("safety", lambda a: [T.safety_table(a)], _has("safety"),
                 "treatment-and-safety"),
    TableSection("aesi", lambda a: [T.aesi_report_table(a)], _has("aesi"),
                 "treatment-and-safety"),
    TableSection("secondary", secondary_report_tables, heading="secondary-outcomes"),
    TableSection("models", model_tables, heading="models"),
    TableSection("comparison", comparative_tables, lambda a: a.comparison is not None,
                 heading="comparison"),
)

#: Every figure of the report, in reading order. The category bars came after the others'
#: numbers were cited, the models figure exists only when the definition fits the models:
#: both come last, so the numbers of the others do not move.
FIGURES: tuple[FigureSection, ...] = (
    FigureSection("trajectories", lambda s, a, n: [trajectories(s, a)]),
    FigureSection("waterfall", lambda s, a, n: [waterfall(a)]),
    FigureSection("msss_change", lambda s, a, n: [msss_change(a)]),
    FigureSection("arr_pairs", lambda s, a, n: [arr_pairs(a)]),
    FigureSection("km_cdw", lambda s, a, n: [km_cdw(a)]),
    FigureSection("forest", lambda s, a, n: [forest(a)]),
    FigureSection("swimmer", lambda s, a, n: [swimmer(s, a, n)]),
    FigureSection("secondary", lambda s, a, n: secondary_figures(s, a)),
    FigureSection("flow", lambda s, a, n: [flow_figure(a)]),
    FigureSection("categories", lambda s, a, n: [category_bars(a)]),
    FigureSection("models", lambda s, a, n: model_figures(a)),
    FigureSection("comparison", lambda s, a, n: comparative_figures(a)),
)

#: How each figure key is drawn.
DRAW: dict[str, Callable[[FigureData], Drawn]] = {
    **MAIN_DRAW, **SECONDARY_DRAW, "km_cdw": draw_km, "forest": draw_forest,
    "flow": draw_flow, "categories": draw_categories, "models_trajectory": draw_trajectory,
    **dict.fromkeys(DRAW_KEYS, draw_comparative)}


def report_tables(analysis: StudyAnalysis) -> list[ReportTable]:
    """Every table of the report, in reading order (:data:`TABLES`), each carrying the
    heading it is printed under (``ReportTable.section``)."""
    return [replace(t, section=section.heading) for section in TABLES
            if section.shown(analysis) for t in section.build(analysis)]


def report_figures(study: Study, a: StudyAnalysis, max_swimmer: int = 60) -> list[FigureData]:
    """The data of every figure of the report, in reading order (:data:`FIGURES`)."""
    return [f for section in FIGURES for f in section.build(study, a, max_swimmer)]


def draw(d: FigureData) -> Drawn:
    """Draw one figure of :func:`report_figures`, titled."""
    drawn = DRAW[d.key](d)
    drawn.figure.suptitle(d.title, x=0.02, ha="left", fontsize=11)
    return drawn


@dataclass(frozen=True)
class NumberedTable:
    number: int
    table: ReportTable


@dataclass(frozen=True)
class Heading:
    """A heading of the report and its tables, with their numbers."""

    id: str
    title: str
    tables: tuple[NumberedTable, ...]


def table_sections(report: ReportData) -> list[Heading]:
    """The headings of ``report`` in printing order (:data:`HEADINGS`, a heading without
    tables kept, empty), its tables numbered from 1 in the order they are printed."""
    by_heading: dict[str, list[ReportTable]] = {h: [] for h in HEADINGS}
    for t in report.tables:
        by_heading.setdefault(t.section or "summary-and-tests", []).append(t)
    out, number = [], 0
    for h, tables in by_heading.items():
        numbered = []
        for t in tables:
            number += 1
            numbered.append(NumberedTable(number, t))
        out.append(Heading(h, HEADINGS.get(h, h), tuple(numbered)))
    return out


def numbered_tables(report: ReportData) -> list[NumberedTable]:
    """Every table of ``report`` with its number, in printing order."""
    return [nt for s in table_sections(report) for nt in s.tables]


def shown_path(path: str) -> str:
    """A path as a report shows it, without the machine's folders: a file with its folder's
    name (``toy/study.toml``), a folder (no suffix) by its name."""
    p = PurePath(path)
    if not p.name:
        return path
    if not p.suffix or not p.parent.name:
        return p.name
    return f"{p.parent.name}/{p.name}"


def definition_label(report: ReportData) -> str:
    """The study definition as the report names it: its file with the study folder's name
    when known (:func:`shown_path`), else where the analysis read it ("study definition
    <path>" without the repeated words)."""
    prov = report.provenance
    if prov is not None and prov.definition_file:
        return shown_path(prov.definition_file)
    source = report.analysis.definition.source
    return source.removeprefix("study definition").strip() or source

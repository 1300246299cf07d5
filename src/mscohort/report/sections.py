"""The report's sections as data: every table and figure in reading order, each with the
condition under which the report has it, and the drawing function of every figure key.

:mod:`mscohort.report.document` iterates these registries; the table and figure modules
(main, reviewer, secondary) never import one another to assemble the report, so the
import graph stays one-way (``tests/test_layout.py``). A new section is one entry here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mscohort.analyse.study import StudyAnalysis
from mscohort.report import tables as T
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
from mscohort.report.plots import DRAW as MAIN_DRAW
from mscohort.report.plots import Drawn
from mscohort.report.reviewer_tables import reviewer_tables
from mscohort.report.secondary_figures import secondary_figures
from mscohort.report.secondary_plots import DRAW as SECONDARY_DRAW
from mscohort.report.secondary_tables import secondary_report_tables
from mscohort.report.tables import ReportTable
from mscohort.study import Study


@dataclass(frozen=True)
class TableSection:
    """Tables of the report: ``build`` gives them (none when ``shown`` says no)."""

    key: str
    build: Callable[[StudyAnalysis], list[ReportTable]]
    shown: Callable[[StudyAnalysis], bool] = lambda a: True


@dataclass(frozen=True)
class FigureSection:
    """Figures of the report: ``build(study, analysis, max_swimmer)`` gives their data."""

    key: str
    build: Callable[[Study, StudyAnalysis, int], list[FigureData]]


#: Every table of the report, in reading order (a split without groups, such as cohort when
#: no patient has one, has no table).
TABLES: tuple[TableSection, ...] = (
    TableSection("cohort", lambda a: [T.cohort_table(a)]),
    TableSection("groups", lambda a: [T.group_table(k, f) for k, f in a.tables.items()
                                      if f.height]),
    TableSection("summary", lambda a: [T.summary_table(a)]),
    TableSection("paired", lambda a: [T.paired_table(a)]),
    TableSection("relapses", lambda a: [T.relapse_table(a)]),
    TableSection("reviewer", reviewer_tables),
    TableSection("screening", lambda a: [T.screening_table(a)], lambda a: a.screening.height > 0),
    TableSection("courses", lambda a: [T.course_table(a)], lambda a: a.courses.height > 0),
    TableSection("safety", lambda a: [T.safety_table(a)], lambda a: a.safety.height > 0),
    TableSection("aesi", lambda a: [T.aesi_report_table(a)], lambda a: a.aesi.height > 0),
    TableSection("secondary", secondary_report_tables),
    TableSection("comparison", comparative_tables, lambda a: a.comparison is not None),
)

#: Every figure of the report, in reading order.
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
    FigureSection("comparison", lambda s, a, n: comparative_figures(a)),
)

#: How each figure key is drawn.
DRAW: dict[str, Callable[[FigureData], Drawn]] = {**MAIN_DRAW, **SECONDARY_DRAW,
                                                  "flow": draw_flow,
                                                  **dict.fromkeys(DRAW_KEYS, draw_comparative)}


def report_tables(analysis: StudyAnalysis) -> list[ReportTable]:
    """Every table of the report, in reading order (:data:`TABLES`)."""
    return [t for section in TABLES if section.shown(analysis)
            for t in section.build(analysis)]


def report_figures(study: Study, a: StudyAnalysis, max_swimmer: int = 60) -> list[FigureData]:
    """The data of every figure of the report, in reading order (:data:`FIGURES`)."""
    return [f for section in FIGURES for f in section.build(study, a, max_swimmer)]


def draw(d: FigureData) -> Drawn:
    """Draw one figure of :func:`report_figures`, titled."""
    drawn = DRAW[d.key](d)
    drawn.figure.suptitle(d.title, x=0.02, ha="left", fontsize=11)
    return drawn

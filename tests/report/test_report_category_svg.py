"""The stacked improved / stable / worsened bars read back from their patches, and the SVG
title and description for screen readers."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import polars as pl
import pytest
from matplotlib.patches import Rectangle

from mscohort.report.category_figure import ALL, category_bars
from mscohort.report.figure_text import describe
from mscohort.report.figures import followup_groups
from mscohort.report.sections import draw


def test_category_bars_count_the_analysis_categories_by_group(toy) -> None:
    _, analysis = toy
    bars = category_bars(analysis).frames["bars"]
    overall = bars.filter(pl.col("group") == ALL)
    # the "All analysed" bar is the analysis' own categories table
    assert overall.select("category", "n").rows() == analysis.categories.select(
        "category", "n").rows()
    groups = followup_groups(analysis)
    for (group,), part in bars.filter(pl.col("group") != ALL).group_by(
            "group", maintain_order=True):
        ids = groups.filter(pl.col("group") == group)["patient_id"]
        cats = analysis.outcomes.filter(pl.col("patient_id").is_in(ids.implode()))[
            "change_category"].to_list()
        assert part["n"].to_list() == [cats.count(c) for c in
                                       ("improved", "stable", "worsened")], group
        assert part["of"][0] == len(cats)


def test_category_bars_drawn_stack_to_100_percent_in_category_order(toy) -> None:
    _, analysis = toy
    data = category_bars(analysis)
    drawn = draw(data)
    ax = drawn.figure.axes[0]
    rects = [p for p in ax.patches if isinstance(p, Rectangle)]
    bars = data.frames["bars"]
    assert len(rects) == bars.height
    for (group, cat, n, of), rect in zip(bars.rows(), rects, strict=True):
        assert rect.get_width() == pytest.approx(100 * n / of, abs=1e-9), (group, cat)
    # each group's segments start where the previous one ends and end at 100
    for k in range(0, len(rects), 3):
        a, b, c = rects[k:k + 3]
        assert a.get_x() == 0.0
        assert b.get_x() == pytest.approx(a.get_x() + a.get_width(), abs=1e-9)
        assert c.get_x() + c.get_width() == pytest.approx(100.0, abs=1e-9)
    hatches = [r.get_hatch() for r in rects[:3]]
    assert len(set(hatches)) == 3  # told apart without colour


def test_svg_has_a_title_and_description_named_by_aria(toy_report) -> None:
    for d in toy_report.figures:
        svg = d.svg()
        root = ElementTree.fromstring(svg)
        ns = "{http://www.w3.org/2000/svg}"
        title, desc = root[0], root[1]
        assert (title.tag, desc.tag) == (f"{ns}title", f"{ns}desc")
        # the caption, then the figure in words with its numbers (report/figure_text.py)
        assert title.text == d.data.title
        assert desc.text == f"{d.data.caption} {describe(d.data)}"
        assert desc.text.startswith(d.data.caption)
        assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
        assert re.search(r'role="group"', svg[:svg.index(">")])

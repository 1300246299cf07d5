"""Wide Word tables whose words do not all fit across a landscape page: the columns give up
the width of their long words (identifiers, which LibreOffice may break) before a number's,
so that 6- and 7-digit counts ("n=113350", "1234567") are never broken (issue #23)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from docx import Document

from mscohort.report.page_layout import (
    CELL_PAD_IN,
    CHAR_IN,
    LANDSCAPE_WIDTH_IN,
    column_widths,
)
from mscohort.report.tables import ReportTable
from mscohort.report.word import word_table
from mscohort.report.word_layout import page_setup
from tests.report.pdf_layout import read_pages, render_pdf

#: the header of the sensitivity table (report/reviewer_tables.py)
COLUMNS = ("Analysis", "Rule changed", "n", "Primary: EDSS change (95% CI)", "p",
           "Shift from main", "Improved, % (95% CI)", "ARR rate ratio (95% CI)",
           "Subgroup ARR rate ratio (95% CI)")
#: the rows of the 300,000-patient report's sensitivity table (whose "n=113350" LibreOffice
#: broke), its counts made 6- and 7-digit
ROWS = (('main analysis',
         'as defined',
         '3446300',
         '+0.68 (+0.66 to +0.69)',
         '< 0.0001',
         '0.00',
         '21% (20 to 21)',
         '1.01 (1.00 to 1.03); n=327450',
         '0.17 (0.14 to 0.21); n=44000'),
        ('improved/stable/worsened by the threshold rule',
         'change.rule = threshold',
         '3446300',
         '+0.68 (+0.66 to +0.69)',
         '< 0.0001',
         '0.00',
         '13% (12 to 13)',
         '1.01 (1.00 to 1.03); n=327450',
         '0.17 (0.14 to 0.21); n=44000'),
        ('relapse subgroup at >= instead of >',
         'subgroups: > as >=',
         '3446300',
         '+0.68 (+0.66 to +0.69)',
         '< 0.0001',
         '0.00',
         '21% (20 to 21)',
         '1.01 (1.00 to 1.03); n=327450',
         '0.21 (0.19 to 0.24); n=303000'),
        ('baseline EDSS not within 30 days after a relapse',
         'population: no relapse onset in the 30 days before baseline',
         '3333400',
         '+0.71 (+0.70 to +0.73)',
         '< 0.0001',
         '+0.04',
         '19% (19 to 20)',
         '1.06 (1.04 to 1.08); n=316780',
         '0.17 (0.12 to 0.22); n=33000'),
        ('pre-index relapses in months -24 to -12',
         'relapses.pre_index_end_days = 365.25',
         '3446300',
         '+0.68 (+0.66 to +0.69)',
         '< 0.0001',
         '0.00',
         '21% (20 to 21)',
         '1.05 (1.03 to 1.07); n=327260',
         '0.14 (0.12 to 0.16); n=197000'),
        ('minimum follow-up 6 months',
         'population: follow-up >= 182.625 days',
         '3130900',
         '+0.73 (+0.72 to +0.75)',
         '< 0.0001',
         '+0.06',
         '20% (20 to 21)',
         '1.02 (1.00 to 1.03); n=297350',
         '0.17 (0.14 to 0.22); n=36000'),
        ('minimum follow-up 12 months',
         'population: follow-up >= 365.25 days',
         '2824700',
         '+0.79 (+0.78 to +0.81)',
         '< 0.0001',
         '+0.12',
         '20% (20 to 21)',
         '1.02 (1.00 to 1.03); n=268260',
         '0.17 (0.13 to 0.21); n=34000'),
        ('lunar month: the other reading',
         'follow_up.lunar_month: 28 days <-> synodic 29.53 days',
         '3446300',
         '+0.68 (+0.66 to +0.69)',
         '< 0.0001',
         '0.00',
         '21% (20 to 21)',
         '1.01 (1.00 to 1.03); n=327450',
         '0.17 (0.14 to 0.21); n=44000'),
        ('prior-drug gap limit: the other reading',
         'prior_treatment.immediate_gap_days: the prior window <-> no limit',
         '3446300',
         '+0.68 (+0.66 to +0.69)',
         '< 0.0001',
         '0.00',
         '21% (20 to 21)',
         '1.01 (1.00 to 1.03); n=327450',
         '0.17 (0.14 to 0.21); n=44000'),
        ('MSSS: the other convention',
         'msss.convention: standard <-> ms.sev (first year of disease scored)',
         '3446300',
         '+0.68 (+0.66 to +0.69)',
         '< 0.0001',
         '0.00',
         '21% (20 to 21)',
         '1.01 (1.00 to 1.03); n=327450',
         '0.17 (0.14 to 0.21); n=44000'),
        ('index-day relapse counted during follow-up',
         'relapses.index_day = during',
         '3446300',
         '+0.68 (+0.66 to +0.69)',
         '< 0.0001',
         '0.00',
         '21% (20 to 21)',
         '1.02 (1.00 to 1.03); n=327450',
         '0.17 (0.14 to 0.21); n=44000'),
        ('relapse follow-up to the last record',
         'relapses.follow_up_end = last_contact',
         '3446300',
         '+0.68 (+0.66 to +0.69)',
         '< 0.0001',
         '0.00',
         '21% (20 to 21)',
         '1.69 (1.66 to 1.72); n=113350',
         '0.16 (0.13 to 0.21); n=45000'))


def test_column_widths_give_a_number_its_width_in_the_fallback_font() -> None:
    # by hand: "n=327450" (8 characters) at 0.66 em of 8 pt, plus the cells' padding; the
    # 7-digit count "3446300" likewise (LibreOffice prints Calibri as DejaVu Sans when
    # Carlito is missing: "n=113350" is 42.4 pt wide there, 37.1 pt at Carlito's 0.58 em)
    layout = column_widths(COLUMNS, ROWS)
    assert layout.landscape
    assert sum(layout.widths) == pytest.approx(LANDSCAPE_WIDTH_IN, abs=1e-6)
    assert layout.widths[7] >= 8 * 0.66 * 8 / 72 + 0.2 - 1e-9
    assert layout.widths[2] >= 7 * 0.66 * 8 / 72 + 0.2 - 1e-9


def test_column_widths_shrink_words_before_numbers() -> None:
    # by hand: a 200-character identifier cannot fit a landscape page (200 x 0.58 x 8 / 72
    # + 0.2 = 13.09 in > 9 in): the count keeps 9 x 0.66 x 8 / 72 + 0.2 = 0.86 in and the
    # identifier gets the rest, 9 - 0.86 = 8.14 in (before: both shrunk by 9 / 13.95)
    layout = column_widths(("a", "b"), (("x" * 200, "n=1234567"),))
    assert layout.landscape
    assert layout.widths == pytest.approx((8.14, 0.86), abs=1e-6)
    assert sum(len(w) for w in ("x" * 200,)) * CHAR_IN + CELL_PAD_IN > LANDSCAPE_WIDTH_IN


@pytest.mark.slow
def test_word_rendered_six_and_seven_digit_counts_never_break(tmp_path: Path) -> None:
    doc = Document()
    page_setup(doc)
    word_table(doc, ReportTable("sensitivity", "Sensitivity analyses", COLUMNS, ROWS), 1)
    docx = tmp_path / "counts.docx"
    doc.save(str(docx))
    words = set().union(*(p.words() for p in read_pages(render_pdf(docx))))
    counts = [w for r in ROWS for c in r for w in c.split() if re.search(r"\d{6,7}", w)]
    assert {"n=113350", "3446300", "n=303000"} <= set(counts)
    for row in ROWS:
        for cell in row:
            for word in cell.split():
                if re.search(r"\d", word):
                    assert word in words, f"{word!r} broken"

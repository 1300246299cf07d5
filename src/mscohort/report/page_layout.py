"""How wide a printed table is: the column widths of a table from its cells, and whether it
needs a landscape page. Shared by the Word report (:mod:`mscohort.report.word_layout`) and the
HTML report's print stylesheet (wide tables on landscape pages)."""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Letter paper with 1-inch margins: the printable area of a portrait page, in inches
PAGE_WIDTH_IN, PAGE_HEIGHT_IN, MARGIN_IN = 8.5, 11.0, 1.0
PORTRAIT_WIDTH_IN = PAGE_WIDTH_IN - 2 * MARGIN_IN
LANDSCAPE_WIDTH_IN = PAGE_HEIGHT_IN - 2 * MARGIN_IN
#: a figure leaves this much of the page's height to its caption
CAPTION_ALLOWANCE_IN = 1.6
#: and a quarter inch of the width: LibreOffice sets a picture as wide as the line 9 pt right
FIGURE_WIDTH_IN = PORTRAIT_WIDTH_IN - 0.25
TABLE_FONT_PT = 8.0
#: widest average character of the table font (Calibri/Carlito: about 0.55 em), in inches
CHAR_IN = 0.58 * TABLE_FONT_PT / 72
BOLD_FACTOR = 1.08
#: widest character of a number ("n=113350", "(1.70-9.63)") in the font LibreOffice falls back
#: to when Carlito is not installed (DejaVu Sans: digits 0.636 em, "=" 0.838 em), in inches:
#: a word with a digit must never break, whichever of the two fonts prints it
NUMBER_CHAR_IN = 0.66 * TABLE_FONT_PT / 72
#: left + right cell margins of Word's default table (0.08 in each) and a little slack
CELL_PAD_IN = 0.2
#: a column longer than this many characters wraps rather than widening the table
MAX_PREFERRED_CHARS = 42
RULE_EIGHTHS_PT = 8  # the rules are 1 pt (w:sz counts eighths of a point)

#: a hyphen next to a digit: the sign or range of a number ("-0.7", "(1.70-9.63)", dates)
NUMBER_HYPHEN = re.compile(r"(?<=\d)-|-(?=\d)")


def _tokens(text: str) -> list[str]:
    """The words a line never breaks inside (Word breaks at spaces and after a hyphen that
    is not :data:`NUMBER_HYPHEN`; the latter is ignored: the estimate stays on the wide side)."""
    return text.split() or [""]


@dataclass(frozen=True)
class TableLayout:
    """Where a table goes and how wide its columns are (inches)."""

    landscape: bool
    widths: tuple[float, ...]


def _number_in(word: str, bold: bool = False) -> float:
    """The printed width (inches) of ``word`` if it holds a digit, at
    :data:`NUMBER_CHAR_IN` a character; 0 for a word without digits."""
    if not any(c.isdigit() for c in word):
        return 0.0
    return len(word) * NUMBER_CHAR_IN * (BOLD_FACTOR if bold else 1.0)


def _fit(minimum: list[float], preferred: list[float], available: float,
         numbers: list[float] | None = None) -> tuple[float, ...]:
    """Widths that fill ``available``: every column at least its ``minimum`` (its longest
    word), the rest shared in proportion to how much more each column would like. When even
    the words do not fit, every column keeps its longest number (``numbers``) and the words
    without digits share what is left in proportion to how much more they need."""
    if sum(minimum) >= available:  # even the words do not fit
        hard = numbers if numbers is not None else [0.0] * len(minimum)
        soft = [max(m - h, 0.0) for m, h in zip(minimum, hard, strict=True)]
        if sum(hard) < available and sum(soft) > 0:
            left = available - sum(hard)
            return tuple(h + left * s / sum(soft) for h, s in zip(hard, soft, strict=True))
        return tuple(w * available / sum(minimum) for w in minimum)  # shrink in proportion
    extra = [p - m for m, p in zip(minimum, preferred, strict=True)]
    spare = available - sum(minimum)
    if sum(extra) <= spare:  # every column at its preferred width; the rest shared alike
        rest = (spare - sum(extra)) / len(minimum)
        return tuple(p + rest for p in preferred)
    return tuple(m + spare * e / sum(extra) for m, e in zip(minimum, extra, strict=True))


def column_widths(columns: tuple[str, ...], rows: tuple[tuple[str, ...], ...]) -> TableLayout:
    """The layout of a table of ``columns`` and ``rows`` (printed cells).

    A column needs at least its longest unbreakable word (numbers and ranges do not break,
    :data:`NUMBER_HYPHEN`) and would like its longest cell on one line (up to
    ``MAX_PREFERRED_CHARS`` characters). The table is portrait when every column's words fit
    across a portrait page and the cells would not wrap to more than two lines on average;
    otherwise landscape. A word with a digit gets its width in LibreOffice's wider fallback
    font (:data:`NUMBER_CHAR_IN`) when the numbers fit, taken from the columns with room to
    spare; when not even the words fit, the words without digits give up their width first.
    """
    minimum, preferred, numbers = [], [], []
    for j, head in enumerate(columns):
        cells = [r[j] for r in rows]
        words = ([(t, True) for t in _tokens(head)]
                 + [(t, False) for c in cells for t in _tokens(c)])
        word = max(len(t) * (BOLD_FACTOR if bold else 1.0) for t, bold in words)
        longest = max([min(len(head), MAX_PREFERRED_CHARS) * BOLD_FACTOR]
                      + [min(len(c), MAX_PREFERRED_CHARS) for c in cells])
        minimum.append(word * CHAR_IN + CELL_PAD_IN)
        preferred.append(max(longest, word) * CHAR_IN + CELL_PAD_IN)
        numbers.append(max([_number_in(t, bold) for t, bold in words] or [0.0]) + CELL_PAD_IN)
    landscape = (sum(minimum) > PORTRAIT_WIDTH_IN
                 or sum(preferred) > 2 * PORTRAIT_WIDTH_IN)
    available = LANDSCAPE_WIDTH_IN if landscape else PORTRAIT_WIDTH_IN
    widths = _fit(minimum, preferred, available, numbers)
    return TableLayout(landscape, _numbers_whole(widths, numbers))


def _numbers_whole(widths: tuple[float, ...], numbers: list[float]) -> tuple[float, ...]:
    """``widths`` with every column at least its longest number (``numbers``), the width a
    column lacks taken from the columns wider than their numbers, in proportion to how much
    wider; unchanged when every column already is, or when the numbers alone do not fit."""
    short = sum(max(n - w, 0.0) for w, n in zip(widths, numbers, strict=True))
    if short <= 0 or sum(numbers) > sum(widths):
        return widths
    surplus = [max(w - n, 0.0) for w, n in zip(widths, numbers, strict=True)]
    return tuple(n if w < n else w - short * s / sum(surplus)
                 for w, n, s in zip(widths, numbers, surplus, strict=True))

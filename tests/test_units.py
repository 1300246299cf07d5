"""The units of time and the as-of parser live in one module (mscohort.units)."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest

from mscohort.definition import StudyDefinition
from mscohort.errors import UsageError
from mscohort.units import (
    DAYS_PER_HALF_YEAR,
    DAYS_PER_MONTH,
    DAYS_PER_YEAR,
    LUNAR_MONTHS,
    UNIT_DAYS,
    UNIT_LABELS,
    UNITS,
    parse_day,
    unit_words,
)

SRC = Path(__file__).parents[1] / "src" / "mscohort"
#: numbers that are a unit of time (or twice or half of one) and so belong to mscohort.units
UNIT_NUMBERS = {365.25, 730.5, 182.625, 30.4375, 29.530589}


def test_units_are_the_julian_year_and_its_twelfth() -> None:
    # hand calculation: (3 x 365 + 366) / 4 = 365.25; 365.25 / 12 = 30.4375; / 2 = 182.625
    assert DAYS_PER_YEAR == (3 * 365 + 366) / 4
    assert DAYS_PER_MONTH == 30.4375
    assert DAYS_PER_HALF_YEAR == 182.625
    # Meeus 1998, ch. 49: the mean synodic month is 29.530589 days
    assert LUNAR_MONTHS == {"28_days": 28.0, "synodic": 29.530589}
    assert UNIT_DAYS == {"day": 1.0, "lunar_month": 28.0, "month": 30.4375, "year": 365.25}
    assert set(UNIT_LABELS) == set(UNITS) == set(UNIT_DAYS)


def test_study_unit_days_follow_the_lunar_month_reading() -> None:
    assert StudyDefinition().unit_days == 28.0
    assert StudyDefinition(lunar_month="synodic").unit_days == 29.530589
    assert StudyDefinition(unit="month").unit_days == 30.4375
    assert StudyDefinition().pre_index_days == 730.5


def test_unit_words_name_the_length_in_days() -> None:
    assert unit_words("month") == "months of 30.4375 days"
    assert unit_words("year") == "years of 365.25 days"
    assert unit_words("lunar_month", "synodic") == "synodic lunar months of 29.530589 days"
    assert unit_words("lunar_month").startswith("lunar months of 28 days")


def test_parse_day_reads_iso_dates() -> None:
    assert parse_day("2014-06-30") == dt.date(2014, 6, 30)


def test_parse_day_rejects_other_dates_with_the_argument_template() -> None:
    with pytest.raises(UsageError, match=r"^`--as-of` must be a date YYYY-MM-DD; got "
                                         r"'30/06/2014'\.$"):
        parse_day("30/06/2014")
    with pytest.raises(UsageError, match=r"^`as_of` must be a date"):
        parse_day("2014-02-30", "as_of")


def _unit_literals(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    return [f"{path.relative_to(SRC)}:{node.lineno}: {node.value}" for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, float)
            and node.value in UNIT_NUMBERS]


def test_every_unit_of_time_is_imported_from_the_units_module() -> None:
    found = [hit for path in sorted(SRC.rglob("*.py")) if path.name != "units.py"
             for hit in _unit_literals(path)]
    assert not found, "use mscohort.units instead of:\n" + "\n".join(found)

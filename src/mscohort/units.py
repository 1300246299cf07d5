"""Units of time, their labels, and the one parser of an as-of day: defined once, imported
everywhere (docs/development.md, "Constants").

Notes
-----
* A **year** is the Julian year of 365.25 days (the mean calendar year over a leap cycle),
  used for every continuous duration in years (age, disease duration, follow-up, rates per
  patient-year); whole completed years are :func:`mscohort.derive.timing.completed_years_expr`.
* A **month** is a twelfth of that year, 30.4375 days (time points "month 12", follow-up in
  months).
* A **lunar month** is either 4 weeks (28 days: the seed study never defines it, and 28 days
  reproduces its tables) or the mean synodic month of 29.530589 days (new moon to new moon).

References
----------
Meeus J. Astronomical Algorithms, 2nd ed. Willmann-Bell, 1998 (ch. 49: the mean synodic
month of 29.530589 days; ch. 7: the Julian year of 365.25 days).
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from mscohort.errors import UsageError, bad_argument

#: The Julian year in days: every continuous duration in years is days / DAYS_PER_YEAR.
DAYS_PER_YEAR: Final = 365.25
#: A month in days: a twelfth of the Julian year.
DAYS_PER_MONTH: Final = DAYS_PER_YEAR / 12
#: Half a Julian year in days (the bins of the follow-up figures).
DAYS_PER_HALF_YEAR: Final = DAYS_PER_YEAR / 2
#: What a lunar month is (``follow_up.lunar_month``): 4 weeks, or the mean synodic month.
LUNAR_MONTHS: Final = {"28_days": 28.0, "synodic": 29.530589}
#: The units of follow-up (``follow_up.unit``).
UNITS: Final = ("lunar_month", "month", "year", "day")
#: Days per follow-up unit; a lunar month here is the default reading (28 days); a study's
#: own reading is :attr:`mscohort.definition.StudyDefinition.unit_days`.
UNIT_DAYS: Final = {"day": 1.0, "lunar_month": LUNAR_MONTHS["28_days"],
                    "month": DAYS_PER_MONTH, "year": DAYS_PER_YEAR}
#: A follow-up unit as a column heading or axis label, e.g. "Follow-up (lunar months)".
UNIT_LABELS: Final = {"lunar_month": "lunar months", "month": "months", "year": "years",
                      "day": "days"}
#: A follow-up unit in a methods sentence, naming its length in days.
UNIT_WORDS: Final = {"lunar_month": "lunar months of 28 days",
                     "month": f"months of {DAYS_PER_MONTH} days",
                     "year": f"years of {DAYS_PER_YEAR} days", "day": "days"}
#: Which lunar month, in a methods sentence.
LUNAR_MONTH_WORDS: Final = {
    "28_days": "lunar months of 28 days (4 weeks; the seed study does not define its "
               "lunar month)",
    "synodic": f"synodic lunar months of {LUNAR_MONTHS['synodic']} days"}


def unit_words(unit: str, lunar_month: str = "28_days") -> str:
    """The follow-up ``unit`` in words for a methods sentence, naming which lunar month."""
    return LUNAR_MONTH_WORDS[lunar_month] if unit == "lunar_month" else UNIT_WORDS[unit]


def parse_day(text: str, name: str = "--as-of") -> dt.date:
    """The day ``text`` (ISO 8601, YYYY-MM-DD) given as option or field ``name``.

    Raises
    ------
    UsageError
        "`name` must be a date YYYY-MM-DD; got 'text'." (the CLI exits with code 2; the
        web app shows the message).
    """
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise bad_argument(name, "a date YYYY-MM-DD", text, error=UsageError) from None

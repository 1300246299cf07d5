"""Records that meet the seed's protocol without changing a fitted value
(``mscohort.calibrate.protocol_records``): each rule on a hand-built patient, the answer
worked out in the comment."""

from __future__ import annotations

import datetime as dt

from mscohort.calibrate.protocol_records import (
    DAYS_ON_DRUG,
    enrolment_after_courses,
    relapse_on_therapy,
)

SPAN = (-700, -40)


def test_a_relapse_already_on_a_drug_is_left_alone() -> None:
    # relapse on day -300, the drug taken from -500 to -45
    assert relapse_on_therapy([-300], SPAN, [(-500, -45)], visits=[-30]) is None


def test_a_relapse_between_drugs_moves_to_the_nearest_day_on_the_next_one() -> None:
    # relapse on -561, the oral drug from -500 (counts from -500 + 30 = -470) to -45: the
    # nearest allowed day is -470 (the old drug, -2500 to -900, ended before the span)
    assert DAYS_ON_DRUG == 30
    assert relapse_on_therapy([-561], SPAN, [(-2500, -900), (-500, -45)],
                              visits=[-230, -30]) == (-561, -470)


def test_a_moved_relapse_keeps_clear_of_edss_visits() -> None:
    # relapses on -600 and -561, the drug from -500 (on it from -470); a visit on -450
    # forbids -480 to -450 (no relapse in the 30 days before an EDSS visit), so the first
    # allowed day is -449: -561 moves there (112 days; -600 would move 151)
    assert relapse_on_therapy([-600, -561], SPAN, [(-500, -45)], visits=[-450]) == (-561,
                                                                                    -449)


def test_a_relapse_in_the_drugs_first_days_already_counts() -> None:
    # on -490 the drug (from -500) was taken: on therapy, as the screening reads it
    assert relapse_on_therapy([-490], SPAN, [(-500, -45)], visits=[]) is None


def test_a_relapse_after_the_span_is_not_moved_into_it() -> None:
    # the only relapse is during follow-up (day 100): nothing before the index to move
    assert relapse_on_therapy([100], SPAN, [(-500, -45)], visits=[]) is None


def test_no_drug_in_the_span_leaves_the_relapses_as_drawn() -> None:
    # fingolimod ended 770 days before the index date: outside the two years (TRMS43, 44)
    assert relapse_on_therapy([-300], SPAN, [(-2500, -1500), (-1450, -770)],
                              visits=[]) is None


def test_the_relapse_nearest_to_a_drug_is_the_one_moved() -> None:
    # relapses on -650 and -560, drug from -500: -560 is 90 days from -470, -650 is 180
    assert relapse_on_therapy([-650, -560], SPAN, [(-500, -45)], visits=[]) == (-560, -470)


def test_enrolment_waits_for_the_courses_the_arm_asks_for() -> None:
    first, second = dt.date(2012, 3, 29), dt.date(2013, 4, 30)
    # enrolled 2012-10-02 with one course begun: moved to 30 days after the second began
    assert enrolment_after_courses(dt.date(2012, 10, 2), [first, second], 2) == \
        dt.date(2013, 5, 30)
    # enrolled after both: unchanged
    assert enrolment_after_courses(dt.date(2013, 9, 1), [first, second], 2) == \
        dt.date(2013, 9, 1)
    # one course only, or an arm that asks for one: unchanged
    assert enrolment_after_courses(dt.date(2012, 10, 2), [first], 2) == dt.date(2012, 10, 2)
    assert enrolment_after_courses(first, [first, second], 1) == first

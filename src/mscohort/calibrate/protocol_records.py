"""Records that meet the seed's protocol without changing any fitted value.

Applied by :func:`mscohort.calibrate.records.build_records` after a patient's records are
drawn; deterministic (they draw no random numbers, so every other record and every other
patient stays as drawn) and they move nothing an analysed number reads:

* **A relapse on therapy** (the ALE-naive arm's "documented relapses on therapy in the prior
  two years", ``docs/protocol.md``): when no relapse of the two years before the index date
  began while a drug was taken, the one relapse of those years nearest to a drug exposure
  is moved into it, to the nearest day at least :data:`DAYS_ON_DRUG` after the drug
  started that keeps the records' rules (30 days from every other relapse, none in the 30
  days before an EDSS visit, inside the years it was drawn in). The number of relapses in
  every window the analysis counts (the pre-index window, follow-up) stays the same: the
  relapse stays in the span it was drawn in. A patient with no drug in those years keeps
  their relapses (the seed's TRMS43 and TRMS44: a declared deviation).
* **Enrolment after the courses the arm asks for** (the ALE-experienced arm's "> 1 courses of
  prior ALE", read as 2 or more): the enrolment date is moved, if need be, to
  :data:`ENROL_AFTER_COURSE_DAYS` after the first infusion of the arm's last required
  course. The index date is the first alemtuzumab infusion, not the enrolment, so no
  analysed number reads it; only the screening day does (``mscohort screen``).
"""

from __future__ import annotations

import datetime as dt

#: a relapse counts "on therapy" here from this many days after the drug started
DAYS_ON_DRUG = 30
#: days from the first infusion of the last required course to the enrolment (the course
#: given and its infusion-related events over)
ENROL_AFTER_COURSE_DAYS = 30
#: the spacing of relapses and their distance from EDSS visits (as drawn by the records)
RELAPSE_GAP_DAYS = 30


def _allowed(day: int, others: list[int], visits: list[int]) -> bool:
    return (all(abs(day - y) >= RELAPSE_GAP_DAYS for y in others)
            and not any(0 <= v - day <= RELAPSE_GAP_DAYS for v in visits))


def relapse_on_therapy(days: list[int], span: tuple[int, int],
                       exposures: list[tuple[int, int]],
                       visits: list[int]) -> tuple[int, int] | None:
    """The move (old day, new day) that puts one relapse of ``span`` on a drug, if needed.

    Parameters
    ----------
    days
        Relapse onsets, days from the index date (negative: before it).
    span
        The days (inclusive) in which the pre-index relapses were drawn; a moved relapse
        stays inside it, so every count of the analysis stays the same.
    exposures
        Drug exposures as (start, stop) days from the index date.
    visits
        EDSS visit days from the index date.

    Returns
    -------
    tuple[int, int] or None
        None when a relapse of ``span`` already began on a drug, when there is none in
        ``span`` to move, or no allowed day on a drug; otherwise the relapse nearest to an
        allowed day on a drug and that day (ties: the earlier relapse, then the earlier day).
    """
    lo, hi = span
    inside = [d for d in days if lo <= d <= hi]
    if not inside or any(a <= d <= b for d in inside for a, b in exposures):
        return None
    best: tuple[int, int, int] | None = None  # (distance, relapse, new day)
    for d in sorted(inside):
        others = [y for y in days if y != d]
        for a, b in exposures:
            for new in range(max(a + DAYS_ON_DRUG, lo), min(b, hi) + 1):
                if _allowed(new, others, visits) and (
                        best is None or (abs(new - d), d, new) < best):
                    best = (abs(new - d), d, new)
    return None if best is None else (best[1], best[2])


def enrolment_after_courses(enrolment: dt.date, course_starts: list[dt.date],
                            min_courses: int) -> dt.date:
    """The enrolment date, no earlier than :data:`ENROL_AFTER_COURSE_DAYS` after the first
    infusion of course ``min_courses`` (unchanged when the patient has fewer courses or
    ``min_courses`` is 1: the first course is the index date)."""
    if min_courses < 2 or len(course_starts) < min_courses:
        return enrolment
    return max(enrolment, course_starts[min_courses - 1]
               + dt.timedelta(days=ENROL_AFTER_COURSE_DAYS))

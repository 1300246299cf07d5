"""Cladribine tablets as an induction drug (#25 follow-up, item 6): the default
``induction_drugs`` and the Mavenclad SmPC reading (section 4.2: two treatment courses a
year apart, each of two treatment weeks at the start of months 1 and 2; none in years 3 and
4). With ``induction_max_gap_days`` the lapse runs from the first day of the last course,
also when a course is recorded as its two treatment weeks. Dates by hand in the comments."""

from __future__ import annotations

import datetime as dt

from mscohort.definition.comparison import INDUCTION_DRUGS, ComparisonSettings
from mscohort.derive.episodes import treatment_episodes
from mscohort.study import Study
from mscohort.vocabulary import DRUGS, normalise_drug
from tests.test_comparative_episodes import _frame

D = dt.date.fromisoformat
WEEKS = [("2014-01-06", "2014-01-10"), ("2014-02-03", "2014-02-07"),   # course 1
         ("2015-01-05", "2015-01-09"), ("2015-02-02", "2015-02-06")]   # course 2


def cladribine_study() -> Study:
    """K: cladribine tablets, each treatment week one row of ``treatments``; EDSS before
    and to 2018-06-01 (the end of data). N: natalizumab from 2014-01-01."""
    patients = _frame("patients", [
        {"patient_id": p, "sex": "F", "birth_date": "1980-01-01", "onset_date": "2005-01-01",
         "phenotype": "RRMS", "site": "X"} for p in "KN"])
    treatments = _frame("treatments", [
        *({"patient_id": "K", "drug": "cladribine", "start_date": a, "stop_date": b}
          for a, b in WEEKS),
        {"patient_id": "N", "drug": "natalizumab", "start_date": "2014-01-01",
         "stop_date": None}])
    edss = _frame("edss", [
        {"patient_id": p, "date": d, "edss": 2.0}
        for p in "KN" for d in ("2013-12-01", "2018-06-01")])
    return Study({"patients": patients, "treatments": treatments, "edss": edss})


def test_cladribine_is_a_default_induction_drug_of_the_vocabulary() -> None:
    assert INDUCTION_DRUGS == ComparisonSettings().induction_drugs == ("alemtuzumab",
                                                                        "cladribine")
    assert normalise_drug("Mavenclad") == "cladribine"  # the tablets' brand name
    route = {d.name: d.route for d in DRUGS}
    assert (route["cladribine"], route["alemtuzumab"]) == ("oral", "infusion")


def test_the_weeks_of_a_cladribine_course_are_one_course_for_the_lapse() -> None:
    settings = ComparisonSettings(treated="cladribine", comparators=("natalizumab",),
                                  episodes="all", induction_max_gap_days=730)
    ep = treatment_episodes(cladribine_study(), settings).episodes
    k = ep.filter(ep["patient_id"] == "K").row(0, named=True)
    # one episode from the first week; week 2 starts 24 days after week 1's stop (at most
    # course_gap_days = 30): the last course began 2015-01-05, not 2015-02-02; 730 days
    # later (2016 is a leap year) = 2017-01-04, before the end of data 2018-06-01
    assert k["start_date"] == D("2014-01-06")
    assert k["stop_date"] == k["end_date"] == D("2017-01-04")
    # by default (G = 0) the recorded stops end treatment weeks, not the treatment
    default = treatment_episodes(cladribine_study(), settings.with_(
        induction_max_gap_days=0)).episodes
    assert default.filter(default["patient_id"] == "K")["stop_date"].to_list() == [None]
